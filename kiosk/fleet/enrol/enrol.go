// Package enrol is a hall's allow-list of enrolled kiosks: which kiosk
// ids may connect to the hall's embedded broker and how each proves who it
// is (a password generated at enrolment, kept only as a salted SM3 hash,
// or a client certificate whose CN is the kiosk id). The list is one text
// file that `hallserver kiosk add|remove|list` edits and the running hall
// server re-reads when it changes.
//
// The file holds one kiosk a line:
//
//	# comment
//	SC-0001 sm3:SALT:HASH     password login (salt and hash in base64url)
//	SC-0002 cert              client certificate only
//
// Why a fast salted SM3 and not argon2id: the passwords are generated
// here, 192 random bits each, so no guessing attack can use a leaked hash
// and a deliberately slow hash protects nothing; it would only make the
// broker's CPU the limit when thousands of kiosks reconnect after a hall
// restart (argon2id at its recommended 19 MiB and 2 passes costs tens of
// milliseconds a login on this machine's 2 cores).
package enrol

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// Method is how an enrolled kiosk proves who it is.
type Method string

// Methods of proof.
const (
	Password Method = "password" // user name = kiosk id, password generated at enrolment
	Cert     Method = "cert"     // TLS client certificate whose CN is the kiosk id
)

// Entry is one enrolled kiosk.
type Entry struct {
	Kiosk  string
	Method Method
	salt   []byte
	hash   []byte
}

// ErrKioskID is an id that cannot be a kiosk id (a topic level without
// spaces, at most 64 bytes).
var ErrKioskID = errors.New("enrol: not a kiosk id")

// ErrNotEnrolled is a kiosk the list does not hold.
var ErrNotEnrolled = errors.New("enrol: kiosk not enrolled")

// CheckID reports whether id can be a kiosk id: 1 to 64 bytes, none of
// '/', '+', '#', whitespace or control characters.
func CheckID(id string) error {
	if id == "" || len(id) > 64 {
		return fmt.Errorf("%w: %q (1 to 64 bytes)", ErrKioskID, id)
	}
	for _, r := range id {
		if r <= ' ' || r == 0x7f || r == '/' || r == '+' || r == '#' {
			return fmt.Errorf("%w: %q (no /, +, #, spaces or control characters)", ErrKioskID, id)
		}
	}
	return nil
}

// passwordBytes is the randomness of a generated password: 192 bits,
// 32 characters of base64url.
const passwordBytes = 24

// NewPassword returns a fresh random password.
func NewPassword() string {
	b := make([]byte, passwordBytes)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashPassword(salt, password []byte) []byte {
	h := sm3.New()
	h.Write(salt)
	h.Write(password)
	return h.Sum(nil)
}

func newPasswordEntry(id, password string) Entry {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	return Entry{Kiosk: id, Method: Password, salt: salt, hash: hashPassword(salt, []byte(password))}
}

func (e Entry) line() string {
	if e.Method == Cert {
		return e.Kiosk + " cert"
	}
	enc := base64.RawURLEncoding
	return e.Kiosk + " sm3:" + enc.EncodeToString(e.salt) + ":" + enc.EncodeToString(e.hash)
}

// parse reads a list file's bytes; errors name the file and line.
func parse(name string, data []byte) (map[string]Entry, error) {
	out := map[string]Entry{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, fmt.Errorf("%s:%d: want \"ID sm3:SALT:HASH\" or \"ID cert\"", name, n)
		}
		if err := CheckID(f[0]); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		if _, dup := out[f[0]]; dup {
			return nil, fmt.Errorf("%s:%d: %s is listed twice", name, n, f[0])
		}
		e := Entry{Kiosk: f[0], Method: Cert}
		if f[1] != "cert" {
			p := strings.Split(f[1], ":")
			var err1, err2 error
			if len(p) == 3 && p[0] == "sm3" {
				e.Method = Password
				e.salt, err1 = base64.RawURLEncoding.DecodeString(p[1])
				e.hash, err2 = base64.RawURLEncoding.DecodeString(p[2])
			}
			if e.Method != Password || err1 != nil || err2 != nil || len(e.salt) == 0 || len(e.hash) != sm3.Size {
				return nil, fmt.Errorf("%s:%d: %s: the proof is neither sm3:SALT:HASH nor cert", name, n, f[0])
			}
		}
		out[f[0]] = e
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// List is the allow-list as the running hall server holds it: read from
// its file, and read again by Reload when the file changed. It is safe
// for concurrent use.
type List struct {
	path string

	mu      sync.RWMutex
	entries map[string]Entry
	stamp   fileStamp
}

// fileStamp tells a changed file: every edit renames a new file into
// place, so its inode changes even within one tick of the clock.
type fileStamp struct {
	mod  time.Time
	size int64
	ino  uint64
	ok   bool
}

func stampOf(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	st := fileStamp{mod: fi.ModTime(), size: fi.Size(), ok: true}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.ino = sys.Ino
	}
	return st
}

// Open reads the list at path; a missing file is an empty list (nobody
// enrolled yet), an unreadable or malformed one an error.
func Open(path string) (*List, error) {
	l := &List{path: path}
	if _, err := l.Reload(); err != nil {
		return nil, err
	}
	return l, nil
}

// Path is the list's file.
func (l *List) Path() string { return l.path }

// Reload reads the file again if it changed since it was last read, and
// reports whether it did. A malformed file keeps the list as it was.
func (l *List) Reload() (bool, error) {
	st := stampOf(l.path)
	l.mu.RLock()
	same := l.entries != nil && st == l.stamp
	l.mu.RUnlock()
	if same {
		return false, nil
	}
	data, err := os.ReadFile(l.path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("enrol: %w", err)
	}
	entries, err := parse(l.path, data)
	if err != nil {
		return false, err
	}
	l.mu.Lock()
	l.entries, l.stamp = entries, st
	l.mu.Unlock()
	return true, nil
}

// Enrolled reports whether id is on the list.
func (l *List) Enrolled(id string) bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	_, ok := l.entries[id]
	return ok
}

