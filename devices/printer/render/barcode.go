package render

import (
	"errors"
	"fmt"
	"strings"
)

// Symbologies of GS k, by their form B number (form A's 0–6 is 65–71).
const (
	SymUPCA    = 65
	SymUPCE    = 66
	SymEAN13   = 67
	SymEAN8    = 68
	SymCODE39  = 69
	SymITF     = 70
	SymCODABAR = 71
	SymCODE93  = 72
	SymCODE128 = 73
)

// symbologyNames name the symbologies of GS k, for reports.
var symbologyNames = map[int]string{
	SymUPCA: "UPC-A", SymUPCE: "UPC-E", SymEAN13: "EAN-13", SymEAN8: "EAN-8", SymCODE39: "CODE39",
	SymITF: "ITF", SymCODABAR: "CODABAR", SymCODE93: "CODE93", SymCODE128: "CODE128",
	74: "GS1-128", 75: "GS1 DataBar Omnidirectional", 76: "GS1 DataBar Truncated", 77: "GS1 DataBar Limited", 78: "GS1 DataBar Expanded",
}

// SymbologyName names symbology m of GS k (form B number).
func SymbologyName(m int) string {
	if n, ok := symbologyNames[m]; ok {
		return n
	}
	return fmt.Sprintf("symbology %d", m)
}

// errNotRendered marks a symbology the simulator does not draw.
var errNotRendered = errors.New("symbology not rendered")

// symbol is a 1D barcode as the printer lays it out: the widths of its
// elements in dots, bar first, alternating bar and space, and its
// human-readable text.
type symbol struct {
	widths []int
	hri    string
}

// width is the symbol's width in dots.
func (s symbol) width() int {
	w := 0
	for _, e := range s.widths {
		w += e
	}
	return w
}

// wideDots is the wide element of the two-width symbologies (CODE39, ITF,
// CODABAR) for module n = 2…6; the narrow one is n.
var wideDots = [7]int{2: 5, 3: 8, 4: 10, 5: 13, 6: 16}

// encodeBarcode lays out data as symbology m with module (GS w) n dots.
// formA is true for GS k m 0–6, where an odd ITF drops its last digit; in
// form B it cancels the symbol. An error means the printer prints nothing
// (bad data), or errNotRendered.
func encodeBarcode(m int, data []byte, n int, formA bool) (symbol, error) {
	switch m {
	case SymUPCA:
		d, err := digits(data, 11, 12)
		if err != nil {
			return symbol{}, err
		}
		if len(d) == 11 {
			d = append(d, checkDigit(append([]byte{0}, d...)))
		}
		sym := ean13(append([]byte{0}, d...), n)
		sym.hri = digitText(d)
		return sym, nil
	case SymEAN13:
		d, err := digits(data, 12, 13)
		if err != nil {
			return symbol{}, err
		}
		if len(d) == 12 {
			d = append(d, checkDigit(d))
		}
		return ean13(d, n), nil
	case SymEAN8:
		d, err := digits(data, 7, 8)
		if err != nil {
			return symbol{}, err
		}
		if len(d) == 7 {
			// EAN-8 weighs the first digit 3: as EAN-13 with five zeros before.
			d = append(d, checkDigit(append([]byte{0, 0, 0, 0, 0}, d...)))
		}
		return ean8(d, n), nil
	case SymCODE39:
		return code39(data, n)
	case SymITF:
		return itf(data, n, formA)
	case SymCODABAR:
		return codabar(data, n)
	case SymCODE128:
		return code128(data, n)
	case SymCODE93:
		return code93(data, n)
	case SymUPCE:
		d, err := upcE(data)
		if err != nil {
			return symbol{}, err
		}
		return upcESymbol(d, n), nil
	}
	return symbol{}, fmt.Errorf("%s: %w", SymbologyName(m), errNotRendered)
}

// digits returns data as digit values when it is lo or hi digits long.
func digits(data []byte, lo, hi int) ([]byte, error) {
	if len(data) != lo && len(data) != hi {
		return nil, fmt.Errorf("%d characters, want %d or %d digits", len(data), lo, hi)
	}
	d := make([]byte, len(data))
	for i, c := range data {
		if c < '0' || c > '9' {
			return nil, fmt.Errorf("character %d is not a digit", i+1)
		}
		d[i] = c - '0'
	}
	return d, nil
}

