package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
)

// Chinese line breaking: no line starts with a closing mark or ends with
// an opening one, and the last line is never one character alone.
func TestBreakLinesFollowsChineseRules(t *testing.T) {
	// Every character is 10 wide: a width of 60 holds six.
	measure := func(s string) fyne.Size { return fyne.NewSize(10*float32(len([]rune(s))), 20) }
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"一二三四五六七", []string{"一二三四五", "六七"}},                 // no orphan 七
		{"一二三四五六）七八", []string{"一二三四五", "六）七八"}},             // ） never starts a line
		{"一二三四五六、七八九", []string{"一二三四五", "六、七八九"}},           // nor 、
		{"一二三四五（六七八", []string{"一二三四五", "（六七八"}},             // （ never ends one
		{"申请人：张三（来自身份证）", []string{"申请人：张三", "（来自身份", "证）"}}, // ） goes down with a character
		{"一二三四五六", []string{"一二三四五六"}},                       // fits
		{"ABC DEFGH IJ", []string{"ABC", "DEFGH", "IJ"}},     // Latin breaks at spaces
	} {
		got := breakLines(tc.text, 60, measure)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%q: %q, want %q", tc.text, got, tc.want)
		}
		for i, line := range got {
			r := []rune(line)
			if measure(line).Width > 60 {
				t.Errorf("%q: line %q too wide", tc.text, line)
			}
			if i > 0 && strings.ContainsRune(noLineStart, r[0]) {
				t.Errorf("%q: line %q starts with %c", tc.text, line, r[0])
			}
		}
	}
}
