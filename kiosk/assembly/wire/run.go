package wire

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"sckiosk/devices/camera"
	"sckiosk/devices/device"
	"sckiosk/devices/idcard"
	"sckiosk/devices/printer"
	"sckiosk/devices/probe"
	"sckiosk/devices/scanner"
	"sckiosk/devices/supervise"
	"sckiosk/kiosk/adapters/audit"
	"sckiosk/kiosk/adapters/outbox"
	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/adapters/profile"
	"sckiosk/kiosk/core/session"
)

// Run starts every part and blocks until ctx ends; then it closes the
// outbox and the audit log.
func (k *Kiosk) Run(ctx context.Context) {
	var wg sync.WaitGroup
	goRun := func(f func()) {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	rt := k.Runtime
	report := k.reporter()
	devs := k.Profile.Devices
	k.record(audit.Start, "kiosk started", map[string]string{"kiosk_id": k.Profile.KioskID, "profile": k.Profile.Digest()})
	k.visits.Recover()
	k.recordProfileChange()
	rt.OnWipe(k.visits.Erased)
	rt.Subscribe(k.visits.Track)
	rt.Subscribe(func(s session.State) { k.latest.Store(&s) })
	k.Outbox.OnHealthChange(func(h outbox.Health) {
		rt.TrySend(session.PlatformChanged{State: h.State, Pending: h.Pending, LastError: h.LastError})
	})
	h := k.Outbox.Health()
	rt.TrySend(session.PlatformChanged{State: h.State, Pending: h.Pending, LastError: h.LastError})

	if devs.IDCard.Enabled() {
		events := make(chan idcard.Event, 8)
		c := devs.IDCard
		sess := func(ctx context.Context, report func(device.Status)) error {
			port, baud, err := k.resolve(ctx, probe.IDCard, c)
			if err != nil {
				return err
			}
			drv := idcard.New(idcard.Options{Port: port, Baud: baud, PollInterval: k.opts.PollInterval}, k.log)
			return drv.Session(events)(ctx, report)
		}
		goRun(func() { supervise.Run(ctx, idcard.DeviceName, k.opts.Backoff, k.log, report, sess) })
		goRun(func() { forwardCards(ctx, events, rt) })
	} else {
		report(device.Status{Kind: idcard.DeviceName, State: device.Offline, Reason: "not configured in the profile", Since: time.Now()})
	}
	if devs.Scanner.Serial.Enabled() {
		events := make(chan scanner.Event, 8)
		c := devs.Scanner.Serial
		// The driver remembers the last code to drop repeats; a code names
		// who showed it, so it is forgotten when the visit ends.
		var current atomic.Pointer[scanner.Driver]
		rt.OnWipe(func(session.Wipe) {
			if d := current.Load(); d != nil {
				d.Forget()
			}
		})
		sess := func(ctx context.Context, report func(device.Status)) error {
			port, baud, err := k.resolve(ctx, probe.Scanner, c)
			if err != nil {
				return err
			}
			opts := scanner.Options{Port: port, Baud: baud}
			if devs.Scanner.Trigger == "command" {
				opts.Trigger = devs.Scanner.Family
			}
			drv := scanner.New(opts, k.log)
			current.Store(drv)
			return drv.Session(events)(ctx, report)
		}
		goRun(func() { supervise.Run(ctx, device.Scanner, k.opts.Backoff, k.log, report, sess) })
		goRun(func() { forwardCodes(ctx, events, rt) })
	} else {
		report(device.Status{Kind: device.Scanner, State: device.Offline, Reason: "not configured in the profile", Since: time.Now()})
	}
	if cam := k.camera(); cam != nil {
		events := make(chan camera.Event, 4)
		rt.OnWipe(func(session.Wipe) { cam.Forget() })
		goRun(func() { supervise.Run(ctx, camera.DeviceName, k.opts.Backoff, k.log, report, cam.Session(events)) })
		goRun(func() { forwardCamera(ctx, events, rt) })
	}
	if k.Printer != nil {
		goRun(func() { supervise.Run(ctx, printer.DeviceName, k.opts.Backoff, k.log, report, k.Printer.Session()) })
	} else {
		report(device.Status{Kind: printer.DeviceName, State: device.Offline, Reason: "not configured in the profile", Since: time.Now()})
	}
	goRun(func() {
		if err := k.Outbox.Run(ctx, k.Platform); err != nil && !errors.Is(err, context.Canceled) {
			k.log.Error("outbox forwarder stopped", "err", err)
		}
	})
	if !k.opts.KeepCatalog {
		goRun(func() { k.fetchCatalog(ctx) })
	}
	if k.Profile.Fleet.Broker != "" {
		goRun(func() { k.startFleet(ctx) })
	}
	goRun(func() { k.checkPendingChange(ctx) })
	goRun(func() { rt.Run(ctx) })
	wg.Wait()
	k.record(audit.Stop, "kiosk stopped", nil)
	if err := k.Outbox.Close(); err != nil {
		k.log.Error("outbox close", "err", err)
	}
	if err := k.Audit.Close(); err != nil {
		k.log.Error("audit close", "err", err)
	}
}

// camera returns the camera device the profile names, or nil for none.
func (k *Kiosk) camera() *camera.Device {
	c := k.Profile.Devices.Camera
	opt := camera.PipelineOptions{Logger: k.log}
	switch c.Driver {
	case "v4l2":
		w, h := c.Width, c.Height
		if w == 0 || h == 0 {
			w, h = 1280, 720
		}
		return camera.NewDevice(func(context.Context) (camera.Source, error) { return camera.OpenV4L2(c.Device, w, h) }, opt)
	case "dir":
		return camera.NewDevice(func(context.Context) (camera.Source, error) { return camera.NewDirSource(c.Device) }, opt)
	}
	return nil
}

// reporter forwards device statuses to the core and records faults in the
// audit log (once per change, not once per report).
func (k *Kiosk) reporter() func(device.Status) {
	var mu sync.Mutex
	last := map[device.Kind]device.State{}
	return func(st device.Status) {
		mu.Lock()
		prev, seen := last[st.Kind]
		last[st.Kind] = st.State
		mu.Unlock()
		if (st.State == device.Fault || st.State == device.Offline) && (!seen || prev != st.State) {
			name := st.Kind.String()
			k.record(audit.DeviceFault, name+" "+st.State.String(), map[string]string{"device": name, "reason": st.Reason})
		}
		k.Runtime.Send(session.DeviceChanged{Status: st})
		if a := k.fleetAgent.Load(); a != nil && (!seen || prev != st.State) {
			// The hall sees a paper-out now, not at the next heartbeat
			// (once the core has taken the change in).
			time.AfterFunc(200*time.Millisecond, a.ReportNow)
		}
	}
}

// resolve finds the port of a serial device: the profile's path, or for
// port: auto the port whose USB id matches and that answers like the
// device. It runs at every (re)open, so a reader moved to another USB
// socket is found again.
func (k *Kiosk) resolve(ctx context.Context, kind probe.Kind, c profile.Serial) (string, int, error) {
	if c.Port != profile.PortAuto {
		return c.Port, c.Baud, nil
	}
	path, baud, err := probe.FindAuto(ctx, kind, c.USB, c.Baud, probe.Options{Log: k.log})
	if err != nil {
		return "", 0, fmt.Errorf("wire: auto port for %s %s: %w", kind, c.USB, err)
	}
	return path, baud, nil
}

// fetchCatalog replaces the built-in catalogue with the platform's signed
// one, retrying every minute while the platform cannot be reached; a
// catalogue that does not verify is refused and the current one kept.
func (k *Kiosk) fetchCatalog(ctx context.Context) {
	for {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		cat, err := k.Platform.FetchCatalog(cctx)
		cancel()
		if err == nil {
			k.log.Info("platform catalogue loaded", "version", cat.Version, "items", len(cat.Items))
			k.Runtime.TrySend(session.CatalogLoaded{Catalog: cat})
			return
		}
		k.log.Warn("platform catalogue not fetched; keeping the current one", "err", err)
		if !errors.Is(err, platform.ErrUnavailable) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Minute):
		}
	}
}

// recordProfileChange writes a profile entry to the audit log when the
// effective profile differs from the one the kiosk last started with (its
// SM3 digest is kept in the data directory).
func (k *Kiosk) recordProfileChange() {
	path := filepath.Join(k.Profile.DataDir, "profile.digest")
	old, _ := os.ReadFile(path)
	digest := k.Profile.Digest()
	if strings.TrimSpace(string(old)) == digest {
		return
	}
	f := map[string]string{"digest": digest}
	if len(old) > 0 {
		f["previous"] = strings.TrimSpace(string(old))
	}
	k.record(audit.Profile, "profile changed", f)
	if err := os.WriteFile(path, []byte(digest+"\n"), 0o600); err != nil {
		k.log.Error("profile digest not kept", "err", err)
	}
}
