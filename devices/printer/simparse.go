package printer

import (
	"bytes"
	"encoding/binary"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// opKind is what one parsed ESC/POS command or character does.
type opKind uint8

const (
	opIgnore      opKind = iota // parsed and skipped (unknown or unsupported)
	opText                      // print rune r
	opLF                        // print the line and feed one line
	opTab                       // horizontal tab
	opFeedLines                 // ESC d n
	opFeedDots                  // ESC J n
	opInit                      // ESC @
	opAlign                     // ESC a n
	opBold                      // ESC E n, ESC G n
	opUnderline                 // ESC - n
	opPrintMode                 // ESC ! n
	opSize                      // GS ! n
	opLineSpacing               // ESC 3 n, ESC 2 (n < 0)
	opQRModel                   // GS ( k fn 165
	opQRModule                  // GS ( k fn 167
	opQREC                      // GS ( k fn 169
	opQRStore                   // GS ( k fn 180, data
	opQRPrint                   // GS ( k fn 181
	opRaster                    // GS v 0: w bytes per row, h rows, n density, data
	opCut                       // GS V, ESC i, ESC m
	opStatus                    // DLE EOT n (real time)
	opRealtime                  // other real-time commands (DLE ENQ, DLE DC4)
	opASB                       // GS a n: automatic status back enable bits
)

// op is one parsed unit of the stream. data and raw alias the parser's
// buffer and are valid only during the callback.
type op struct {
	kind opKind
	n    int
	r    rune
	w, h int
	data []byte
	raw  []byte
}

// realtime reports whether o is a real-time command, which is answered (or
// ignored) at once and is not part of a print job.
func (o op) realtime() bool { return o.kind == opStatus || o.kind == opRealtime }

// prints reports whether o puts something on the paper.
func (o op) prints() bool {
	switch o.kind {
	case opText, opLF, opTab, opFeedLines, opFeedDots, opQRPrint, opRaster:
		return true
	}
	return false
}

// Bounds that keep the parser's memory fixed whatever it is fed.
const (
	// maxBuffered is the largest command kept whole in memory; a larger
	// payload is consumed and discarded as it arrives.
	maxBuffered = 1 << 20
	// readChunk is the most the simulator reads at once.
	readChunk = 4096
)

// parser turns an ESC/POS byte stream into ops. It keeps at most one
// incomplete command between calls; payloads it does not render are
// skipped without being held.
type parser struct {
	buf           []byte
	skip          int // payload bytes still to discard
	chinese       bool
	chineseAtInit bool
	gb            *encoding.Decoder
	tmp           [16]byte
}

func newParser(chineseAtPowerOn bool) *parser {
	return &parser{
		chinese:       chineseAtPowerOn,
		chineseAtInit: chineseAtPowerOn,
		gb:            simplifiedchinese.GB18030.NewDecoder(),
	}
}

// pending reports whether an incomplete command waits for more bytes.
func (p *parser) pending() bool { return len(p.buf) > 0 || p.skip > 0 }

// drop abandons an incomplete command and returns how many bytes it held.
func (p *parser) drop() int {
	n := len(p.buf)
	p.buf = p.buf[:0]
	p.skip = 0
	return n
}

// feed parses b, calling emit for every complete op.
func (p *parser) feed(b []byte, emit func(op)) {
	for p.skip > 0 && len(b) > 0 {
		k := min(p.skip, len(b))
		emit(op{kind: opIgnore, raw: b[:k]})
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
			emit(op{kind: opIgnore, raw: src[off : off+k]})
			p.skip -= k
			off += k
			continue
		}
		n, o := p.step(src[off:])
		if n == 0 {
			break
		}
		o.raw = src[off : off+n]
		emit(o)
		off += n
	}
	rest := src[off:]
	if len(p.buf) == 0 {
		p.buf = append(p.buf, rest...)
	} else {
		p.buf = p.buf[:copy(p.buf, rest)]
	}
	if cap(p.buf) > 2*maxBuffered && len(p.buf) < maxBuffered/2 {
		p.buf = append([]byte(nil), p.buf...)
	}
}

