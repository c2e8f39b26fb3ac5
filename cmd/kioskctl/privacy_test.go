package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sckiosk/kiosk/adapters/privacy"
	"sckiosk/kiosk/assembly/drill"
)

func TestPrivacyScanCommand(t *testing.T) {
	dir := t.TempDir()
	ids := filepath.Join(t.TempDir(), "ids.json")
	os.WriteFile(ids, []byte(`[{"name":"张三丰","id_number":"11010519491231002X","phone":"13812345678"}]`), 0o600)
	if code, out, _ := kioskctl(t, "privacy", "scan", "--data", dir, "--identities", ids); code != 0 || !strings.Contains(out, "holds no personal data") {
		t.Fatalf("clean dir: exit %d, %q", code, out)
	}
	os.WriteFile(filepath.Join(dir, "leak.log"), []byte("applicant 张三丰 tel 13812345678"), 0o600)
	code, out, _ := kioskctl(t, "privacy", "scan", "--data", dir, "--identities", ids)
	if code != 1 || !strings.Contains(out, "leak.log:10: name") || !strings.Contains(out, "phone") || strings.Contains(out, "三丰") {
		t.Fatalf("leaky dir: exit %d, %q", code, out)
	}
	if code, _, _ := kioskctl(t, "privacy", "scan", "--data", "/nonexistent"); code != 2 {
		t.Fatalf("missing dir: exit %d", code)
	}
}

func TestDrillCommand(t *testing.T) {
	code, out, stderr := kioskctl(t, "drill", "--sessions", "3")
	if code != 0 || !strings.Contains(out, "3 visits") || !strings.Contains(out, "3 submitted") || !strings.Contains(out, "nothing personal left") {
		t.Fatalf("exit %d: %s %s", code, out, stderr)
	}
	if code, _, _ := kioskctl(t, "drill", "--sessions", "0"); code != 2 {
		t.Fatalf("bad count: exit %d", code)
	}
}

// TestDrillDataDir: kioskctl drill --data DIR makes DIR (0700: what a
// kiosk writes is personal) when it does not exist; five visits are by
// five citizens, one of each card type and an app code; and DIR, kept
// afterwards, holds none of them.
func TestDrillDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "drill")
	code, out, stderr := kioskctl(t, "drill", "--sessions", "5", "--data", dir)
	if code != 0 || !strings.Contains(out, "5 visits") || !strings.Contains(out, "nothing personal left") {
		t.Fatalf("exit %d: %s %s", code, out, stderr)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Fatalf("data directory: %v, %v", fi.Mode(), err)
	}
	if !strings.Contains(out, "app 1, foreign_permanent_2017 1, foreign_permanent_2023 1, hmt_resident_permit 1, resident 1") {
		t.Fatalf("visits not by one citizen of each kind: %s", out)
	}
	var ids []privacy.Identity
	for _, c := range drill.Citizens()[:5] {
		ids = append(ids, c.Identities()...)
	}
	if len(ids) < 4 {
		t.Fatalf("%d identities", len(ids))
	}
	idFile := filepath.Join(t.TempDir(), "ids.json")
	b, err := json.Marshal(ids)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(idFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := kioskctl(t, "privacy", "scan", "--data", dir, "--identities", idFile); code != 0 || !strings.Contains(out, "holds no personal data") {
		t.Fatalf("privacy scan of %s: exit %d, %s", dir, code, out)
	}
}