// Method returns how id proves who it is, and whether it is enrolled.
func (l *List) Method(id string) (Method, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	e, ok := l.entries[id]
	return e.Method, ok
}

// CheckPassword reports whether password is id's (a kiosk enrolled for
// certificates has none).
func (l *List) CheckPassword(id string, password []byte) bool {
	l.mu.RLock()
	e, ok := l.entries[id]
	l.mu.RUnlock()
	if !ok || e.Method != Password {
		return false
	}
	return subtle.ConstantTimeCompare(hashPassword(e.salt, password), e.hash) == 1
}

// IDs returns the enrolled kiosk ids, sorted.
func (l *List) IDs() []string {
	l.mu.RLock()
	defer l.mu.RUnlock()
	out := make([]string, 0, len(l.entries))
	for id := range l.entries {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// edit changes the file at path under an exclusive lock (two
// `hallserver kiosk add` at once do not lose each other's kiosks), and
// replaces it atomically, mode 0600.
func edit(path string, f func(map[string]Entry) error) error {
	lock, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("enrol: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("enrol: lock %s: %w", path, err)
	}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("enrol: %w", err)
	}
	entries, err := parse(path, data)
	if err != nil {
		return err
	}
	if err := f(entries); err != nil {
		return err
	}
	ids := make([]string, 0, len(entries))
	for id := range entries {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var b bytes.Buffer
	b.WriteString("# Kiosks enrolled with this hall (hallserver kiosk add|remove|list).\n")
	for _, id := range ids {
		b.WriteString(entries[id].line())
		b.WriteByte('\n')
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".kiosks-*")
	if err != nil {
		return fmt.Errorf("enrol: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("enrol: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("enrol: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("enrol: %w", err)
	}
	// The new file keeps the old one's owner: root edits a list that the
	// hall server's service user must go on reading.
	if fi, err := os.Stat(path); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && os.Geteuid() == 0 {
			_ = os.Chown(tmp.Name(), int(st.Uid), int(st.Gid))
		}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("enrol: %w", err)
	}
	return nil
}

// Add enrols kiosks in the list file at path (created if missing) and
// returns each one's new password; with method Cert they get none. A
// kiosk already enrolled is enrolled again: its old password stops
// working.
func Add(path string, method Method, ids ...string) (map[string]string, error) {
	if method != Password && method != Cert {
		return nil, fmt.Errorf("enrol: unknown method %q", method)
	}
	for _, id := range ids {
		if err := CheckID(id); err != nil {
			return nil, err
		}
	}
	out := map[string]string{}
	err := edit(path, func(m map[string]Entry) error {
		for _, id := range ids {
			if method == Cert {
				m[id] = Entry{Kiosk: id, Method: Cert}
				continue
			}
			pw := NewPassword()
			m[id] = newPasswordEntry(id, pw)
			out[id] = pw
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Remove takes kiosks off the list file at path; an id that is not on it
// is an error (ErrNotEnrolled) and nothing is removed.
func Remove(path string, ids ...string) error {
	return edit(path, func(m map[string]Entry) error {
		for _, id := range ids {
			if _, ok := m[id]; !ok {
				return fmt.Errorf("%w: %s", ErrNotEnrolled, id)
			}
		}
		for _, id := range ids {
			delete(m, id)
		}
		return nil
	})
}

// Read returns the entries of the list file at path, sorted by id.
func Read(path string) ([]Entry, error) {
	l, err := Open(path)
	if err != nil {
		return nil, err
	}
	out := []Entry{}
	for _, id := range l.IDs() {
		m, _ := l.Method(id)
		out = append(out, Entry{Kiosk: id, Method: m})
	}
	return out, nil
}
