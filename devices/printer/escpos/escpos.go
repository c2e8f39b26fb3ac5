// Package escpos speaks ESC/POS, the command language of the kiosk's
// thermal receipt printer. Its Encoder builds the printer's bytes (GB18030
// text in Chinese mode, native GS ( k or raster GS v 0 QR codes, feeds and
// cuts) and EncodeReceipt lays a receipt.Document out on the paper; its
// Parser reads a stream back the way a printer does, for the simulator and
// the renderer.
package escpos

import (
	"errors"
	"fmt"
	"image"

	"github.com/skip2/go-qrcode"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// ESC/POS control bytes.
const (
	ESC = 0x1B // escape: starts most print commands
	GS  = 0x1D // group separator: starts the GS commands
	FS  = 0x1C // file separator: starts the Chinese-mode commands
	DLE = 0x10 // data link escape: starts the real-time commands
	EOT = 0x04 // end of transmission: DLE EOT n asks for a status
	LF  = 0x0A // line feed: prints the line
)

// Paper is a roll width in millimetres. Its value matches the hall profile's
// paper width, so escpos.Paper(58) is Paper58.
type Paper int

// The supported roll widths (devices.md §4.8, 203 dpi, Font A 12×24).
const (
	Paper58 Paper = 58 // 384 dots, 32 ASCII columns, 16 CJK characters
	Paper80 Paper = 80 // 576 dots, 48 ASCII columns, 24 CJK characters
)

// Dots returns the printable width in dots, or 0 for an unknown paper.
func (p Paper) Dots() int {
	switch p {
	case Paper58:
		return 384
	case Paper80:
		return 576
	}
	return 0
}

// Columns returns the number of Font A (12-dot) columns per line; a CJK
// character takes two.
func (p Paper) Columns() int { return p.Dots() / CellDots }

// Valid reports whether p is a supported paper.
func (p Paper) Valid() bool { return p.Dots() > 0 }

// String returns "58mm" or "80mm".
func (p Paper) String() string { return fmt.Sprintf("%dmm", int(p)) }

// CellDots is the width of one ASCII (Font A) column; a CJK glyph is 24×24.
const CellDots = 12

// Align is a line justification for ESC a.
type Align byte

// Justifications (ESC a n with n = 0, 1, 2).
const (
	AlignLeft   Align = 0
	AlignCenter Align = 1
	AlignRight  Align = 2
)

// ECLevel is a QR error-correction level as sent in GS ( k function 169.
type ECLevel byte

// QR error-correction levels. The zero value means ECLevelM in Options.
const (
	ECLevelL ECLevel = '0' // 7 %
	ECLevelM ECLevel = '1' // 15 %
	ECLevelQ ECLevel = '2' // 25 %
	ECLevelH ECLevel = '3' // 30 %
)

// Valid reports whether l is one of the four levels.
func (l ECLevel) Valid() bool { return l >= ECLevelL && l <= ECLevelH }

// qrLevel maps l to go-qrcode's recovery level.
func (l ECLevel) qrLevel() qrcode.RecoveryLevel {
	switch l {
	case ECLevelL:
		return qrcode.Low
	case ECLevelQ:
		return qrcode.High
	case ECLevelH:
		return qrcode.Highest
	}
	return qrcode.Medium
}

// QRMode chooses how a QR code is sent to the printer.
type QRMode int

// QR modes. QRNative is the zero value.
const (
	QRNative QRMode = iota // GS ( k: the printer builds the symbol
	QRRaster               // GS v 0: the host sends the symbol as a bitmap
)

// String returns "native" or "raster".
func (m QRMode) String() string {
	if m == QRRaster {
		return "raster"
	}
	return "native"
}

// Limits of the commands the encoder emits.
const (
	MaxQRData     = 7092 - 3 // GS ( k fn 180: pL+pH×256 ≤ 7092 (KP-628E)
	MaxModuleSize = 16       // dots per QR module
	maxRasterRows = 0xFFFF
)

// Encoder builds an ESC/POS byte stream. Methods append to its buffer and
// return the encoder so calls chain; the first error sticks and is returned
// by Err. An Encoder is not safe for concurrent use.
type Encoder struct {
	buf []byte
	gb  *encoding.Encoder
	err error
}

// NewEncoder returns an empty encoder.
func NewEncoder() *Encoder {
	return &Encoder{gb: simplifiedchinese.GB18030.NewEncoder()}
}

// Bytes returns the bytes encoded so far. The slice aliases the buffer.
func (e *Encoder) Bytes() []byte { return e.buf }

// Err returns the first error met while encoding, or nil.
func (e *Encoder) Err() error { return e.err }

// Reset empties the buffer and clears the error.
func (e *Encoder) Reset() {
	e.buf = e.buf[:0]
	e.err = nil
}

func (e *Encoder) fail(err error) *Encoder {
	if e.err == nil {
		e.err = err
	}
	return e
}

// Init resets the printer (ESC @): clears its line buffer and print modes.
func (e *Encoder) Init() *Encoder {
	e.buf = append(e.buf, ESC, '@')
	return e
}

// Align sets the justification of the following lines (ESC a n). Printers
// honour it only at the beginning of a line.
func (e *Encoder) Align(a Align) *Encoder {
	if a > AlignRight {
		return e.fail(fmt.Errorf("printer: align %d out of range", a))
	}
	e.buf = append(e.buf, ESC, 'a', byte(a))
	return e
}

// Bold turns emphasised printing on or off (ESC E n).
func (e *Encoder) Bold(on bool) *Encoder {
	e.buf = append(e.buf, ESC, 'E', boolByte(on))
	return e
}

// Size sets character magnification (GS ! n), 1–8 times in each direction.
func (e *Encoder) Size(w, h int) *Encoder {
	if w < 1 || w > 8 || h < 1 || h > 8 {
		return e.fail(fmt.Errorf("printer: character size %d×%d out of range 1–8", w, h))
	}
	e.buf = append(e.buf, GS, '!', byte((w-1)<<4|(h-1)))
	return e
}

// ChineseMode enters (FS &) or leaves (FS .) double-byte Chinese mode, in
// which the printer reads GB codes.
func (e *Encoder) ChineseMode(on bool) *Encoder {
	if on {
		e.buf = append(e.buf, FS, '&')
	} else {
		e.buf = append(e.buf, FS, '.')
	}
	return e
}

// Text appends s encoded in GB18030, without a line feed. Control
// characters are dropped (a tab becomes a space) so that data from outside
// can never smuggle printer commands into the stream. The printer must be
// in Chinese mode for non-ASCII text.
func (e *Encoder) Text(s string) *Encoder {
	s = printable(s)
	if s == "" {
		return e
	}
	b, err := e.gb.Bytes([]byte(s))
	if err != nil {
		return e.fail(fmt.Errorf("printer: encode %q to GB18030: %w", s, err))
	}
	e.buf = append(e.buf, b...)
	return e
}

// LF prints the line buffer and feeds one line.
func (e *Encoder) LF() *Encoder {
	e.buf = append(e.buf, LF)
	return e
}

// Feed prints the line buffer and feeds n lines (ESC d n), n in 0–255.
func (e *Encoder) Feed(n int) *Encoder {
	if n < 0 || n > 255 {
		return e.fail(fmt.Errorf("printer: feed %d lines out of range 0–255", n))
	}
	e.buf = append(e.buf, ESC, 'd', byte(n))
	return e
}

// FeedDots prints the line buffer and feeds n dots (ESC J n), n in 0–255.
func (e *Encoder) FeedDots(n int) *Encoder {
	if n < 0 || n > 255 {
		return e.fail(fmt.Errorf("printer: feed %d dots out of range 0–255", n))
	}
	e.buf = append(e.buf, ESC, 'J', byte(n))
	return e
}

// Cut feeds to the cutter plus n motion units and cuts partially (GS V 66 n),
// leaving the receipt hanging so it does not fall.
func (e *Encoder) Cut(n byte) *Encoder {
	e.buf = append(e.buf, GS, 'V', 66, n)
	return e
}

// QR prints data as a native QR code (GS ( k, model 2): functions 165
// (model), 167 (module size in dots), 169 (error correction), 180 (store)
// and 181 (print), exactly as in devices.md §4.4. data is sent as raw
// bytes; UTF-8 is what phones expect.
func (e *Encoder) QR(data []byte, module int, ec ECLevel) *Encoder {
	switch {
	case len(data) == 0:
		return e.fail(errors.New("printer: empty QR data"))
	case len(data) > MaxQRData:
		return e.fail(fmt.Errorf("printer: QR data of %d bytes exceeds %d", len(data), MaxQRData))
	case module < 1 || module > MaxModuleSize:
		return e.fail(fmt.Errorf("printer: QR module size %d out of range 1–%d", module, MaxModuleSize))
	case !ec.Valid():
		return e.fail(fmt.Errorf("printer: QR error correction %#x invalid", byte(ec)))
	}
	n := len(data) + 3
	e.buf = append(e.buf,
		GS, '(', 'k', 4, 0, '1', 'A', '2', 0, // fn 165: model 2
		GS, '(', 'k', 3, 0, '1', 'C', byte(module), // fn 167: module size
		GS, '(', 'k', 3, 0, '1', 'E', byte(ec), // fn 169: error correction
		GS, '(', 'k', byte(n), byte(n>>8), '1', 'P', '0') // fn 180: store
	e.buf = append(e.buf, data...)
	e.buf = append(e.buf, GS, '(', 'k', 3, 0, '1', 'Q', '0') // fn 181: print
	return e
}

// Raster prints img as a 1-bit raster image (GS v 0, normal density): a
// pixel darker than mid-grey prints black. Its width is rounded up to a
// multiple of 8 dots with white.
func (e *Encoder) Raster(img image.Image) *Encoder {
	b := img.Bounds()
	return e.raster(b.Dx(), b.Dy(), func(x, y int) bool {
		r, g, bl, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
		if a < 0x8000 {
			return false
		}
		// Rec. 601 luma on 16-bit channels.
		return (299*r+587*g+114*bl)/1000 < 0x8000
	})
}

// RasterQR renders data as a QR symbol with go-qrcode (no quiet zone, each
// module module×module dots) and prints it as a raster image: the fallback
// for printers without GS ( k.
func (e *Encoder) RasterQR(data []byte, module int, ec ECLevel) *Encoder {
	switch {
	case len(data) == 0:
		return e.fail(errors.New("printer: empty QR data"))
	case module < 1 || module > MaxModuleSize:
		return e.fail(fmt.Errorf("printer: QR module size %d out of range 1–%d", module, MaxModuleSize))
	case !ec.Valid():
		return e.fail(fmt.Errorf("printer: QR error correction %#x invalid", byte(ec)))
	}
	bm, err := QRModules(data, ec)
	if err != nil {
		return e.fail(err)
	}
	n := len(bm) * module
	return e.raster(n, n, func(x, y int) bool { return bm[y/module][x/module] })
}

// raster emits GS v 0 for a w×h image whose black pixels are given by dot.
func (e *Encoder) raster(w, h int, dot func(x, y int) bool) *Encoder {
	rowBytes := (w + 7) / 8
	if w < 1 || h < 1 || rowBytes > 0xFFFF || h > maxRasterRows {
		return e.fail(fmt.Errorf("printer: raster image %d×%d out of range", w, h))
	}
	e.buf = append(e.buf, GS, 'v', '0', 0, byte(rowBytes), byte(rowBytes>>8), byte(h), byte(h>>8))
	for y := 0; y < h; y++ {
		for xb := 0; xb < rowBytes; xb++ {
			var v byte
			for bit := 0; bit < 8; bit++ {
				if x := xb*8 + bit; x < w && dot(x, y) {
					v |= 0x80 >> bit
				}
			}
			e.buf = append(e.buf, v)
		}
	}
	return e
}

// QRModules returns the QR symbol for data without quiet zone, one bool per
// module, [y][x], true for dark: what RasterQR prints and what a printer
// builds for GS ( k.
func QRModules(data []byte, ec ECLevel) ([][]bool, error) {
	q, err := qrcode.New(string(data), ec.qrLevel())
	if err != nil {
		return nil, fmt.Errorf("printer: build QR of %d bytes: %w", len(data), err)
	}
	q.DisableBorder = true
	return q.Bitmap(), nil
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}
