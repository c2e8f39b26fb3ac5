package layout

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Package is what the rules need to know of one package: its path, what
// its non-test files import, and everything it links.
type Package struct {
	ImportPath string
	Imports    []string // direct imports of its non-test files
	Deps       []string // every package it links, transitively
}

// Rule is one thing the layout forbids. Patterns are import paths, or a
// path ending in "/..." for that package and everything below it.
type Rule struct {
	Why      string   // said when the rule breaks
	For      []string // packages the rule applies to
	Except   []string // packages among For it does not apply to
	NoImport []string // refused as direct imports
	NoLink   []string // refused anywhere in what the package links
	Allow    []string // exceptions to NoImport and NoLink
}

// Match reports whether path matches pattern: the same path, or, for a
// pattern ending in "/...", the path before it or any path below it.
func Match(pattern, path string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == base || strings.HasPrefix(path, base+"/")
	}
	return path == pattern
}

func matchAny(patterns []string, path string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return Match(p, path) })
}

// Check returns one line per broken rule and package, naming what was
// imported or linked and why that is refused. No lines means the layout
// holds.
func Check(rules []Rule, pkgs []Package) []string {
	var out []string
	for _, r := range rules {
		for _, p := range pkgs {
			if !matchAny(r.For, p.ImportPath) || matchAny(r.Except, p.ImportPath) {
				continue
			}
			if bad := refused(r.NoImport, r.Allow, p.Imports); len(bad) > 0 {
				out = append(out, fmt.Sprintf("%s imports %s: %s", p.ImportPath, names(bad), r.Why))
			}
			if bad := refused(r.NoLink, r.Allow, p.Deps); len(bad) > 0 {
				out = append(out, fmt.Sprintf("%s links %s: %s", p.ImportPath, names(bad), r.Why))
			}
		}
	}
	return out
}

// refused returns the paths that match one of the patterns and none of
// the allowed ones.
func refused(patterns, allow, paths []string) []string {
	var bad []string
	for _, path := range paths {
		if matchAny(patterns, path) && !matchAny(allow, path) {
			bad = append(bad, path)
		}
	}
	return bad
}

// names names the first few paths, and how many more there are.
func names(paths []string) string {
	const most = 4
	if len(paths) <= most {
		return strings.Join(paths, ", ")
	}
	return fmt.Sprintf("%s (+%d more)", strings.Join(paths[:most], ", "), len(paths)-most)
}

// Unmatched returns the For patterns of rules that match no package, so a
// renamed package cannot slip out of its rule unnoticed.
func Unmatched(rules []Rule, pkgs []Package) []string {
	var out []string
	for _, r := range rules {
		for _, pat := range r.For {
			if !slices.ContainsFunc(pkgs, func(p Package) bool { return Match(pat, p.ImportPath) }) {
				out = append(out, pat)
			}
		}
	}
	return out
}

// DecodeList reads the concatenated JSON objects `go list -json` prints.
func DecodeList(r io.Reader) ([]Package, error) {
	dec := json.NewDecoder(r)
	var out []Package
	for {
		var p Package
		if err := dec.Decode(&p); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("layout: decode go list output: %w", err)
		}
		out = append(out, p)
	}
}

// BuildArtefact names the kind of executable or object file head starts
// (the first bytes of a file), or "" when it is none: ELF, ar archives
// (static libraries, Go packages), PE (Windows), Mach-O and Go object
// files.
func BuildArtefact(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return "ELF"
	case bytes.HasPrefix(head, []byte("!<arch>\n")):
		return "ar archive"
	case bytes.HasPrefix(head, []byte("go object ")):
		return "Go object"
	case isPE(head):
		return "PE"
	}
	if len(head) >= 4 {
		switch binary.BigEndian.Uint32(head) {
		case 0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe:
			return "Mach-O"
		}
	}
	return ""
}

// isPE checks the DOS header's pointer to a "PE\0\0" signature, so a text
// file that merely starts with "MZ" is not taken for a program.
func isPE(head []byte) bool {
	if len(head) < 0x40 || !bytes.HasPrefix(head, []byte("MZ")) {
		return false
	}
	off := int(binary.LittleEndian.Uint32(head[0x3c:]))
	return off+4 <= len(head) && bytes.Equal(head[off:off+4], []byte("PE\x00\x00"))
}
