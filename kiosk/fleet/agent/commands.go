package agent

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"time"

	"sckiosk/kiosk/adapters/audit"
	"sckiosk/kiosk/adapters/profile"
	"sckiosk/kiosk/fleet"
)

// Handler runs the commands a kiosk accepted from the fleet, and carries
// a pushed profile through the restart that applies it: the profile is
// checked against the kiosk's other layers and written as the fleet's
// layer, and after the restart a self-test keeps it or rolls it back.
// What it needs of the running kiosk comes in as functions.
type Handler struct {
	// Profile is the profile in force; ProfilePaths are the layers it
	// was loaded from, which a pushed profile is checked against.
	Profile      profile.Profile
	ProfilePaths []string
	// SelfTest checks what a profile can break (devices, platform) and
	// says what it saw, line by line. Required.
	SelfTest func(ctx context.Context) (ok bool, lines []string)
	// LogTail gives the masked log tail; nil when no log is kept in
	// memory.
	LogTail func() []string
	// Restart quits for systemd to start the kiosk again; nil when the
	// kiosk cannot restart itself.
	Restart func()
	// Record writes an entry to the audit log; nil records nothing.
	Record func(kind audit.Kind, msg string, fields map[string]string)
	// ReportNow sends a health report at once; nil waits for the next.
	ReportNow func()
	Log       *slog.Logger // nil: discard
}

func (h *Handler) log() *slog.Logger {
	if h.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Log
}

func (h *Handler) record(kind audit.Kind, msg string, fields map[string]string) {
	if h.Record != nil {
		h.Record(kind, msg, fields)
	}
}

// RecordCommand writes every fleet command, accepted (err nil) or
// refused, to the audit log: it is the agent's Config.OnCommand.
func (h *Handler) RecordCommand(c fleet.Command, err error) {
	f := withOperator(map[string]string{"id": c.ID, "action": c.Action, "issuer": c.Issuer}, c.Operator)
	if err != nil {
		f["refused"] = err.Error()
		h.record(audit.Technician, "fleet command refused", f)
		return
	}
	h.record(audit.Technician, "fleet command accepted", f)
}

// withOperator adds the hall operator who asked, when the command named
// one, to an audit entry's fields.
func withOperator(f map[string]string, operator string) map[string]string {
	if operator != "" {
		f["operator"] = operator
	}
	return f
}

// Handle runs an accepted command: it is the agent's Config.Handle.
func (h *Handler) Handle(ctx context.Context, c fleet.Command) fleet.Reply {
	switch c.Action {
	case fleet.ActionSelfTest:
		ok, lines := h.SelfTest(ctx)
		msg := "self-test passed"
		if !ok {
			msg = "self-test failed"
		}
		return fleet.Reply{OK: ok, Message: msg, Lines: lines}
	case fleet.ActionLogTail:
		if h.LogTail == nil {
			return fleet.Reply{Message: "no log kept in memory"}
		}
		return fleet.Reply{OK: true, Message: "masked log tail", Lines: h.LogTail()}
	case fleet.ActionReload, fleet.ActionRestart:
		return h.leaveSoon(c.Action + ": restarting")
	case fleet.ActionProfile:
		rep := h.applyProfile(c)
		if !rep.OK {
			// Every refused push is in the audit chain with its reason
			// (for a dangerous change: what it tried to change).
			h.record(audit.Profile, "fleet profile refused", map[string]string{"id": c.ID, "issuer": c.Issuer, "reason": rep.Message})
		}
		return rep
	}
	return fleet.Reply{Message: "unknown action"}
}

// leaveSoon restarts the kiosk a moment after the reply went out.
func (h *Handler) leaveSoon(msg string) fleet.Reply {
	if h.Restart == nil {
		return fleet.Reply{Message: "this kiosk cannot restart itself (no quit handler)"}
	}
	time.AfterFunc(time.Second, h.Restart)
	return fleet.Reply{OK: true, Message: msg}
}

