package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
