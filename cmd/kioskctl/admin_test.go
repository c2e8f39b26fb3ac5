package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProfileCommands(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	hall := "../../packaging/kiosk.yaml"
	local := write("local.yaml", "kiosk_id: SC-510107-009\nui:\n  elder_mode: true\n")
	broken := write("broken.yaml", "kiosk_idd: x\ndevices:\n  idcard:\n    baud: 4800\n")
	demo := write("demo.yaml", "platform:\n  sichuan:\n    url: https://zwfw.sc.example/gw\n")
	demoOK := write("demo-ok.yaml", "platform:\n  sichuan:\n    url: https://test.sc.example/gw\n    demo_keys: true\n  \"50\":\n    url: http://127.0.0.1:8450\n")
	tests := []struct {
		args     []string
		code     int
		want     []string
		stderrIs string
	}{
		{[]string{"profile", "check", hall}, 0, []string{hall + ": ok"}, ""},
		{[]string{"profile", "check", hall, local}, 0, []string{hall + " + " + local + ": ok"}, ""},
		{[]string{"profile", "check", hall, broken}, 1, []string{
			broken + `:1:1: unknown key "kiosk_idd" (did you mean kiosk_id?)`,
			broken + `:4:11: devices.idcard.baud: 4800 is not a supported rate`,
		}, "2 problem(s)"},
		{[]string{"profile", "check", hall, demo}, 1, []string{
			demo + `:2:3: platform.51: no key_file or platform_key_file for https://zwfw.sc.example/gw: the kiosk would use the public demo keys`,
		}, "1 problem(s)"},
		{[]string{"profile", "check", hall, demoOK}, 0, []string{hall + " + " + demoOK + ": ok"}, ""},
		{[]string{"profile", "check", "--each", hall, broken, filepath.Join(dir, "none.yaml")}, 1, []string{
			hall + ": ok", broken + ":1:1:", filepath.Join(dir, "none.yaml") + ": cannot read the profile: no such file",
		}, "4 problem(s)"},
		{[]string{"profile", "show", hall, local}, 0, []string{"kiosk_id: SC-510107-009", "elder_mode: true", "hall_name: 成都市武侯区政务服务中心", "idle_timeout: 1m30s"}, ""},
		{[]string{"profile", "show", broken}, 1, nil, "profile check lists the problems"},
		{[]string{"profile", "check"}, 2, nil, "give one or more"},
		{[]string{"profile", "show"}, 2, nil, "give one or more"},
		{[]string{"profile", "frob"}, 2, nil, "unknown subcommand"},
	}
	for _, tt := range tests {
		code, out, stderr := kioskctl(t, tt.args...)
		if code != tt.code {
			t.Errorf("%v: exit %d, want %d\n%s%s", tt.args, code, tt.code, out, stderr)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: stdout lacks %q:\n%s", tt.args, w, out)
			}
		}
		if !strings.Contains(stderr, tt.stderrIs) {
			t.Errorf("%v: stderr %q lacks %q", tt.args, stderr, tt.stderrIs)
		}
	}
}

func TestProfilePin(t *testing.T) {
	tests := []struct {
		stdin string
		code  int
	}{{"246810\n", 0}, {"12\n", 2}, {"12ab56\n", 2}}
	for _, tt := range tests {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		w.WriteString(tt.stdin)
		w.Close()
		old := os.Stdin
		os.Stdin = r
		code, out, _ := kioskctl(t, "profile", "pin")
		os.Stdin = old
		r.Close()
		if code != tt.code {
			t.Errorf("%q: exit %d, want %d", tt.stdin, code, tt.code)
		}
		if tt.code != 0 {
			continue
		}
		// The printed section is a valid profile layer.
		p := filepath.Join(t.TempDir(), "pin.yaml")
		os.WriteFile(p, []byte(out), 0o600)
		if c, o, _ := kioskctl(t, "profile", "check", p); c != 0 || !strings.Contains(out, `pin_hash: "$argon2id$v=19$`) {
			t.Errorf("pin output %q does not check: %s", out, o)
		}
	}
}