// digitText is d as text.
func digitText(d []byte) string {
	b := make([]byte, len(d))
	for i, v := range d {
		b[i] = '0' + v
	}
	return string(b)
}

// checkDigit is the EAN-13 check digit of 12 digits: weights 1, 3, 1, …
func checkDigit(d []byte) byte {
	s := 0
	for i, v := range d[:12] {
		if i%2 == 1 {
			s += 3 * int(v)
		} else {
			s += int(v)
		}
	}
	return byte((10 - s%10) % 10)
}

// The EAN/UPC digit codes, 7 modules each, most significant bit first, 1
// a dark module: L (odd parity, left half), G (even parity, left half);
// R (right half) is L inverted.
var (
	eanL = [10]uint8{0x0D, 0x19, 0x13, 0x3D, 0x23, 0x31, 0x2F, 0x3B, 0x37, 0x0B}
	eanG = [10]uint8{0x27, 0x33, 0x1B, 0x21, 0x1D, 0x39, 0x05, 0x11, 0x09, 0x17}
	// eanParity says, per first digit of an EAN-13, which of the six
	// left digits use G (bit 5 the first of them).
	eanParity = [10]uint8{0x00, 0x0B, 0x0D, 0x0E, 0x13, 0x19, 0x1C, 0x15, 0x16, 0x1A}
)

// modules collects dark/light modules and turns them into element widths.
type modules struct {
	bits []bool
}

func (m *modules) add(code uint32, n int) {
	for i := n - 1; i >= 0; i-- {
		m.bits = append(m.bits, code>>i&1 == 1)
	}
}

// symbol turns the modules, each n dots wide, into element widths.
func (m *modules) symbol(n int, hri string) symbol {
	var w []int
	for i, b := range m.bits {
		if i > 0 && b == m.bits[i-1] {
			w[len(w)-1] += n
			continue
		}
		w = append(w, n)
	}
	return symbol{widths: w, hri: hri}
}

// ean13 lays out 13 digits: guard, six left digits in the parity the first
// digit sets, centre guard, six right digits, guard; 95 modules.
func ean13(d []byte, n int) symbol {
	var m modules
	m.add(0b101, 3)
	par := eanParity[d[0]]
	for i, v := range d[1:7] {
		if par>>(5-i)&1 == 1 {
			m.add(uint32(eanG[v]), 7)
		} else {
			m.add(uint32(eanL[v]), 7)
		}
	}
	m.add(0b01010, 5)
	for _, v := range d[7:13] {
		m.add(uint32(^eanL[v]&0x7F), 7)
	}
	m.add(0b101, 3)
	return m.symbol(n, digitText(d))
}

// ean8 lays out 8 digits: four L, four R; 67 modules.
func ean8(d []byte, n int) symbol {
	var m modules
	m.add(0b101, 3)
	for _, v := range d[:4] {
		m.add(uint32(eanL[v]), 7)
	}
	m.add(0b01010, 5)
	for _, v := range d[4:] {
		m.add(uint32(^eanL[v]&0x7F), 7)
	}
	m.add(0b101, 3)
	return m.symbol(n, digitText(d))
}

// twoWidth builds a symbology of narrow and wide elements: each code is
// its elements' wide flags, first element in the most significant of k
// bits, and bar and space alternate from a bar.
type twoWidth struct {
	narrow, wide int
	widths       []int
}

func (t *twoWidth) add(code uint32, k int) {
	for i := k - 1; i >= 0; i-- {
		w := t.narrow
		if code>>i&1 == 1 {
			w = t.wide
		}
		t.widths = append(t.widths, w)
	}
}

// gap adds a narrow space between characters.
func (t *twoWidth) gap() { t.widths = append(t.widths, t.narrow) }

func newTwoWidth(n int) *twoWidth {
	n = min(max(n, 2), 6)
	return &twoWidth{narrow: n, wide: wideDots[n]}
}

// code39Chars and code39Codes: each character's nine elements (five bars,
// four spaces), 1 wide.
const code39Chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%*"

