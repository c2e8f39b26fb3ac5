package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sckiosk/kiosk/fleet/enrol"
)

func kioskCmd(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = runKiosk(args, &o, &e)
	return code, o.String(), e.String()
}

func TestKioskAddRemoveList(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "kiosks")
	pwFile := filepath.Join(dir, "sc-0001.password")

	// One kiosk, its password in a file (flags after the id).
	if code, out, errOut := kioskCmd("add", "SC-0001", "--password-file", pwFile, "--kiosks", list); code != 0 || out != "" {
		t.Fatalf("add: %d %q %q", code, out, errOut)
	}
	pw, err := os.ReadFile(pwFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(pwFile); fi.Mode().Perm() != 0o600 {
		t.Errorf("password file mode %v", fi.Mode().Perm())
	}
	// One on standard output, one with a certificate.
	code, out, _ := kioskCmd("add", "--kiosks", list, "SC-0002")
	if code != 0 || len(strings.TrimSpace(out)) != 32 {
		t.Fatalf("add to stdout: %d %q", code, out)
	}
	if code, out, _ := kioskCmd("add", "--cert", "SC-0003", "--kiosks", list); code != 0 || out != "" {
		t.Fatalf("add --cert: %d %q", code, out)
	}
	// Many from a file, to a directory and to standard output.
	ids := filepath.Join(dir, "ids.txt")
	os.WriteFile(ids, []byte("# hall B\nSC-0101\n\nSC-0102\n"), 0o644)
	if code, _, errOut := kioskCmd("add", "--from", ids, "--password-dir", filepath.Join(dir, "pw"), "--kiosks", list); code != 0 {
		t.Fatalf("add --from --password-dir: %d %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "pw", "SC-0102.password")); err != nil {
		t.Error(err)
	}
	os.WriteFile(ids, []byte("SC-0201\nSC-0202\n"), 0o644)
	code, out, _ = kioskCmd("add", "--from", ids, "--kiosks", list)
	if lines := strings.Split(strings.TrimSpace(out), "\n"); code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[1], "SC-0202 ") {
		t.Fatalf("add --from to stdout: %d %q", code, out)
	}

	l, err := enrol.Open(list)
	if err != nil {
		t.Fatal(err)
	}
	if !l.CheckPassword("SC-0001", bytes.TrimSpace(pw)) {
		t.Error("the password written to the file does not log SC-0001 in")
	}
	if code, _, _ := kioskCmd("remove", "SC-0002", "SC-0101", "--kiosks", list); code != 0 {
		t.Fatal("remove failed")
	}
	code, out, _ = kioskCmd("list", "--kiosks", list)
	want := "SC-0001\tpassword\nSC-0003\tcert\nSC-0102\tpassword\nSC-0201\tpassword\nSC-0202\tpassword\n"
	if code != 0 || out != want {
		t.Errorf("list: %d\n%s\nwant\n%s", code, out, want)
	}
}

func TestKioskCommandErrors(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "kiosks")
	ids := filepath.Join(dir, "ids.txt")
	os.WriteFile(ids, []byte("SC-0001\nbad id\n"), 0o644)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no verb", nil, 2, "usage:"},
		{"unknown verb", []string{"enable", "SC-0001"}, 2, "unknown command enable"},
		{"add without id", []string{"add"}, 2, "add takes one id"},
		{"add two ids", []string{"add", "A", "B"}, 2, "add takes one id"},
		{"bad id", []string{"add", "SC/0001"}, 1, "not a kiosk id"},
		{"cert with password file", []string{"add", "--cert", "A", "--password-file", "f"}, 2, "--cert enrols without a password"},
		{"from and an id", []string{"add", "--from", ids, "A"}, 2, "--from takes no ids"},
		{"bad id in from", []string{"add", "--from", ids}, 1, "ids.txt:2:"},
		{"remove unknown", []string{"remove", "SC-0009"}, 1, "not enrolled"},
		{"remove nothing", []string{"remove"}, 2, "remove takes the ids"},
		{"list with id", []string{"list", "A"}, 2, "list takes no ids"},
		{"unknown flag", []string{"add", "--colour", "A"}, 2, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if len(args) > 0 {
				args = append(append([]string{}, args...), "--kiosks", list)
			}
			code, _, errOut := kioskCmd(args...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, tt.code, tt.want)
			}
		})
	}
	if _, err := os.Stat(list); err == nil {
		t.Error("a refused command wrote the list")
	}
}
