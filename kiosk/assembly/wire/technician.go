package wire

import (
	"context"
	"fmt"
	"strings"
	"time"

	"sckiosk/devices/printer"
	"sckiosk/kiosk/adapters/audit"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/msg"
	"sckiosk/kiosk/core/receipt"
	"sckiosk/kiosk/core/session"
	"sckiosk/kiosk/core/technician"
	"sckiosk/ui/text"
)

// techBackend carries out technician mode for the runtime: the PIN gate
// from the profile and the commands, each recorded in the audit log.
type techBackend struct {
	k    *Kiosk
	gate *technician.Gate // nil: no PIN hash in the profile, technician mode off
	quit func(reason string)
}

func newTechBackend(k *Kiosk, quit func(string)) (*techBackend, error) {
	t := &techBackend{k: k, quit: quit}
	if h := k.Profile.Technician.PINHash; h != "" {
		g, err := technician.NewGate(h, k.opts.Now)
		if err != nil {
			return nil, fmt.Errorf("wire: technician pin_hash: %w", err)
		}
		t.gate = g
	}
	return t, nil
}

// CheckPIN implements runtime.Technician.
func (t *techBackend) CheckPIN(pin string) session.PINChecked {
	if t.gate == nil {
		return session.PINChecked{Disabled: true}
	}
	ok, st, err := t.gate.Enter(pin)
	switch {
	case err != nil:
		t.k.log.Error("technician PIN check failed", "err", err)
		t.k.record(audit.Technician, "PIN check failed", nil)
	case ok:
		t.k.record(audit.Technician, "technician mode entered", nil)
	case st.Locked:
		t.k.record(audit.Technician, "wrong PIN, entry locked", map[string]string{"for": st.Remaining.Round(time.Second).String()})
	default:
		t.k.record(audit.Technician, "wrong PIN", map[string]string{"tries_left": fmt.Sprint(st.TriesLeft)})
	}
	return session.PINChecked{OK: ok, Locked: st.Locked, Remaining: st.Remaining, TriesLeft: st.TriesLeft}
}

// Command implements runtime.Technician. The audit log records the
// outcome as the technician read it, in Chinese.
func (t *techBackend) Command(ctx context.Context, name string) msg.Text {
	done := t.command(ctx, name)
	t.k.record(audit.Technician, "command "+name, map[string]string{"result": text.Chinese.Render(done)})
	return done
}

func (t *techBackend) command(ctx context.Context, name string) msg.Text {
	k := t.k
	switch name {
	case session.TechPrintTest:
		if k.Printer == nil {
			return msg.New(msg.TechNoPrinter)
		}
		doc := receipt.New(receipt.Case{
			Hall: k.Profile.HallName, KioskID: k.Profile.KioskID, Item: "打印测试 生僻字：䶮 𠮷",
			CaseNumber: "TEST-" + k.opts.Now().Format("150405"), Submitted: k.opts.Now(),
			ApplicantMasked: "测*", NumberMasked: "5101**********0000", Next: "维护模式测试回执，请废弃。", TrackCode: "KIOSK:TEST",
		})
		pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := k.Printer.Print(pctx, doc); err != nil {
			return msg.New(msg.TechTestPrintFailed, printer.CauseOf(err))
		}
		return msg.New(msg.TechTestPrinted)
	case session.TechRetryOutbox:
		k.Outbox.Kick()
		h := k.Outbox.Health()
		return msg.New(msg.TechOutboxRetried, h.Pending, h.Rejected)
	case session.TechCheckPlatform:
		var parts []any
		for _, p := range []struct {
			code string
			name msg.Key
		}{{application.Sichuan, msg.PlatformSichuan}, {application.Chongqing, msg.PlatformChongqing}} {
			hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := k.Platform.Health(hctx, p.code)
			cancel()
			if err != nil {
				t.k.log.Warn("platform check failed", "province", p.code, "err", err)
				parts = append(parts, msg.New(msg.TechPlatformDown, p.name))
			} else {
				parts = append(parts, msg.New(msg.TechPlatformOK, p.name))
			}
		}
		return msg.New(msg.TechPlatformHealth, parts...)
	case session.TechLogTail:
		if k.opts.LogTail == nil {
			return msg.New(msg.TechNoLog)
		}
		lines := k.opts.LogTail()
		if len(lines) > 8 {
			lines = lines[len(lines)-8:]
		}
		if len(lines) == 0 {
			return msg.New(msg.TechLogEmpty)
		}
		return msg.New(msg.TechLogTail, strings.Join(lines, "\n"))
	case session.TechReload, session.TechExitDesktop:
		if t.quit == nil {
			return msg.New(msg.TechUnsupported)
		}
		t.quit(name)
		return msg.New(msg.TechQuitting)
	}
	return msg.New(msg.TechUnknown)
}
