package profile

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"go.yaml.in/yaml/v3"
)

// Pos is a place in a profile file; Line and Column count from 1, and are
// zero when a problem concerns the whole file.
type Pos struct {
	File         string
	Line, Column int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// Error is one problem in a profile, at a place.
type Error struct {
	Pos
	Msg string
	Err error // the underlying error, if any (a failed read, say)
}

// Error formats as "file:line:column: message".
func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Errors are all the problems found in a set of profile files, in file
// and line order. Its message has one problem per line.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the individual problems, for errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Source is one layer of a profile: a file's name (used in messages and to
// resolve relative key paths) and its contents.
type Source struct {
	Name string
	Data []byte
}

// Load reads a YAML profile over the defaults and validates it. Unknown
// keys are errors: a typo must not silently fall back to a default.
func Load(path string) (Profile, error) { return LoadLayers(path) }

// LoadLayers reads profile files in order, each over the ones before it
// (built-in defaults < hall profile < per-kiosk overrides), and validates
// the result. The error, if any, is an Errors listing every problem.
func LoadLayers(paths ...string) (Profile, error) {
	var srcs []Source
	var errs Errors
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, &Error{Pos: Pos{File: path}, Msg: "cannot read the profile: " + plainIOError(err), Err: err})
			continue
		}
		srcs = append(srcs, Source{Name: path, Data: data})
	}
	p, err := ParseLayers(srcs...)
	if err != nil {
		var es Errors
		if errors.As(err, &es) {
			errs = append(errs, es...)
		}
	}
	if len(errs) > 0 {
		return Profile{}, errs
	}
	return p, nil
}

// Parse reads YAML data (name is used in messages) over the defaults.
func Parse(name string, data []byte) (Profile, error) {
	return ParseLayers(Source{Name: name, Data: data})
}

// ParseLayers reads the sources in order over the defaults and validates
// the merged profile. The error, if any, is an Errors listing every problem.
func ParseLayers(srcs ...Source) (Profile, error) {
	p := Default()
	d := &decoder{pos: map[string]Pos{}}
	for _, s := range srcs {
		d.file = s.Name
		var doc yaml.Node
		if err := yaml.Unmarshal(s.Data, &doc); err != nil {
			d.errs = append(d.errs, syntaxError(s.Name, err))
			continue
		}
		if len(doc.Content) == 0 {
			continue // empty file: nothing to override
		}
		d.decode(doc.Content[0], reflect.ValueOf(&p).Elem(), "")
	}
	mentioned := func(path string) bool { _, ok := d.pos[path]; return ok }
	for _, pr := range p.problems(mentioned) {
		d.errs = append(d.errs, &Error{Pos: d.where(pr.path, srcs), Msg: pr.String()})
	}
	if len(d.errs) == 0 {
		return p, nil
	}
	sort.SliceStable(d.errs, func(i, j int) bool {
		a, b := d.errs[i].Pos, d.errs[j].Pos
		if a.File != b.File {
			return fileIndex(srcs, a.File) < fileIndex(srcs, b.File)
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return Profile{}, d.errs
}

func fileIndex(srcs []Source, name string) int {
	for i, s := range srcs {
		if s.Name == name {
			return i
		}
	}
	return len(srcs)
}

// where finds the place that set path, or its nearest parent; a problem
// with a default value is reported against the last file.
func (d *decoder) where(path string, srcs []Source) Pos {
	for p := path; p != ""; {
		if pos, ok := d.pos[p]; ok {
			return pos
		}
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			break
		}
		p = p[:i]
	}
	if len(srcs) == 0 {
		return Pos{File: "built-in defaults"}
	}
	return Pos{File: srcs[len(srcs)-1].Name}
}

// syntaxError turns a YAML parser error ("yaml: line 3: ...") into an Error
// at that line.
func syntaxError(file string, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &Error{Pos: Pos{File: file}, Err: err}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ": "); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				e.Line, e.Column, msg = n, 1, rest[i+2:]
			}
		}
	}
	e.Msg = "not valid YAML: " + msg
	return e
}

func plainIOError(err error) string {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "no such file"
	case errors.Is(err, os.ErrPermission):
		return "permission denied"
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// decoder walks YAML nodes into a Profile, field by field, so that a later
// layer overrides only what it names, and records where each key was set.
type decoder struct {
	file string
	errs Errors
	pos  map[string]Pos // key path ("devices.printer.baud") -> value's place
}

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	d.errs = append(d.errs, &Error{Pos: Pos{File: d.file, Line: n.Line, Column: n.Column}, Msg: fmt.Sprintf(format, args...)})
}

var durationType = reflect.TypeFor[time.Duration]()

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch v.Kind() {
	case reflect.Struct:
		d.section(n, v, path)
		return
	case reflect.Map:
		d.provinces(n, v, path)
		return
	}
	name := path
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, "%s should be a single value, not %s", name, kindWords(n))
		return
	}
	if n.Tag == "!!null" {
		v.SetZero() // "port:" with nothing after it: no port
		return
	}
	switch {
	case v.Type() == durationType:
		dur, err := time.ParseDuration(n.Value)
		if err != nil {
			d.errorf(n, "%s: %q is not a length of time such as 90s or 3m", name, n.Value)
			return
		}
		v.SetInt(int64(dur))
	case v.Kind() == reflect.String:
		v.SetString(n.Value)
	case v.Kind() == reflect.Bool:
		var b bool
		if n.Tag != "!!bool" || n.Decode(&b) != nil {
			d.errorf(n, "%s: %q is not true or false", name, n.Value)
			return
		}
		v.SetBool(b)
	case v.Kind() == reflect.Int:
		i, err := strconv.Atoi(n.Value)
		if n.Tag != "!!int" || err != nil {
			d.errorf(n, "%s: %q is not a whole number", name, n.Value)
			return
		}
		v.SetInt(int64(i))
	default:
		panic("profile: no decoder for " + v.Type().String())
	}
}

