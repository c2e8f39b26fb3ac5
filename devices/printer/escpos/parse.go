package escpos

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// MaxBuffered is the largest command a Parser keeps whole in memory; a
// larger payload is consumed and discarded as it arrives, so the parser's
// memory stays bounded whatever it is fed.
const MaxBuffered = 1 << 20

// Parser turns an ESC/POS byte stream into Ops, the way a printer reads
// it. It keeps at most one incomplete command between calls; payloads that
// do not reach the paper are skipped without being held. It is not safe for
// concurrent use.
type Parser struct {
	buf           []byte
	skip          int // payload bytes still to discard
	chinese       bool
	chineseAtInit bool
	gb            *encoding.Decoder
	tmp           [16]byte
	// rt is how much of a DLE EOT n the bytes inside commands have
	// shown: 0 none, 1 DLE, 2 DLE EOT. scanned is how many bytes at the
	// front of buf were already looked at for it.
	rt      byte
	scanned int
}

// NewParser returns a parser in the state of a printer just switched on:
// in Chinese (GB18030) mode when chineseAtPowerOn, else single-byte (code
// page 437). ESC @ returns to that mode.
func NewParser(chineseAtPowerOn bool) *Parser {
	return &Parser{
		chinese:       chineseAtPowerOn,
		chineseAtInit: chineseAtPowerOn,
		gb:            simplifiedchinese.GB18030.NewDecoder(),
	}
}

// Pending reports whether an incomplete command waits for more bytes.
func (p *Parser) Pending() bool { return len(p.buf) > 0 || p.skip > 0 }

// Buffered returns how many bytes of an incomplete command p holds.
func (p *Parser) Buffered() int { return len(p.buf) }

// Drop abandons an incomplete command and returns how many bytes it held.
func (p *Parser) Drop() int {
	n := len(p.buf)
	p.buf = p.buf[:0]
	p.skip = 0
	p.rt, p.scanned = 0, 0
	return n
}

// scan looks for DLE EOT n in bytes that belong to a command, as a
// printer does on receipt whatever it is parsing, and emits an embedded
// OpStatus for each (n 1–4; the bytes stay part of the command).
func (p *Parser) scan(b []byte, emit func(Op)) {
	for len(b) > 0 {
		if p.rt == 0 {
			i := bytes.IndexByte(b, DLE)
			if i < 0 {
				return
			}
			b = b[i:]
		}
		c := b[0]
		b = b[1:]
		switch {
		case p.rt == 2:
			p.rt = 0
			if c >= 1 && c <= 4 {
				emit(Op{Kind: OpStatus, N: int(c), Embedded: true})
			}
		case c == DLE:
			p.rt = 1
		case p.rt == 1 && c == EOT:
			p.rt = 2
		default:
			p.rt = 0
		}
	}
}

// Feed parses b, calling emit for every complete op.
func (p *Parser) Feed(b []byte, emit func(Op)) {
	for p.skip > 0 && len(b) > 0 {
		k := min(p.skip, len(b))
		p.scan(b[:k], emit)
		emit(Op{Kind: OpIgnore, Raw: b[:k]})
		p.skip -= k
		b = b[k:]
	}
	if len(b) == 0 {
		return
	}
	var src []byte
	if len(p.buf) == 0 {
		src = b // fast path: nothing pending, parse the caller's slice
	} else {
		p.buf = append(p.buf, b...)
		src = p.buf
	}
	off := 0
	for off < len(src) {
		if p.skip > 0 {
			k := min(p.skip, len(src)-off)
			p.scan(src[off:off+k], emit)
			emit(Op{Kind: OpIgnore, Raw: src[off : off+k]})
			p.skip -= k
			off += k
			continue
		}
		n, o := p.step(src[off:])
		if n == 0 {
			break
		}
		o.Raw = src[off : off+n]
		seen := min(p.scanned, n)
		p.scanned -= seen
		if o.Realtime() {
			p.rt = 0 // a DLE command itself: answered as an op
		} else if n > 1 || p.rt != 0 {
			p.scan(o.Raw[seen:], emit)
		}
		emit(o)
		off += n
	}
	rest := src[off:]
	// An incomplete command: a status query inside it is answered now,
	// not when (or if) the command completes.
	p.scan(rest[min(p.scanned, len(rest)):], emit)
	p.scanned = len(rest)
	if len(p.buf) == 0 {
		p.buf = append(p.buf, rest...)
	} else {
		p.buf = p.buf[:copy(p.buf, rest)]
	}
	if cap(p.buf) > 2*MaxBuffered && len(p.buf) < MaxBuffered/2 {
		p.buf = append([]byte(nil), p.buf...)
	}
}

