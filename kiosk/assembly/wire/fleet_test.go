package wire

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sckiosk/devices/device"
	"sckiosk/devices/printer/escpos"
	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/adapters/profile"
	"sckiosk/kiosk/assembly/simrig"
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/session"
	"sckiosk/kiosk/fleet"
	"sckiosk/kiosk/fleet/agent"
	"sckiosk/kiosk/fleet/enrol"
	"sckiosk/kiosk/fleet/hall"
)

// fleetRig is a kiosk on simulated devices, in a hall with an embedded
// broker and a hall server, restartable like systemd restarts it.
type fleetRig struct {
	t      *testing.T
	rig    *simrig.Rig
	base   string // the hall's profile file
	reg    *hall.Registry
	hall   *hall.Server
	broker *hall.Broker
	quits  chan string
	cancel context.CancelFunc
	done   chan struct{}
	kiosk  *Kiosk
}

func newFleetRig(t *testing.T) *fleetRig {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rig, err := simrig.Start(ctx, filepath.Join(t.TempDir(), "dev"), escpos.Paper80, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rig.Close() })
	dir := t.TempDir()
	kiosks, err := enrol.Open(filepath.Join(dir, "hall-kiosks"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := hall.StartBroker(hall.BrokerConfig{Addr: "127.0.0.1:0", Kiosks: kiosks})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	reg := &hall.Registry{Known: kiosks.Enrolled}
	if err := b.Subscribe("kiosk/#", func(topic string, p []byte) { reg.Handle(topic, p) }); err != nil {
		t.Fatal(err)
	}
	hs, err := hall.New(hall.Config{Registry: reg, Pub: b, Key: fleet.DemoKey(), KeyID: fleet.DemoKeyID, Issuer: "test"})
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := platform.MarshalPublicKeyPEM(&fleet.DemoKey().PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "fleet.pem"), keyPEM, 0o644)
	prof := rig.Profile(profile.Default())
	prof.DataDir = filepath.Join(dir, "data")
	// The kiosk enrolled as hallserver kiosk add does it: its password in
	// a file the profile names.
	pws, err := enrol.Add(kiosks.Path(), enrol.Password, prof.KioskID)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "fleet-password"), []byte(pws[prof.KioskID]+"\n"), 0o600)
	prof.Fleet = profile.Fleet{Broker: "mqtt://" + b.Addr(), Hall: "wuhou", KeyFile: "fleet.pem", KeyID: fleet.DemoKeyID,
		Username: prof.KioskID, PasswordFile: "fleet-password",
		KeepAlive: 10 * time.Second, HealthEvery: time.Second, SelfTestAfter: time.Second}
	y, err := prof.YAML()
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(dir, "hall.yaml")
	if err := os.WriteFile(base, y, 0o644); err != nil {
		t.Fatal(err)
	}
	return &fleetRig{t: t, rig: rig, base: base, reg: reg, hall: hs, broker: b, quits: make(chan string, 4)}
}

