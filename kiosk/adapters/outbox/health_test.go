package outbox

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/identity"
)

func TestKeyFile(t *testing.T) {
	e := newEnv(t, 10*time.Second)
	o := e.open("outbox.db", fast)
	keyPath := filepath.Join(e.dir, "outbox.key")
	fi, err := os.Stat(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	first, _ := os.ReadFile(keyPath)
	ctx := context.Background()
	if err := o.Enqueue(ctx, testApp(t, "req-key")); err != nil {
		t.Fatal(err)
	}
	o.Close()

	// Reopening reuses the key and reads the payload.
	o2 := e.open("outbox.db", fast)
	if again, _ := os.ReadFile(keyPath); !bytes.Equal(first, again) {
		t.Error("key file rewritten on reopen")
	}
	if p := plainPayload(t, o2, "req-key"); !bytes.Contains(p, []byte(testName)) {
		t.Errorf("payload after reopen: %s", p)
	}
	o2.Close()

	// Another key cannot read it: the entry is parked, not sent.
	other := fast
	other.KeyPath = filepath.Join(e.dir, "other.key")
	o3 := e.open("outbox.db", other)
	e.run(o3)
	waitFor(t, "the unreadable entry to be parked", func() bool { return entry(t, o3, "req-key").State == StateRejected })
	if got := entry(t, o3, "req-key"); !strings.Contains(got.LastError, "unreadable") {
		t.Errorf("entry = %+v", got)
	}
	if n := e.sim.Received(); n != 0 {
		t.Errorf("sim received %d submissions of an unreadable entry", n)
	}
}

func TestLegacyPlaintextPayloadIsDelivered(t *testing.T) {
	e := newEnv(t, 10*time.Second)
	o := e.open("outbox.db", fast)
	app := testApp(t, "req-legacy")
	plain, _ := json.Marshal(app)
	if _, err := o.db.Exec(`INSERT INTO entries (request_id, province, item_code, created_at, next_attempt_at, payload)
		VALUES (?, ?, ?, 1, 1, ?)`, app.RequestID, app.Province, app.ItemCode, plain); err != nil {
		t.Fatal(err)
	}
	e.run(o)
	if rc := waitReceipt(t, o, "req-legacy"); rc.CaseNumber == "" {
		t.Errorf("receipt %+v", rc)
	}
}

func TestMaskedApplicantAndRetention(t *testing.T) {
	e := newEnv(t, 10*time.Second)
	opt := fast
	opt.Retention = time.Millisecond
	o := e.open("outbox.db", opt)
	ctx := context.Background()
	if err := o.Enqueue(ctx, testApp(t, "req-mask")); err != nil {
		t.Fatal(err)
	}
	stop := e.run(o)
	waitReceipt(t, o, "req-mask")
	stop()
	got := entry(t, o, "req-mask")
	want := identity.MaskName(testName) + " " + identity.MaskNumber(testNumber(t))
	if got.Applicant != want || strings.Contains(got.Applicant, testName) {
		t.Errorf("applicant = %q, want %q", got.Applicant, want)
	}
	time.Sleep(5 * time.Millisecond)
	o.lastPrune = time.Time{}
	o.prune(ctx)
	if list, _ := o.List(ctx); len(list) != 0 {
		t.Errorf("after retention: %+v", list)
	}
}

// TestBreakerAndHealth takes the platform down: the health goes degraded,
// then offline with the breaker open (no more submissions), and back online
// after Kick.
func TestBreakerAndHealth(t *testing.T) {
	e := newEnv(t, 10*time.Second)
	opt := fast
	opt.BreakerThreshold = 3
	opt.BreakerCooldown = time.Hour
	o := e.open("outbox.db", opt)
	var (
		mu   sync.Mutex
		seen []application.PlatformState
	)
	o.OnHealthChange(func(h Health) {
		mu.Lock()
		defer mu.Unlock()
		if len(seen) == 0 || seen[len(seen)-1] != h.State {
			seen = append(seen, h.State)
		}
	})
	if h := o.Health(); h.State != application.PlatformUnknown || h.Pending != 0 {
		t.Errorf("initial health %+v: nothing was measured yet", h)
	}
	e.sim.SetDown(true)
	ctx := context.Background()
	for _, id := range []string{"req-b1", "req-b2"} {
		if err := o.Enqueue(ctx, testApp(t, id)); err != nil {
			t.Fatal(err)
		}
	}
	e.run(o)
	waitFor(t, "the breaker to open", func() bool { return o.Health().State == application.PlatformOffline })
	h := o.Health()
	if h.Pending != 2 || h.Provinces["51"] != application.PlatformOffline || h.NextTry.Before(time.Now().Add(50*time.Minute)) || !strings.Contains(h.LastError, "unavailable") {
		t.Errorf("offline health %+v", h)
	}
	n := e.sim.Received()
	if n != opt.BreakerThreshold {
		t.Errorf("sim received %d submissions before the breaker opened, want %d", n, opt.BreakerThreshold)
	}
	time.Sleep(200 * time.Millisecond) // many back-offs of the fast options
	if got := e.sim.Received(); got != n {
		t.Errorf("open breaker let %d more submissions through", got-n)
	}

	e.sim.SetDown(false)
	o.Kick()
	waitFor(t, "delivery after Kick", func() bool { return o.Health().Pending == 0 })
	waitFor(t, "online", func() bool { return o.Health().State == application.PlatformOnline })
	if h := o.Health(); h.LastError != "" || h.LastSuccess.IsZero() || !h.NextTry.IsZero() {
		t.Errorf("online health %+v", h)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(stateStrings(seen), ",") != ",degraded,offline,online" { // "" is unknown
		t.Errorf("states seen %v", seen)
	}
}

func stateStrings(s []application.PlatformState) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = string(v)
	}
	return out
}

