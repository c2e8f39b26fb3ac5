package wire

import (
	"context"
	"crypto/ecdsa"
	"net/url"
	"os"
	"strings"
	"time"

	"sckiosk/devices/device"
	"sckiosk/internal/sm2pem"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/session"
	"sckiosk/kiosk/fleet"
	"sckiosk/kiosk/fleet/agent"
	"sckiosk/ui/text"
)

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
		if pub, err := sm2pem.ReadPublicKey(f.KeyFile, "fleet key"); err != nil {
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
	pingTimeout := f.PingTimeout
	if keys != nil {
		verifier = agent.NewVerifier(k.Profile, keys)
	} else {
		pingTimeout = 0 // every ping would be refused: reconnecting would not help
	}
	id := fleet.Identity{Division: k.Profile.DivisionCode, Hall: f.Hall, Kiosk: k.Profile.KioskID}
	h := k.fleetHandler()
	a, err := agent.New(agent.Config{
		Brokers: []*url.URL{u}, TLS: tlsCfg, Username: f.Username, Password: password, Identity: id, Version: k.opts.Version,
		KeepAlive: f.KeepAlive, HealthEvery: f.HealthEvery, PingTimeout: pingTimeout,
		Health:    func() fleet.Health { return k.health(k.latest.Load()) },
		Verifier:  verifier,
		OnCommand: h.RecordCommand,
		Handle:    h.Handle,
		Log:       k.log,
	})
	if err != nil {
		k.log.Error("fleet agent", "err", err)
		return
	}
	k.fleetAgent.Store(a)
	if err := a.Run(ctx); err != nil {
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
	h.OutboxPending, h.Platform, h.PlatformError = oh.Pending, oh.State.String(), oh.LastError
	h.RolledBack = agent.RolledBack(k.Profile)
	return h
}

// fleetHandler connects the agent's command handling to the running
// kiosk: its self-test, log tail, restart, audit log and health reports.
func (k *Kiosk) fleetHandler() *agent.Handler {
	h := &agent.Handler{
		Profile: k.Profile, ProfilePaths: k.opts.ProfilePaths,
		SelfTest: k.selfTest, LogTail: k.opts.LogTail, Record: k.record, Log: k.log,
		ReportNow: func() {
			if a := k.fleetAgent.Load(); a != nil {
				a.ReportNow()
			}
		},
	}
	if k.opts.Quit != nil {
		h.Restart = func() { k.opts.Quit(session.TechReload) }
	}
	return h
}

// checkPendingChange keeps or rolls back a profile the fleet pushed,
// after the restart that applied it.
func (k *Kiosk) checkPendingChange(ctx context.Context) { k.fleetHandler().CheckPending(ctx) }

// healthDevices reports device states to the hall under the devices'
// English names, with what the hall staff is told about a cause (缺纸).
func healthDevices(devs map[device.Kind]device.Status) map[string]fleet.Device {
	out := map[string]fleet.Device{}
	for kind, st := range devs {
		out[kind.String()] = fleet.Device{State: st.State.String(), Reason: st.Reason, Notice: text.Chinese.Cause(st.Cause)}
	}
	return out
}

// How long a self-test waits for devices that are still starting, and how
// often it looks at their state meanwhile.
const (
	startingWait = 30 * time.Second
	startingPoll = 200 * time.Millisecond
)

// selfTest checks what a profile can break: every configured device came
// up, and the platform answers.
func (k *Kiosk) selfTest(ctx context.Context) (bool, []string) {
	var kinds []device.Kind
	for _, d := range []struct {
		kind    device.Kind
		enabled bool
	}{
		{device.IDCard, k.Profile.Devices.IDCard.Enabled()},
		{device.Scanner, k.Profile.Devices.Scanner.Serial.Enabled()},
		{device.Printer, k.Profile.Devices.Printer.Enabled()},
		{device.Camera, k.Profile.Devices.Camera.Driver != "none" && k.Profile.Devices.Camera.Driver != ""},
	} {
		if d.enabled {
			kinds = append(kinds, d.kind)
		}
	}
	ok, lines := checkDevices(ctx, kinds, k.latest.Load, startingWait, startingPoll)
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err := k.Platform.Health(hctx, application.Sichuan)
	cancel()
	if err != nil {
		ok = false
		lines = append(lines, "platform 51: "+err.Error())
	} else {
		lines = append(lines, "platform 51: ok")
	}
	return ok, lines
}

// checkDevices judges the devices kinds by the core's latest state. A
// device still starting (or not reported yet) is not decided: it first
// waits, looking every poll, until none is starting, for at most wait or
// until ctx ends. A device that is then still starting fails the test.
func checkDevices(ctx context.Context, kinds []device.Kind, latest func() *session.State, wait, poll time.Duration) (bool, []string) {
	status := func() map[device.Kind]device.Status {
		if s := latest(); s != nil {
			return s.Devices
		}
		return nil
	}
	starting := func(devs map[device.Kind]device.Status) bool {
		for _, kind := range kinds {
			if devs[kind].State == device.Starting { // the zero Status: not reported yet
				return true
			}
		}
		return false
	}
	start := time.Now()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(poll)
	defer tick.Stop()
	devs := status()
wait:
	for starting(devs) {
		select {
		case <-ctx.Done():
			break wait
		case <-deadline.C:
			break wait
		case <-tick.C:
			devs = status()
		}
	}
	ok := true
	var lines []string
	for _, kind := range kinds {
		name := kind.String()
		st := devs[kind]
		switch st.State {
		case device.Online, device.Busy, device.Warning:
			lines = append(lines, name+": "+st.State.String())
		case device.Fault:
			// A fault (paper out) is the device's, not the profile's.
			lines = append(lines, name+": fault ("+st.Reason+"), not counted against the profile")
		case device.Starting:
			ok = false
			lines = append(lines, name+": still starting after "+time.Since(start).Round(100*time.Millisecond).String())
		default:
			ok = false
			lines = append(lines, name+": "+st.State.String()+" "+st.Reason)
		}
	}
	return ok, lines
}
