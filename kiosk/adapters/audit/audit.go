// Package audit keeps the kiosk's audit log: an append-only file of JSON
// lines, each chained to the one before it by an SM3 hash, recording
// technician actions, profile changes, start and stop, and device faults.
//
// Entries carry masked data only (5101**********123X, 张*); Append refuses
// a value that holds a whole ID number. Each line is
//
//	{"seq":N,"time":...,"kind":...,"msg":...,"prev":"<hash of entry N-1>","hash":"<SM3 of this line up to prev>"}
//
// and a small head file remembers the last entry, so that cutting entries
// off the end is seen too. Verify names the first entry that was edited,
// removed or reordered. The chain shows tampering by anyone who does not
// recompute every later hash; it is not a signature.
package audit

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// File names inside the data directory.
const (
	FileName = "audit.log"
	HeadName = "audit.head"
)

// Kind classifies an entry.
type Kind string

// The kinds of entries.
const (
	Start       Kind = "start"        // the kiosk started
	Stop        Kind = "stop"         // the kiosk stopped
	Technician  Kind = "technician"   // a technician action (entry, PIN failure, self-test, reload, exit to desktop)
	Profile     Kind = "profile"      // a profile was loaded or changed
	DeviceFault Kind = "device_fault" // a device went to fault or offline
	Erasure     Kind = "erasure"      // a visit ended and its personal data was erased (counts only)
)

// genesis is the prev of the first entry.
var genesis = hex.EncodeToString(make([]byte, sm3.Size))

// Entry is one audit record.
type Entry struct {
	Seq    uint64            `json:"seq"`
	Time   time.Time         `json:"time"`
	Kind   Kind              `json:"kind"`
	Actor  string            `json:"actor,omitempty"`
	Msg    string            `json:"msg"`
	Fields map[string]string `json:"fields,omitempty"`
	Prev   string            `json:"prev"`
	Hash   string            `json:"-"` // stored after prev, see the package doc
}

// head is the content of the head file.
type head struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// Log appends to an audit log. Safe for concurrent use.
type Log struct {
	dir string
	now func() time.Time
	log *slog.Logger

	mu   sync.Mutex
	f    *os.File
	seq  uint64
	last string
}

// idShaped matches a whole 18-character ID number.
var idShaped = regexp.MustCompile(`(^|[^0-9])[1-9][0-9]{16}[0-9Xx]($|[^0-9])`)

// minDigest is the shortest run of hex digits taken for a digest (an SM3
// or SHA digest, a key id), not for text that could name a person.
const minDigest = 32

