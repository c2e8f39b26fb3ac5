// Package wire builds a running kiosk from a profile: the device drivers
// under their supervisors, the outbox and its forwarder, the platform
// client and the runtime around the session core. cmd/kiosk and the
// end-to-end tests build the kiosk the same way.
package wire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"sckiosk/devices/device"
	"sckiosk/devices/idcard"
	"sckiosk/devices/printer"
	"sckiosk/devices/scanner"
	"sckiosk/kiosk/catalog"
	"sckiosk/kiosk/identity"
	"sckiosk/kiosk/outbox"
	"sckiosk/kiosk/platform"
	"sckiosk/kiosk/profile"
	"sckiosk/kiosk/receipt"
	"sckiosk/kiosk/runtime"
	"sckiosk/kiosk/session"
	"sckiosk/kiosk/speech"
)

// Options tune a kiosk beyond its profile (tests shorten the waits).
type Options struct {
	Now          func() time.Time
	Tick         time.Duration
	SubmitWait   time.Duration
	PollInterval time.Duration // ID-card find polling; 0 = driver default
	Backoff      device.Backoff
	Outbox       outbox.Options
	Speaker      speech.Speaker // nil = silent (tests); cmd/kiosk passes speech.New
}

// Kiosk is a built kiosk, ready to Run.
type Kiosk struct {
	Profile  profile.Profile
	Runtime  *runtime.Runtime
	Outbox   *outbox.Outbox
	Platform *platform.Client
	Printer  *printer.Driver // nil when the profile has no printer

	opts Options
	log  *slog.Logger
}

// Build opens the outbox and prepares drivers; nothing runs until Run.
func Build(prof profile.Profile, cat catalog.Catalog, log *slog.Logger, opts Options) (*Kiosk, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := os.MkdirAll(prof.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("wire: data dir: %w", err)
	}
	ob, err := outbox.Open(filepath.Join(prof.DataDir, "outbox.db"), log, opts.Outbox)
	if err != nil {
		return nil, fmt.Errorf("wire: %w", err)
	}
	endpoints := map[string]string{}
	if u := prof.Platform.Sichuan.URL; u != "" {
		endpoints[platform.Sichuan] = u
	}
	if u := prof.Platform.Chongqing.URL; u != "" {
		endpoints[platform.Chongqing] = u
	}
	client, err := platform.NewClient(endpoints, &http.Client{Timeout: 15 * time.Second}, log)
	if err != nil {
		ob.Close()
		return nil, fmt.Errorf("wire: %w", err)
	}
	k := &Kiosk{Profile: prof, Outbox: ob, Platform: client, opts: opts, log: log}
	if prof.Devices.Printer.Port != "" {
		paper := printer.Paper80
		if prof.Devices.Printer.PaperWidth == 58 {
			paper = printer.Paper58
		}
		qr := printer.QRNative
		if prof.Devices.Printer.QRMode == "raster" {
			qr = printer.QRRaster
		}
		k.Printer, err = printer.New(printer.Options{Port: prof.Devices.Printer.Port, Baud: prof.Devices.Printer.Baud, Paper: paper, QRMode: qr}, log)
		if err != nil {
			ob.Close()
			return nil, fmt.Errorf("wire: %w", err)
		}
	}
	cfg := session.DefaultConfig()
	cfg.KioskID, cfg.Hall, cfg.Division = prof.KioskID, prof.HallName, prof.DivisionCode
	cfg.AllowExpired = prof.AllowExpiredID
	cfg.ElderDefault = prof.UI.ElderMode
	if prof.UI.IdleTimeout > 0 {
		cfg.Timeouts[session.ChooseItem] = prof.UI.IdleTimeout
	}
	var pr runtime.Printer
	if k.Printer != nil {
		pr = printerAdapter{k.Printer}
	}
	verifier := codeVerifier{client}
	k.Runtime = runtime.New(session.New(cfg, cat, opts.Now()), runtime.Options{
		Printer: pr, Queue: ob, Verifier: verifier, Speaker: opts.Speaker, SubmitWait: opts.SubmitWait, Tick: opts.Tick, Now: opts.Now, Log: log,
	})
	return k, nil
}

