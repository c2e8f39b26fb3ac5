package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sckiosk/kiosk/adapters/audit"
)

func TestAuditVerify(t *testing.T) {
	dir := t.TempDir()
	l, err := audit.Open(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range []string{"kiosk started", "technician mode entered", "kiosk stopped"} {
		if _, err := l.Append(audit.Technician, "", msg, nil); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	if code, out, stderr := kioskctl(t, "audit", "verify", "--data", dir); code != 0 || !strings.Contains(out, "3 entries, the SM3 chain holds") {
		t.Fatalf("intact: exit %d %q %q", code, out, stderr)
	}
	path := filepath.Join(dir, audit.FileName)
	data, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(data), "entered", "refused", 1)), 0o600)
	code, out, stderr := kioskctl(t, "audit", "verify", "--data", dir)
	if code != 1 || !strings.Contains(out, "entry 2 (line 2) was edited") || !strings.Contains(stderr, "broken at entry 2 (edited)") {
		t.Fatalf("edited: exit %d %q %q", code, out, stderr)
	}
	if code, _, stderr := kioskctl(t, "audit", "verify", "--data", t.TempDir()); code != 1 || !strings.Contains(stderr, "no audit log") {
		t.Fatalf("empty dir: exit %d %q", code, stderr)
	}
	for _, args := range [][]string{{"audit"}, {"audit", "verify", "--data", "/nonexistent"}, {"audit", "verify", "extra"}} {
		if code, _, _ := kioskctl(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
