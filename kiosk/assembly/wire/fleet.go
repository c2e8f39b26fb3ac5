package wire

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sckiosk/devices/device"
	"sckiosk/kiosk/adapters/audit"
	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/adapters/profile"
	"sckiosk/kiosk/core/session"
	"sckiosk/kiosk/fleet"
	"sckiosk/ui/text"
)

// FleetOverride is the profile layer the fleet writes: fleet.override_file,
// or data_dir/fleet-profile.yaml.
func FleetOverride(p profile.Profile) string {
	if p.Fleet.OverrideFile != "" {
		return p.Fleet.OverrideFile
	}
	return filepath.Join(p.DataDir, "fleet-profile.yaml")
}

// Files next to the override that carry a profile change across the
// restart that applies it.
func pendingFile(p profile.Profile) string    { return filepath.Join(p.DataDir, "fleet-pending.json") }
func rolledBackFile(p profile.Profile) string { return filepath.Join(p.DataDir, "fleet-rolledback") }
func previousFile(p profile.Profile) string   { return FleetOverride(p) + ".prev" }

// pendingChange is a pushed profile waiting for its self-test.
type pendingChange struct {
	ID      string    `json:"id"`
	Before  string    `json:"before"`   // digest of the profile it replaced
	After   string    `json:"after"`    // digest of the pushed profile
	HadPrev bool      `json:"had_prev"` // an override existed before (else rollback removes it)
	At      time.Time `json:"at"`
}

// FleetLayers returns the profile layers to load: paths, and the fleet's
// override last when the fleet is configured and has written one.
func FleetLayers(base profile.Profile, paths []string) []string {
	if base.Fleet.Broker == "" {
		return paths
	}
	o := FleetOverride(base)
	for _, p := range paths {
		if p == o {
			return paths
		}
	}
	if _, err := os.Stat(o); err != nil {
		return paths
	}
	return append(append([]string(nil), paths...), o)
}

// RollBackUnloadable puts the previous override back when the pushed one
// made the profile unloadable (the kiosk could not even start on it). It
// reports whether it rolled back.
func RollBackUnloadable(base profile.Profile) bool {
	var pc pendingChange
	b, err := os.ReadFile(pendingFile(base))
	if err != nil || json.Unmarshal(b, &pc) != nil {
		return false
	}
	restorePrevious(base, pc)
	_ = os.WriteFile(rolledBackFile(base), []byte(pc.After), 0o600)
	_ = os.Remove(pendingFile(base))
	return true
}

func restorePrevious(p profile.Profile, pc pendingChange) {
	if pc.HadPrev {
		_ = os.Rename(previousFile(p), FleetOverride(p))
	} else {
		_ = os.Remove(FleetOverride(p))
	}
}

// startFleet connects the kiosk to its fleet broker, when the profile
// names one. It returns when ctx ends.
func (k *Kiosk) startFleet(ctx context.Context) {
	f := k.Profile.Fleet
	u, err := url.Parse(f.Broker)
	if err != nil {
		k.log.Error("fleet broker address", "err", err)
		return
	}
	if u.Scheme == "ssl" {
		u.Scheme = "tls"
	}
	var keys map[string]*ecdsa.PublicKey
	if f.KeyFile != "" {
		if pub, err := readPublicKey(f.KeyFile, "fleet key"); err != nil {
			k.log.Error("fleet key unreadable: commands are refused", "err", err)
		} else {
			keys = map[string]*ecdsa.PublicKey{f.KeyID: pub}
		}
	} else {
		k.log.Warn("no fleet key in the profile: fleet commands are refused")
	}
	tlsCfg, err := fleet.ClientTLS(f.CAFile, f.CertFile, f.CertKeyFile)
	if err != nil {
		k.log.Error("fleet TLS", "err", err)
		return
	}
	var password []byte
	if f.PasswordFile != "" {
		b, err := os.ReadFile(f.PasswordFile)
		if err != nil {
			k.log.Error("fleet password file", "err", err)
			return
		}
		password = []byte(strings.TrimSpace(string(b)))
	}
	var verifier *fleet.Verifier
	if keys != nil {
		verifier = &fleet.Verifier{Kiosk: k.Profile.KioskID, Keys: keys, SeenFile: filepath.Join(k.Profile.DataDir, "fleet-seen.json")}
	}
	id := fleet.Identity{Division: k.Profile.DivisionCode, Hall: f.Hall, Kiosk: k.Profile.KioskID}
	agent, err := fleet.NewAgent(fleet.AgentConfig{
		Brokers: []*url.URL{u}, TLS: tlsCfg, Username: f.Username, Password: password, Identity: id, Version: k.opts.Version,
		KeepAlive: f.KeepAlive, HealthEvery: f.HealthEvery,
		Health:    func() fleet.Health { return k.health(k.latest.Load()) },
		Verifier:  verifier,
		OnCommand: k.recordCommand,
		Handle:    k.fleetCommand,
		Log:       k.log,
	})
	if err != nil {
		k.log.Error("fleet agent", "err", err)
		return
	}
	k.fleetAgent.Store(agent)
	if err := agent.Run(ctx); err != nil {
		k.log.Error("fleet agent stopped", "err", err)
	}
}