// step parses one op from the front of b and returns the bytes it used, or
// 0 when b holds only the beginning of a command.
func (p *Parser) step(b []byte) (int, Op) {
	c := b[0]
	switch {
	case c == LF:
		return 1, Op{Kind: OpLF}
	case c == '\t':
		return 1, Op{Kind: OpTab}
	case c == DLE:
		return p.dleCmd(b)
	case c == ESC:
		return p.escCmd(b)
	case c == FS:
		return p.fsCmd(b)
	case c == GS:
		return p.gsCmd(b)
	case c < 0x20 || c == 0x7F:
		return 1, Op{Kind: OpIgnore} // CR, FF, CAN, NUL… have no effect here
	case c < 0x80:
		return 1, Op{Kind: OpText, R: rune(c)}
	case !p.chinese:
		return 1, Op{Kind: OpText, R: charmap.CodePage437.DecodeByte(c)}
	}
	return p.gbChar(b)
}

// gbChar decodes one GB18030 character (2 or 4 bytes) in Chinese mode. An
// invalid lead byte prints U+FFFD and the following bytes are parsed anew.
func (p *Parser) gbChar(b []byte) (int, Op) {
	bad := Op{Kind: OpText, R: utf8.RuneError}
	c := b[0]
	if c == 0x80 || c == 0xFF {
		return 1, bad
	}
	if len(b) < 2 {
		return 0, Op{}
	}
	c2 := b[1]
	n := 0
	switch {
	case c2 >= 0x40 && c2 <= 0xFE && c2 != 0x7F:
		n = 2
	case c2 >= 0x30 && c2 <= 0x39:
		if len(b) < 4 {
			return 0, Op{}
		}
		if b[2] < 0x81 || b[2] == 0xFF || b[3] < 0x30 || b[3] > 0x39 {
			return 1, bad
		}
		n = 4
	default:
		return 1, bad
	}
	p.gb.Reset()
	nDst, _, err := p.gb.Transform(p.tmp[:], b[:n], true)
	if err != nil || nDst == 0 {
		return n, bad
	}
	r, _ := utf8.DecodeRune(p.tmp[:nDst])
	return n, Op{Kind: OpText, R: r}
}

// need returns 0 (wait) when b is shorter than n, else n.
func need(b []byte, n int) int {
	if len(b) < n {
		return 0
	}
	return n
}

// sized handles a command of head bytes followed by a payload of size
// bytes: payloads above maxBuffered are skipped as they stream in.
func (p *Parser) sized(b []byte, head, size int, keep func(whole []byte) Op) (int, Op) {
	if size > MaxBuffered || keep == nil {
		p.skip = size
		return head, Op{Kind: OpIgnore}
	}
	if len(b) < head+size {
		return 0, Op{}
	}
	return head + size, keep(b[:head+size])
}

func (p *Parser) dleCmd(b []byte) (int, Op) {
	if len(b) < 2 {
		return 0, Op{}
	}
	switch b[1] {
	case EOT:
		if len(b) < 3 {
			return 0, Op{}
		}
		return 3, Op{Kind: OpStatus, N: int(b[2])}
	case 0x05: // DLE ENQ n
		return need(b, 3), Op{Kind: OpRealtime}
	case 0x14: // DLE DC4 fn …
		if len(b) < 3 {
			return 0, Op{}
		}
		switch b[2] {
		case 1, 2:
			return need(b, 5), Op{Kind: OpRealtime}
		case 8:
			return need(b, 10), Op{Kind: OpRealtime}
		}
		return 3, Op{Kind: OpRealtime}
	}
	return 1, Op{Kind: OpIgnore} // a lone DLE
}