var code39Codes = [44]uint16{
	0x034, 0x121, 0x061, 0x160, 0x031, 0x130, 0x070, 0x025, 0x124, 0x064,
	0x109, 0x049, 0x148, 0x019, 0x118, 0x058, 0x00D, 0x10C, 0x04C, 0x01C,
	0x103, 0x043, 0x142, 0x013, 0x112, 0x052, 0x007, 0x106, 0x046, 0x016,
	0x181, 0x0C1, 0x1C0, 0x091, 0x190, 0x0D0, 0x085, 0x184, 0x0C4, 0x0A8,
	0x0A2, 0x08A, 0x02A, 0x094,
}

// code39 lays out CODE39: '*' start and stop are added unless data begins
// or ends with one; a '*' inside ends the symbol; no check character.
func code39(data []byte, n int) (symbol, error) {
	s := strings.TrimPrefix(string(data), "*")
	if i := strings.IndexByte(s, '*'); i >= 0 {
		s = s[:i]
	}
	if s == "" {
		return symbol{}, errors.New("no data")
	}
	t := newTwoWidth(n)
	for i, c := range "*" + s + "*" {
		k := strings.IndexRune(code39Chars, c)
		if k < 0 {
			return symbol{}, fmt.Errorf("character %q is not in CODE39", c)
		}
		if i > 0 {
			t.gap()
		}
		t.add(uint32(code39Codes[k]), 9)
	}
	return symbol{widths: t.widths, hri: "*" + s + "*"}, nil
}

// itfCodes are each digit's five elements, 1 wide.
var itfCodes = [10]uint8{0x06, 0x11, 0x09, 0x18, 0x05, 0x14, 0x0C, 0x03, 0x12, 0x0A}

// itf lays out Interleaved 2 of 5: digits in pairs, the first as bars, the
// second as the spaces between them; no check digit is added. An odd
// count drops the last digit in form A and cancels the symbol in form B.
func itf(data []byte, n int, formA bool) (symbol, error) {
	if len(data)%2 == 1 {
		if !formA {
			return symbol{}, errors.New("odd number of digits")
		}
		data = data[:len(data)-1]
	}
	if len(data) == 0 {
		return symbol{}, errors.New("no data")
	}
	for i, c := range data {
		if c < '0' || c > '9' {
			return symbol{}, fmt.Errorf("character %d is not a digit", i+1)
		}
	}
	t := newTwoWidth(n)
	t.add(0, 4) // start: narrow bar, space, bar, space
	for i := 0; i < len(data); i += 2 {
		a, b := itfCodes[data[i]-'0'], itfCodes[data[i+1]-'0']
		for k := 4; k >= 0; k-- {
			t.add(uint32(a>>k&1), 1)
			t.add(uint32(b>>k&1), 1)
		}
	}
	t.add(0b100, 3) // stop: wide bar, narrow space, narrow bar
	return symbol{widths: t.widths, hri: string(data)}, nil
}

// codabarChars and codabarCodes: each character's seven elements (four
// bars, three spaces), 1 wide.
const codabarChars = "0123456789-$:/.+ABCD"

var codabarCodes = [20]uint8{
	0x03, 0x06, 0x09, 0x60, 0x12, 0x42, 0x21, 0x24, 0x30, 0x48,
	0x0C, 0x18, 0x45, 0x51, 0x54, 0x15, 0x1A, 0x29, 0x0B, 0x0E,
}

// codabar lays out CODABAR: the data must start and end with A–D (or
// a–d); nothing is added.
func codabar(data []byte, n int) (symbol, error) {
	s := strings.ToUpper(string(data))
	isStop := func(c byte) bool { return c >= 'A' && c <= 'D' }
	if len(s) < 3 || !isStop(s[0]) || !isStop(s[len(s)-1]) {
		return symbol{}, errors.New("CODABAR needs A–D as start and stop")
	}
	t := newTwoWidth(n)
	for i := range len(s) {
		k := strings.IndexByte(codabarChars, s[i])
		if k < 0 || (i > 0 && i < len(s)-1 && isStop(s[i])) {
			return symbol{}, fmt.Errorf("character %q is not allowed in CODABAR here", s[i])
		}
		if i > 0 {
			t.gap()
		}
		t.add(uint32(codabarCodes[k]), 7)
	}
	return symbol{widths: t.widths, hri: s}, nil
}

// code93Chars and code93Codes: each character's nine modules, 1 dark;
// the last four are the shift characters ($) (%) (/) (+), then the
// start/stop character.
const code93Chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"