// unmasked reports whether s holds a whole ID number. A run of 18 digits
// inside a long hex token is part of a digest (a profile's SM3 hash), not
// an ID number: refusing it would silently drop every entry that names
// such a profile.
func unmasked(s string) bool {
	for _, loc := range idShaped.FindAllStringIndex(s, -1) {
		start, end := loc[0], loc[1]
		for start < end && !isDigit(s[start]) {
			start++
		}
		for end > start && !isDigit(s[end-1]) && s[end-1] != 'X' && s[end-1] != 'x' {
			end--
		}
		if hexRun(s, start, end) < minDigest {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHex(c byte) bool { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') }

// hexRun is the length of the run of hex digits around s[start:end].
func hexRun(s string, start, end int) int {
	for start > 0 && isHex(s[start-1]) {
		start--
	}
	for end < len(s) && isHex(s[end]) {
		end++
	}
	for i := start; i < end; i++ {
		if !isHex(s[i]) {
			return 0 // an X check digit: not a digest
		}
	}
	return end - start
}

// ErrUnmasked means an entry would have carried a whole ID number.
var ErrUnmasked = errors.New("audit: entry holds an unmasked ID number")

// Open opens (or creates) the audit log in dir and continues its chain.
// A half-written last line, left by a power cut, is cut off.
func Open(dir string, now func() time.Time, log *slog.Logger) (*Log, error) {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	l := &Log{dir: dir, now: now, log: log, f: f, last: genesis}
	if err := l.recover(); err != nil {
		f.Close()
		return nil, err
	}
	return l, nil
}

// recover finds the last complete entry and positions the file after it.
func (l *Log) recover() error {
	data, err := io.ReadAll(l.f)
	if err != nil {
		return fmt.Errorf("audit: read %s: %w", l.f.Name(), err)
	}
	end := bytes.LastIndexByte(data, '\n') + 1
	if end < len(data) {
		l.log.Warn("audit: cutting off a half-written last entry", "bytes", len(data)-end)
		if err := l.f.Truncate(int64(end)); err != nil {
			return fmt.Errorf("audit: truncate: %w", err)
		}
	}
	if end > 0 {
		lines := bytes.Split(data[:end-1], []byte{'\n'})
		e, err := parseLine(lines[len(lines)-1])
		if err != nil {
			l.log.Warn("audit: last entry is unreadable; the chain continues from it anyway", "err", err)
			sum := sm3.Sum(lines[len(lines)-1])
			l.seq, l.last = uint64(len(lines)), hex.EncodeToString(sum[:])
		} else {
			l.seq, l.last = e.Seq, e.Hash
		}
	}
	if _, err := l.f.Seek(int64(end), io.SeekStart); err != nil {
		return fmt.Errorf("audit: seek: %w", err)
	}
	return nil
}

// Append writes one entry, syncs it to disk and returns it. Field values
// and the message must already be masked.
func (l *Log) Append(kind Kind, actor, msg string, fields map[string]string) (Entry, error) {
	if unmasked(msg) || unmasked(actor) {
		return Entry{}, ErrUnmasked
	}
	for k, v := range fields {
		if unmasked(v) || unmasked(k) {
			return Entry{}, fmt.Errorf("%w (field %s)", ErrUnmasked, k)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return Entry{}, errors.New("audit: log is closed")
	}
	e := Entry{Seq: l.seq + 1, Time: l.now().UTC(), Kind: kind, Actor: actor, Msg: msg, Fields: fields, Prev: l.last}
	line, hash, err := encode(e)
	if err != nil {
		return Entry{}, err
	}
	e.Hash = hash
	if _, err := l.f.Write(line); err != nil {
		return Entry{}, fmt.Errorf("audit: write: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		return Entry{}, fmt.Errorf("audit: sync: %w", err)
	}
	l.seq, l.last = e.Seq, hash
	if err := writeHead(l.dir, head{Seq: e.Seq, Hash: hash}); err != nil {
		return e, err
	}
	return e, nil
}

// Close closes the file.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// hashKey is what separates an entry's body from its hash on a line.
const hashKey = `,"hash":"`

// hashTail is the length of `,"hash":"<64 hex>"}`.
var hashTail = len(hashKey) + 2*sm3.Size + 2

// encode returns the entry's line and hash: the hash is SM3 of the JSON
// body (everything up to prev), and is written after it.
func encode(e Entry) ([]byte, string, error) {
	body, err := json.Marshal(e)
	if err != nil {
		return nil, "", fmt.Errorf("audit: encode: %w", err)
	}
	sum := sm3.Sum(body)
	hash := hex.EncodeToString(sum[:])
	line := make([]byte, 0, len(body)+hashTail+1)
	line = append(line, body[:len(body)-1]...)
	line = append(line, hashKey...)
	line = append(line, hash...)
	line = append(line, '"', '}', '\n')
	return line, hash, nil
}

// errHash means the line's hash is not the SM3 of its body.
var errHash = errors.New("hash does not match the entry")

// parseLine decodes a line (without its newline) and checks its own hash.
// On errHash the entry is still returned, so that its seq can be named.
func parseLine(line []byte) (Entry, error) {
	if len(line) < hashTail || !bytes.HasPrefix(line[len(line)-hashTail:], []byte(hashKey)) || !bytes.HasSuffix(line, []byte(`"}`)) {
		return Entry{}, errors.New("not an audit entry")
	}
	body := append(bytes.Clone(line[:len(line)-hashTail]), '}')
	var e Entry
	if err := json.Unmarshal(body, &e); err != nil {
		return Entry{}, fmt.Errorf("not an audit entry: %w", err)
	}
	e.Hash = string(line[len(line)-hashTail+len(hashKey) : len(line)-2])
	sum := sm3.Sum(body)
	if hex.EncodeToString(sum[:]) != e.Hash {
		return e, errHash
	}
	return e, nil
}

func writeHead(dir string, h head) error {
	data, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("audit: head: %w", err)
	}
	tmp := filepath.Join(dir, HeadName+".tmp")
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("audit: head: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, HeadName)); err != nil {
		return fmt.Errorf("audit: head: %w", err)
	}
	return nil
}

// TamperError names the first entry that is not where the chain says.
type TamperError struct {
	Seq  uint64 // the entry concerned (0 when it cannot be told)
	Line int    // its line in the file (0 for the end of the file)
	What string // edited, removed, reordered
	Msg  string
}

func (e *TamperError) Error() string { return "audit: " + e.Msg }

// Verify checks the chain of the audit log in dir and returns the number
// of entries, or a *TamperError naming the first entry that was edited,
// removed or reordered.
func Verify(dir string) (int, error) {
	f, err := os.Open(filepath.Join(dir, FileName))
	if err != nil {
		return 0, fmt.Errorf("audit: %w", err)
	}
	defer f.Close()
	var h *head
	if data, err := os.ReadFile(filepath.Join(dir, HeadName)); err == nil {
		h = new(head)
		if err := json.Unmarshal(data, h); err != nil {
			return 0, &TamperError{What: "edited", Msg: fmt.Sprintf("the head file %s was edited: %v", HeadName, err)}
		}
	}
	return verify(f, h)
}

// verify checks the chain read from r against h (nil: no head).
func verify(r io.Reader, h *head) (int, error) {
	type item struct {
		e    Entry
		err  error
		line int
	}
	var items []item
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	seqAt := map[uint64]int{} // seq -> line, of every well-formed entry
	for n := 1; sc.Scan(); n++ {
		e, err := parseLine(sc.Bytes())
		items = append(items, item{e, err, n})
		if err == nil || errors.Is(err, errHash) {
			if _, dup := seqAt[e.Seq]; !dup {
				seqAt[e.Seq] = n
			}
		}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("audit: read: %w", err)
	}
	want, prev, prevLine := uint64(1), genesis, 0
	for _, it := range items {
		switch {
		case errors.Is(it.err, errHash):
			return 0, &TamperError{it.e.Seq, it.line, "edited", fmt.Sprintf("entry %d (line %d) was edited: its SM3 hash does not match", it.e.Seq, it.line)}
		case it.err != nil:
			return 0, &TamperError{want, it.line, "edited", fmt.Sprintf("line %d was edited: %v (entry %d expected)", it.line, it.err, want)}
		}
		e := it.e
		switch {
		case e.Seq < want:
			return 0, &TamperError{e.Seq, it.line, "reordered", fmt.Sprintf("entry %d (line %d) comes after entry %d: entries were reordered or copied", e.Seq, it.line, want-1)}
		case e.Seq > want:
			if line, later := seqAt[want]; later && line > it.line {
				return 0, &TamperError{want, line, "reordered", fmt.Sprintf("entry %d was moved to line %d, after entry %d: entries were reordered", want, line, e.Seq)}
			}
			if want == e.Seq-1 {
				return 0, &TamperError{want, it.line, "removed", fmt.Sprintf("entry %d was removed (entry %d on line %d follows entry %d)", want, e.Seq, it.line, want-1)}
			}
			return 0, &TamperError{want, it.line, "removed", fmt.Sprintf("entries %d to %d were removed (entry %d on line %d follows entry %d)", want, e.Seq-1, e.Seq, it.line, want-1)}
		case e.Prev != prev && want == 1:
			return 0, &TamperError{e.Seq, it.line, "edited", fmt.Sprintf("entry %d (line %d) was replaced: it does not start the chain", e.Seq, it.line)}
		case e.Prev != prev:
			return 0, &TamperError{want - 1, prevLine, "edited", fmt.Sprintf("entry %d (line %d) was replaced: entry %d no longer chains to it", want-1, prevLine, e.Seq)}
		}
		want, prev, prevLine = e.Seq+1, e.Hash, it.line
	}
	if h != nil {
		last := want - 1
		switch {
		case h.Seq == last+1:
			return 0, &TamperError{last + 1, 0, "removed", fmt.Sprintf("entry %d was removed from the end (the head file records it)", h.Seq)}
		case h.Seq > last:
			return 0, &TamperError{last + 1, 0, "removed", fmt.Sprintf("entries %d to %d were removed from the end (the head file records entry %d)", last+1, h.Seq, h.Seq)}
		case h.Seq == last && h.Hash != prev:
			return 0, &TamperError{last, len(items), "edited", fmt.Sprintf("entry %d (line %d) was replaced: the head file records another hash", last, len(items))}
		}
	}
	return len(items), nil
}
