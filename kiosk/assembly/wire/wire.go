// Package wire builds a kiosk from a profile and runs it: the device
// drivers under their supervisors, the outbox and its forwarder, the
// platform client, the audit log, technician mode and the fleet agent,
// around the runtime and its session core. What each part does lives in
// its own package; wire only connects them, and adapters.go holds the
// glue that speaks the session's vocabulary. cmd/kiosk and the end-to-end
// tests build the kiosk the same way.
package wire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"sckiosk/devices/printer"
	"sckiosk/devices/printer/escpos"
	"sckiosk/devices/probe"
	"sckiosk/devices/supervise"
	"sckiosk/kiosk/adapters/audit"
	"sckiosk/kiosk/adapters/maintenance"
	"sckiosk/kiosk/adapters/outbox"
	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/adapters/privacy"
	"sckiosk/kiosk/adapters/profile"
	"sckiosk/kiosk/adapters/speech"
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/session"
	"sckiosk/kiosk/fleet/agent"
	"sckiosk/kiosk/runtime"
	"sckiosk/ui/text"
)

// Options tune a kiosk beyond its profile (tests shorten the waits).
type Options struct {
	Now          func() time.Time
	Tick         time.Duration
	SubmitWait   time.Duration
	PollInterval time.Duration // ID-card find polling; 0 = driver default
	Backoff      supervise.Backoff
	Outbox       outbox.Options
	Speaker      speech.Speaker // nil = silent (tests); cmd/kiosk passes speech.New
	// Quit leaves the kiosk for a technician: reason is
	// session.TechExitDesktop or session.TechReload. Nil disables both.
	Quit func(reason string)
	// LogTail gives the technician screen the last log lines (masked);
	// nil when the log is not kept in memory.
	LogTail func() []string
	// KeepCatalog keeps the catalogue Build was given instead of fetching
	// the platform's signed one at start-up (tests, drills).
	KeepCatalog bool
	// Version is the kiosk's version, reported to the fleet.
	Version string
	// ProfilePaths are the profile layers the kiosk was started with; a
	// profile pushed by the fleet is checked against them.
	ProfilePaths []string
}

// Kiosk is a built kiosk, ready to Run.
type Kiosk struct {
	Profile  profile.Profile
	Runtime  *runtime.Runtime
	Outbox   *outbox.Outbox
	Platform *platform.Client
	Printer  *printer.Driver // nil when the profile has no printer
	Audit    *audit.Log

	opts   Options
	log    *slog.Logger
	visits *privacy.Visits // the visit marker and erasure records

	latest     atomic.Pointer[session.State] // the core's last state, for fleet health and self-tests
	fleetAgent atomic.Pointer[agent.Agent]
}

// Build opens the outbox and the audit log and prepares drivers; nothing
// runs until Run. When it fails it closes again whatever it opened.
func Build(prof profile.Profile, cat catalog.Catalog, log *slog.Logger, opts Options) (_ *Kiosk, err error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := os.MkdirAll(prof.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("wire: data dir: %w", err)
	}
	var opened []io.Closer // closed again, latest first, if a later step fails
	defer func() {
		if err == nil {
			return
		}
		for i := len(opened) - 1; i >= 0; i-- {
			if cerr := opened[i].Close(); cerr != nil {
				err = errors.Join(err, fmt.Errorf("wire: close after a failed build: %w", cerr))
			}
		}
	}()

	oopts := opts.Outbox
	if oopts.Provinces == nil { // probe every configured platform from the start
		oopts.Provinces = slices.Sorted(maps.Keys(prof.Platform))
	}
	ob, err := outbox.Open(filepath.Join(prof.DataDir, "outbox.db"), log, oopts)
	if err != nil {
		return nil, fmt.Errorf("wire: %w", err)
	}
	opened = append(opened, ob)
	pcfg := platformConfig(prof)
	copts, err := pcfg.ClientOptions()
	if err != nil {
		return nil, fmt.Errorf("wire: %w", err)
	}
	client, err := platform.NewClient(pcfg.URLs(), &http.Client{Timeout: 15 * time.Second}, log, copts...)
	if err != nil {
		return nil, fmt.Errorf("wire: %w", err)
	}
	al, err := audit.Open(prof.DataDir, opts.Now, log)
	if err != nil {
		return nil, fmt.Errorf("wire: %w", err)
	}
	opened = append(opened, al)

	if prof.Devices.Printer.Port == profile.PortAuto {
		prof.Devices.Printer = findPrinter(prof.Devices.Printer, log)
	}
	k := &Kiosk{Profile: prof, Outbox: ob, Platform: client, Audit: al, opts: opts, log: log}
	k.visits = privacy.NewVisits(prof.DataDir, k.record, opts.Now, log)
	var pr runtime.Printer // nil: no printer
	if prof.Devices.Printer.Enabled() {
		if k.Printer, err = newPrinter(prof.Devices.Printer, log); err != nil {
			return nil, fmt.Errorf("wire: %w", err)
		}
		pr = printerAdapter{k.Printer}
	}
	verifier, err := pcfg.CodeGate(client)
	if err != nil {
		return nil, fmt.Errorf("wire: %w", err)
	}
	mcfg := maintenance.Config{
		PINHash: prof.Technician.PINHash, Hall: prof.HallName, KioskID: prof.KioskID,
		PrintCause: printer.CauseOf, Outbox: ob, Platform: client,
		LogTail: opts.LogTail, Quit: opts.Quit, Record: k.record, Now: opts.Now, Log: log,
		LockoutFile: filepath.Join(prof.DataDir, maintenance.LockoutFileName),
	}
	if k.Printer != nil {
		mcfg.Printer = k.Printer // a nil *printer.Driver would make a non-nil Printer
	}
	tech, err := maintenance.New(mcfg)
	if err != nil {
		return nil, fmt.Errorf("wire: %w", err)
	}
	var speaker runtime.Speaker // nil: silent
	if opts.Speaker != nil {
		speaker = speech.Words{Speaker: opts.Speaker, Language: text.Chinese}
	}
	k.Runtime = runtime.New(session.New(sessionConfig(prof), cat, opts.Now()), runtime.Options{
		Printer: pr, Queue: ob, Verifier: verifier, Speaker: speaker, SubmitWait: opts.SubmitWait, Tick: opts.Tick, Now: opts.Now, Log: log,
		Technician: tech, Evaluator: client, Licences: client,
		Cases: caseFinder{checker: verifier.Checker, client: client, hosts: pcfg.Hosts()}, TrackURL: client.RequestTrackURL,
	})
	return k, nil
}

