package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sckiosk/devices/idcard/idcardsim"
	"sckiosk/devices/printer/printersim"
	"sckiosk/devices/serialport"
)

func TestProbeCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, rp, err := idcardsim.StartPty(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, pp, err := printersim.StartPty(ctx, printersim.SimOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pp.Close()
	quiet, err := serialport.NewPty()
	if err != nil {
		t.Fatal(err)
	}
	defer quiet.Close()

	code, out, stderr := kioskctl(t, "probe", "--timeout", "150ms", "--port", rp.SlavePath, "--port", pp.SlavePath, "--port", quiet.SlavePath)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, stderr)
	}
	for _, want := range []string{"idcard   115200  SAM status 00 00 90", "printer  115200  ESC/POS status 12", "no answer",
		"devices:\n  idcard:\n    port: " + rp.SlavePath, "  printer:\n    port: " + pp.SlavePath} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The snippet, with the rest of a hall profile, passes the check.
	dir := t.TempDir()
	snippet := out[strings.Index(out, "devices:"):]
	local := filepath.Join(dir, "local.yaml")
	if err := os.WriteFile(local, []byte(snippet+"  scanner:\n    driver: none\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := kioskctl(t, "profile", "check", local); code != 0 {
		t.Errorf("snippet does not check: %s", out)
	}

	if code, out, _ := kioskctl(t, "probe", "--timeout", "50ms", "--baud", "9600", "--port", quiet.SlavePath); code != 1 || !strings.Contains(out, "no answer") {
		t.Errorf("silent port: exit %d %q", code, out)
	}
	for _, args := range [][]string{{"probe", "--baud", "1200", "--port", quiet.SlavePath}, {"probe", "extra"}} {
		if code, _, _ := kioskctl(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
