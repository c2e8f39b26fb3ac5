package fonts

import (
	"testing"

	"golang.org/x/image/font/sfnt"
)

// Every character an ID card may hold must have a glyph: common hanzi, rare
// name characters (CJK Extension A and B), the middle dot of minority names.
func TestFaceCoversIDCardCharacters(t *testing.T) {
	f, err := sfnt.Parse(NotoSansCJKSC)
	if err != nil {
		t.Fatal(err)
	}
	var buf sfnt.Buffer
	for _, r := range "张三四川省成都市武侯区䶮𠮷堃燊犇淼·长期0123456789X" {
		idx, err := f.GlyphIndex(&buf, r)
		if err != nil || idx == 0 {
			t.Errorf("no glyph for %q (%U): %v", r, r, err)
		}
	}
}