// escParams returns the number of parameter bytes of a fixed-length ESC
// command the simulated paper does not show, and whether the paper of a
// real printer would look different for it (then it is reported). ok is
// false for a command the parser does not know.
func escParams(c byte) (n int, shows, ok bool) {
	switch c {
	case '=', 'c', 'p', 'u', 'v', 'r', 't', 'R', 'K', 'F', 'f', 'B', 'U', '?', '<':
		// peripherals, sensors, drawer, status, colour, code pages,
		// direction, beeper: nothing the simulated paper shows
		switch c {
		case 'c', 'B', 'f':
			return 2, false, true
		case 'p':
			return 3, false, true
		case '<':
			return 0, false, true
		}
		return 1, false, true
	case ' ', '%', '{', 'V', 'T', 'e', 'L', 'S', '\f', '$', '\\', 'W':
		// spacing, user-defined characters, upside-down, rotation, page
		// mode, reverse feed, positions: the paper would differ
		switch c {
		case 'L', 'S', '\f':
			return 0, true, true
		case '$', '\\':
			return 2, true, true
		case 'W':
			return 8, true, true
		}
		return 1, true, true
	}
	return 1, true, false // most ESC commands take one parameter byte
}

// unrendered is an op for a command the simulated paper does not show.
func unrendered(name string) Op { return Op{Kind: OpUnrendered, Name: name} }

// cmdName names the command that starts b (its first two bytes).
func cmdName(b []byte) string {
	lead := map[byte]string{ESC: "ESC", GS: "GS", FS: "FS"}[b[0]]
	c := b[1]
	if c > ' ' && c < 0x7F {
		return fmt.Sprintf("%s %c", lead, c)
	}
	return fmt.Sprintf("%s %02X", lead, c)
}

func (p *Parser) escCmd(b []byte) (int, Op) {
	if len(b) < 2 {
		return 0, Op{}
	}
	one := func(k OpKind) (int, Op) {
		if len(b) < 3 {
			return 0, Op{}
		}
		return 3, Op{Kind: k, N: int(b[2])}
	}
	switch b[1] {
	case '@':
		p.chinese = p.chineseAtInit
		return 2, Op{Kind: OpInit}
	case 'a':
		return one(OpAlign)
	case 'E', 'G':
		return one(OpBold)
	case '-':
		return one(OpUnderline)
	case '!':
		return one(OpPrintMode)
	case 'd':
		return one(OpFeedLines)
	case 'M':
		return one(OpFont)
	case 'J':
		return one(OpFeedDots)
	case '3':
		return one(OpLineSpacing)
	case '2':
		return 2, Op{Kind: OpLineSpacing, N: -1}
	case 'i', 'm':
		return 2, Op{Kind: OpCut}
	case 'D': // tab stops, NUL-terminated, at most 32
		end := min(len(b), 2+33)
		if i := bytes.IndexByte(b[2:end], 0); i >= 0 {
			return 2 + i + 1, Op{Kind: OpIgnore}
		}
		return need(b, 2+33), Op{Kind: OpIgnore}
	case '*': // bit image: ESC * m nL nH d…
		if len(b) < 3 {
			return 0, Op{}
		}
		m := b[2]
		if m != 0 && m != 1 && m != 32 && m != 33 {
			return 3, unrendered(fmt.Sprintf("ESC * mode %d", m)) // the rest is normal data
		}
		if len(b) < 5 {
			return 0, Op{}
		}
		cols := int(binary.LittleEndian.Uint16(b[3:5]))
		k := cols
		if m >= 32 {
			k *= 3
		}
		return p.sized(b, 5, k, func(whole []byte) Op {
			return Op{Kind: OpBitImage, N: int(m), W: cols, Data: whole[5:]}
		})
	case '(': // ESC ( fn pL pH …: beeper, settings
		if len(b) < 5 {
			return 0, Op{}
		}
		size := int(binary.LittleEndian.Uint16(b[3:5]))
		p.skip = size
		return 5, unrendered(fmt.Sprintf("ESC ( %c", asciiOr(b[2])))
	case '&': // user-defined characters: ESC & y c1 c2 [x d1…d(y×x)]…
		if len(b) < 5 {
			return 0, Op{}
		}
		y, c1, c2 := int(b[2]), int(b[3]), int(b[4])
		if y > 3 || c1 < 32 || c2 > 126 || c1 > c2 {
			return 5, Op{Kind: OpIgnore}
		}
		pos := 5
		for c := c1; c <= c2; c++ {
			if len(b) <= pos {
				return 0, Op{}
			}
			pos += 1 + y*int(b[pos])
		}
		return need(b, pos), Op{Kind: OpIgnore}
	}
	k, shows, known := escParams(b[1])
	if len(b) < 2+k {
		return 0, Op{}
	}
	switch {
	case !known:
		return 2 + k, unrendered("unknown " + cmdName(b))
	case shows:
		return 2 + k, unrendered(cmdName(b))
	}
	return 2 + k, Op{Kind: OpIgnore}
}

