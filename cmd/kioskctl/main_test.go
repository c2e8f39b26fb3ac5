package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sckiosk/devices/idcard"
	"sckiosk/devices/idcard/idcardsim"
	"sckiosk/kiosk/core/identity"
)

func kioskctl(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	code := run(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestBadInputExitsTwo(t *testing.T) {
	tests := [][]string{
		{},
		{"frobnicate"},
		{"idcard", "read"},
		{"idcard", "read", "--port", "/dev/does-not-exist"},
		{"printer", "test", "--port", "/dev/does-not-exist"},
		{"idcard", "read", "--bogus"},
		{"sim", "toaster"},
		{"outbox", "list", "--db", "/nonexistent/outbox.db"},
		{"profile"},
	}
	for _, args := range tests {
		code, _, stderr := kioskctl(t, args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if args != nil && len(args) > 0 && strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: stderr is not one line: %q", args, stderr)
		}
	}
}

func TestReadCardPrintsMaskedOnly(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sim, p, err := idcardsim.StartPty(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	card := idcard.SampleCard()
	if err := sim.Place(card); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := kioskctl(t, "idcard", "read", "--port", p.SlavePath, "--timeout", "15s")
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, stderr)
	}
	if !strings.Contains(out, "card read: 张* "+identity.MaskNumber(card.Number)) {
		t.Fatalf("output %q", out)
	}
	for _, secret := range []string{card.Number, card.Name, card.Address, card.Birth} {
		if strings.Contains(out+stderr, secret) {
			t.Fatalf("output carries %q", secret)
		}
	}
}

func TestProfileCheck(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("division_code: '110101'\n"), 0o644)
	if code, out, _ := kioskctl(t, "profile", "check", "../../packaging/kiosk.yaml"); code != 0 || !strings.Contains(out, "ok") {
		t.Fatalf("good profile: exit %d, %q", code, out)
	}
	if code, out, _ := kioskctl(t, "profile", "check", bad); code != 1 || !strings.Contains(out, "division_code") {
		t.Fatalf("bad profile: exit %d, %q", code, out)
	}
}
