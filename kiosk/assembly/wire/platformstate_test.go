package wire

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"sckiosk/devices/printer/escpos"
	"sckiosk/kiosk/adapters/outbox"
	"sckiosk/kiosk/adapters/profile"
	"sckiosk/kiosk/assembly/simrig"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/catalog"
)

// The core sees the platform state the kiosk measured with signed health
// probes of every platform its profile names, from the start and with no
// citizen: never online before an answer; with Chongqing's platform down
// it is degraded, and online once Chongqing answers again.
func TestPlatformStateMeasuredAtStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rig, err := simrig.Start(ctx, filepath.Join(t.TempDir(), "dev"), escpos.Paper80, log)
	if err != nil {
		t.Fatal(err)
	}
	defer rig.Close()
	rig.Platform[application.Chongqing].SetDown(true)
	prof := rig.Profile(profile.Default())
	prof.DataDir = t.TempDir()
	opts := Options{Tick: 50 * time.Millisecond, KeepCatalog: true, Outbox: outbox.Options{
		RecheckInterval: 20 * time.Millisecond, BreakerThreshold: 2, BreakerCooldown: 20 * time.Millisecond,
		BackoffBase: 10 * time.Millisecond, BackoffMax: 40 * time.Millisecond,
	}}
	k, err := Build(prof, catalog.Builtin(), log, opts)
	if err != nil {
		t.Fatal(err)
	}
	if st := k.Runtime.State().Platform; st != application.PlatformUnknown {
		t.Fatalf("platform state %q before any probe", st)
	}
	var (
		mu   sync.Mutex
		seen []application.PlatformState
	)
	record := func() application.PlatformState {
		st := k.Runtime.State().Platform
		mu.Lock()
		defer mu.Unlock()
		if len(seen) == 0 || seen[len(seen)-1] != st {
			seen = append(seen, st)
		}
		return st
	}
	done := make(chan struct{})
	go func() { k.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitState := func(want application.PlatformState) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for record() != want {
			if time.Now().After(deadline) {
				t.Fatalf("platform state %q never came; seen %q", want, seen)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitState(application.PlatformDegraded)
	if h := k.Outbox.Health(); h.Provinces[application.Sichuan] != application.PlatformOnline || h.Provinces[application.Chongqing] == application.PlatformOnline {
		t.Fatalf("per province %v", h.Provinces)
	}
	mu.Lock()
	if slices.Contains(seen, application.PlatformOnline) {
		t.Errorf("online shown before it was measured: %q", seen)
	}
	mu.Unlock()
	rig.Platform[application.Chongqing].SetDown(false)
	waitState(application.PlatformOnline)
}
