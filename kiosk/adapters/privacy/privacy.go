// Package privacy proves that a kiosk forgets: Scan searches every file
// the kiosk wrote for the identities it served (in UTF-8, GB18030 and
// UTF-16LE) and for anything shaped like a valid citizen identity number;
// Handler masks identity numbers in every log line, so a careless log call
// cannot leak one; Visits keeps the empty visit marker and writes the
// content-free erasure record of every visit, a crashed one included.
package privacy

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"unicode/utf16"

	"golang.org/x/text/encoding/simplifiedchinese"

	"sckiosk/kiosk/core/identity"
)

// Identity is what one citizen left with the kiosk, as far as a scan looks
// for it.
type Identity struct {
	Name    string `json:"name" yaml:"name"`
	Number  string `json:"id_number" yaml:"id_number"`
	Address string `json:"address" yaml:"address"`
	Phone   string `json:"phone" yaml:"phone"`
}

// Hit is one place a scan found personal data. What is masked.
type Hit struct {
	File     string
	Offset   int64
	Category string // name, id_number, address, phone, id_shaped
	Encoding string // utf-8, gb18030, utf-16le
	What     string // masked
}

// String is the hit as one report line: file:offset: category (encoding) masked.
func (h Hit) String() string {
	return fmt.Sprintf("%s:%d: %s (%s) %s", h.File, h.Offset, h.Category, h.Encoding, h.What)
}

// maxFile bounds how much of one file a scan reads.
const maxFile = 512 << 20

type needle struct {
	category, encoding, masked string
	bytes                      []byte
}

func needles(ids []Identity) []needle {
	var out []needle
	add := func(cat, v, masked string) {
		if len([]rune(v)) < 2 {
			return // one character matches everywhere and proves nothing
		}
		out = append(out, needle{cat, "utf-8", masked, []byte(v)})
		if gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(v)); err == nil && !bytes.Equal(gb, []byte(v)) {
			out = append(out, needle{cat, "gb18030", masked, gb})
		}
		out = append(out, needle{cat, "utf-16le", masked, utf16le(v)})
	}
	for _, id := range ids {
		add("name", id.Name, identity.MaskName(id.Name))
		add("id_number", id.Number, identity.MaskNumber(id.Number))
		add("address", id.Address, "(address)")
		add("phone", id.Phone, identity.MaskPhone(id.Phone))
	}
	return out
}

func utf16le(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	return b
}

var (
	// Maximal runs of digits (an X may end one): a run of exactly 18 is
	// ID-shaped. Windows inside longer runs (nanosecond timestamps side
	// by side in a database page) are not, or the scan would cry wolf.
	idShaped   = regexp.MustCompile(`[0-9]+[Xx]?`)
	idShaped16 = regexp.MustCompile(`(?:[0-9]\x00)+(?:[Xx]\x00)?`)
)

// Scan searches every regular file under dir. It returns the hits sorted
// by file and offset; an empty result is the proof that nothing was kept.
func Scan(dir string, ids []Identity) ([]Hit, error) {
	ns := needles(ids)
	var hits []Hit
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("privacy: scan %s: %w", path, err)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := readBounded(path)
		if err != nil {
			return err
		}
		for _, n := range ns {
			for off := 0; ; {
				i := bytes.Index(data[off:], n.bytes)
				if i < 0 {
					break
				}
				hits = append(hits, Hit{File: path, Offset: int64(off + i), Category: n.category, Encoding: n.encoding, What: n.masked})
				off += i + len(n.bytes)
			}
		}
		for _, loc := range idShaped.FindAllIndex(data, -1) {
			if loc[1]-loc[0] != 18 {
				continue
			}
			num := string(data[loc[0]:loc[1]])
			if identity.ValidateNumber(num) == nil {
				hits = append(hits, Hit{File: path, Offset: int64(loc[0]), Category: "id_shaped", Encoding: "utf-8", What: identity.MaskNumber(num)})
			}
		}
		for _, loc := range idShaped16.FindAllIndex(data, -1) {
			if loc[1]-loc[0] != 36 {
				continue
			}
			num := string(bytes.ReplaceAll(data[loc[0]:loc[1]], []byte{0}, nil))
			if identity.ValidateNumber(num) == nil {
				hits = append(hits, Hit{File: path, Offset: int64(loc[0]), Category: "id_shaped", Encoding: "utf-16le", What: identity.MaskNumber(num)})
			}
		}
		return nil
	})
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].File != hits[j].File {
			return hits[i].File < hits[j].File
		}
		return hits[i].Offset < hits[j].Offset
	})
	return dedupe(hits), err
}

// dedupe drops an id_shaped hit where the same place is already a named
// id_number hit.
func dedupe(hits []Hit) []Hit {
	seen := map[string]bool{}
	for _, h := range hits {
		if h.Category == "id_number" {
			seen[fmt.Sprintf("%s:%d:%s", h.File, h.Offset, h.Encoding)] = true
		}
	}
	out := hits[:0]
	for _, h := range hits {
		if h.Category == "id_shaped" && seen[fmt.Sprintf("%s:%d:%s", h.File, h.Offset, h.Encoding)] {
			continue
		}
		out = append(out, h)
	}
	return out
}

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("privacy: scan: %w", err)
	}
	defer f.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(ioLimit(f)); err != nil {
		return nil, fmt.Errorf("privacy: scan %s: %w", path, err)
	}
	return b.Bytes(), nil
}

// Handler masks anything shaped like a valid identity number in every
// string of a log record before the wrapped handler sees it.
type Handler struct{ next slog.Handler }

// NewHandler wraps next.
func NewHandler(next slog.Handler) *Handler { return &Handler{next: next} }

// Enabled implements slog.Handler.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle implements slog.Handler.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, MaskText(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(maskAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

// WithAttrs implements slog.Handler.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(as))
	for i, a := range as {
		masked[i] = maskAttr(a)
	}
	return &Handler{next: h.next.WithAttrs(masked)}
}

// WithGroup implements slog.Handler.
func (h *Handler) WithGroup(name string) slog.Handler { return &Handler{next: h.next.WithGroup(name)} }

func maskAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, MaskText(v.String()))
	case slog.KindGroup:
		g := v.Group()
		out := make([]any, len(g))
		for i, x := range g {
			out[i] = maskAttr(x)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, MaskText(err.Error()))
		}
		return slog.String(a.Key, MaskText(fmt.Sprint(v.Any())))
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// MaskText replaces every valid identity number in s by its masked form.
func MaskText(s string) string {
	return idShaped.ReplaceAllStringFunc(s, func(m string) string {
		if identity.ValidateNumber(m) == nil {
			return identity.MaskNumber(m)
		}
		return m
	})
}