// applyProfile checks a pushed override against the kiosk's other layers,
// writes it (keeping the previous one), and restarts on it; the self-test
// after the restart keeps it or rolls it back.
func (h *Handler) applyProfile(c fleet.Command) fleet.Reply {
	over := OverrideFile(h.Profile)
	var srcs []profile.Source
	for _, p := range h.ProfilePaths {
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
	base, err := profile.ParseLayers(srcs...)
	if err != nil {
		return fleet.Reply{Message: "cannot load the kiosk's own profile layers: " + strings.ReplaceAll(err.Error(), "\n", "; ")}
	}
	srcs = append(srcs, profile.Source{Name: over, Data: []byte(c.Profile)})
	next, err := profile.ParseLayers(srcs...)
	if err != nil {
		return fleet.Reply{Message: "profile refused: " + strings.ReplaceAll(err.Error(), "\n", "; ")}
	}
	if next.KioskID != h.Profile.KioskID || next.Fleet.Broker != h.Profile.Fleet.Broker || next.Fleet.ProvinceKey != base.Fleet.ProvinceKey {
		return fleet.Reply{Message: "profile refused: a pushed profile may not change kiosk_id, fleet.broker or fleet.province_key"}
	}
	if changes, err := checkDangerous(base, next, c, time.Now()); err != nil {
		// The hall's signature alone does not let a layer redirect
		// citizens' data; Handle audits the refusal with this reason.
		h.log().Warn("pushed profile refused", "id", c.ID, "changes", strings.Join(changes, ","), "err", err)
		return fleet.Reply{Message: "profile refused: " + err.Error() + " (changes " + strings.Join(changes, ", ") + ")"}
	} else if len(changes) > 0 {
		h.record(audit.Profile, "fleet profile carries a valid province signature", map[string]string{
			"id": c.ID, "issuer": c.Issuer, "changes": strings.Join(changes, ","), "expires": c.ProvinceSig.Expires.Format(time.RFC3339)})
	}
	pc := pendingChange{ID: c.ID, Before: h.Profile.Digest(), After: next.Digest(), At: time.Now(), Operator: c.Operator}
	if _, err := os.Stat(over); err == nil {
		if err := copyFile(over, previousFile(h.Profile)); err != nil {
			return fleet.Reply{Message: "cannot keep the previous profile: " + err.Error()}
		}
		pc.HadPrev = true
	}
	b, _ := json.Marshal(pc)
	// A rollback mark belongs to the change it undid; this one starts clean.
	_ = os.Remove(rolledBackFile(h.Profile))
	if err := writeAtomic(PendingFile(h.Profile), b); err != nil {
		return fleet.Reply{Message: "cannot record the change: " + err.Error()}
	}
	if err := writeAtomic(over, []byte(c.Profile)); err != nil {
		_ = os.Remove(PendingFile(h.Profile))
		return fleet.Reply{Message: "cannot write the profile: " + err.Error()}
	}
	h.record(audit.Profile, "fleet profile written; restarting to apply it", withOperator(map[string]string{"id": c.ID, "before": pc.Before, "after": pc.After}, c.Operator))
	return h.leaveSoon("profile valid and written (" + short(pc.After) + "); restarting on it, self-test follows")
}

// CheckPending runs after a restart on a pushed profile: once the
// devices had time to open (fleet.self_test_after) it tests the kiosk and
// keeps the change, or puts the previous profile back and restarts. It
// returns at once when no change is pending, or when ctx ends.
func (h *Handler) CheckPending(ctx context.Context) {
	b, err := os.ReadFile(PendingFile(h.Profile))
	if err != nil {
		return
	}
	var pc pendingChange
	if err := json.Unmarshal(b, &pc); err != nil {
		_ = os.Remove(PendingFile(h.Profile))
		return
	}
	wait := h.Profile.Fleet.SelfTestAfter
	if wait <= 0 {
		wait = 30 * time.Second
	}
	select {
	case <-ctx.Done():
		return
	case <-time.After(wait):
	}
	ok, lines := h.SelfTest(ctx)
	f := withOperator(map[string]string{"id": pc.ID, "before": pc.Before, "after": pc.After, "self_test": strings.Join(lines, "; ")}, pc.Operator)
	if ok {
		_ = os.Remove(PendingFile(h.Profile))
		_ = os.Remove(previousFile(h.Profile))
		_ = os.Remove(rolledBackFile(h.Profile))
		h.record(audit.Profile, "fleet profile kept: self-test passed", f)
		h.log().Info("pushed profile kept: self-test passed", "digest", short(pc.After))
		if h.ReportNow != nil {
			h.ReportNow()
		}
		return
	}
	restorePrevious(h.Profile, pc)
	_ = writeAtomic(rolledBackFile(h.Profile), []byte(pc.After))
	_ = os.Remove(PendingFile(h.Profile))
	h.record(audit.Profile, "fleet profile rolled back: self-test failed", f)
	h.log().Error("pushed profile failed its self-test; rolling back", "digest", short(pc.After), "self_test", strings.Join(lines, "; "))
	if h.Restart != nil {
		h.Restart()
	}
}
