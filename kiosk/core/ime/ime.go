// Package ime is the on-screen keyboard's pinyin input method: it turns the
// letters a citizen typed into ranked candidates (characters and common
// words). The dictionary is the Android Pinyin IME's, as packaged by Rime
// (pinyin_simp, Apache-2.0, see data/LICENSE), with its usage frequencies
// as weights; it ships embedded in the product.
package ime

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

//go:embed data/pinyin_simp.tsv.gz
var dictData []byte

// entry is one dictionary word: its text in Dict.text and its weight.
type entry struct {
	off    uint32
	n      uint16
	weight int32
}

// table maps sorted keys to runs of entries, heaviest first. It holds
// no per-word allocations: the dictionary stays about 2 MB in memory
// instead of the 13 MB a map of strings takes.
type table struct {
	keys  []string // sorted; substrings of one string
	start []int32  // entries of keys[i] are ents[start[i]:start[i+1]]
	ents  []entry
}

// Dict maps pinyin (syllables joined without spaces) to words.
type Dict struct {
	text  string // every word, concatenated
	words table  // by full reading
	// initials maps syllable initials ("cd" for 成都) to words, for
	// abbreviated input.
	initials table
}

// Load parses the embedded dictionary.
func Load() (*Dict, error) {
	zr, err := gzip.NewReader(bytes.NewReader(dictData))
	if err != nil {
		return nil, fmt.Errorf("ime: open dictionary: %w", err)
	}
	type row struct {
		key string
		e   entry
	}
	var text, keys strings.Builder
	var words, initials []row
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		word, rest, ok := strings.Cut(sc.Text(), "\t")
		py, w, ok2 := strings.Cut(rest, "\t")
		if !ok || !ok2 || len(word) > 0xffff {
			continue
		}
		weight, err := strconv.Atoi(w)
		if err != nil {
			continue
		}
		e := entry{off: uint32(text.Len()), n: uint16(len(word)), weight: int32(weight)}
		text.WriteString(word)
		syl := strings.Fields(py)
		words = append(words, row{strings.Join(syl, ""), e})
		if len(syl) > 1 {
			var ini strings.Builder
			for _, s := range syl {
				ini.WriteByte(s[0])
			}
			initials = append(initials, row{ini.String(), e})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("ime: read dictionary: %w", err)
	}
	// Keys go into one arena; a table first records where, and takes
	// its key strings from the arena once it is complete.
	type span struct{ off, n int }
	build := func(rows []row) (table, []span) {
		sort.SliceStable(rows, func(i, j int) bool {
			if rows[i].key != rows[j].key {
				return rows[i].key < rows[j].key
			}
			return rows[i].e.weight > rows[j].e.weight
		})
		var t table
		var spans []span
		t.ents = make([]entry, len(rows))
		for i, r := range rows {
			if i == 0 || r.key != rows[i-1].key {
				spans = append(spans, span{keys.Len(), len(r.key)})
				keys.WriteString(r.key)
				t.start = append(t.start, int32(i))
			}
			t.ents[i] = r.e
		}
		t.start = append(t.start, int32(len(rows)))
		return t, spans
	}
	wt, wspans := build(words)
	it, ispans := build(initials)
	arena := keys.String()
	keysOf := func(spans []span) []string {
		out := make([]string, len(spans))
		for i, sp := range spans {
			out[i] = arena[sp.off : sp.off+sp.n]
		}
		return out
	}
	wt.keys, it.keys = keysOf(wspans), keysOf(ispans)
	d := &Dict{text: text.String(), words: wt, initials: it}
	return d, nil
}

// find returns the entries of key.
func (t table) find(key string) []entry {
	i, ok := slices.BinarySearch(t.keys, key)
	if !ok {
		return nil
	}
	return t.ents[t.start[i]:t.start[i+1]]
}

func (d *Dict) textOf(e entry) string { return d.text[e.off : e.off+uint32(e.n)] }

func sortEntries(es []entry) {
	sort.SliceStable(es, func(i, j int) bool { return es[i].weight > es[j].weight })
}

// Candidates returns up to max candidates for typed letters (a–z), best
// first: exact readings first, then readings that start with the letters
// (the last syllable still being typed), then words whose syllable
// initials match (cd → 成都).
func (d *Dict) Candidates(typed string, max int) []string {
	typed = strings.ToLower(strings.TrimSpace(typed))
	if typed == "" || max <= 0 {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	add := func(es []entry, limit int) {
		for _, e := range es {
			if len(out) >= limit {
				return
			}
			if t := d.textOf(e); !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	add(d.words.find(typed), max)
	// Prefix matches, merged by weight.
	var pre []entry
	w := d.words
	i, _ := slices.BinarySearch(w.keys, typed)
	for n := 0; i < len(w.keys) && strings.HasPrefix(w.keys[i], typed) && n < 200; i, n = i+1, n+1 {
		if w.keys[i] != typed {
			pre = append(pre, w.ents[w.start[i]:w.start[i+1]]...)
		}
	}
	sortEntries(pre)
	add(pre, max)
	add(d.initials.find(typed), max)
	return out
}