// Run starts every part and blocks until ctx ends; then it closes the
// outbox.
func (k *Kiosk) Run(ctx context.Context) {
	var wg sync.WaitGroup
	goRun := func(f func()) {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	rt := k.Runtime
	report := func(s device.Status) { rt.Send(session.DeviceChanged{Status: s}) }
	devs := k.Profile.Devices

	if devs.IDCard.Port != "" {
		events := make(chan idcard.Event, 8)
		drv := idcard.New(idcard.Options{Port: devs.IDCard.Port, Baud: devs.IDCard.Baud, PollInterval: k.opts.PollInterval}, k.log)
		goRun(func() { device.Supervise(ctx, idcard.DeviceName, k.opts.Backoff, k.log, report, drv.Session(events)) })
		goRun(func() { forwardCards(ctx, events, rt) })
	} else {
		report(device.Status{Device: idcard.DeviceName, State: device.Offline, Reason: "not configured in the profile", Since: time.Now()})
	}
	if devs.Scanner.Port != "" {
		events := make(chan scanner.Event, 8)
		drv := scanner.New(scanner.Options{Port: devs.Scanner.Port, Baud: devs.Scanner.Baud}, k.log)
		goRun(func() { device.Supervise(ctx, "scanner", k.opts.Backoff, k.log, report, drv.Session(events)) })
		goRun(func() { forwardCodes(ctx, events, rt) })
	} else {
		report(device.Status{Device: "scanner", State: device.Offline, Reason: "not configured in the profile", Since: time.Now()})
	}
	if k.Printer != nil {
		goRun(func() { device.Supervise(ctx, "printer", k.opts.Backoff, k.log, report, k.Printer.Session()) })
	} else {
		report(device.Status{Device: "printer", State: device.Offline, Reason: "not configured in the profile", Since: time.Now()})
	}
	goRun(func() {
		if err := k.Outbox.Run(ctx, k.Platform); err != nil && !errors.Is(err, context.Canceled) {
			k.log.Error("outbox forwarder stopped", "err", err)
		}
	})
	goRun(func() { rt.Run(ctx) })
	wg.Wait()
	if err := k.Outbox.Close(); err != nil {
		k.log.Error("outbox close", "err", err)
	}
}

func forwardCards(ctx context.Context, events <-chan idcard.Event, rt *runtime.Runtime) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-events:
			switch ev.Kind {
			case idcard.CardRead:
				rt.Send(session.CardRead{Person: Person(ev.Card)})
			case idcard.CardRemoved:
				rt.Send(session.CardRemoved{})
			case idcard.ReadFailed:
				rt.Send(session.ReadFailed{Notice: idcard.Notice(ev.Err)})
			}
		}
	}
}

func forwardCodes(ctx context.Context, events <-chan scanner.Event, rt *runtime.Runtime) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-events:
			if ev.Err != nil {
				rt.Send(session.CodeRejected{Notice: "二维码无法识别，请重新出示"})
				continue
			}
			rt.Send(session.CodeScanned{Text: ev.Text})
		}
	}
}

// printerAdapter gives the runtime the printer's Chinese notices.
type printerAdapter struct{ d *printer.Driver }

func (p printerAdapter) Print(ctx context.Context, doc receipt.Document) error {
	if err := p.d.Print(ctx, doc); err != nil {
		return noticeError{err: err, notice: session.PrinterNotice(printer.Notice(err))}
	}
	return nil
}

type noticeError struct {
	err    error
	notice string
}

func (e noticeError) Error() string  { return e.err.Error() }
func (e noticeError) Unwrap() error  { return e.err }
func (e noticeError) Notice() string { return e.notice }

// codeVerifier asks the platform who an app code belongs to.
type codeVerifier struct{ c *platform.Client }

func (v codeVerifier) Verify(ctx context.Context, code string) (identity.Person, error) {
	id, err := v.c.VerifyCode(ctx, code)
	if err != nil {
		var ce *platform.CodeError
		if errors.As(err, &ce) {
			return identity.Person{}, noticeError{err: err, notice: ce.Notice}
		}
		return identity.Person{}, noticeError{err: err, notice: "暂时无法核验二维码，请使用身份证或稍后再试"}
	}
	return identity.Person{Source: identity.SourceQR, Name: id.Name, Number: id.Number}, nil
}
