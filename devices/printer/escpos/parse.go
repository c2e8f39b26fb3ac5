package escpos

import (
	"bytes"
	"encoding/binary"
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
	return n
}

// Feed parses b, calling emit for every complete op.
func (p *Parser) Feed(b []byte, emit func(Op)) {
	for p.skip > 0 && len(b) > 0 {
		k := min(p.skip, len(b))
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
		emit(o)
		off += n
	}
	rest := src[off:]
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
// command that has no effect on the simulated paper, or 0.
func escParams(c byte) int {
	switch c {
	case ' ', '%', '=', '?', 'M', 'R', 'T', 'U', 'V', 'r', 't', '{', 'e', 'u', 'v', 'K', 'F':
		return 1
	case '$', '\\', 'c', 'B', 'f':
		return 2
	case 'p':
		return 3
	case 'W':
		return 8
	}
	return 0
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
		if len(b) < 5 {
			return 0, Op{}
		}
		k := int(binary.LittleEndian.Uint16(b[3:5]))
		if b[2] == 32 || b[2] == 33 {
			k *= 3
		}
		return p.sized(b, 5, k, nil)
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
	if k := escParams(b[1]); k > 0 {
		return need(b, 2+k), Op{Kind: OpIgnore}
	}
	return 2, Op{Kind: OpIgnore}
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
	case '!', '-', 'W', 'C', 'r', 'q':
		return need(b, 3), Op{Kind: OpIgnore}
	case 'S', '?', 'p':
		return need(b, 4), Op{Kind: OpIgnore}
	case '2': // FS 2 c1 c2 d1…d72
		return need(b, 4+72), Op{Kind: OpIgnore}
	}
	return 2, Op{Kind: OpIgnore}
}

// gsParams returns the number of parameter bytes of a fixed-length GS
// command that has no effect on the simulated paper, or 0.
func gsParams(c byte) int {
	switch c {
	case 'B', 'H', 'h', 'w', 'f', 'r', 'I', '/', 'b', 'E', 'T', 'j':
		return 1
	case 'L', 'W', 'P', '$', '\\':
		return 2
	}
	return 0
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
	case '(':
		if len(b) < 5 {
			return 0, Op{}
		}
		size := int(binary.LittleEndian.Uint16(b[3:5]))
		fn := b[2]
		return p.sized(b, 5, size, func(whole []byte) Op { return gsParen(fn, whole[5:]) })
	case '8': // GS 8 x p1 p2 p3 p4 …: 32-bit length, never rendered
		if len(b) < 7 {
			return 0, Op{}
		}
		size := binary.LittleEndian.Uint32(b[3:7])
		p.skip = int(min(size, 1<<31-1))
		return 7, Op{Kind: OpIgnore}
	case '*': // GS * x y d…: downloaded bit image, never rendered
		if len(b) < 4 {
			return 0, Op{}
		}
		return p.sized(b, 4, int(b[2])*int(b[3])*8, nil)
	case 'k': // barcode
		if len(b) < 3 {
			return 0, Op{}
		}
		m := b[2]
		switch {
		case m <= 6: // NUL-terminated data
			end := min(len(b), 3+256)
			if i := bytes.IndexByte(b[3:end], 0); i >= 0 {
				return 3 + i + 1, Op{Kind: OpIgnore}
			}
			return need(b, 3+256), Op{Kind: OpIgnore}
		case m >= 65 && m <= 79:
			if len(b) < 4 {
				return 0, Op{}
			}
			return need(b, 4+int(b[3])), Op{Kind: OpIgnore}
		}
		return 3, Op{Kind: OpIgnore}
	case ':':
		return 2, Op{Kind: OpIgnore}
	case 'a':
		if len(b) < 3 {
			return 0, Op{}
		}
		return 3, Op{Kind: OpASB, N: int(b[2])}
	}
	if k := gsParams(b[1]); k > 0 {
		return need(b, 2+k), Op{Kind: OpIgnore}
	}
	return 2, Op{Kind: OpIgnore}
}

// gsParen decodes the body (cn fn params…) of GS ( fn; only the QR
// functions of GS ( k matter to the paper.
func gsParen(fn byte, body []byte) Op {
	if fn != 'k' || len(body) < 2 || body[0] != '1' {
		return Op{Kind: OpIgnore}
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
