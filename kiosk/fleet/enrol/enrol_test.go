package enrol

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckID(t *testing.T) {
	tests := []struct {
		id string
		ok bool
	}{
		{"SC-0001", true},
		{strings.Repeat("a", 64), true},
		{"", false},
		{strings.Repeat("a", 65), false},
		{"SC/0001", false},
		{"SC+1", false},
		{"SC#1", false},
		{"SC 1", false},
		{"SC\t1", false},
		{"SC\x001", false},
	}
	for _, tt := range tests {
		err := CheckID(tt.id)
		if (err == nil) != tt.ok {
			t.Errorf("CheckID(%q) = %v, want ok %v", tt.id, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrKioskID) {
			t.Errorf("CheckID(%q) = %v, not ErrKioskID", tt.id, err)
		}
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	good := Entry{Kiosk: "A", Method: Password, salt: []byte("0123456789abcdef"), hash: hashPassword([]byte("0123456789abcdef"), []byte("x"))}.line()
	tests := []struct {
		name, data, want string
	}{
		{"three fields", "# c\nA sm3:x:y extra\n", "f:2: want"},
		{"bad id", "A/B cert\n", "f:1: enrol: not a kiosk id"},
		{"twice", "A cert\n" + good + "\n", "f:2: A is listed twice"},
		{"bad proof", "A sha1:x:y\n", "f:1: A: the proof"},
		{"bad base64", "A sm3:!!:!!\n", "f:1: A: the proof"},
		{"short hash", "A sm3:AAAA:AAAA\n", "f:1: A: the proof"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse("f", []byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("parse: %v, want %q", err, tt.want)
			}
		})
	}
	if m, err := parse("f", []byte(good+"\nB cert\n\n# end\n")); err != nil || len(m) != 2 {
		t.Fatalf("parse good: %v %v", m, err)
	}
}

func TestAddCheckRemoveReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosks")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if l.Enrolled("SC-0001") {
		t.Fatal("a missing file enrols nobody")
	}
	pws, err := Add(path, Password, "SC-0001", "SC-0002")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Add(path, Cert, "SC-0003"); err != nil {
		t.Fatal(err)
	}
	if len(pws["SC-0001"]) != 32 || pws["SC-0001"] == pws["SC-0002"] {
		t.Fatalf("passwords %q", pws)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), pws["SC-0001"]) {
		t.Fatal("the file holds a password in the clear")
	}
	if changed, err := l.Reload(); err != nil || !changed {
		t.Fatalf("Reload after add: %v %v", changed, err)
	}
	if changed, _ := l.Reload(); changed {
		t.Fatal("Reload of an unchanged file says changed")
	}
	tests := []struct {
		id, pw string
		ok     bool
	}{
		{"SC-0001", pws["SC-0001"], true},
		{"SC-0002", pws["SC-0002"], true},
		{"SC-0001", pws["SC-0002"], false}, // another kiosk's password
		{"SC-0001", "", false},
		{"SC-0003", "", false}, // certificate only
		{"SC-0004", "x", false},
	}
	for _, tt := range tests {
		if got := l.CheckPassword(tt.id, []byte(tt.pw)); got != tt.ok {
			t.Errorf("CheckPassword(%s, …) = %v, want %v", tt.id, got, tt.ok)
		}
	}
	if m, ok := l.Method("SC-0003"); !ok || m != Cert {
		t.Errorf("SC-0003: %v %v", m, ok)
	}
	// Enrolling again replaces the password.
	again, _ := Add(path, Password, "SC-0001")
	l.Reload()
	if l.CheckPassword("SC-0001", []byte(pws["SC-0001"])) || !l.CheckPassword("SC-0001", []byte(again["SC-0001"])) {
		t.Error("re-enrolment did not replace the password")
	}
	if err := Remove(path, "SC-0002", "SC-0009"); !errors.Is(err, ErrNotEnrolled) {
		t.Fatalf("Remove of an unknown id: %v", err)
	}
	if err := Remove(path, "SC-0002"); err != nil {
		t.Fatal(err)
	}
	l.Reload()
	if l.Enrolled("SC-0002") || l.CheckPassword("SC-0002", []byte(pws["SC-0002"])) {
		t.Error("a removed kiosk is still enrolled")
	}
	if got := strings.Join(l.IDs(), ","); got != "SC-0001,SC-0003" {
		t.Errorf("IDs %s", got)
	}
	entries, err := Read(path)
	if err != nil || len(entries) != 2 || entries[1].Method != Cert {
		t.Errorf("Read: %v %v", entries, err)
	}
	// A malformed file keeps the list in force.
	if err := os.WriteFile(path, []byte("broken line here\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Reload(); err == nil || !l.Enrolled("SC-0001") {
		t.Errorf("malformed file: %v, enrolled %v", err, l.Enrolled("SC-0001"))
	}
}

func TestAddRefusesBadInput(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosks")
	if _, err := Add(path, Password, "ok", "bad id"); !errors.Is(err, ErrKioskID) {
		t.Fatalf("bad id: %v", err)
	}
	if _, err := Add(path, "token", "ok"); err == nil {
		t.Fatal("unknown method accepted")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Error("a refused add wrote the file")
	}
}
