package catalog

import (
	"fmt"
	"testing"
)

func TestSearch(t *testing.T) {
	ix := NewIndex(Builtin())
	tests := []struct {
		q    string
		want []string // item names, in order
	}{
		{"社会保障", []string{"社会保障卡补领"}},
		{"shehuibaozhang", []string{"社会保障卡补领"}},
		{"shbzk", []string{"社会保障卡补领"}},
		{"gjj", []string{"重庆市住房公积金缴存证明"}},
		{"公积金", []string{"重庆市住房公积金缴存证明"}},
		{"zzzz", nil},
	}
	for _, tt := range tests {
		got := ix.Search(tt.q)
		var names []string
		for _, it := range got {
			names = append(names, it.Name)
		}
		if fmt.Sprint(names) != fmt.Sprint(tt.want) {
			t.Errorf("Search(%q) = %v, want %v", tt.q, names, tt.want)
		}
	}
	if n := len(ix.Search("")); n != len(Builtin().Items) {
		t.Errorf("empty query gives %d items", n)
	}
}

// BenchmarkSearch5000 measures one keystroke's search over 5,000
// synthetic items by hanzi, full pinyin and initials (goal: ≤ 5 ms).
func BenchmarkSearch5000(b *testing.B) {
	base := Builtin().Items
	c := Catalog{}
	for i := 0; len(c.Items) < 5000; i++ {
		it := base[i%len(base)]
		it.Code = fmt.Sprintf("%s-%d", it.Code, i)
		it.Name = fmt.Sprintf("%s第%d号", it.Name, i)
		c.Items = append(c.Items, it)
	}
	ix := NewIndex(c)
	for _, q := range []string{"公积金", "gongjijin", "gjj"} {
		b.Run(q, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				ix.Search(q)
			}
		})
	}
}
