package render

import (
	"errors"
	"fmt"
	"strings"
)

// code128Widths are the symbol characters of Code 128 (ISO/IEC 15417) by
// value: the module widths of bar, space, bar, space, bar, space; 106 is
// the stop pattern with its final bar.
var code128Widths = [107]string{
	"212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
	"221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
	"221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
	"212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
	"231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
	"231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
	"314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
	"112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
	"111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
	"214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
	"114131", "311141", "411131", "211412", "211214", "211232", "2331112",
}

// Code 128 values of the function characters.
const (
	c128Shift  = 98
	c128CodeC  = 99
	c128CodeB  = 100
	c128CodeA  = 101
	c128FNC1   = 102
	c128FNC2   = 97
	c128FNC3   = 96
	c128StartA = 103
	c128Stop   = 106
)

// code128 lays out CODE128 data as an ESC/POS printer reads it: it begins
// with {A, {B or {C, which picks the code set; "{A" "{B" "{C" switch
// sets, "{S" shifts one character between A and B, "{1"…"{4" are FNC1–4
// and "{{" is a '{'. In set C each byte 0–99 is one pair of digits (a
// host that sends ASCII digits gets their byte values, as on a printer).
// The printer adds the check character and the stop. The human-readable
// text leaves out the set changes and shows FNC and control characters as
// spaces.
func code128(data []byte, n int) (symbol, error) {
	if len(data) < 2 || data[0] != '{' || data[1] < 'A' || data[1] > 'C' {
		return symbol{}, errors.New("CODE128 data must begin with {A, {B or {C")
	}
	set := data[1]
	values := []int{c128StartA + int(set-'A')}
	var hri strings.Builder
	shift := false
	for i := 2; i < len(data); i++ {
		c := data[i]
		if c == '{' {
			if i+1 == len(data) {
				return symbol{}, errors.New("CODE128 data ends with {")
			}
			i++
			switch f := data[i]; f {
			case 'A', 'B', 'C':
				if f != set {
					values = append(values, map[byte]int{'A': c128CodeA, 'B': c128CodeB, 'C': c128CodeC}[f])
					set = f
				}
				continue
			case 'S':
				if set == 'C' || shift {
					return symbol{}, errors.New("CODE128 {S outside sets A and B")
				}
				values = append(values, c128Shift)
				shift = true
				continue
			case '1', '2', '3', '4':
				v := map[byte]int{'1': c128FNC1, '2': c128FNC2, '3': c128FNC3}[f]
				switch {
				case f == '4' && set == 'A':
					v = c128CodeA
				case f == '4' && set == 'B':
					v = c128CodeB
				case f != '1' && set == 'C':
					return symbol{}, fmt.Errorf("CODE128 {%c in set C", f)
				}
				values = append(values, v)
				hri.WriteByte(' ')
				continue
			case '{':
				// a literal '{', below
			default:
				return symbol{}, fmt.Errorf("CODE128 {%c is not a code", f)
			}
		}
		cur := set
		if shift {
			cur = 'A' + 'B' - set
			shift = false
		}
		v, err := code128Value(cur, c)
		if err != nil {
			return symbol{}, err
		}
		values = append(values, v)
		switch {
		case cur == 'C':
			fmt.Fprintf(&hri, "%02d", v)
		case c < ' ' || c == 0x7F:
			hri.WriteByte(' ')
		default:
			hri.WriteByte(c)
		}
	}
	if len(values) == 1 {
		return symbol{}, errors.New("CODE128 without data")
	}
	check := values[0]
	for i, v := range values[1:] {
		check += (i + 1) * v
	}
	values = append(values, check%103, c128Stop)
	var w []int
	for _, v := range values {
		for _, e := range code128Widths[v] {
			w = append(w, int(e-'0')*n)
		}
	}
	return symbol{widths: w, hri: hri.String()}, nil
}

// code128Value is the value of byte c in code set A, B or C.
func code128Value(set, c byte) (int, error) {
	switch {
	case set == 'A' && c < 0x20:
		return int(c) + 64, nil
	case set == 'A' && c < 0x60, set == 'B' && c >= 0x20 && c < 0x80:
		return int(c) - 32, nil
	case set == 'C' && c <= 99:
		return int(c), nil
	}
	return 0, fmt.Errorf("CODE128 byte %02X is not in code set %c", c, set)
}