// asciiOr returns c, or '?' when it is not a printable ASCII byte.
func asciiOr(c byte) byte {
	if c > ' ' && c < 0x7F {
		return c
	}
	return '?'
}

func (p *Parser) fsCmd(b []byte) (int, Op) {
	if len(b) < 2 {
		return 0, Op{}
	}
	switch b[1] {
	case '&':
		p.chinese = true
		return 2, Op{Kind: OpIgnore}
	case '.':
		p.chinese = false
		return 2, Op{Kind: OpIgnore}
	case 'C', 'r':
		return need(b, 3), Op{Kind: OpIgnore}
	case '?':
		return need(b, 4), Op{Kind: OpIgnore}
	case '!', '-', 'W': // Chinese print modes
		if len(b) < 3 {
			return 0, Op{}
		}
		return 3, unrendered(cmdName(b))
	case 'S': // Chinese character spacing
		if len(b) < 4 {
			return 0, Op{}
		}
		return 4, unrendered(cmdName(b))
	case 'p': // print an NV bit image
		if len(b) < 4 {
			return 0, Op{}
		}
		return 4, unrendered("FS p (NV bit image)")
	case 'q': // FS q n [xL xH yL yH d…]…: define NV bit images; the first one's data is skipped
		if len(b) < 7 {
			return 0, Op{}
		}
		x, y := int(binary.LittleEndian.Uint16(b[3:5])), int(binary.LittleEndian.Uint16(b[5:7]))
		p.skip = x * y * 8
		return 7, unrendered("FS q (NV bit image)")
	case '2': // FS 2 c1 c2 d1…d72
		if len(b) < 4+72 {
			return 0, Op{}
		}
		return 4 + 72, unrendered(cmdName(b))
	}
	if len(b) < 3 {
		return 0, Op{}
	}
	return 3, unrendered("unknown " + cmdName(b)) // taken to have one parameter byte
}

// gsParams returns the number of parameter bytes of a fixed-length GS
// command the simulated paper does not show, and whether a real printer's
// paper would look different for it; ok is false for an unknown command.
func gsParams(c byte) (n int, shows, ok bool) {
	switch c {
	case 'r', 'I', 'b', 'E', 'T', 'j':
		return 1, false, true
	case 'P':
		return 2, false, true
	case ':':
		return 0, false, true
	case 'B', '/':
		return 1, true, true
	case 'L', 'W', '$', '\\':
		return 2, true, true
	}
	return 1, true, false
}