// step parses one op from the front of b and returns the bytes it used, or
// 0 when b holds only the beginning of a command.
func (p *parser) step(b []byte) (int, op) {
	c := b[0]
	switch {
	case c == lf:
		return 1, op{kind: opLF}
	case c == '\t':
		return 1, op{kind: opTab}
	case c == dle:
		return p.dleCmd(b)
	case c == esc:
		return p.escCmd(b)
	case c == fs:
		return p.fsCmd(b)
	case c == gs:
		return p.gsCmd(b)
	case c < 0x20 || c == 0x7F:
		return 1, op{kind: opIgnore} // CR, FF, CAN, NUL… have no effect here
	case c < 0x80:
		return 1, op{kind: opText, r: rune(c)}
	case !p.chinese:
		return 1, op{kind: opText, r: charmap.CodePage437.DecodeByte(c)}
	}
	return p.gbChar(b)
}

// gbChar decodes one GB18030 character (2 or 4 bytes) in Chinese mode. An
// invalid lead byte prints U+FFFD and the following bytes are parsed anew.
func (p *parser) gbChar(b []byte) (int, op) {
	bad := op{kind: opText, r: utf8.RuneError}
	c := b[0]
	if c == 0x80 || c == 0xFF {
		return 1, bad
	}
	if len(b) < 2 {
		return 0, op{}
	}
	c2 := b[1]
	n := 0
	switch {
	case c2 >= 0x40 && c2 <= 0xFE && c2 != 0x7F:
		n = 2
	case c2 >= 0x30 && c2 <= 0x39:
		if len(b) < 4 {
			return 0, op{}
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
	return n, op{kind: opText, r: r}
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
func (p *parser) sized(b []byte, head, size int, keep func(whole []byte) op) (int, op) {
	if size > maxBuffered || keep == nil {
		p.skip = size
		return head, op{kind: opIgnore}
	}
	if len(b) < head+size {
		return 0, op{}
	}
	return head + size, keep(b[:head+size])
}

func (p *parser) dleCmd(b []byte) (int, op) {
	if len(b) < 2 {
		return 0, op{}
	}
	switch b[1] {
	case eot:
		if len(b) < 3 {
			return 0, op{}
		}
		return 3, op{kind: opStatus, n: int(b[2])}
	case 0x05: // DLE ENQ n
		return need(b, 3), op{kind: opRealtime}
	case 0x14: // DLE DC4 fn …
		if len(b) < 3 {
			return 0, op{}
		}
		switch b[2] {
		case 1, 2:
			return need(b, 5), op{kind: opRealtime}
		case 8:
			return need(b, 10), op{kind: opRealtime}
		}
		return 3, op{kind: opRealtime}
	}
	return 1, op{kind: opIgnore} // a lone DLE
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

func (p *parser) escCmd(b []byte) (int, op) {
	if len(b) < 2 {
		return 0, op{}
	}
	one := func(k opKind) (int, op) {
		if len(b) < 3 {
			return 0, op{}
		}
		return 3, op{kind: k, n: int(b[2])}
	}
	switch b[1] {
	case '@':
		p.chinese = p.chineseAtInit
		return 2, op{kind: opInit}
	case 'a':
		return one(opAlign)
	case 'E', 'G':
		return one(opBold)
	case '-':
		return one(opUnderline)
	case '!':
		return one(opPrintMode)
	case 'd':
		return one(opFeedLines)
	case 'J':
		return one(opFeedDots)
	case '3':
		return one(opLineSpacing)
	case '2':
		return 2, op{kind: opLineSpacing, n: -1}
	case 'i', 'm':
		return 2, op{kind: opCut}
	case 'D': // tab stops, NUL-terminated, at most 32
		end := min(len(b), 2+33)
		if i := bytes.IndexByte(b[2:end], 0); i >= 0 {
			return 2 + i + 1, op{kind: opIgnore}
		}
		return need(b, 2+33), op{kind: opIgnore}
	case '*': // bit image: ESC * m nL nH d…
		if len(b) < 5 {
			return 0, op{}
		}
		k := int(binary.LittleEndian.Uint16(b[3:5]))
		if b[2] == 32 || b[2] == 33 {
			k *= 3
		}
		return p.sized(b, 5, k, nil)
	case '&': // user-defined characters: ESC & y c1 c2 [x d1…d(y×x)]…
		if len(b) < 5 {
			return 0, op{}
		}
		y, c1, c2 := int(b[2]), int(b[3]), int(b[4])
		if y > 3 || c1 < 32 || c2 > 126 || c1 > c2 {
			return 5, op{kind: opIgnore}
		}
		pos := 5
		for c := c1; c <= c2; c++ {
			if len(b) <= pos {
				return 0, op{}
			}
			pos += 1 + y*int(b[pos])
		}
		return need(b, pos), op{kind: opIgnore}
	}
	if k := escParams(b[1]); k > 0 {
		return need(b, 2+k), op{kind: opIgnore}
	}
	return 2, op{kind: opIgnore}
}

func (p *parser) fsCmd(b []byte) (int, op) {
	if len(b) < 2 {
		return 0, op{}
	}
	switch b[1] {
	case '&':
		p.chinese = true
		return 2, op{kind: opIgnore}
	case '.':
		p.chinese = false
		return 2, op{kind: opIgnore}
	case '!', '-', 'W', 'C', 'r', 'q':
		return need(b, 3), op{kind: opIgnore}
	case 'S', '?', 'p':
		return need(b, 4), op{kind: opIgnore}
	case '2': // FS 2 c1 c2 d1…d72
		return need(b, 4+72), op{kind: opIgnore}
	}
	return 2, op{kind: opIgnore}
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

func (p *parser) gsCmd(b []byte) (int, op) {
	if len(b) < 2 {
		return 0, op{}
	}
	switch b[1] {
	case '!':
		if len(b) < 3 {
			return 0, op{}
		}
		return 3, op{kind: opSize, n: int(b[2])}
	case 'V':
		if len(b) < 3 {
			return 0, op{}
		}
		switch b[2] {
		case 0, 1, '0', '1':
			return 3, op{kind: opCut}
		case 65, 66, 97, 98, 103, 104:
			return need(b, 4), op{kind: opCut}
		}
		return 3, op{kind: opIgnore}
	case 'v':
		if len(b) < 3 {
			return 0, op{}
		}
		if b[2] != '0' {
			return 2, op{kind: opIgnore}
		}
		if len(b) < 8 {
			return 0, op{}
		}
		m := int(b[3])
		w := int(binary.LittleEndian.Uint16(b[4:6]))
		h := int(binary.LittleEndian.Uint16(b[6:8]))
		return p.sized(b, 8, w*h, func(whole []byte) op {
			return op{kind: opRaster, n: m, w: w, h: h, data: whole[8:]}
		})
	case '(':
		if len(b) < 5 {
			return 0, op{}
		}
		size := int(binary.LittleEndian.Uint16(b[3:5]))
		fn := b[2]
		return p.sized(b, 5, size, func(whole []byte) op { return gsParen(fn, whole[5:]) })
	case '8': // GS 8 x p1 p2 p3 p4 …: 32-bit length, never rendered
		if len(b) < 7 {
			return 0, op{}
		}
		size := binary.LittleEndian.Uint32(b[3:7])
		p.skip = int(min(size, 1<<31-1))
		return 7, op{kind: opIgnore}
	case '*': // GS * x y d…: downloaded bit image, never rendered
		if len(b) < 4 {
			return 0, op{}
		}
		return p.sized(b, 4, int(b[2])*int(b[3])*8, nil)
	case 'k': // barcode
		if len(b) < 3 {
			return 0, op{}
		}
		m := b[2]
		switch {
		case m <= 6: // NUL-terminated data
			end := min(len(b), 3+256)
			if i := bytes.IndexByte(b[3:end], 0); i >= 0 {
				return 3 + i + 1, op{kind: opIgnore}
			}
			return need(b, 3+256), op{kind: opIgnore}
		case m >= 65 && m <= 79:
			if len(b) < 4 {
				return 0, op{}
			}
			return need(b, 4+int(b[3])), op{kind: opIgnore}
		}
		return 3, op{kind: opIgnore}
	case ':':
		return 2, op{kind: opIgnore}
	case 'a':
		if len(b) < 3 {
			return 0, op{}
		}
		return 3, op{kind: opASB, n: int(b[2])}
	}
	if k := gsParams(b[1]); k > 0 {
		return need(b, 2+k), op{kind: opIgnore}
	}
	return 2, op{kind: opIgnore}
}

// gsParen decodes the body (cn fn params…) of GS ( fn; only the QR
// functions of GS ( k matter to the paper.
func gsParen(fn byte, body []byte) op {
	if fn != 'k' || len(body) < 2 || body[0] != '1' {
		return op{kind: opIgnore}
	}
	arg := 0
	if len(body) > 2 {
		arg = int(body[2])
	}
	switch body[1] {
	case 'A':
		return op{kind: opQRModel, n: arg}
	case 'C':
		return op{kind: opQRModule, n: arg}
	case 'E':
		return op{kind: opQREC, n: arg}
	case 'P':
		if len(body) < 3 {
			return op{kind: opIgnore}
		}
		return op{kind: opQRStore, data: body[3:]}
	case 'Q':
		return op{kind: opQRPrint}
	}
	return op{kind: opIgnore}
}
