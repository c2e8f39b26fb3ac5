package catalog

import (
	"strings"

	"github.com/mozillazg/go-pinyin"
)

// Index finds items by hanzi, full pinyin or pinyin initials, as a citizen
// types on the on-screen keyboard: "社保", "shebao", "sb".
type Index struct {
	items []Item
	keys  []searchKey
}

type searchKey struct {
	hanzi    string // name and department
	full     string // full pinyin without tones or spaces
	initials string // first letter of each syllable
}

// NewIndex builds the search index of c. Building reads pinyin once per
// item; searching only compares strings.
func NewIndex(c Catalog) *Index {
	args := pinyin.NewArgs()
	args.Style = pinyin.Normal
	ix := &Index{items: c.Items, keys: make([]searchKey, len(c.Items))}
	for i, it := range c.Items {
		text := it.Name + " " + it.Department
		var full, ini strings.Builder
		for _, r := range text {
			py := pinyin.SinglePinyin(r, args)
			if len(py) == 0 || py[0] == "" {
				if r < 128 && r != ' ' {
					full.WriteRune(r)
					ini.WriteRune(r)
				}
				continue
			}
			full.WriteString(py[0])
			ini.WriteByte(py[0][0])
		}
		ix.keys[i] = searchKey{hanzi: text, full: strings.ToLower(full.String()), initials: strings.ToLower(ini.String())}
	}
	return ix
}

// Search returns the items matching q, in catalogue order; an empty query
// matches everything. Hanzi match anywhere in the name or department;
// Latin letters match the full pinyin anywhere or the initials from any
// syllable on.
func (ix *Index) Search(q string) []Item {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return ix.items
	}
	latin := isLatin(q)
	var out []Item
	for i, k := range ix.keys {
		if strings.Contains(k.hanzi, q) || (latin && (strings.Contains(k.full, q) || strings.Contains(k.initials, q))) {
			out = append(out, ix.items[i])
		}
	}
	return out
}

func isLatin(s string) bool {
	for _, r := range s {
		if r >= 128 {
			return false
		}
	}
	return true
}