func (p *Parser) gsCmd(b []byte) (int, Op) {
	if len(b) < 2 {
		return 0, Op{}
	}
	switch b[1] {
	case '!':
		if len(b) < 3 {
			return 0, Op{}
		}
		return 3, Op{Kind: OpSize, N: int(b[2])}
	case 'V':
		if len(b) < 3 {
			return 0, Op{}
		}
		switch b[2] {
		case 0, 1, '0', '1':
			return 3, Op{Kind: OpCut}
		case 65, 66, 97, 98, 103, 104:
			return need(b, 4), Op{Kind: OpCut}
		}
		return 3, Op{Kind: OpIgnore}
	case 'v':
		if len(b) < 3 {
			return 0, Op{}
		}
		if b[2] != '0' {
			return 2, Op{Kind: OpIgnore}
		}
		if len(b) < 8 {
			return 0, Op{}
		}
		m := int(b[3])
		w := int(binary.LittleEndian.Uint16(b[4:6]))
		h := int(binary.LittleEndian.Uint16(b[6:8]))
		return p.sized(b, 8, w*h, func(whole []byte) Op {
			return Op{Kind: OpRaster, N: m, W: w, H: h, Data: whole[8:]}
		})
	case 'h', 'w', 'H', 'f':
		if len(b) < 3 {
			return 0, Op{}
		}
		kind := map[byte]OpKind{'h': OpBarcodeHeight, 'w': OpBarcodeWidth, 'H': OpBarcodeHRI, 'f': OpBarcodeFont}[b[1]]
		return 3, Op{Kind: kind, N: int(b[2])}
	case '(':
		if len(b) < 5 {
			return 0, Op{}
		}
		size := int(binary.LittleEndian.Uint16(b[3:5]))
		fn := b[2]
		return p.sized(b, 5, size, func(whole []byte) Op { return gsParen(fn, whole[5:]) })
	case '8': // GS 8 L p1 p2 p3 p4 m fn …: GS ( L with a 32-bit length
		if len(b) < 7 {
			return 0, Op{}
		}
		size := int(min(binary.LittleEndian.Uint32(b[3:7]), 1<<31-1))
		if b[2] != 'L' || size > MaxBuffered {
			p.skip = size
			return 7, unrendered(fmt.Sprintf("GS 8 %c", asciiOr(b[2])))
		}
		return p.sized(b, 7, size, func(whole []byte) Op { return gsParen('L', whole[7:]) })
	case '*': // GS * x y d…: define a downloaded bit image (printed by GS /)
		if len(b) < 4 {
			return 0, Op{}
		}
		return p.sized(b, 4, int(b[2])*int(b[3])*8, nil)
	case 'k': // barcode
		return barcodeCmd(b)
	case ':':
		return 2, Op{Kind: OpIgnore}
	case 'a':
		if len(b) < 3 {
			return 0, Op{}
		}
		return 3, Op{Kind: OpASB, N: int(b[2])}
	}
	k, shows, known := gsParams(b[1])
	if len(b) < 2+k {
		return 0, Op{}
	}
	switch {
	case !known:
		return 2 + k, unrendered("unknown " + cmdName(b))
	case shows:
		return 2 + k, unrendered(cmdName(b))
	}
	return 2 + k, Op{Kind: OpIgnore}
}

// barcodeCmd parses GS k m …: form A (m 0–6) ends at a NUL, form B (m
// 65–78) carries its length. An m out of range cancels the command after
// m; the bytes that follow are normal data.
func barcodeCmd(b []byte) (int, Op) {
	if len(b) < 3 {
		return 0, Op{}
	}
	m := b[2]
	switch {
	case m <= 6:
		end := min(len(b), 3+256)
		i := bytes.IndexByte(b[3:end], 0)
		if i < 0 {
			if len(b) < 3+256 {
				return 0, Op{}
			}
			return 3 + 256, unrendered("GS k: form A data without its NUL")
		}
		return 3 + i + 1, Op{Kind: OpBarcode, N: int(m) + 65, W: 1, Data: b[3 : 3+i]}
	case m >= 65 && m <= 78:
		if len(b) < 4 || len(b) < 4+int(b[3]) {
			return 0, Op{}
		}
		return 4 + int(b[3]), Op{Kind: OpBarcode, N: int(m), Data: b[4 : 4+int(b[3])]}
	}
	return 3, unrendered(fmt.Sprintf("GS k m=%d", m))
}

// gsParen decodes the body (cn fn params…, or m fn … for L) of GS ( fn.
func gsParen(fn byte, body []byte) Op {
	switch fn {
	case 'k':
		return gsParenK(body)
	case 'L':
		return gsParenL(body)
	case 'A':
		return unrendered("GS ( A (test print)")
	case 'C', 'D', 'E', 'H', 'K', 'M', 'P':
		return Op{Kind: OpIgnore} // NV memory, real-time switches, settings, replies
	}
	return unrendered(fmt.Sprintf("GS ( %c", asciiOr(fn)))
}

// symbols names the 2D symbols of GS ( k by cn.
var symbols = map[byte]string{'0': "PDF417", '2': "MaxiCode", '3': "GS1 DataBar", '4': "composite", '5': "Aztec", '6': "DataMatrix"}