func (d *decoder) section(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // "devices:" with nothing under it
	}
	if n.Kind != yaml.MappingNode {
		if path == "" {
			d.errorf(n, "a profile should be a list of keys such as kiosk_id: SC-0001, not %s", kindWords(n))
		} else {
			d.errorf(n, "%s should be a section of keys, not %s", path, kindWords(n))
		}
		return
	}
	fields := fieldsOf(v.Type())
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key := k.Value
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, "a key should be a plain name, not %s", kindWords(k))
			continue
		}
		if key == "<<" {
			d.errorf(k, "merge keys (<<) are not supported in profiles")
			continue
		}
		full := join(path, key)
		if first, dup := seen[key]; dup {
			d.errorf(k, "%s appears twice in this section (first on line %d)", full, first.Line)
			continue
		}
		seen[key] = k
		f, ok := fields[key]
		if !ok {
			d.errorf(k, "unknown key %q%s", full, suggest(key, fields, path))
			continue
		}
		switch {
		case f.kind != reflect.Struct && f.kind != reflect.Map:
			d.pos[full] = Pos{File: d.file, Line: val.Line, Column: val.Column}
		case val.Kind == yaml.MappingNode:
			d.pos[full] = Pos{File: d.file, Line: k.Line, Column: k.Column}
		}
		fv := v.FieldByIndex(f.index)
		d.decode(val, fv, full)
		if f.path && fv.String() != "" && !filepath.IsAbs(fv.String()) {
			fv.SetString(filepath.Join(filepath.Dir(d.file), fv.String()))
		}
	}
}

// provinces decodes a section keyed by GB/T 2260 province code (or an
// alias of one) into the map v, each entry over the one an earlier layer
// set, so that a layer overrides only the keys it names.
func (d *decoder) provinces(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "%s should be a section of provinces such as 51: or sichuan:, not %s", path, kindWords(n))
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, "a key should be a province code such as 51, not %s", kindWords(k))
			continue
		}
		code, ok := ProvinceAliases[k.Value]
		if !ok {
			code = k.Value
		}
		if !provinceCodes[code] {
			d.errorf(k, "%s: %q is not a GB/T 2260 province code such as 51 (Sichuan) or 50 (Chongqing), nor sichuan or chongqing", path, k.Value)
			continue
		}
		if first, dup := seen[code]; dup {
			d.errorf(k, "%s.%s appears twice in this section (first on line %d as %s)", path, code, first.Line, first.Value)
			continue
		}
		seen[code] = k
		full := join(path, code)
		d.pos[full] = Pos{File: d.file, Line: k.Line, Column: k.Column}
		key := reflect.ValueOf(code)
		elem := reflect.New(v.Type().Elem()).Elem()
		if old := v.MapIndex(key); old.IsValid() {
			elem.Set(old)
		}
		d.decode(val, elem, full)
		v.SetMapIndex(key, elem)
	}
}

// provinceCodes are the province-level GB/T 2260 codes (two digits).
var provinceCodes = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true,
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

type field struct {
	index []int
	kind  reflect.Kind
	path  bool // a file path, relative to the profile file
}

// fieldsOf maps a struct's YAML keys to its fields, through inline
// embedded structs.
func fieldsOf(t reflect.Type) map[string]field {
	out := map[string]field{}
	for i := range t.NumField() {
		sf := t.Field(i)
		name, opts, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if opts == "inline" {
			for k, f := range fieldsOf(sf.Type) {
				f.index = append([]int{i}, f.index...)
				out[k] = f
			}
			continue
		}
		if name == "" || name == "-" {
			continue
		}
		k := sf.Type.Kind()
		if sf.Type == durationType {
			k = reflect.Int64
		}
		out[name] = field{index: []int{i}, kind: k, path: sf.Tag.Get("profile") == "path"}
	}
	return out
}

// suggest names the nearest known key, or lists the keys of the section.
func suggest(key string, fields map[string]field, path string) string {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	sort.Strings(names)
	best, bestD := "", 3
	for _, n := range names {
		if dist := editDistance(key, n); dist < bestD {
			best, bestD = n, dist
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %s?)", best)
	}
	where := "here"
	if path != "" {
		where = "in " + path
	}
	return fmt.Sprintf(" (keys %s: %s)", where, strings.Join(names, ", "))
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func kindWords(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a section of keys"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("the value %q", n.Value)
	}
	return "this"
}

// YAML returns the profile as YAML, every key spelled out: what
// "kioskctl profile show" prints.
func (p Profile) YAML() ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(p); err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	return b.Bytes(), nil
}

// Digest is the SM3 hash (hex) of the effective profile as YAML: the audit
// log records it, so that a changed profile shows as a changed digest.
func (p Profile) Digest() string {
	y, err := p.YAML()
	if err != nil {
		return ""
	}
	sum := sm3.Sum(y)
	return hex.EncodeToString(sum[:])
}
