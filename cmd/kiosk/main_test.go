package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// envRunArgs makes the test binary run the kiosk (run) with these
// space-separated arguments instead of the tests: a kiosk process whose
// exit code and stderr a test can watch from outside.
const envRunArgs = "KIOSK_TEST_RUN_ARGS"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(envRunArgs); ok {
		os.Exit(run(strings.Fields(args), os.Stderr))
	}
	os.Exit(m.Run())
}

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

// freeDisplay is a display number with no local X server.
func freeDisplay(t *testing.T) int {
	t.Helper()
	for n := 99; n < 200; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
			continue
		}
		if c, err := net.Dial("unix", fmt.Sprintf("@/tmp/.X11-unix/X%d", n)); err == nil {
			c.Close()
			continue
		}
		return n
	}
	t.Skip("no free X display number")
	return 0
}

// refusingX listens on TCP 127.0.0.1:6000+N and hangs up on every client:
// an X server that answers the kiosk's check but not GLFW. It returns N.
func refusingX(t *testing.T) int {
	t.Helper()
	for n := 150; n < 250; n++ {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", 6000+n))
		if err != nil {
			continue
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		return n
	}
	t.Skip("no free TCP port for a fake X server")
	return 0
}

// kioskEnv is the environment of a kiosk started by a test: DISPLAY as
// given ("" unsets it), the locale of a systemd service (C.UTF-8).
func kioskEnv(display string) []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		for _, k := range []string{"DISPLAY=", "WAYLAND_DISPLAY=", "LANG=", "LC_ALL=", "LC_MESSAGES=", "LANGUAGE="} {
			if strings.HasPrefix(kv, k) {
				return true
			}
		}
		return false
	})
	env = append(env, "LANG=C.UTF-8", "KIOSK_NO_ERROR_WINDOW=1")
	if display != "" {
		env = append(env, "DISPLAY="+display)
	}
	return env
}

var logLine = regexp.MustCompile(`^time=\S+ level=(DEBUG|INFO|WARN)`)

// Without a display the kiosk says so in one line and exits 5 (systemd
// restarts it), with no Go panic, no stack trace and no Fyne locale
// warning, under the C.UTF-8 locale of a systemd service: whether nothing
// listens (checked before anything starts), DISPLAY is unset, or a
// server answers but GLFW cannot open it (its panic recovered).
func TestNoDisplayExitsFive(t *testing.T) {
	n, refusing := freeDisplay(t), refusingX(t)
	tests := []struct {
		name, display string
		want          string // the one line, as a prefix
		logs          bool   // informational log lines may come first
	}{
		{"nothing listens", fmt.Sprintf(":%d", n), fmt.Sprintf("kiosk: cannot open display :%d: no X server answers: dial unix /tmp/.X11-unix/X%d", n, n), false},
		{"unset", "", "kiosk: cannot open display: DISPLAY is not set", false},
		{"GLFW cannot open it", fmt.Sprintf("127.0.0.1:%d", refusing), fmt.Sprintf("kiosk: cannot open display 127.0.0.1:%d: PlatformError: X11: Failed to open display", refusing), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(kioskEnv(tt.display), envRunArgs+"=--sim")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			start := time.Now()
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != exitNoDisplay {
				t.Fatalf("kiosk: %v, want exit code %d; stderr:\n%s", err, exitNoDisplay, stderr.String())
			}
			var lines []string
			sc := bufio.NewScanner(&stderr)
			for sc.Scan() {
				if !tt.logs || !logLine.MatchString(sc.Text()) {
					lines = append(lines, sc.Text())
				}
			}
			if len(lines) != 1 || !strings.HasPrefix(lines[0], tt.want) {
				t.Errorf("stderr, log lines aside = %q, want one line starting %q", lines, tt.want)
			}
			for _, bad := range []string{"goroutine", "panic", "Fyne error", "locale"} {
				if strings.Contains(stderr.String(), bad) {
					t.Errorf("stderr holds %q:\n%s", bad, stderr.String())
				}
			}
			if !tt.logs && time.Since(start) > 10*time.Second {
				t.Errorf("took %v to find there is no display", time.Since(start))
			}
		})
	}
}

// kiosk.service restarts the kiosk on every exit code but a technician's
// leaving to the desktop (no display, 5, included), and runs it in
// zh_CN.UTF-8.
func TestServiceUnitKnowsTheExitCodes(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "packaging", "systemd", "kiosk.service"))
	if err != nil {
		t.Fatal(err)
	}
	unit := map[string][]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && !strings.HasPrefix(k, "#") {
			unit[k] = append(unit[k], strings.Fields(v)...)
		}
	}
	prevent := unit["RestartPreventExitStatus"]
	if !slices.Contains(prevent, fmt.Sprint(exitDesktop)) || slices.Contains(prevent, fmt.Sprint(exitNoDisplay)) ||
		slices.Contains(prevent, fmt.Sprint(exitReload)) || fmt.Sprint(unit["Restart"]) != "[always]" {
		t.Errorf("Restart=%v RestartPreventExitStatus=%v: want always, preventing %d only", unit["Restart"], prevent, exitDesktop)
	}
	if !slices.Contains(unit["Environment"], "LANG=zh_CN.UTF-8") {
		t.Errorf("Environment=%v, want LANG=zh_CN.UTF-8", unit["Environment"])
	}
}

// The --sim window (kiosk and panel side by side) is scaled to fit the
// screen whole, in the tenths Fyne keeps of a scale.
func TestFitScale(t *testing.T) {
	tests := []struct {
		w, h      int
		landscape bool
		want      float64
	}{
		{1920, 1080, false, 0.5}, // 1880×1920 → 940×960 (0.56 would be drawn at 0.6)
		{1920, 1080, true, 0.7},  // 2720×1080 → 1904×756
		{3840, 2160, false, 1},
		{1366, 768, false, 0.4},
		{1720, 1760, false, 0.9},
		{2560, 1440, false, 0.7},
		{100, 100, false, 0.1},
	}
	for _, tt := range tests {
		if got := fitScale(tt.w, tt.h, tt.landscape); got != tt.want {
			t.Errorf("fitScale(%d, %d, landscape %v) = %v, want %v", tt.w, tt.h, tt.landscape, got, tt.want)
		}
	}
}