// health is the kiosk's report: device states, counters, outbox and
// platform; nothing about any citizen.
func (k *Kiosk) health(s *session.State) fleet.Health {
	h := fleet.Health{Profile: k.Profile.Digest(), Devices: map[string]fleet.Device{}}
	if s != nil {
		h.Devices = healthDevices(s.Devices)
		h.Counters = map[string]int{}
		for n, c := range s.Counters {
			h.Counters[n] = c
		}
	}
	oh := k.Outbox.Health()
	h.OutboxPending, h.Platform, h.PlatformError = oh.Pending, string(oh.State), oh.LastError
	if b, err := os.ReadFile(rolledBackFile(k.Profile)); err == nil {
		h.RolledBack = strings.TrimSpace(string(b))
	}
	return h
}

// healthDevices reports device states to the hall under the devices'
// English names, with what the hall staff is told about a cause (缺纸).
func healthDevices(devs map[device.Kind]device.Status) map[string]fleet.Device {
	out := map[string]fleet.Device{}
	for kind, st := range devs {
		out[kind.String()] = fleet.Device{State: st.State.String(), Reason: st.Reason, Notice: text.Chinese.Cause(st.Cause)}
	}
	return out
}

// recordCommand writes every fleet command, accepted or refused, to the
// audit chain.
func (k *Kiosk) recordCommand(c fleet.Command, err error) {
	f := map[string]string{"id": c.ID, "action": c.Action, "issuer": c.Issuer}
	if err != nil {
		f["refused"] = err.Error()
		k.record(audit.Technician, "fleet command refused", f)
		return
	}
	k.record(audit.Technician, "fleet command accepted", f)
}

// fleetCommand runs an accepted command.
func (k *Kiosk) fleetCommand(ctx context.Context, c fleet.Command) fleet.Reply {
	switch c.Action {
	case fleet.ActionSelfTest:
		ok, lines := k.selfTest(ctx)
		msg := "self-test passed"
		if !ok {
			msg = "self-test failed"
		}
		return fleet.Reply{OK: ok, Message: msg, Lines: lines}
	case fleet.ActionLogTail:
		if k.opts.LogTail == nil {
			return fleet.Reply{Message: "no log kept in memory"}
		}
		return fleet.Reply{OK: true, Message: "masked log tail", Lines: k.opts.LogTail()}
	case fleet.ActionReload, fleet.ActionRestart:
		return k.leaveSoon(session.TechReload, c.Action+": restarting")
	case fleet.ActionProfile:
		return k.applyProfile(c)
	}
	return fleet.Reply{Message: "unknown action"}
}

// leaveSoon quits (for systemd to restart the kiosk) a moment after the
// reply went out.
func (k *Kiosk) leaveSoon(reason, msg string) fleet.Reply {
	if k.opts.Quit == nil {
		return fleet.Reply{Message: "this kiosk cannot restart itself (no quit handler)"}
	}
	time.AfterFunc(time.Second, func() { k.opts.Quit(reason) })
	return fleet.Reply{OK: true, Message: msg}
}

// applyProfile checks a pushed override against the kiosk's other layers,
// writes it (keeping the previous one), and restarts on it; the self-test
// after the restart keeps it or rolls it back.
func (k *Kiosk) applyProfile(c fleet.Command) fleet.Reply {
	over := FleetOverride(k.Profile)
	var srcs []profile.Source
	for _, p := range k.opts.ProfilePaths {
		if p == over {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return fleet.Reply{Message: "cannot read profile layer " + p + ": " + err.Error()}
		}
		srcs = append(srcs, profile.Source{Name: p, Data: b})
	}
	if len(srcs) == 0 {
		return fleet.Reply{Message: "this kiosk runs without a profile file; a pushed layer needs one"}
	}
	srcs = append(srcs, profile.Source{Name: over, Data: []byte(c.Profile)})
	next, err := profile.ParseLayers(srcs...)
	if err != nil {
		return fleet.Reply{Message: "profile refused: " + strings.ReplaceAll(err.Error(), "\n", "; ")}
	}
	if next.KioskID != k.Profile.KioskID || next.Fleet.Broker != k.Profile.Fleet.Broker {
		return fleet.Reply{Message: "profile refused: a pushed profile may not change kiosk_id or fleet.broker"}
	}
	pc := pendingChange{ID: c.ID, Before: k.Profile.Digest(), After: next.Digest(), At: time.Now()}
	if _, err := os.Stat(over); err == nil {
		if err := copyFile(over, previousFile(k.Profile)); err != nil {
			return fleet.Reply{Message: "cannot keep the previous profile: " + err.Error()}
		}
		pc.HadPrev = true
	}
	b, _ := json.Marshal(pc)
	// A rollback mark belongs to the change it undid; this one starts clean.
	_ = os.Remove(rolledBackFile(k.Profile))
	if err := writeAtomic(pendingFile(k.Profile), b); err != nil {
		return fleet.Reply{Message: "cannot record the change: " + err.Error()}
	}
	if err := writeAtomic(over, []byte(c.Profile)); err != nil {
		_ = os.Remove(pendingFile(k.Profile))
		return fleet.Reply{Message: "cannot write the profile: " + err.Error()}
	}
	k.record(audit.Profile, "fleet profile written; restarting to apply it", map[string]string{"id": c.ID, "before": pc.Before, "after": pc.After})
	return k.leaveSoon(session.TechReload, "profile valid and written ("+short(pc.After)+"); restarting on it, self-test follows")
}

