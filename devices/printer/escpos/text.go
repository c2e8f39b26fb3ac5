package escpos

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

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
