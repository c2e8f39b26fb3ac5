package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sckiosk/kiosk/fleet"
	"sckiosk/kiosk/fleet/enrol"
	"sckiosk/kiosk/fleet/hall"
)

// fleetSim runs kioskctl fleet-sim against a hall's embedded broker until
// want kiosks are online on its registry (or 20 s pass), and returns how
// many were.
func fleetSim(t *testing.T, list *enrol.List, want int, args ...string) int {
	t.Helper()
	b, err := hall.StartBroker(hall.BrokerConfig{Addr: "127.0.0.1:0", Kiosks: list})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	reg := &hall.Registry{Known: list.Enrolled}
	if err := b.Subscribe(fleet.Root+"/#", func(topic string, p []byte) { reg.Handle(topic, p) }); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		var out, errb bytes.Buffer
		done <- run(ctx, append([]string{"fleet-sim", "--broker", "mqtt://" + b.Addr(), "--heartbeat", "1s"}, args...), &out, &errb)
	}()
	deadline := time.Now().Add(20 * time.Second)
	online, code, ended := 0, 0, false
	for !ended && time.Now().Before(deadline) {
		online = max(online, reg.Counts()[hall.Online])
		if online >= want {
			break
		}
		select {
		case code = <-done: // --for ran out
			ended = true
		case <-time.After(50 * time.Millisecond):
		}
	}
	cancel()
	if !ended {
		code = <-done
	}
	if code != 0 {
		t.Errorf("fleet-sim exit %d", code)
	}
	return online
}

// fleet-sim enrols its kiosks (--enrol) or takes handed-out passwords
// (--passwords); without either the hall's broker refuses them.
func TestFleetSimEnrolsAndLogsIn(t *testing.T) {
	dir := t.TempDir()
	list, err := enrol.Open(filepath.Join(dir, "kiosks"))
	if err != nil {
		t.Fatal(err)
	}
	if got := fleetSim(t, list, 3, "--kiosks", "3", "--enrol", list.Path()); got != 3 {
		t.Errorf("--enrol: %d of 3 online", got)
	}
	pws, err := enrol.Add(list.Path(), enrol.Password, "PW-00001", "PW-00002")
	if err != nil {
		t.Fatal(err)
	}
	list.Reload()
	file := filepath.Join(dir, "passwords")
	os.WriteFile(file, []byte("# handed out\nPW-00001 "+pws["PW-00001"]+"\nPW-00002 "+pws["PW-00002"]+"\n"), 0o600)
	if got := fleetSim(t, list, 2, "--kiosks", "2", "--prefix", "PW-", "--passwords", file); got != 2 {
		t.Errorf("--passwords: %d of 2 online", got)
	}
	// Enrolled, but logging in without a password: refused for the 2 s
	// it runs.
	if got := fleetSim(t, list, 1, "--kiosks", "1", "--prefix", "PW-", "--for", "2s"); got != 0 {
		t.Errorf("without a password: %d online", got)
	}
}
