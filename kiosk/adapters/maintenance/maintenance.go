// Package maintenance carries out technician mode for the runtime: the PIN
// gate from the profile with its lockout, and the technician commands
// (print a test receipt, retry the outbox, check the platforms, show the
// log tail, reload, exit to the desktop), each recorded in the audit log.
// It acts on the kiosk through small interfaces, so it holds no driver,
// database or HTTP client of its own.
package maintenance

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"sckiosk/devices/device"
	"sckiosk/kiosk/adapters/audit"
	"sckiosk/kiosk/adapters/outbox"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/msg"
	"sckiosk/kiosk/core/receipt"
	"sckiosk/kiosk/core/session"
	"sckiosk/kiosk/core/technician"
	"sckiosk/ui/text"
)

// Printer prints the test receipt; *printer.Driver is one.
type Printer interface {
	Print(ctx context.Context, doc receipt.Document) error
}

// Outbox is retried on request and reports what is still waiting;
// *outbox.Outbox is one.
type Outbox interface {
	Kick()
	Health() outbox.Health
}

// Platform answers a health check per province; *platform.Client is one.
type Platform interface {
	Health(ctx context.Context, province string) error
}

// Config is what technician mode acts on.
type Config struct {
	// PINHash is the profile's technician.pin_hash; "" turns technician
	// mode off.
	PINHash string
	// LockoutFile keeps the PIN lockout across restarts (the data
	// directory's LockoutFileName); "" keeps it in memory only (tests).
	LockoutFile string
	// Hall and KioskID are printed on the test receipt.
	Hall, KioskID string
	// Printer is nil when the kiosk has none; PrintCause then tells what
	// a failed test print was about (printer.CauseOf).
	Printer    Printer
	PrintCause func(error) device.Cause
	// Outbox is retried by TechRetryOutbox; Platform is checked by
	// TechCheckPlatform.
	Outbox   Outbox
	Platform Platform
	// LogTail gives the last log lines (masked); nil when the log is not
	// kept in memory.
	LogTail func() []string
	// Quit leaves the kiosk with session.TechReload or
	// session.TechExitDesktop; nil refuses both.
	Quit func(reason string)
	// Record appends an entry to the audit log.
	Record func(kind audit.Kind, msg string, fields map[string]string)
	// Now is the clock of the lockout and the test receipt.
	Now func() time.Time
	Log *slog.Logger
}

// Backend implements the runtime's Technician.
type Backend struct {
	cfg  Config
	gate *technician.Gate // nil: no PIN hash, technician mode off
}

// New returns the backend for cfg. It fails when the PIN hash is not one
// technician.CheckHash accepts.
func New(cfg Config) (*Backend, error) {
	b := &Backend{cfg: cfg}
	if cfg.PINHash != "" {
		g, err := technician.NewGate(cfg.PINHash, cfg.Now)
		if err != nil {
			return nil, fmt.Errorf("maintenance: technician pin_hash: %w", err)
		}
		b.gate = g
		b.restoreLockout()
	}
	return b, nil
}

// restoreLockout takes back the lockout a previous run kept. A file that
// cannot be read is not five new tries: the keypad starts locked, and the
// technician waits out one lock.
func (b *Backend) restoreLockout() {
	if b.cfg.LockoutFile == "" {
		return
	}
	l := b.gate.Lockout()
	st, found, err := loadLockout(b.cfg.LockoutFile)
	switch {
	case err != nil:
		b.cfg.Log.Error("technician lockout unreadable: the PIN pad starts locked", "err", err)
		l.Restore(technician.State{Failures: technician.DefaultMaxFailures})
		b.saveLockout()
		b.cfg.Record(audit.Technician, "lockout record unreadable, entry locked", nil)
	case found:
		l.Restore(st)
		if s := l.Status(); s.Locked {
			b.cfg.Log.Info("technician PIN pad still locked from before the restart", "for", s.Remaining.Round(time.Second).String())
		}
	}
}

// saveAttempt keeps the lockout as if the attempt about to be checked were
// wrong, so cutting the power while the PIN is hashed (a fraction of a
// second) does not take the attempt back; saveLockout corrects it after.
func (b *Backend) saveAttempt() {
	if b.cfg.LockoutFile == "" || b.gate.Status().Locked {
		return
	}
	st := b.gate.Lockout().State()
	st.Failures++
	if err := saveLockout(b.cfg.LockoutFile, st); err != nil {
		b.cfg.Log.Error("technician lockout not kept", "err", err)
	}
}

// saveLockout keeps the lockout's state. A failure is logged: the lockout
// still holds in memory until the next restart.
func (b *Backend) saveLockout() {
	if b.cfg.LockoutFile == "" {
		return
	}
	if err := saveLockout(b.cfg.LockoutFile, b.gate.Lockout().State()); err != nil {
		b.cfg.Log.Error("technician lockout not kept", "err", err)
	}
}

