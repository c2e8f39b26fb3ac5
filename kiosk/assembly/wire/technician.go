package wire

import (
	"context"
	"fmt"
	"strings"
	"time"

	"sckiosk/devices/printer"
	"sckiosk/kiosk/adapters/audit"
	"sckiosk/kiosk/adapters/platform"
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

// Command implements runtime.Technician.
func (t *techBackend) Command(ctx context.Context, name string) string {
	msg := t.command(ctx, name)
	t.k.record(audit.Technician, "command "+name, map[string]string{"result": msg})
	return msg
}

func (t *techBackend) command(ctx context.Context, name string) string {
	k := t.k
	switch name {
	case session.TechPrintTest:
		if k.Printer == nil {
			return "本机未配置打印机"
		}
		doc := receipt.New(receipt.Case{
			Hall: k.Profile.HallName, KioskID: k.Profile.KioskID, Item: "打印测试 生僻字：䶮 𠮷",
			CaseNumber: "TEST-" + k.opts.Now().Format("150405"), Submitted: k.opts.Now(),
			ApplicantMasked: "测*", NumberMasked: "5101**********0000", Next: "维护模式测试回执，请废弃。", TrackCode: "KIOSK:TEST",
		})
		pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := k.Printer.Print(pctx, doc); err != nil {
			return "测试回执未打印：" + text.Chinese.Cause(printer.CauseOf(err))
		}
		return "测试回执已打印"
	case session.TechRetryOutbox:
		k.Outbox.Kick()
		h := k.Outbox.Health()
		return fmt.Sprintf("已重新上报；待上报 %d 件，需人工处理 %d 件", h.Pending, h.Rejected)
	case session.TechCheckPlatform:
		var parts []string
		for _, p := range []struct{ code, name string }{{platform.Sichuan, "四川平台"}, {platform.Chongqing, "重庆平台"}} {
			hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := k.Platform.Health(hctx, p.code)
			cancel()
			if err != nil {
				t.k.log.Warn("platform check failed", "province", p.code, "err", err)
				parts = append(parts, p.name+"：无法连接")
			} else {
				parts = append(parts, p.name+"：正常")
			}
		}
		return strings.Join(parts, "；")
	case session.TechLogTail:
		if k.opts.LogTail == nil {
			return "本机未保留日志"
		}
		lines := k.opts.LogTail()
		if len(lines) > 8 {
			lines = lines[len(lines)-8:]
		}
		if len(lines) == 0 {
			return "暂无日志"
		}
		return strings.Join(lines, "\n")
	case session.TechReload, session.TechExitDesktop:
		if t.quit == nil {
			return "本机不支持此操作"
		}
		t.quit(name)
		return "正在退出…"
	}
	return "未知的维护操作"
}
