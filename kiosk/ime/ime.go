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
	"sort"
	"strconv"
	"strings"
)

//go:embed data/pinyin_simp.tsv.gz
var dictData []byte

// entry is one dictionary word.
type entry struct {
	text   string
	weight int
}

// Dict maps pinyin (syllables joined without spaces) to words.
type Dict struct {
	keys  []string           // sorted
	words map[string][]entry // by key, heaviest first
	// initials maps syllable initials ("cd" for 成都) to words, for
	// abbreviated input.
	initials map[string][]entry
}

// Load parses the embedded dictionary.
func Load() (*Dict, error) {
	zr, err := gzip.NewReader(bytes.NewReader(dictData))
	if err != nil {
		return nil, fmt.Errorf("ime: open dictionary: %w", err)
	}
	d := &Dict{words: map[string][]entry{}, initials: map[string][]entry{}}
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		text, rest, ok := strings.Cut(sc.Text(), "\t")
		py, w, ok2 := strings.Cut(rest, "\t")
		if !ok || !ok2 {
			continue
		}
		weight, err := strconv.Atoi(w)
		if err != nil {
			continue
		}
		syl := strings.Fields(py)
		key := strings.Join(syl, "")
		d.words[key] = append(d.words[key], entry{text, weight})
		if len(syl) > 1 {
			var ini strings.Builder
			for _, s := range syl {
				ini.WriteByte(s[0])
			}
			d.initials[ini.String()] = append(d.initials[ini.String()], entry{text, weight})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("ime: read dictionary: %w", err)
	}
	for k, es := range d.words {
		d.keys = append(d.keys, k)
		sortEntries(es)
	}
	for _, es := range d.initials {
		sortEntries(es)
	}
	sort.Strings(d.keys)
	return d, nil
}

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
			if !seen[e.text] {
				seen[e.text] = true
				out = append(out, e.text)
			}
		}
	}
	add(d.words[typed], max)
	// Prefix matches, merged by weight.
	var pre []entry
	i := sort.SearchStrings(d.keys, typed)
	for n := 0; i < len(d.keys) && strings.HasPrefix(d.keys[i], typed) && n < 200; i, n = i+1, n+1 {
		if d.keys[i] != typed {
			pre = append(pre, d.words[d.keys[i]]...)
		}
	}
	sortEntries(pre)
	add(pre, max)
	add(d.initials[typed], max)
	return out
}
