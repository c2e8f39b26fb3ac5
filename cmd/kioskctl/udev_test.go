package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func ctl(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// udevToken is one KEY op "value" of a udev rule.
var udevToken = regexp.MustCompile(`^\s*([A-Z_]+(?:\{[A-Za-z0-9_.-]+\})?)\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"\s*$`)

// udevMatchKeys are the keys that compare; every other known key assigns.
var udevMatchKeys = map[string]bool{"SUBSYSTEM": true, "SUBSYSTEMS": true, "KERNEL": true, "KERNELS": true, "ACTION": true, "DRIVERS": true, "ATTR": true, "ATTRS": true, "ENV": true}
var udevAssignKeys = map[string]bool{"SYMLINK": true, "GROUP": true, "MODE": true, "OWNER": true, "TAG": true, "ENV": true, "RUN": true}

// checkUdevRules is a parser check of udev rule syntax, for machines whose
// udevadm has no verify (systemd < 253) or no udevadm at all.
func checkUdevRules(text string) error {
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var matches, assigns int
		for _, tok := range strings.Split(line, ", ") {
			m := udevToken.FindStringSubmatch(tok)
			if m == nil {
				return fmt.Errorf("line %d: %q is not KEY op \"value\"", n+1, tok)
			}
			key, op := m[1], m[2]
			if i := strings.IndexByte(key, '{'); i > 0 {
				key = key[:i]
			}
			switch {
			case (op == "==" || op == "!=") && udevMatchKeys[key]:
				matches++
			case (op == "=" || op == "+=" || op == ":=" || op == "-=") && udevAssignKeys[key]:
				assigns++
			default:
				return fmt.Errorf("line %d: %s%s is not a known match or assignment", n+1, m[1], op)
			}
		}
		if matches == 0 || assigns == 0 {
			return fmt.Errorf("line %d: a rule needs a match and an assignment", n+1)
		}
	}
	return nil
}

func TestCheckUdevRulesCatchesMistakes(t *testing.T) {
	bad := []string{
		`SUBSYSTEM=="tty", SYMLINK+="kiosk/idcard`,
		`SUBSYSTEM="tty", SYMLINK+="kiosk/idcard"`,
		`SUBSYSTEM=="tty", SYMLINK=="kiosk/idcard"`,
		`SUBSYSTEM=="tty"`,
		`SUBSYSTEM=="tty" SYMLINK+="kiosk/idcard"`,
		`BOGUS=="x", SYMLINK+="y"`,
	}
	for _, r := range bad {
		if checkUdevRules(r) == nil {
			t.Errorf("accepted %q", r)
		}
	}
}

func TestUdevRules(t *testing.T) {
	dir := t.TempDir()
	prof := filepath.Join(dir, "kiosk.yaml")
	os.WriteFile(prof, []byte("devices:\n  printer:\n    driver: escpos\n    port: auto\n    usb: \"0FE6:811E\"\n  scanner:\n    driver: none\n    usb: \"1eab:8003\"\n"), 0o644)
	tests := []struct {
		name string
		args []string
		want []string // lines that must be there
		not  []string
	}{
		{"from flags", []string{"--idcard", "0400:c35a", "--printer", "0FE6:811E", "--scanner", "1eab:8003"}, []string{
			`SUBSYSTEM=="tty", ATTRS{idVendor}=="0400", ATTRS{idProduct}=="c35a", SYMLINK+="kiosk/idcard", GROUP="dialout", MODE="0660", TAG+="systemd"`,
			`ATTRS{idVendor}=="0fe6", ATTRS{idProduct}=="811e", SYMLINK+="kiosk/printer"`,
			`SYMLINK+="kiosk/scanner"`,
		}, nil},
		{"from the profile; a switched-off device gets no rule", []string{prof},
			[]string{`ATTRS{idVendor}=="0fe6", ATTRS{idProduct}=="811e", SYMLINK+="kiosk/printer"`, "# idcard: no usb"},
			[]string{"kiosk/scanner", "kiosk/idcard\""}},
		{"a flag wins over the profile", []string{"--printer", "0519:2013", prof},
			[]string{`ATTRS{idVendor}=="0519", ATTRS{idProduct}=="2013", SYMLINK+="kiosk/printer"`}, []string{"0fe6"}},
		{"no ids: comments only", nil, []string{"no device has a USB id"}, []string{"SYMLINK"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := ctl(t, append([]string{"udev-rules"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("rules lack %q:\n%s", w, out)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(out, n) {
					t.Errorf("rules have %q:\n%s", n, out)
				}
			}
			if err := checkUdevRules(out); err != nil {
				t.Errorf("syntax: %v\n%s", err, out)
			}
			udevadmVerify(t, out)
		})
	}
}

// udevadmVerify runs udevadm verify on the rules where it exists.
func udevadmVerify(t *testing.T, rules string) {
	t.Helper()
	if _, err := exec.LookPath("udevadm"); err != nil {
		return
	}
	if exec.Command("udevadm", "verify", "--help").Run() != nil {
		return // systemd < 253: no verify; checkUdevRules covers it
	}
	f := filepath.Join(t.TempDir(), "70-kiosk.rules")
	os.WriteFile(f, []byte(rules), 0o644)
	if out, err := exec.Command("udevadm", "verify", f).CombinedOutput(); err != nil {
		t.Errorf("udevadm verify: %v\n%s", err, out)
	}
}

func TestUdevRulesBadInput(t *testing.T) {
	tests := [][]string{
		{"udev-rules", "--idcard", "0400"},
		{"udev-rules", "--idcard", "zzzz:c35a"},
		{"udev-rules", "--idcard", "0400:c35a", "--printer", "0400:C35A"},
		{"udev-rules", "--bogus"},
	}
	for _, args := range tests {
		if code, _, stderr := ctl(t, args...); code != 2 {
			t.Errorf("%v: exit %d (%s), want 2", args, code, stderr)
		}
	}
	if code, _, _ := ctl(t, "udev-rules", "/nonexistent/kiosk.yaml"); code == 0 {
		t.Error("a missing profile succeeded")
	}
}
