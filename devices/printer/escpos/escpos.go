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
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/skip2/go-qrcode"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/width"

	"sckiosk/kiosk/core/receipt"
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

// printable removes what must not reach the printer as text: control
// characters (C0, DEL, C1) and invalid UTF-8. A tab becomes a space.
func printable(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// RuneWidth returns the columns r takes on the printer: 1 for ASCII and
// half-width forms, 2 for everything else. In Chinese mode every non-ASCII
// character travels as a multi-byte GB code and prints as a 24×24 glyph, so
// East Asian ambiguous and neutral characters (·, “, é) count as wide too.
// Control characters take none.
func RuneWidth(r rune) int {
	switch {
	case r < 0x20 || r == 0x7F:
		return 0
	case r < 0x7F:
		return 1
	case unicode.IsControl(r):
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianHalfwidth, width.EastAsianNarrow:
		return 1
	}
	return 2
}

// DisplayWidth returns the columns s takes on the printer.
func DisplayWidth(s string) int {
	n := 0
	for _, r := range s {
		n += RuneWidth(r)
	}
	return n
}

// Wrap breaks s into lines of at most cols columns (see RuneWidth). It
// breaks between any two CJK characters and at spaces; a run of ASCII
// letters and digits (a case number, a URL) is kept whole when it fits on
// a line of its own. Newlines in s start new lines.
func Wrap(s string, cols int) []string {
	return wrapWidths(s, cols, cols)
}

// wrapWidths is Wrap with a first line of first columns and the rest of
// rest columns.
func wrapWidths(s string, first, rest int) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		limit := first
		if len(out) > 0 {
			limit = rest
		}
		out = append(out, wrapPara(para, limit, rest)...)
	}
	return out
}

// wrapPara wraps one paragraph without newlines.
func wrapPara(s string, first, rest int) []string {
	rs := []rune(printable(s))
	if len(rs) == 0 {
		return []string{""}
	}
	var lines []string
	limit := max(first, 1)
	for len(rs) > 0 {
		// Take as many runes as fit.
		w, n := 0, 0
		for n < len(rs) {
			rw := RuneWidth(rs[n])
			if w+rw > limit && n > 0 {
				break
			}
			w += rw
			n++
		}
		// Do not split an ASCII word when the line has an earlier break.
		if n < len(rs) && isWordRune(rs[n]) && isWordRune(rs[n-1]) {
			cut := n
			for cut > 0 && isWordRune(rs[cut-1]) {
				cut--
			}
			if cut > 0 {
				n = cut
			}
		}
		lines = append(lines, strings.TrimRight(string(rs[:n]), " "))
		rs = rs[n:]
		for len(rs) > 0 && rs[0] == ' ' {
			rs = rs[1:]
		}
		limit = max(rest, 1)
	}
	return lines
}

// isWordRune reports whether r belongs to an ASCII word that should not be
// broken across lines.
func isWordRune(r rune) bool {
	return r < 0x80 && r > ' ' && r != 0x7F
}

// EncodeOptions control how EncodeReceipt lays out a receipt.
type EncodeOptions struct {
	Paper        Paper   // roll width; zero means Paper58
	QRMode       QRMode  // native GS ( k (default) or raster GS v 0
	QRModuleSize int     // dots per QR module; zero means 6, shrunk to fit the paper
	QRECLevel    ECLevel // zero means ECLevelM
}

// WithDefaults returns o with its zero fields filled in, or an error when
// a field is invalid.
func (o EncodeOptions) WithDefaults() (EncodeOptions, error) {
	if o.Paper == 0 {
		o.Paper = Paper58
	}
	if !o.Paper.Valid() {
		return o, fmt.Errorf("printer: unsupported paper %d mm", int(o.Paper))
	}
	if o.QRModuleSize == 0 {
		o.QRModuleSize = 6
	}
	if o.QRModuleSize < 1 || o.QRModuleSize > MaxModuleSize {
		return o, fmt.Errorf("printer: QR module size %d out of range 1–%d", o.QRModuleSize, MaxModuleSize)
	}
	if o.QRECLevel == 0 {
		o.QRECLevel = ECLevelM
	}
	if !o.QRECLevel.Valid() {
		return o, fmt.Errorf("printer: QR error correction %#x invalid", byte(o.QRECLevel))
	}
	if o.QRMode != QRNative && o.QRMode != QRRaster {
		return o, fmt.Errorf("printer: unknown QR mode %d", o.QRMode)
	}
	return o, nil
}

