package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// fakeDpkg records what kioskctl update installs instead of running dpkg.
type fakeDpkg struct {
	installed []string
	selfTests int
	failTest  bool
}

func (f *fakeDpkg) env() updateEnv {
	return updateEnv{
		install: func(_ context.Context, _ io.Writer, deb string) error {
			b, err := os.ReadFile(deb)
			f.installed = append(f.installed, string(b))
			return err
		},
		selfTest: func(context.Context, io.Writer, time.Duration) error {
			f.selfTests++
			if f.failTest {
				return errors.New("kiosk.service did not become ready")
			}
			return nil
		},
	}
}

func updateCtl(t *testing.T, d *fakeDpkg, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := runUpdate(context.Background(), args, &out, slog.New(slog.DiscardHandler), d.env())
	return out.String(), err
}

func TestUpdateSignApplyRollback(t *testing.T) {
	dir := t.TempDir()
	d := &fakeDpkg{}
	if _, err := updateCtl(t, d, "keygen", "--out", dir); err != nil {
		t.Fatal(err)
	}
	key, pub, state := filepath.Join(dir, "update.key"), filepath.Join(dir, "update.pub"), filepath.Join(dir, "state")
	for _, v := range []string{"v1", "v2"} {
		deb := filepath.Join(dir, "kiosk_"+v+".deb")
		os.WriteFile(deb, []byte(v), 0o644)
		if _, err := updateCtl(t, d, "sign", deb, "--key", key); err != nil {
			t.Fatalf("sign: %v", err)
		}
		if out, err := updateCtl(t, d, "verify", deb, "--key", pub); err != nil || !strings.Contains(out, "signature ok") {
			t.Fatalf("verify: %q, %v", out, err)
		}
		if _, err := updateCtl(t, d, "apply", deb, "--sig", deb+".sig", "--key", pub, "--state", state); err != nil {
			t.Fatalf("apply %s: %v", v, err)
		}
	}
	if _, err := updateCtl(t, d, "rollback", "--key", pub, "--state", state); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if want := []string{"v1", "v2", "v1"}; !slices.Equal(d.installed, want) {
		t.Errorf("installed %q, want %q", d.installed, want)
	}
	if d.selfTests != 2 {
		t.Errorf("%d self-tests, want one per apply", d.selfTests)
	}
	// A failing self-test rolls back by itself.
	d.failTest = true
	deb := filepath.Join(dir, "kiosk_v3.deb")
	os.WriteFile(deb, []byte("v3"), 0o644)
	updateCtl(t, d, "sign", deb, "--key", key)
	if _, err := updateCtl(t, d, "apply", deb, "--key", pub, "--state", state); err == nil {
		t.Fatal("apply with a failing self-test succeeded")
	}
	if want := []string{"v1", "v2", "v1", "v3", "v1"}; !slices.Equal(d.installed, want) {
		t.Errorf("installed %q, want %q", d.installed, want)
	}
}

func TestUpdateRefusesBadSignature(t *testing.T) {
	dir := t.TempDir()
	d := &fakeDpkg{}
	updateCtl(t, d, "keygen", "--out", dir)
	deb := filepath.Join(dir, "kiosk.deb")
	os.WriteFile(deb, []byte("v2"), 0o644)
	updateCtl(t, d, "sign", deb, "--key", filepath.Join(dir, "update.key"))
	os.WriteFile(deb, []byte("v2, tampered"), 0o644)
	for _, sub := range []string{"verify", "apply"} {
		_, err := updateCtl(t, d, sub, deb, "--key", filepath.Join(dir, "update.pub"), "--state", filepath.Join(dir, "state"))
		if err == nil || !strings.Contains(err.Error(), "signature does not match") {
			t.Errorf("%s: %v, want a signature error", sub, err)
		}
	}
	if len(d.installed) != 0 {
		t.Errorf("installed %q", d.installed)
	}
	// Through the command table: exit 1 and one line.
	code, _, stderr := ctl(t, "update", "apply", deb, "--key", filepath.Join(dir, "update.pub"), "--state", filepath.Join(dir, "state"))
	if code != 1 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("exit %d, stderr %q; want 1 and one line", code, stderr)
	}
}

func TestUpdateUsage(t *testing.T) {
	tests := [][]string{
		{"update"},
		{"update", "frobnicate"},
		{"update", "apply"},
		{"update", "apply", "a.deb", "b.deb"},
		{"update", "rollback", "extra"},
		{"update", "sign", "a.deb"},
		{"update", "apply", "a.deb", "--bogus"},
	}
	for _, args := range tests {
		if code, _, stderr := ctl(t, args...); code != 2 {
			t.Errorf("%v: exit %d (%s), want 2", args, code, stderr)
		}
	}
}