// gsParenK decodes GS ( k: the QR functions are rendered; another symbol
// is reported when it is printed (fn 81), its settings and data ignored.
func gsParenK(body []byte) Op {
	if len(body) < 2 {
		return Op{Kind: OpIgnore}
	}
	if body[0] != '1' {
		if body[1] != 'Q' {
			return Op{Kind: OpIgnore}
		}
		name, ok := symbols[body[0]]
		if !ok {
			name = fmt.Sprintf("2D symbol cn=%d", body[0])
		}
		return unrendered(name)
	}
	arg := 0
	if len(body) > 2 {
		arg = int(body[2])
	}
	switch body[1] {
	case 'A':
		return Op{Kind: OpQRModel, N: arg}
	case 'C':
		return Op{Kind: OpQRModule, N: arg}
	case 'E':
		return Op{Kind: OpQREC, N: arg}
	case 'P':
		if len(body) < 3 {
			return Op{Kind: OpIgnore}
		}
		return Op{Kind: OpQRStore, Data: body[3:]}
	case 'Q':
		return Op{Kind: OpQRPrint}
	}
	return Op{Kind: OpIgnore}
}

// gsParenL decodes GS ( L m fn …: fn 112 stores a raster graphic in the
// print buffer (a bx by c xL xH yL yH d…), fn 50 prints it; fn 67 and 83
// define NV and download raster graphics under a key, fn 69 and 85 print
// them; fn 49 sets the reference density. The rest (column format, NV
// memory management) is reported.
func gsParenL(body []byte) Op {
	if len(body) < 2 || body[0] != 48 {
		return unrendered("GS ( L: not m=48")
	}
	switch fn := body[1]; fn {
	case 2, 50:
		return Op{Kind: OpGraphicsPrint}
	case 1, 49:
		return Op{Kind: OpIgnore}
	case 112:
		if len(body) < 10 {
			return unrendered("GS ( L fn 112: too short")
		}
		a, bx, by, c := body[2], body[3], body[4], body[5]
		w, h := int(binary.LittleEndian.Uint16(body[6:8])), int(binary.LittleEndian.Uint16(body[8:10]))
		data := body[10:]
		switch {
		case a != 48 || c != 49:
			return unrendered(fmt.Sprintf("GS ( L fn 112: tone %d, colour %d", a, c))
		case bx < 1 || bx > 2 || by < 1 || by > 2 || w < 1 || h < 1 || len(data) < (w+7)/8*h:
			return unrendered("GS ( L fn 112: bad size")
		}
		return Op{Kind: OpGraphicsStore, W: w, H: h, N: int(bx) | int(by)<<4, Data: data[:(w+7)/8*h]}
	case 67, 83: // define NV (67) or download (83) raster graphics: a kc1 kc2 b c xL xH yL yH d…
		if len(body) < 12 {
			return unrendered(fmt.Sprintf("GS ( L fn %d: too short", fn))
		}
		a, key, b, c := body[2], int(body[3])<<8|int(body[4]), body[5], body[6]
		w, h := int(binary.LittleEndian.Uint16(body[7:9])), int(binary.LittleEndian.Uint16(body[9:11]))
		data := body[11:]
		switch {
		case a != 48 || b != 1 || c != 49:
			return unrendered(fmt.Sprintf("GS ( L fn %d: tone %d, %d colours", fn, a, b))
		case w < 1 || h < 1 || len(data) < (w+7)/8*h:
			return unrendered(fmt.Sprintf("GS ( L fn %d: bad size", fn))
		}
		return Op{Kind: OpGraphicsDefine, N: key, W: w, H: h, Data: data[:(w+7)/8*h]}
	case 69, 85: // print NV (69) or download (85) graphics: kc1 kc2 x y
		if len(body) < 6 || body[4] < 1 || body[4] > 2 || body[5] < 1 || body[5] > 2 {
			return unrendered(fmt.Sprintf("GS ( L fn %d: bad parameters", fn))
		}
		return Op{Kind: OpGraphicsPrintKey, N: int(body[2])<<8 | int(body[3]), W: int(body[4]), H: int(body[5])}
	default:
		return unrendered(fmt.Sprintf("GS ( L fn %d", fn))
	}
}