// titleGap is the feed in dots under a title, whose double-height glyphs
// fill the whole line.
const titleGap = 12

// rowSep separates a row's label from its value: a full-width colon.
const rowSep = "："

// EncodeReceipt lays doc out for the paper and returns the whole print job:
// reset, Chinese mode, the blocks (title centred bold double size, text
// wrapped, rows as "label：value" with continuation lines indented under
// the value, rules as a line of '-', QR centred with its caption), a feed
// and a partial cut.
func EncodeReceipt(doc receipt.Document, opt EncodeOptions) ([]byte, error) {
	opt, err := opt.WithDefaults()
	if err != nil {
		return nil, err
	}
	cols := opt.Paper.Columns()
	e := NewEncoder()
	e.Init().ChineseMode(true).Align(AlignLeft)
	for i, b := range doc.Blocks {
		switch b.Kind {
		case receipt.Title:
			e.Align(AlignCenter).Bold(true).Size(2, 2)
			for _, l := range Wrap(b.Text, cols/2) {
				e.Text(l).LF()
			}
			e.Size(1, 1).Bold(false).Align(AlignLeft).FeedDots(titleGap)
		case receipt.Text:
			if strings.TrimSpace(b.Text) == "" {
				continue
			}
			for _, l := range Wrap(b.Text, cols) {
				e.Text(l).LF()
			}
		case receipt.Row:
			for _, l := range rowLines(b.Label, b.Text, cols) {
				e.Text(l).LF()
			}
		case receipt.Rule:
			e.Text(strings.Repeat("-", cols)).LF()
		case receipt.QR:
			if err := encodeQR(e, []byte(b.Data), opt); err != nil {
				return nil, fmt.Errorf("printer: block %d: %w", i, err)
			}
			if b.Text != "" {
				e.Align(AlignCenter)
				for _, l := range Wrap(b.Text, cols) {
					e.Text(l).LF()
				}
				e.Align(AlignLeft)
			}
		default:
			return nil, fmt.Errorf("printer: block %d: unknown kind %d", i, b.Kind)
		}
	}
	e.Feed(3).Cut(0)
	if err := e.Err(); err != nil {
		return nil, err
	}
	return e.Bytes(), nil
}

// encodeQR emits a blank line, the centred QR symbol and another blank line
// (the quiet zone), shrinking the module size until the symbol fits.
func encodeQR(e *Encoder, data []byte, opt EncodeOptions) error {
	if len(data) == 0 {
		return errors.New("printer: empty QR data")
	}
	q, err := qrcode.New(string(data), opt.QRECLevel.qrLevel())
	if err != nil {
		return fmt.Errorf("printer: build QR of %d bytes: %w", len(data), err)
	}
	modules := 17 + 4*q.VersionNumber
	module := min(opt.QRModuleSize, opt.Paper.Dots()/modules)
	if module < 1 {
		return fmt.Errorf("printer: QR of %d modules does not fit %s paper", modules, opt.Paper)
	}
	e.LF().Align(AlignCenter)
	if opt.QRMode == QRRaster {
		q.DisableBorder = true
		bm := q.Bitmap()
		n := len(bm) * module
		e.raster(n, n, func(x, y int) bool { return bm[y/module][x/module] })
	} else {
		e.QR(data, module, opt.QRECLevel)
	}
	e.LF().Align(AlignLeft)
	return e.Err()
}

// rowLines lays out "label：value" in cols columns; continuation lines are
// indented to the value's column, or by two columns when the label is too
// wide for that.
func rowLines(label, value string, cols int) []string {
	label, value = strings.TrimSpace(printable(label)), strings.TrimSpace(value)
	if label == "" {
		return Wrap(value, cols)
	}
	prefix := label + rowSep
	pw := DisplayWidth(prefix)
	indent := pw
	if indent > cols/2 {
		indent = 2
	}
	pad := strings.Repeat(" ", indent)
	if value == "" {
		return Wrap(prefix, cols)
	}
	var lines []string
	if cols-pw < 4 {
		// The label leaves no room: it gets its own line(s).
		lines = Wrap(prefix, cols)
		for _, l := range Wrap(value, cols-indent) {
			lines = append(lines, pad+l)
		}
		return lines
	}
	for i, l := range wrapWidths(value, cols-pw, cols-indent) {
		if i == 0 {
			lines = append(lines, prefix+l)
		} else {
			lines = append(lines, pad+l)
		}
	}
	return lines
}