var code93Codes = [48]uint16{
	0x114, 0x148, 0x144, 0x142, 0x128, 0x124, 0x122, 0x150, 0x112, 0x10A,
	0x1A8, 0x1A4, 0x1A2, 0x194, 0x192, 0x18A, 0x168, 0x164, 0x162, 0x134,
	0x11A, 0x158, 0x14C, 0x146, 0x12C, 0x116, 0x1B4, 0x1B2, 0x1AC, 0x1A6,
	0x196, 0x19A, 0x16C, 0x166, 0x136, 0x13A, 0x12E, 0x1D4, 0x1D2, 0x1CA,
	0x16E, 0x176, 0x1AE, 0x126, 0x1DA, 0x1D6, 0x132, 0x15E,
}

// code93 lays out CODE93 of the 43 characters of its basic set: start,
// the data, the check characters C and K the printer adds, stop and the
// termination bar. (The full-ASCII shift pairs are not drawn.)
func code93(data []byte, n int) (symbol, error) {
	if len(data) == 0 {
		return symbol{}, errors.New("no data")
	}
	vals := make([]int, len(data))
	for i, c := range data {
		k := strings.IndexByte(code93Chars, c)
		if k < 0 {
			return symbol{}, fmt.Errorf("character %q is not in the basic CODE93 set", c)
		}
		vals[i] = k
	}
	check := func(max int) int {
		s := 0
		for i := range vals {
			w := (len(vals)-1-i)%max + 1
			s += w * vals[i]
		}
		return s % 47
	}
	vals = append(vals, check(20))
	vals = append(vals, check(15))
	var m modules
	m.add(uint32(code93Codes[47]), 9)
	for _, v := range vals {
		m.add(uint32(code93Codes[v]), 9)
	}
	m.add(uint32(code93Codes[47]), 9)
	m.add(1, 1)
	return m.symbol(n, string(data)), nil
}

// upceParity says, per check digit, which of the six digits of a UPC-E
// symbol of number system 0 use G (even) codes, bit 5 the first; number
// system 1 inverts it.
var upceParity = [10]uint8{0x38, 0x34, 0x32, 0x31, 0x2C, 0x26, 0x23, 0x2A, 0x29, 0x25}

// upcE lays out UPC-E from 6 digits (number system 0), 7 (number system
// and six) or 8 (and a check digit, recomputed as for UPC-A): the check
// digit is that of the UPC-A number the six digits stand for. 51
// modules: guard, six digits, the special end guard. The text is the
// eight digits.
func upcE(data []byte) ([]byte, error) {
	switch len(data) {
	case 6:
		data = append([]byte{'0'}, data...)
	case 7, 8:
		data = data[:7]
	default:
		return nil, fmt.Errorf("%d characters, want 6, 7 or 8 digits", len(data))
	}
	d, err := digits(data, 7, 7)
	if err != nil {
		return nil, err
	}
	if d[0] > 1 {
		return nil, errors.New("number system must be 0 or 1")
	}
	b := d[1:]
	var a []byte // the UPC-A number, without its check digit
	switch x := b[5]; {
	case x <= 2:
		a = []byte{d[0], b[0], b[1], x, 0, 0, 0, 0, b[2], b[3], b[4]}
	case x == 3:
		a = []byte{d[0], b[0], b[1], b[2], 0, 0, 0, 0, 0, b[3], b[4]}
	case x == 4:
		a = []byte{d[0], b[0], b[1], b[2], b[3], 0, 0, 0, 0, 0, b[4]}
	default:
		a = []byte{d[0], b[0], b[1], b[2], b[3], b[4], 0, 0, 0, 0, x}
	}
	return append(d, checkDigit(append([]byte{0}, a...))), nil
}

// upcESymbol lays out the 8 digits upcE returns.
func upcESymbol(d []byte, n int) symbol {
	par := upceParity[d[7]]
	if d[0] == 1 {
		par ^= 0x3F
	}
	var m modules
	m.add(0b101, 3)
	for i, v := range d[1:7] {
		if par>>(5-i)&1 == 1 {
			m.add(uint32(eanG[v]), 7)
		} else {
			m.add(uint32(eanL[v]), 7)
		}
	}
	m.add(0b010101, 6)
	return m.symbol(n, digitText(d))
}
