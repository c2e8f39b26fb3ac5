package agent

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sckiosk/kiosk/adapters/audit"
	"sckiosk/kiosk/adapters/profile"
	"sckiosk/kiosk/fleet"
)

// pushRig is a kiosk's profile on disk (one hall layer) and a Handler for
// it whose self-test result and restarts the test controls.
type pushRig struct {
	t        *testing.T
	paths    []string
	base     profile.Profile
	selfOK   bool
	restarts chan struct{}
	audit    []string
}

func newPushRig(t *testing.T) *pushRig {
	t.Helper()
	dir := t.TempDir()
	p := profile.Default()
	p.DataDir = filepath.Join(dir, "data")
	p.Devices.IDCard.Driver, p.Devices.Scanner.Driver, p.Devices.Printer.Driver = "none", "none", "none"
	p.Fleet.Broker, p.Fleet.Hall, p.Fleet.SelfTestAfter = "mqtt://127.0.0.1:1883", "wuhou", 10*time.Millisecond
	y, err := p.YAML()
	if err != nil {
		t.Fatal(err)
	}
	hallFile := filepath.Join(dir, "hall.yaml")
	if err := os.WriteFile(hallFile, y, 0o644); err != nil {
		t.Fatal(err)
	}
	base, err := profile.Load(hallFile)
	if err != nil {
		t.Fatal(err)
	}
	return &pushRig{t: t, paths: []string{hallFile}, base: base, selfOK: true, restarts: make(chan struct{}, 4)}
}

// handler is the kiosk as (re)started on the layers in force.
func (r *pushRig) handler() *Handler {
	r.t.Helper()
	layers := Layers(r.base, r.paths)
	p, err := profile.LoadLayers(layers...)
	if err != nil {
		r.t.Fatal(err)
	}
	return &Handler{Profile: p, ProfilePaths: layers,
		SelfTest: func(context.Context) (bool, []string) { return r.selfOK, []string{"idcard: online"} },
		Restart:  func() { r.restarts <- struct{}{} },
		Record:   func(_ audit.Kind, msg string, _ map[string]string) { r.audit = append(r.audit, msg) },
	}
}

func (r *pushRig) push(h *Handler, yaml string) fleet.Reply {
	r.t.Helper()
	rep := h.Handle(context.Background(), fleet.Command{ID: fleet.NewCommandID(), Action: fleet.ActionProfile, Profile: yaml})
	if rep.OK {
		select {
		case <-r.restarts:
		case <-time.After(5 * time.Second):
			r.t.Fatal("no restart after a written profile")
		}
	}
	return rep
}

// A pushed profile is written as the last layer, kept when the self-test
// after the restart passes, and rolled back (to the previous push) when it
// fails.
func TestPushedProfileKeptOrRolledBack(t *testing.T) {
	r := newPushRig(t)
	if rep := r.push(r.handler(), "kiosk_id: SC-9999\n"); rep.OK {
		t.Fatalf("a kiosk_id change was accepted: %+v", rep)
	}
	if rep := r.push(r.handler(), "ui:\n  idle_timeout: 120s\n"); !rep.OK {
		t.Fatalf("good profile refused: %+v", rep)
	}
	h := r.handler()
	if h.Profile.UI.IdleTimeout != 120*time.Second {
		t.Fatalf("idle timeout %v on the pushed layer", h.Profile.UI.IdleTimeout)
	}
	h.CheckPending(context.Background())
	if _, err := os.Stat(PendingFile(r.base)); !os.IsNotExist(err) {
		t.Fatalf("pending change left after a passing self-test: %v", err)
	}
	kept := h.Profile.Digest()

	if rep := r.push(h, "ui:\n  idle_timeout: 60s\n"); !rep.OK {
		t.Fatalf("second profile refused: %+v", rep)
	}
	r.selfOK = false
	h = r.handler()
	pushed := h.Profile.Digest()
	h.CheckPending(context.Background())
	select {
	case <-r.restarts:
	default:
		t.Fatal("no restart after the rollback")
	}
	if h = r.handler(); h.Profile.Digest() != kept || RolledBack(r.base) != pushed {
		t.Fatalf("after the rollback: idle %v, rolled back %q (want %q)", h.Profile.UI.IdleTimeout, RolledBack(r.base), pushed)
	}
	if got := strings.Join(r.audit, "; "); !strings.Contains(got, "fleet profile kept") || !strings.Contains(got, "fleet profile rolled back") {
		t.Errorf("audit: %s", got)
	}
}

// A pushed profile the kiosk cannot even load is rolled back before it
// starts.
func TestRollBackUnloadable(t *testing.T) {
	r := newPushRig(t)
	if RollBackUnloadable(r.base) {
		t.Fatal("rolled back with nothing pending")
	}
	if rep := r.push(r.handler(), "ui:\n  idle_timeout: 120s\n"); !rep.OK {
		t.Fatalf("good profile refused: %+v", rep)
	}
	if !RollBackUnloadable(r.base) {
		t.Fatal("no rollback with a change pending")
	}
	if layers := Layers(r.base, r.paths); len(layers) != 1 || RolledBack(r.base) == "" {
		t.Fatalf("after the rollback: layers %v, rolled back %q", layers, RolledBack(r.base))
	}
}