// start loads the profile layers as cmd/kiosk does and runs the kiosk.
func (f *fleetRig) start() {
	f.t.Helper()
	base, err := profile.Load(f.base)
	if err != nil {
		f.t.Fatal(err)
	}
	layers := agent.Layers(base, []string{f.base})
	prof, err := profile.LoadLayers(layers...)
	if err != nil {
		f.t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	k, err := Build(prof, catalog.Builtin(), log, Options{Tick: 50 * time.Millisecond, KeepCatalog: true, Version: "test",
		ProfilePaths: layers, Quit: func(r string) { f.quits <- r }, LogTail: func() []string { return []string{"a masked line"} }})
	if err != nil {
		f.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.kiosk, f.cancel, f.done = k, cancel, make(chan struct{})
	go func() { k.Run(ctx); close(f.done) }()
}

func (f *fleetRig) stop() {
	f.cancel()
	<-f.done
}

func (f *fleetRig) key() string { return "510107/wuhou/" + f.kiosk.Profile.KioskID }

func (f *fleetRig) waitFor(what string, cond func(hall.KioskView) bool) hall.KioskView {
	f.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		v, ok := f.reg.Get(f.key())
		if ok && cond(v) {
			return v
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s; last view %+v", what, v)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (f *fleetRig) send(action, profileYAML string) *fleet.Reply {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, r, err := f.hall.Send(ctx, f.key(), action, profileYAML, true)
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

func (f *fleetRig) restarted() {
	f.t.Helper()
	select {
	case r := <-f.quits:
		if r != session.TechReload {
			f.t.Fatalf("quit with %q, want a reload", r)
		}
	case <-time.After(10 * time.Second):
		f.t.Fatal("the kiosk did not restart")
	}
	f.stop()
	f.start()
}

// The whole fleet path on a real kiosk: it reports its devices, answers a
// self-test and a log tail, takes a pushed profile after a restart and a
// self-test, and rolls back a profile that breaks a device.
func TestFleetProfilePushAndRollback(t *testing.T) {
	f := newFleetRig(t)
	f.start()
	defer func() { f.stop() }()
	v := f.waitFor("health with devices online", func(v hall.KioskView) bool {
		return v.Status == hall.Online && v.Health != nil && v.Health.Devices["idcard"].State == "online"
	})
	first := v.Profile

	if r := f.send(fleet.ActionSelfTest, ""); !r.OK || len(r.Lines) == 0 {
		t.Fatalf("self-test: %+v", r)
	}
	if r := f.send(fleet.ActionLogTail, ""); !r.OK || len(r.Lines) != 1 {
		t.Fatalf("log tail: %+v", r)
	}
	if r := f.send(fleet.ActionProfile, "ui:\n  idle_timout: 120s\n"); r.OK || !strings.Contains(r.Message, "idle_timeout") {
		t.Fatalf("a misspelt key was accepted: %+v", r)
	}
	if r := f.send(fleet.ActionProfile, "kiosk_id: SC-9999\n"); r.OK {
		t.Fatalf("a kiosk_id change was accepted: %+v", r)
	}

	// A good change: written, restarted on, self-tested, kept.
	if r := f.send(fleet.ActionProfile, "ui:\n  idle_timeout: 120s\n"); !r.OK {
		t.Fatalf("good profile refused: %+v", r)
	}
	f.restarted()
	if f.kiosk.Profile.UI.IdleTimeout != 120*time.Second {
		t.Fatalf("idle timeout %v after the restart", f.kiosk.Profile.UI.IdleTimeout)
	}
	waitGone(t, agent.PendingFile(f.kiosk.Profile))
	v = f.waitFor("the new profile reported", func(v hall.KioskView) bool { return v.Profile != first && v.RolledBack == "" })
	second := v.Profile

	// A change that breaks the card reader: the self-test fails, the
	// previous override comes back, the kiosk restarts and says so.
	if r := f.send(fleet.ActionProfile, "ui:\n  idle_timeout: 60s\ndevices:\n  idcard:\n    port: /dev/kiosk-no-such-reader\n"); !r.OK {
		t.Fatalf("profile refused before its self-test: %+v", r)
	}
	f.restarted()
	if f.kiosk.Profile.UI.IdleTimeout != 60*time.Second {
		t.Fatalf("the pushed profile was not in force before its self-test")
	}
	f.restarted() // the rollback's restart
	if f.kiosk.Profile.UI.IdleTimeout != 120*time.Second || f.kiosk.Profile.Digest() != second {
		t.Fatalf("not rolled back to the previous profile: idle %v", f.kiosk.Profile.UI.IdleTimeout)
	}
	f.waitFor("the rollback reported", func(v hall.KioskView) bool { return v.RolledBack != "" && v.Profile == second })
	b, _ := os.ReadFile(filepath.Join(f.kiosk.Profile.DataDir, "audit.log"))
	for _, want := range []string{"fleet command accepted", "fleet profile kept", "fleet profile rolled back"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("audit log lacks %q", want)
		}
	}
}

// A command signed by a key the kiosk does not know is refused and
// recorded.
func TestFleetRefusesForeignKey(t *testing.T) {
	f := newFleetRig(t)
	f.start()
	defer f.stop()
	f.waitFor("online", func(v hall.KioskView) bool { return v.Status == hall.Online })
	other, err := hall.New(hall.Config{Registry: f.reg, Pub: f.broker, Key: platform.DemoKioskKey(), KeyID: fleet.DemoKeyID})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, r, err := other.Send(ctx, f.key(), fleet.ActionRestart, "", true)
	if err != nil || r.OK || !strings.Contains(r.Message, "signature") {
		t.Fatalf("forged restart: %+v, %v", r, err)
	}
	select {
	case q := <-f.quits:
		t.Fatalf("the kiosk quit (%s) on a forged command", q)
	case <-time.After(1500 * time.Millisecond):
	}
}

func waitGone(t *testing.T, path string) {
	t.Helper()
	waitFile(t, path, false)
}

// The hall reads device states under the names and with the notices it
// always has: typed kinds and causes do not change the health JSON.
func TestHealthDevicesJSON(t *testing.T) {
	tests := []struct {
		name string
		devs map[device.Kind]device.Status
		want string
	}{
		{"none", nil, `{}`},
		{"paper out", map[device.Kind]device.Status{
			device.Printer: {Kind: device.Printer, State: device.Fault, Reason: "paper end", Cause: device.PaperOut},
			device.IDCard:  {Kind: device.IDCard, State: device.Online},
		}, `{"idcard":{"state":"online"},"printer":{"state":"fault","reason":"paper end","notice":"打印机缺纸"}}`},
		{"reader gone", map[device.Kind]device.Status{
			device.IDCard:  {Kind: device.IDCard, State: device.Offline, Reason: "port gone", Cause: device.Disconnected},
			device.Scanner: {Kind: device.Scanner, State: device.Warning},
			device.Camera:  {Kind: device.Camera, State: device.Starting},
		}, `{"camera":{"state":"starting"},"idcard":{"state":"offline","reason":"port gone","notice":"设备未连接"},"scanner":{"state":"warning"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(healthDevices(tt.devs))
			if err != nil || string(b) != tt.want {
				t.Fatalf("health devices = %s (%v), want %s", b, err, tt.want)
			}
		})
	}
}