// sessionConfig is the session core's configuration from the profile.
func sessionConfig(prof profile.Profile) session.Config {
	cfg := session.DefaultConfig()
	cfg.KioskID, cfg.Hall, cfg.Division = prof.KioskID, prof.HallName, prof.DivisionCode
	cfg.AllowExpired = prof.AllowExpiredID
	cfg.ElderDefault = prof.UI.ElderMode
	cfg.TechDisabled = prof.Technician.PINHash == ""
	if prof.UI.Countdown > 0 {
		cfg.Countdown = prof.UI.Countdown
	}
	if prof.UI.ElderCountdown > 0 {
		cfg.ElderCountdown = prof.UI.ElderCountdown
	}
	cfg.CardGrace = prof.UI.CardGrace
	if prof.UI.IdleTimeout > 0 {
		for _, sc := range []session.Screen{session.Identifying, session.ChooseItem, session.ItemGuide, session.Review} {
			cfg.Timeouts[sc] = prof.UI.IdleTimeout
		}
	}
	if prof.UI.FormTimeout > 0 {
		cfg.Timeouts[session.Form] = prof.UI.FormTimeout
	}
	if prof.UI.DoneTimeout > 0 {
		cfg.Timeouts[session.Done] = prof.UI.DoneTimeout
	}
	return cfg
}

// findPrinter resolves port: auto for the printer once, at build time:
// the port whose USB id matches and that answers like a printer. A printer
// not found is left without a port (not configured).
func findPrinter(c profile.Printer, log *slog.Logger) profile.Printer {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	path, baud, err := probe.FindAuto(ctx, probe.Printer, c.USB, c.Baud, probe.Options{Log: log})
	if err != nil {
		log.Warn("printer not found on any port", "usb", c.USB, "err", err)
		c.Port = ""
		return c
	}
	c.Port, c.Baud = path, baud
	return c
}

// newPrinter prepares the receipt printer's driver; it opens nothing yet.
func newPrinter(c profile.Printer, log *slog.Logger) (*printer.Driver, error) {
	paper := escpos.Paper80
	if c.PaperWidth == 58 {
		paper = escpos.Paper58
	}
	qr := escpos.QRNative
	if c.QRMode == "raster" {
		qr = escpos.QRRaster
	}
	return printer.New(printer.Options{Port: c.Port, Baud: c.Baud, Paper: paper, QRMode: qr, ASB: c.ASB}, log)
}

// platformConfig is the profile's platform section, for the platform
// adapter.
func platformConfig(prof profile.Profile) platform.Config {
	eps := make(map[string]platform.Endpoint, len(prof.Platform))
	for code, ep := range prof.Platform {
		eps[code] = platform.Endpoint(ep)
	}
	return platform.Config{KioskID: prof.KioskID, Endpoints: eps}
}

// record appends an entry to the audit log; a failure is logged, and the
// kiosk carries on.
func (k *Kiosk) record(kind audit.Kind, msg string, fields map[string]string) {
	if _, err := k.Audit.Append(kind, "kiosk", msg, fields); err != nil {
		k.log.Error("audit entry not written", "kind", kind, "err", err)
	}
}
