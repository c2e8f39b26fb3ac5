package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Bad input gets one clear line on stderr and exit code 2, never a panic.
func TestBadInputExitsTwo(t *testing.T) {
	t.Setenv("KIOSK_NO_ERROR_WINDOW", "1")
	broken := filepath.Join(t.TempDir(), "broken.yaml")
	os.WriteFile(broken, []byte("division_code: '110101'\n"), 0o644)
	demo := filepath.Join(t.TempDir(), "demo.yaml")
	os.WriteFile(demo, []byte("platform:\n  \"51\":\n    url: https://zwfw.sc.example/gw\n"), 0o644)
	unreadable := filepath.Join(t.TempDir(), "dir.yaml")
	os.Mkdir(unreadable, 0o755)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "flag provided but not defined"},
		{[]string{}, "give --profile FILE"},
		{[]string{"--profile", "/nonexistent/kiosk.yaml"}, "no such file"},
		{[]string{"--profile", broken}, "division_code"},
		{[]string{"--profile", unreadable}, "is a directory"},
		{[]string{"--profile", demo}, "platform.51: no key_file or platform_key_file for https://zwfw.sc.example/gw"},
		{[]string{"--sim", "--scale", "huge"}, "--scale"},
		{[]string{"--sim", "extra"}, "unexpected argument"},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		code := run(tt.args, &stderr)
		out := stderr.String()
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", tt.args, code, out)
		}
		if !strings.Contains(out, tt.want) || strings.Count(strings.TrimSpace(out), "\n") != 0 {
			t.Errorf("%v: stderr %q, want one line containing %q", tt.args, out, tt.want)
		}
	}
}