// checkPendingChange runs after a restart on a pushed profile: once the
// devices had time to open it tests the kiosk and keeps the change, or
// puts the previous profile back and restarts.
func (k *Kiosk) checkPendingChange(ctx context.Context) {
	b, err := os.ReadFile(pendingFile(k.Profile))
	if err != nil {
		return
	}
	var pc pendingChange
	if err := json.Unmarshal(b, &pc); err != nil {
		_ = os.Remove(pendingFile(k.Profile))
		return
	}
	wait := k.Profile.Fleet.SelfTestAfter
	if wait <= 0 {
		wait = 30 * time.Second
	}
	select {
	case <-ctx.Done():
		return
	case <-time.After(wait):
	}
	ok, lines := k.selfTest(ctx)
	f := map[string]string{"id": pc.ID, "before": pc.Before, "after": pc.After, "self_test": strings.Join(lines, "; ")}
	if ok {
		_ = os.Remove(pendingFile(k.Profile))
		_ = os.Remove(previousFile(k.Profile))
		_ = os.Remove(rolledBackFile(k.Profile))
		k.record(audit.Profile, "fleet profile kept: self-test passed", f)
		k.log.Info("pushed profile kept: self-test passed", "digest", short(pc.After))
		if a := k.fleetAgent.Load(); a != nil {
			a.ReportNow()
		}
		return
	}
	restorePrevious(k.Profile, pc)
	_ = writeAtomic(rolledBackFile(k.Profile), []byte(pc.After))
	_ = os.Remove(pendingFile(k.Profile))
	k.record(audit.Profile, "fleet profile rolled back: self-test failed", f)
	k.log.Error("pushed profile failed its self-test; rolling back", "digest", short(pc.After), "self_test", strings.Join(lines, "; "))
	if k.opts.Quit != nil {
		k.opts.Quit(session.TechReload)
	}
}

// selfTest checks what a profile can break: every configured device came
// up, and the platform answers.
func (k *Kiosk) selfTest(ctx context.Context) (bool, []string) {
	ok := true
	var lines []string
	s := k.latest.Load()
	for _, d := range []struct {
		kind    device.Kind
		enabled bool
	}{
		{device.IDCard, k.Profile.Devices.IDCard.Enabled()},
		{device.Scanner, k.Profile.Devices.Scanner.Serial.Enabled()},
		{device.Printer, k.Profile.Devices.Printer.Enabled()},
		{device.Camera, k.Profile.Devices.Camera.Driver != "none" && k.Profile.Devices.Camera.Driver != ""},
	} {
		if !d.enabled {
			continue
		}
		name := d.kind.String()
		var st device.Status
		if s != nil {
			st = s.Devices[d.kind]
		}
		switch st.State {
		case device.Online, device.Busy, device.Warning:
			lines = append(lines, name+": "+st.State.String())
		case device.Fault:
			// A fault (paper out) is the device's, not the profile's.
			lines = append(lines, name+": fault ("+st.Reason+"), not counted against the profile")
		default:
			ok = false
			lines = append(lines, name+": "+st.State.String()+" "+st.Reason)
		}
	}
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err := k.Platform.Health(hctx, platform.Sichuan)
	cancel()
	if err != nil {
		ok = false
		lines = append(lines, "platform 51: "+err.Error())
	} else {
		lines = append(lines, "platform 51: ok")
	}
	return ok, lines
}

func short(digest string) string {
	if len(digest) > 12 {
		return digest[:12]
	}
	return digest
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return writeAtomic(to, b)
}

func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
