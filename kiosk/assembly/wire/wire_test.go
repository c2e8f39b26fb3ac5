package wire

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sckiosk/devices/printer/escpos"
	"sckiosk/kiosk/adapters/profile"
	"sckiosk/kiosk/assembly/simrig"
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/session"
)

// A kiosk that stopped in the middle of a visit erases what it may have
// left and records the erasure when it starts again.
func TestCrashRecoveryAtStartUp(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rig, err := simrig.Start(ctx, filepath.Join(t.TempDir(), "dev"), escpos.Paper80, log)
	if err != nil {
		t.Fatal(err)
	}
	defer rig.Close()
	prof := rig.Profile(profile.Default())
	prof.DataDir = t.TempDir()
	os.MkdirAll(filepath.Join(prof.DataDir, "tmp"), 0o700)
	os.WriteFile(filepath.Join(prof.DataDir, "tmp", "spool-1"), []byte("left over"), 0o600)
	os.WriteFile(filepath.Join(prof.DataDir, "visit.active"), nil, 0o600)

	k, err := Build(prof, catalog.Builtin(), log, Options{Tick: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { k.Run(ctx); close(done) }()
	// Recovery removes the old marker first; then a visit starts: the
	// marker comes back; it ends: the marker goes.
	waitFile(t, filepath.Join(prof.DataDir, "visit.active"), false)
	k.Runtime.Send(session.Start{})
	waitFile(t, filepath.Join(prof.DataDir, "visit.active"), true)
	k.Runtime.Send(session.Cancel{})
	waitFile(t, filepath.Join(prof.DataDir, "visit.active"), false)
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(filepath.Join(prof.DataDir, "audit.log"))
		if strings.Contains(string(b), `"reason":"cancel"`) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done

	if _, err := os.Stat(filepath.Join(prof.DataDir, "tmp", "spool-1")); !os.IsNotExist(err) {
		t.Fatal("temporary file survived recovery")
	}
	audit, _ := os.ReadFile(filepath.Join(prof.DataDir, "audit.log"))
	if !strings.Contains(string(audit), `"reason":"crash_recovery"`) || !strings.Contains(string(audit), `"reason":"cancel"`) ||
		!strings.Contains(string(audit), `"kind":"profile"`) {
		t.Fatalf("audit log lacks the erasure records:\n%s", audit)
	}
}

func waitFile(t *testing.T, path string, present bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := os.Stat(path)
		if (err == nil) == present {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s present=%v never happened", path, present)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// At start-up the kiosk replaces its built-in catalogue with the
// platform's signed one; rated cases reach the platform.
func TestPlatformCatalogueAndRatings(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rig, err := simrig.Start(ctx, filepath.Join(t.TempDir(), "dev"), escpos.Paper80, log)
	if err != nil {
		t.Fatal(err)
	}
	defer rig.Close()
	prof := rig.Profile(profile.Default())
	prof.DataDir = t.TempDir()
	k, err := Build(prof, catalog.Builtin(), log, Options{Tick: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { k.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for k.Runtime.State().Catalog.Version == catalog.Builtin().Version {
		if time.Now().After(deadline) {
			t.Fatal("platform catalogue never loaded")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cat := k.Runtime.State().Catalog
	if len(cat.Items) < 30 {
		t.Fatalf("catalogue %s has %d items", cat.Version, len(cat.Items))
	}
	bundles, cq := 0, 0
	for _, it := range cat.Items {
		if len(it.Bundle) > 0 {
			bundles++
		}
		if it.Category == session.CategoryCQ || it.Province == "50" {
			cq++
		}
	}
	if bundles < 3 || cq < 1 {
		t.Fatalf("bundles %d, Chongqing items %d", bundles, cq)
	}
}

// A Build that fails after it opened the outbox and the audit log closes
// both: nothing under the data directory stays open, and the next Build
// opens them again.
func TestFailedBuildClosesWhatItOpened(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	badKeys := t.TempDir()
	if err := os.WriteFile(filepath.Join(badKeys, "k1.pem"), []byte("not a key"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		spoil func(*profile.Profile)
		want  string
	}{
		{"technician PIN hash", func(p *profile.Profile) { p.Technician.PINHash = "2468" }, "pin_hash"},
		{"code key", func(p *profile.Profile) {
			p.Platform["51"] = profile.Endpoint{URL: p.Platform["51"].URL, CodeKeyDir: badKeys}
		}, "code key"},
		{"printer baud", func(p *profile.Profile) { p.Devices.Printer.Port, p.Devices.Printer.Baud = "/dev/kiosk-no-printer", -1 }, "baud"},
		{"kiosk key", func(p *profile.Profile) {
			p.Platform["51"] = profile.Endpoint{URL: p.Platform["51"].URL, KeyFile: filepath.Join(badKeys, "missing.pem")}
		}, "kiosk key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prof := profile.Default()
			prof.DataDir = t.TempDir()
			prof.Platform = profile.Platforms{"51": {URL: "http://127.0.0.1:1"}}
			bad := prof
			bad.Platform = maps.Clone(prof.Platform)
			tt.spoil(&bad)
			if _, err := Build(bad, catalog.Builtin(), log, Options{}); err == nil || !strings.HasPrefix(err.Error(), "wire: ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Build = %v, want an error about %s", err, tt.want)
			}
			if open := openUnder(t, prof.DataDir); len(open) > 0 {
				t.Fatalf("still open after the failed Build: %v", open)
			}
			k, err := Build(prof, catalog.Builtin(), log, Options{})
			if err != nil {
				t.Fatalf("Build after a failed one: %v", err)
			}
			if err := errors.Join(k.Outbox.Close(), k.Audit.Close()); err != nil {
				t.Fatal(err)
			}
			if open := openUnder(t, prof.DataDir); len(open) > 0 {
				t.Fatalf("still open after closing: %v", open)
			}
		})
	}
}

// openUnder lists the files under dir this process holds open.
func openUnder(t *testing.T, dir string) []string {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot list open files: %v", err)
	}
	dir, err = filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	var open []string
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.HasPrefix(target, dir+string(filepath.Separator)) {
			open = append(open, target)
		}
	}
	return open
}