// CheckPIN implements runtime.Technician: a right PIN enters technician
// mode, wrong ones count towards the lockout. Every try is recorded, never
// the PIN.
func (b *Backend) CheckPIN(pin string) session.PINChecked {
	if b.gate == nil {
		return session.PINChecked{Disabled: true}
	}
	before := b.gate.Lockout().State()
	b.saveAttempt()
	ok, st, err := b.gate.Enter(pin)
	if b.gate.Lockout().State() != before || !st.Locked {
		b.saveLockout() // the count or the lock changed, or the attempt kept above is taken back
	}
	switch {
	case err != nil:
		b.cfg.Log.Error("technician PIN check failed", "err", err)
		b.cfg.Record(audit.Technician, "PIN check failed", nil)
	case ok:
		b.cfg.Record(audit.Technician, "technician mode entered", nil)
	case st.Locked:
		b.cfg.Record(audit.Technician, "wrong PIN, entry locked", map[string]string{"for": st.Remaining.Round(time.Second).String()})
	default:
		b.cfg.Record(audit.Technician, "wrong PIN", map[string]string{"tries_left": fmt.Sprint(st.TriesLeft)})
	}
	return session.PINChecked{OK: ok, Locked: st.Locked, Remaining: st.Remaining, TriesLeft: st.TriesLeft}
}

// Command implements runtime.Technician. The audit log records the
// outcome as the technician read it, in Chinese.
func (b *Backend) Command(ctx context.Context, name string) msg.Text {
	done := b.command(ctx, name)
	b.cfg.Record(audit.Technician, "command "+name, map[string]string{"result": text.Chinese.Render(done)})
	return done
}

func (b *Backend) command(ctx context.Context, name string) msg.Text {
	switch name {
	case session.TechPrintTest:
		return b.printTest(ctx)
	case session.TechRetryOutbox:
		b.cfg.Outbox.Kick()
		h := b.cfg.Outbox.Health()
		return msg.New(msg.TechOutboxRetried, h.Pending, h.Rejected)
	case session.TechCheckPlatform:
		return b.checkPlatform(ctx)
	case session.TechLogTail:
		return b.logTail()
	case session.TechReload, session.TechExitDesktop:
		if b.cfg.Quit == nil {
			return msg.New(msg.TechUnsupported)
		}
		b.cfg.Quit(name)
		return msg.New(msg.TechQuitting)
	}
	return msg.New(msg.TechUnknown)
}

// printTest prints a receipt that says it is a test, with rare characters
// to show the font has them.
func (b *Backend) printTest(ctx context.Context) msg.Text {
	if b.cfg.Printer == nil {
		return msg.New(msg.TechNoPrinter)
	}
	now := b.cfg.Now()
	doc := receipt.New(receipt.Case{
		Hall: b.cfg.Hall, KioskID: b.cfg.KioskID, Item: "打印测试 生僻字：䶮 𠮷",
		CaseNumber: "TEST-" + now.Format("150405"), Submitted: now,
		ApplicantMasked: "测*", NumberMasked: "5101**********0000", Next: "维护模式测试回执，请废弃。", TrackCode: "KIOSK:TEST",
	})
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := b.cfg.Printer.Print(pctx, doc); err != nil {
		return msg.New(msg.TechTestPrintFailed, b.cfg.PrintCause(err))
	}
	return msg.New(msg.TechTestPrinted)
}

// checkPlatform asks both provinces' platforms whether they answer.
func (b *Backend) checkPlatform(ctx context.Context) msg.Text {
	var parts []any
	for _, p := range []struct {
		code string
		name msg.Key
	}{{application.Sichuan, msg.PlatformSichuan}, {application.Chongqing, msg.PlatformChongqing}} {
		hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := b.cfg.Platform.Health(hctx, p.code)
		cancel()
		if err != nil {
			b.cfg.Log.Warn("platform check failed", "province", p.code, "err", err)
			parts = append(parts, msg.New(msg.TechPlatformDown, p.name))
		} else {
			parts = append(parts, msg.New(msg.TechPlatformOK, p.name))
		}
	}
	return msg.New(msg.TechPlatformHealth, parts...)
}

// logTailLines is how many log lines the technician screen shows; it
// scrolls through them.
const logTailLines = 50

// logTail shows the last log lines.
func (b *Backend) logTail() msg.Text {
	if b.cfg.LogTail == nil {
		return msg.New(msg.TechNoLog)
	}
	lines := b.cfg.LogTail()
	if len(lines) > logTailLines {
		lines = lines[len(lines)-logTailLines:]
	}
	if len(lines) == 0 {
		return msg.New(msg.TechLogEmpty)
	}
	return msg.New(msg.TechLogTail, strings.Join(lines, "\n"))
}
