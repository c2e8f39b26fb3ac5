package maintenance

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"sckiosk/devices/device"
	"sckiosk/kiosk/adapters/audit"
	"sckiosk/kiosk/adapters/outbox"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/msg"
	"sckiosk/kiosk/core/receipt"
	"sckiosk/kiosk/core/session"
	"sckiosk/kiosk/core/technician"
)

type fakePrinter struct {
	docs []receipt.Document
	err  error
}

func (p *fakePrinter) Print(_ context.Context, doc receipt.Document) error {
	p.docs = append(p.docs, doc)
	return p.err
}

type fakeOutbox struct{ kicks int }

func (o *fakeOutbox) Kick()                 { o.kicks++ }
func (o *fakeOutbox) Health() outbox.Health { return outbox.Health{Pending: 3, Rejected: 1} }

type fakePlatform map[string]error

func (p fakePlatform) Health(_ context.Context, province string) error { return p[province] }

type entry struct {
	kind   audit.Kind
	msg    string
	fields map[string]string
}

type rig struct {
	cfg     Config
	entries []entry
	quits   []string
}

func newRig() *rig {
	r := &rig{}
	r.cfg = Config{
		Hall: "武侯区政务服务中心", KioskID: "SC-0001",
		PrintCause: func(error) device.Cause { return device.PaperOut },
		Outbox:     &fakeOutbox{}, Platform: fakePlatform{},
		Record: func(k audit.Kind, m string, f map[string]string) { r.entries = append(r.entries, entry{k, m, f}) },
		Quit:   func(reason string) { r.quits = append(r.quits, reason) },
		Now:    func() time.Time { return time.Date(2026, 3, 1, 9, 30, 5, 0, time.UTC) },
		Log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	return r
}

func (r *rig) backend(t *testing.T) *Backend {
	t.Helper()
	b, err := New(r.cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Without a PIN hash technician mode is off; a bad hash stops the kiosk.
func TestPINDisabledOrBad(t *testing.T) {
	r := newRig()
	if got := r.backend(t).CheckPIN("2468"); !got.Disabled || got.OK {
		t.Fatalf("no hash: %+v", got)
	}
	if len(r.entries) != 0 {
		t.Fatalf("a disabled keypad recorded %+v", r.entries)
	}
	r.cfg.PINHash = "2468"
	if _, err := New(r.cfg); err == nil || !strings.Contains(err.Error(), "pin_hash") {
		t.Fatalf("a PIN as its own hash: %v", err)
	}
}

// Wrong PINs count down to the lockout, each recorded without the PIN; the
// right one enters.
func TestPINLockout(t *testing.T) {
	r := newRig()
	hash, err := technician.HashPIN("2468", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	r.cfg.PINHash = hash
	b := r.backend(t)
	if got := b.CheckPIN("2468"); !got.OK {
		t.Fatalf("right PIN: %+v", got)
	}
	got := b.CheckPIN("1111")
	if got.OK || got.Locked || got.TriesLeft != technician.DefaultMaxFailures-1 {
		t.Fatalf("wrong PIN: %+v", got)
	}
	for i := 1; i < technician.DefaultMaxFailures; i++ {
		got = b.CheckPIN("1111")
	}
	if !got.Locked || got.Remaining <= 0 {
		t.Fatalf("after %d wrong PINs: %+v", technician.DefaultMaxFailures, got)
	}
	if got := b.CheckPIN("2468"); got.OK || !got.Locked {
		t.Fatalf("the right PIN while locked: %+v", got)
	}
	var msgs []string
	for _, e := range r.entries {
		if e.kind != audit.Technician {
			t.Errorf("entry kind %s", e.kind)
		}
		for _, v := range e.fields {
			if strings.Contains(v, "2468") || strings.Contains(v, "1111") {
				t.Errorf("audit entry carries a PIN: %+v", e)
			}
		}
		msgs = append(msgs, e.msg)
	}
	if msgs[0] != "technician mode entered" || msgs[1] != "wrong PIN" || r.entries[1].fields["tries_left"] != "4" ||
		msgs[technician.DefaultMaxFailures] != "wrong PIN, entry locked" || r.entries[technician.DefaultMaxFailures].fields["for"] == "" {
		t.Fatalf("audit entries %q", msgs)
	}
}

// Each command answers in message keys and is recorded with the answer in
// Chinese.
func TestCommands(t *testing.T) {
	r := newRig()
	pr := &fakePrinter{}
	r.cfg.Printer = pr
	r.cfg.Platform = fakePlatform{application.Chongqing: errors.New("connection refused")}
	var lines []string // one line more than the screen scrolls through
	for i := 1; i <= logTailLines+1; i++ {
		lines = append(lines, strconv.Itoa(i))
	}
	r.cfg.LogTail = func() []string { return lines }
	b := r.backend(t)
	ctx := context.Background()
	tests := []struct {
		name string
		want msg.Text
	}{
		{session.TechPrintTest, msg.New(msg.TechTestPrinted)},
		{session.TechRetryOutbox, msg.New(msg.TechOutboxRetried, 3, 1)},
		{session.TechCheckPlatform, msg.New(msg.TechPlatformHealth, msg.New(msg.TechPlatformOK, msg.PlatformSichuan), msg.New(msg.TechPlatformDown, msg.PlatformChongqing))},
		{session.TechLogTail, msg.New(msg.TechLogTail, strings.Join(lines[1:], "\n"))},
		{session.TechReload, msg.New(msg.TechQuitting)},
		{"no_such_command", msg.New(msg.TechUnknown)},
	}
	for _, tt := range tests {
		if got := b.Command(ctx, tt.name); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s = %+v, want %+v", tt.name, got, tt.want)
		}
	}
	if len(pr.docs) != 1 || r.cfg.Outbox.(*fakeOutbox).kicks != 1 || !reflect.DeepEqual(r.quits, []string{session.TechReload}) {
		t.Fatalf("printed %d, kicked %d, quit %v", len(pr.docs), r.cfg.Outbox.(*fakeOutbox).kicks, r.quits)
	}
	if len(r.entries) != len(tests) {
		t.Fatalf("%d audit entries for %d commands", len(r.entries), len(tests))
	}
	for i, e := range r.entries {
		if e.kind != audit.Technician || e.msg != "command "+tests[i].name || e.fields["result"] == "" {
			t.Errorf("entry %d: %+v", i, e)
		}
	}

	pr.err = errors.New("paper out")
	if got, want := b.Command(ctx, session.TechPrintTest), msg.New(msg.TechTestPrintFailed, device.PaperOut); !reflect.DeepEqual(got, want) {
		t.Errorf("failed test print = %+v, want %+v", got, want)
	}
}

// A kiosk without a printer, a log in memory or a way to quit says so.
func TestCommandsWithoutTheirPart(t *testing.T) {
	r := newRig()
	r.cfg.Quit = nil
	b := r.backend(t)
	ctx := context.Background()
	for name, want := range map[string]msg.Text{
		session.TechPrintTest:   msg.New(msg.TechNoPrinter),
		session.TechLogTail:     msg.New(msg.TechNoLog),
		session.TechExitDesktop: msg.New(msg.TechUnsupported),
	} {
		if got := b.Command(ctx, name); !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %+v, want %+v", name, got, want)
		}
	}
	r.cfg.LogTail = func() []string { return nil }
	if got := r.backend(t).Command(ctx, session.TechLogTail); got.Key != msg.TechLogEmpty {
		t.Errorf("empty log tail = %+v", got)
	}
}

// The lockout survives a restart: the PIN pad locked by five wrong PINs is
// still locked by a new backend on the same data directory, two wrong PINs
// before a restart and three after lock it too, and the lock ends on time.
func TestPINLockoutSurvivesRestart(t *testing.T) {
	hash, err := technician.HashPIN("2468", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 9, 30, 5, 0, time.UTC)
	restart := func(t *testing.T, file string) *Backend {
		t.Helper()
		r := newRig()
		r.cfg.PINHash, r.cfg.LockoutFile = hash, file
		r.cfg.Now = func() time.Time { return now }
		return r.backend(t)
	}

	t.Run("locked stays locked", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), LockoutFileName)
		b := restart(t, file)
		for range technician.DefaultMaxFailures {
			b.CheckPIN("1111")
		}
		now = now.Add(time.Minute)
		got := restart(t, file).CheckPIN("2468")
		if got.OK || !got.Locked || got.Remaining != technician.DefaultLockFor-time.Minute {
			t.Fatalf("right PIN after a restart while locked: %+v", got)
		}
		now = now.Add(technician.DefaultLockFor)
		if got := restart(t, file).CheckPIN("2468"); !got.OK {
			t.Fatalf("right PIN after the lock ran out: %+v", got)
		}
	})
	t.Run("counts add up", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), LockoutFileName)
		b := restart(t, file)
		b.CheckPIN("1111")
		b.CheckPIN("1111")
		b = restart(t, file)
		if got := b.CheckPIN("1111"); got.TriesLeft != 2 {
			t.Fatalf("third wrong PIN after a restart: %+v", got)
		}
		b.CheckPIN("1111")
		if got := restart(t, file).CheckPIN("1111"); !got.Locked {
			t.Fatalf("fifth wrong PIN over two restarts: %+v", got)
		}
	})
	t.Run("right PIN resets the record", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), LockoutFileName)
		b := restart(t, file)
		b.CheckPIN("1111")
		b.CheckPIN("2468")
		if got := restart(t, file).CheckPIN("1111"); got.TriesLeft != technician.DefaultMaxFailures-1 {
			t.Fatalf("after a right PIN and a restart: %+v", got)
		}
	})
	t.Run("unreadable record locks", func(t *testing.T) {
		for name, content := range map[string]string{
			"garbage":   "\x00\x01not json",
			"truncated": `{"failures":`,
			"foreign":   `{"failures":0,"pin":"2468"}`,
		} {
			file := filepath.Join(t.TempDir(), LockoutFileName)
			if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			r := newRig()
			r.cfg.PINHash, r.cfg.LockoutFile = hash, file
			r.cfg.Now = func() time.Time { return now }
			if got := r.backend(t).CheckPIN("2468"); got.OK || !got.Locked {
				t.Errorf("%s: right PIN with an unreadable record: %+v", name, got)
			}
			if len(r.entries) == 0 || r.entries[0].msg != "lockout record unreadable, entry locked" {
				t.Errorf("%s: audit %+v", name, r.entries)
			}
			if _, found, err := loadLockout(file); err != nil || !found {
				t.Errorf("%s: the record was not rewritten: %v", name, err)
			}
		}
	})
	t.Run("written atomically, nothing else left", func(t *testing.T) {
		dir := t.TempDir()
		b := restart(t, filepath.Join(dir, LockoutFileName))
		b.CheckPIN("1111")
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(ents) != 1 || ents[0].Name() != LockoutFileName {
			t.Fatalf("data dir holds %v", ents)
		}
		raw, _ := os.ReadFile(filepath.Join(dir, LockoutFileName))
		if strings.Contains(string(raw), "1111") || strings.Contains(string(raw), "2468") {
			t.Fatalf("the record holds a PIN: %s", raw)
		}
		if info, _ := os.Stat(filepath.Join(dir, LockoutFileName)); info.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v", info.Mode())
		}
	})
}

// The attempt is kept as wrong before the PIN is checked, so cutting the
// power during the check does not give it back.
func TestPINAttemptKeptBeforeTheCheck(t *testing.T) {
	hash, err := technician.HashPIN("2468", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), LockoutFileName)
	r := newRig()
	r.cfg.PINHash, r.cfg.LockoutFile = hash, file
	b := r.backend(t)
	b.saveAttempt() // what CheckPIN does first; the power goes here
	st, found, err := loadLockout(file)
	if err != nil || !found || st.Failures != 1 {
		t.Fatalf("kept before the check: %+v %v %v", st, found, err)
	}
}
