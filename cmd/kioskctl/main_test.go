package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
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

// TestHelpListsFlags: --help (or -h, or kioskctl help ...) after any
// command exits 0 and prints its synopsis and every flag it parses, with
// the default; after a command with subcommands, every subcommand's.
func TestHelpListsFlags(t *testing.T) {
	flagRef := regexp.MustCompile(`--([a-z0-9-]+)`)
	// helpOf checks the help of the runnable command c called path in out.
	helpOf := func(t *testing.T, path string, c command, out string) {
		t.Helper()
		if !strings.Contains(out, "usage: kioskctl "+path+" ") && !strings.Contains(out, "usage: kioskctl "+path+"\n") {
			t.Errorf("%s: no synopsis in %q", path, out)
		}
		if !strings.Contains(out, c.summary) {
			t.Errorf("%s: summary %q missing", path, c.summary)
		}
		fs := leafFlags(c)
		if fs == nil {
			t.Fatalf("%s: does not parse --help", path)
		}
		n := 0
		fs.VisitAll(func(f *flag.Flag) {
			n++
			if !regexp.MustCompile(`(?m)^  --` + regexp.QuoteMeta(f.Name) + `\b.*` + regexp.QuoteMeta(f.Usage)).MatchString(out) {
				t.Errorf("%s: flag --%s not listed:\n%s", path, f.Name, out)
			}
			if !zeroDefault(f.DefValue) && !strings.Contains(out, "(default "+f.DefValue+")") {
				t.Errorf("%s: default of --%s (%s) not shown", path, f.Name, f.DefValue)
			}
		})
		// The synopsis names only flags the command has.
		for _, m := range flagRef.FindAllStringSubmatch(c.synopsis, -1) {
			if fs.Lookup(m[1]) == nil {
				t.Errorf("%s: synopsis names --%s, which it does not have", path, m[1])
			}
		}
		if n == 0 && c.synopsis != "" && strings.Contains(c.synopsis, "--") {
			t.Errorf("%s: no flags but a synopsis with flags", path)
		}
	}
	var walk func(path []string, cmds []command)
	leaves := 0
	walk = func(path []string, cmds []command) {
		for _, c := range cmds {
			p := append(path[:len(path):len(path)], c.name)
			name := strings.Join(p, " ")
			if c.subs != nil {
				code, out, stderr := kioskctl(t, append(p, "--help")...)
				if code != 0 || stderr != "" {
					t.Errorf("%s --help: exit %d, stderr %q", name, code, stderr)
				}
				for _, sub := range c.subs {
					if sub.subs == nil {
						helpOf(t, name+" "+sub.name, sub, out)
					}
				}
				walk(p, c.subs)
				continue
			}
			leaves++
			for _, h := range [][]string{append(p, "--help"), append(p, "-h"), append([]string{"help"}, p...)} {
				code, out, stderr := kioskctl(t, h...)
				if code != 0 || stderr != "" {
					t.Errorf("%v: exit %d, stderr %q", h, code, stderr)
				}
				helpOf(t, name, c, out)
			}
			code, all, _ := kioskctl(t, "help")
			if code != 0 || !regexp.MustCompile(`(?m)^  `+regexp.QuoteMeta(name)+` +`+regexp.QuoteMeta(c.summary)+`$`).MatchString(all) {
				t.Errorf("kioskctl help: exit %d, %s not listed:\n%s", code, name, all)
			}
		}
	}
	walk(nil, commands)
	if leaves < 28 {
		t.Errorf("only %d commands walked", leaves)
	}
	// Spot checks against what the code says, not what help found.
	for _, tt := range []struct{ args, want []string }{
		{[]string{"drill", "--help"}, []string{"--sessions int", "(default 10)", "--data", "--platform", "--scan"}},
		{[]string{"outbox", "send", "--help"}, []string{"--platform string", "--until-empty", "--timeout duration", "--db", "--key"}},
		{[]string{"sim", "printer", "--help"}, []string{"--state string", "(default ok)", "--paper int", "(default 80)"}},
		{[]string{"update", "apply", "--help"}, []string{"--settle duration", "(default 45s)", "--no-selftest"}},
	} {
		if _, out, _ := kioskctl(t, tt.args...); !containsAll(out, tt.want) {
			t.Errorf("%v: want %q in\n%s", tt.args, tt.want, out)
		}
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