// TestRetryAfterIsHonoured: the simulator's 503 asks for 2 s; the entry
// waits that long although its own back-off is 10 ms.
func TestRetryAfterIsHonoured(t *testing.T) {
	e := newEnv(t, 10*time.Second)
	opt := fast
	opt.BackoffMax = time.Minute
	o := e.open("outbox.db", opt)
	e.sim.SetDown(true)
	if err := o.Enqueue(context.Background(), testApp(t, "req-ra")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	e.run(o)
	waitFor(t, "a first attempt", func() bool { return entry(t, o, "req-ra").Attempts == 1 })
	got := entry(t, o, "req-ra")
	if wait := got.NextAttemptAt.Sub(start); wait < 1900*time.Millisecond {
		t.Errorf("next attempt after %v, want ≥ 2 s (Retry-After)", wait)
	}
	time.Sleep(300 * time.Millisecond)
	if n := e.sim.Received(); n != 1 {
		t.Errorf("sim received %d submissions during Retry-After", n)
	}
}

// TestProbeWhenIdle: with nothing to send, the forwarder checks the
// platforms' health, so the state follows the platform.
func TestProbeWhenIdle(t *testing.T) {
	e := newEnv(t, 10*time.Second)
	opt := fast
	opt.ProbeInterval = 20 * time.Millisecond
	opt.Provinces = []string{"51"}
	opt.BreakerThreshold = 2
	opt.BreakerCooldown = 20 * time.Millisecond
	o := e.open("outbox.db", opt)
	e.sim.SetDown(true)
	e.run(o)
	waitFor(t, "offline from probes", func() bool { return o.Health().State == application.PlatformOffline })
	e.sim.SetDown(false)
	waitFor(t, "online from probes", func() bool { return o.Health().State == application.PlatformOnline })
	if h := o.Health(); h.Provinces["51"] != application.PlatformOnline || h.Pending != 0 || e.sim.Received() != 0 {
		t.Errorf("health %+v, sim received %d applications", h, e.sim.Received())
	}
}
