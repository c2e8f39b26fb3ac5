package audit

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

func TestSM3Vector(t *testing.T) {
	sum := sm3.Sum([]byte("abc"))
	if got := hex.EncodeToString(sum[:]); got != "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0" {
		t.Fatalf("SM3(abc) = %s", got)
	}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { c.t = c.t.Add(time.Second); return c.t }

// fiveEntries writes a log of five entries and returns its directory.
func fiveEntries(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	c := &clock{t: time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)}
	l, err := Open(dir, c.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, e := range []struct {
		kind   Kind
		msg    string
		fields map[string]string
	}{
		{Start, "kiosk started", map[string]string{"version": "1.0.0"}},
		{Profile, "profile loaded", map[string]string{"files": "/etc/kiosk/kiosk.yaml"}},
		{Technician, "technician mode entered", nil},
		{DeviceFault, "printer fault", map[string]string{"reason": "paper end"}},
		{Stop, "kiosk stopped", nil},
	} {
		if _, err := l.Append(e.kind, "", e.msg, e.fields); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func readLines(t *testing.T, dir string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.SplitAfter(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
}

func writeLines(t *testing.T, dir string, lines [][]byte) {
	t.Helper()
	var b []byte
	for _, l := range lines {
		b = append(b, l...)
		if !bytes.HasSuffix(l, []byte("\n")) {
			b = append(b, '\n')
		}
	}
	if err := os.WriteFile(filepath.Join(dir, FileName), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// rehash recomputes a line's own hash after an edit, as a careful forger would.
func rehash(t *testing.T, line []byte) []byte {
	t.Helper()
	line = bytes.TrimSuffix(line, []byte("\n"))
	body := append(bytes.Clone(line[:len(line)-hashTail]), '}')
	sum := sm3.Sum(body)
	return append(append(line[:len(line)-hashTail+len(hashKey)], hex.EncodeToString(sum[:])...), '"', '}', '\n')
}

func TestVerifyTampering(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, dir string, lines [][]byte) [][]byte
		what   string
		seq    uint64
		msg    string
	}{
		{"intact", nil, "", 0, ""},
		{"edited text", func(t *testing.T, dir string, l [][]byte) [][]byte {
			l[2] = bytes.Replace(l[2], []byte("entered"), []byte("refused"), 1)
			return l
		}, "edited", 3, "entry 3 (line 3) was edited: its SM3 hash does not match"},
		{"edited and rehashed", func(t *testing.T, dir string, l [][]byte) [][]byte {
			l[2] = rehash(t, bytes.Replace(l[2], []byte("entered"), []byte("refused"), 1))
			return l
		}, "edited", 3, "entry 3 (line 3) was replaced: entry 4 no longer chains to it"},
		{"first entry replaced", func(t *testing.T, dir string, l [][]byte) [][]byte {
			l[0] = rehash(t, bytes.Replace(l[0], []byte(`"prev":"00`), []byte(`"prev":"11`), 1))
			return l
		}, "edited", 1, "entry 1 (line 1) was replaced: it does not start the chain"},
		{"garbage line", func(t *testing.T, dir string, l [][]byte) [][]byte {
			return append(l[:2], append([][]byte{[]byte("hello\n")}, l[2:]...)...)
		}, "edited", 3, "line 3 was edited: not an audit entry (entry 3 expected)"},
		{"one removed", func(t *testing.T, dir string, l [][]byte) [][]byte {
			return append(l[:2], l[3:]...)
		}, "removed", 3, "entry 3 was removed (entry 4 on line 3 follows entry 2)"},
		{"two removed", func(t *testing.T, dir string, l [][]byte) [][]byte {
			return append(l[:1], l[3:]...)
		}, "removed", 2, "entries 2 to 3 were removed (entry 4 on line 2 follows entry 1)"},
		{"first removed", func(t *testing.T, dir string, l [][]byte) [][]byte {
			return l[1:]
		}, "removed", 1, "entry 1 was removed (entry 2 on line 1 follows entry 0)"},
		{"last removed", func(t *testing.T, dir string, l [][]byte) [][]byte {
			return l[:4]
		}, "removed", 5, "entry 5 was removed from the end (the head file records it)"},
		{"last two removed", func(t *testing.T, dir string, l [][]byte) [][]byte {
			return l[:3]
		}, "removed", 4, "entries 4 to 5 were removed from the end (the head file records entry 5)"},
		{"last replaced", func(t *testing.T, dir string, l [][]byte) [][]byte {
			l[4] = rehash(t, bytes.Replace(l[4], []byte("stopped"), []byte("crashed"), 1))
			return l
		}, "edited", 5, "entry 5 (line 5) was replaced: the head file records another hash"},
		{"swapped", func(t *testing.T, dir string, l [][]byte) [][]byte {
			l[2], l[3] = l[3], l[2]
			return l
		}, "reordered", 3, "entry 3 was moved to line 4, after entry 4: entries were reordered"},
		{"moved to the end", func(t *testing.T, dir string, l [][]byte) [][]byte {
			return append(append([][]byte{l[0]}, l[2:]...), l[1])
		}, "reordered", 2, "entry 2 was moved to line 5, after entry 3: entries were reordered"},
		{"copied", func(t *testing.T, dir string, l [][]byte) [][]byte {
			return append(l[:3], append([][]byte{l[1]}, l[3:]...)...)
		}, "reordered", 2, "entry 2 (line 4) comes after entry 3: entries were reordered or copied"},
		{"head edited", func(t *testing.T, dir string, l [][]byte) [][]byte {
			os.WriteFile(filepath.Join(dir, HeadName), []byte("{"), 0o600)
			return l
		}, "edited", 0, "the head file audit.head was edited"},
	}
	for _, tt := range tests {
		dir := fiveEntries(t)
		if tt.tamper != nil {
			writeLines(t, dir, tt.tamper(t, dir, readLines(t, dir)))
		}
		n, err := Verify(dir)
		if tt.what == "" {
			if err != nil || n != 5 {
				t.Errorf("%s: %d entries, %v", tt.name, n, err)
			}
			continue
		}
		var te *TamperError
		if !errors.As(err, &te) {
			t.Errorf("%s: err = %v, want a TamperError", tt.name, err)
			continue
		}
		if te.What != tt.what || te.Seq != tt.seq || !strings.HasPrefix(te.Msg, tt.msg) {
			t.Errorf("%s: %+v\nwant %s entry %d: %s", tt.name, te, tt.what, tt.seq, tt.msg)
		}
	}
}

func TestReopenContinuesChainAndCutsTornLine(t *testing.T) {
	dir := fiveEntries(t)
	f, err := os.OpenFile(filepath.Join(dir, FileName), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"seq":6,"time":"2026-`) // the power went here
	f.Close()
	l, err := Open(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	e, err := l.Append(Start, "", "kiosk started", nil)
	if err != nil || e.Seq != 6 {
		t.Fatalf("append after reopen: %+v %v", e, err)
	}
	l.Close()
	if n, err := Verify(dir); err != nil || n != 6 {
		t.Fatalf("verify: %d %v", n, err)
	}
}

func TestMaskedOnly(t *testing.T) {
	l, err := Open(t.TempDir(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	tests := []struct {
		msg    string
		fields map[string]string
		ok     bool
	}{
		{"card read", map[string]string{"id": "5101**********123X", "name": "张*"}, true},
		{"card read", map[string]string{"id": "51010719900307123X"}, false},
		{"card 510107199003071234 read", nil, false},
		{"case 2026112500000000001234 sent", nil, true}, // longer than an ID number
		// A profile's SM3 digest may hold 18 digits in a row: it is no ID
		// number, and the entry that names the profile must be written.
		{"profile changed", map[string]string{"after": "e3b0c44298fc1c14" + "123456789012345678" + "aabbccddeeff00112233445566778899"}, true},
		{"profile changed", map[string]string{"after": "123456789012345678" + "c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}, true},
		{"card ID510107199003071234", nil, false},          // letters around a short token
		{"card 51010719900307123Xaa", nil, false},          // an X check digit is no digest
		{"号码510107199003071234已读", nil, false},             // Chinese around it
		{"sm3 abcdef510107199003071234 short", nil, false}, // a hex token too short for a digest
	}
	for _, tt := range tests {
		_, err := l.Append(Technician, "", tt.msg, tt.fields)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrUnmasked)) {
			t.Errorf("%q %v: err = %v", tt.msg, tt.fields, err)
		}
	}
	data, _ := os.ReadFile(filepath.Join(l.dir, FileName))
	if bytes.Contains(data, []byte("19900307")) {
		t.Fatal("an unmasked number reached the file")
	}
}

func TestVerifyMissingLog(t *testing.T) {
	if _, err := Verify(t.TempDir()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
}
