package agent

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"sckiosk/kiosk/fleet"
	"sckiosk/kiosk/fleet/enrol"
	"sckiosk/kiosk/fleet/hall"
	"sckiosk/kiosk/fleet/internal/fleettest"
)

var waitUntil = fleettest.WaitUntil

// testHall is a hall's embedded broker and the registry following it.
type testHall = fleettest.Hall

var startHall = fleettest.StartHall

var kioskID = fleet.Identity{Division: "510107", Hall: "wuhou", Kiosk: "SC-0001"}

func fleetKey(t *testing.T) *sm2.PrivateKey {
	t.Helper()
	k, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

type recorder struct {
	mu   sync.Mutex
	cmds []fleet.Command
	errs []error
}

func (r *recorder) on(c fleet.Command, err error) {
	r.mu.Lock()
	r.cmds, r.errs = append(r.cmds, c), append(r.errs, err)
	r.mu.Unlock()
}

func (r *recorder) last() (fleet.Command, error, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.errs) == 0 {
		return fleet.Command{}, nil, 0
	}
	return r.cmds[len(r.cmds)-1], r.errs[len(r.errs)-1], len(r.errs)
}

func startAgent(t *testing.T, h *testHall, key *sm2.PrivateKey, rec *recorder, health func() fleet.Health) (*Agent, context.CancelFunc) {
	t.Helper()
	a, err := New(Config{
		Brokers: []*url.URL{h.URL}, Identity: kioskID, Username: kioskID.Kiosk, Password: h.Enrol(t, kioskID.Kiosk)[kioskID.Kiosk], Version: "test", KeepAlive: 2 * time.Second,
		HealthEvery: 100 * time.Millisecond, Buffer: 5, RetryMax: time.Second, Health: health,
		Verifier:  &fleet.Verifier{Kiosk: kioskID.Kiosk, Keys: map[string]*ecdsa.PublicKey{"hall-1": &key.PublicKey}, SeenFile: filepath.Join(t.TempDir(), "seen.json")},
		OnCommand: rec.on,
		Handle: func(_ context.Context, c fleet.Command) fleet.Reply {
			return fleet.Reply{OK: true, Message: "did " + c.Action}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = a.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return a, cancel
}

func okHealth() fleet.Health {
	return fleet.Health{Profile: "abc", Platform: "online", OutboxPending: 2,
		Devices: map[string]fleet.Device{"printer": {State: "fault", Notice: "缺纸"}, "idcard": {State: "online"}}}
}

func TestAgentReportsAndObeysSignedCommands(t *testing.T) {
	h := startHall(t, "127.0.0.1:0")
	key := fleetKey(t)
	rec := &recorder{}
	startAgent(t, h, key, rec, okHealth)

	waitUntil(t, "health on the dashboard", func() bool {
		v, ok := h.Reg.Get(kioskID.Key())
		return ok && v.Status == hall.Online && v.Health != nil
	})
	v, _ := h.Reg.Get(kioskID.Key())
	if v.Outbox != 2 || len(v.Faults) != 1 || v.Faults[0] != "printer: 缺纸" || v.Version != "test" {
		t.Fatalf("view = %+v", v)
	}

	now := time.Now()
	cmd := fleet.Command{ID: fleet.NewCommandID(), Kiosk: kioskID.Kiosk, Action: fleet.ActionSelfTest, IssuedAt: now, ExpiresAt: now.Add(time.Minute), Issuer: "test"}
	good, err := fleet.Sign(cmd, key, "hall-1")
	if err != nil {
		t.Fatal(err)
	}
	other := fleetKey(t)
	forged, _ := fleet.Sign(cmd, other, "hall-1")
	unknown, _ := fleet.Sign(fleet.Command{ID: fleet.NewCommandID(), Kiosk: kioskID.Kiosk, Action: fleet.ActionSelfTest, IssuedAt: now, ExpiresAt: now.Add(time.Minute)}, key, "hall-9")
	expired, _ := fleet.Sign(fleet.Command{ID: fleet.NewCommandID(), Kiosk: kioskID.Kiosk, Action: fleet.ActionReload, IssuedAt: now.Add(-time.Hour), ExpiresAt: now.Add(-50 * time.Minute)}, key, "hall-1")
	notMine, _ := fleet.Sign(fleet.Command{ID: fleet.NewCommandID(), Kiosk: "SC-0002", Action: fleet.ActionReload, IssuedAt: now, ExpiresAt: now.Add(time.Minute)}, key, "hall-1")
	badAction, _ := fleet.Sign(fleet.Command{ID: fleet.NewCommandID(), Kiosk: kioskID.Kiosk, Action: "format_disk", IssuedAt: now, ExpiresAt: now.Add(time.Minute)}, key, "hall-1")
	unsigned, _ := json.Marshal(cmd)

	cmdTopic := kioskID.Topic(fleet.KindCmd)
	tests := []struct {
		name    string
		payload []byte
		want    error
	}{
		{"signed", good, nil},
		{"replayed", good, fleet.ErrReplay},
		{"forged", forged, fleet.ErrSignature},
		{"unknown key", unknown, fleet.ErrUnknownKey},
		{"expired", expired, fleet.ErrExpired},
		{"for another kiosk", notMine, fleet.ErrNotForMe},
		{"unknown action", badAction, fleet.ErrAction},
		{"unsigned", unsigned, fleet.ErrUnsigned},
	}
	for i, tt := range tests {
		if err := h.Broker.Publish(cmdTopic, tt.payload, false, 1); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, tt.name, func() bool { _, _, n := rec.last(); return n == i+1 })
		_, err, _ := rec.last()
		if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	waitUntil(t, "the reply to the signed command", func() bool {
		v, _ := h.Reg.Get(kioskID.Key())
		return v.LastReply != nil
	})
}

// Health is buffered (bounded) while the broker is away and sent on
// reconnection; a kiosk that vanishes is shown offline by its last will.
func TestOfflineBufferAndLastWill(t *testing.T) {
	h := startHall(t, "127.0.0.1:0")
	addr := h.Broker.Addr()
	a, _ := startAgent(t, h, fleetKey(t), &recorder{}, okHealth)
	waitUntil(t, "online", func() bool { v, ok := h.Reg.Get(kioskID.Key()); return ok && v.Status == hall.Online })

	h.Broker.Close()
	waitUntil(t, "the agent notices", func() bool { return !a.Connected() })
	waitUntil(t, "reports buffered up to the bound", func() bool { n, dropped := a.Pending(); return n == 5 && dropped > 0 })

	h2 := fleettest.StartHallList(t, addr, h.Kiosks) // the broker comes back on the same address
	waitUntil(t, "buffered health delivered", func() bool {
		v, ok := h2.Reg.Get(kioskID.Key())
		return ok && v.Status == hall.Online && v.Health != nil && !v.Health.Buffered
	})
	if n, _ := a.Pending(); n != 0 {
		t.Errorf("%d reports still pending after reconnection", n)
	}

	// The connection dies without a DISCONNECT: the broker sends the will
	// (the agent then reconnects by itself). The agent reconnects at once,
	// and the broker withdraws the will of a connection already replaced
	// (the kiosk is back): to see the will, the kiosk is refused while it
	// is away, by taking it off the hall's list for that time.
	enrolled, err := os.ReadFile(h2.Kiosks.Path())
	if err != nil {
		t.Fatal(err)
	}
	// Watched on the broker: the registry follows enrolled kiosks only.
	wentOffline := make(chan struct{})
	var once sync.Once
	if err := h2.Broker.Subscribe(kioskID.Topic(fleet.KindState), func(_ string, p []byte) {
		var st fleet.State
		if json.Unmarshal(p, &st) == nil && st.Status == fleet.Offline && !st.Clean {
			once.Do(func() { close(wentOffline) })
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := enrol.Remove(h2.Kiosks.Path(), kioskID.Kiosk); err != nil {
		t.Fatal(err)
	}
	// The broker reads its list every 2 s: until it has, the kiosk would
	// reconnect at once and the will be withdrawn (seen once under load).
	// Taking it off the list may itself disconnect the kiosk, which also
	// sends the will; the watch above is already in place for it.
	waitUntil(t, "the broker to read the shorter list", func() bool { return !h2.Kiosks.Enrolled(kioskID.Kiosk) })
	a.cm.Load().TerminateConnectionForTest()
	select {
	case <-wentOffline:
	case <-time.After(10 * time.Second):
		t.Fatal("no offline state from the last will")
	}
	if err := os.WriteFile(h2.Kiosks.Path(), enrolled, 0o600); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "back online", func() bool { v, _ := h2.Reg.Get(kioskID.Key()); return v.Status == hall.Online })
}

// A signed ping is answered at once and not recorded (the audit log
// would fill with them); a forged one is refused and recorded.
func TestPingAnsweredNotRecorded(t *testing.T) {
	h := startHall(t, "127.0.0.1:0")
	key := fleetKey(t)
	rec := &recorder{}
	startAgent(t, h, key, rec, okHealth)
	waitUntil(t, "online", func() bool { v, ok := h.Reg.Get(kioskID.Key()); return ok && v.Status == hall.Online })
	now := time.Now()
	ping := fleet.Command{ID: fleet.NewCommandID(), Kiosk: kioskID.Kiosk, Action: fleet.ActionPing, IssuedAt: now, ExpiresAt: now.Add(time.Minute)}
	good, _ := fleet.Sign(ping, key, "hall-1")
	if err := h.Broker.Publish(kioskID.Topic(fleet.KindCmd), good, false, 1); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the pong", func() bool {
		v, _ := h.Reg.Get(kioskID.Key())
		return v.LastReply != nil && v.LastReply.ID == ping.ID && v.LastReply.OK
	})
	if _, _, n := rec.last(); n != 0 {
		t.Fatalf("an accepted ping was recorded (%d)", n)
	}
	ping.ID = fleet.NewCommandID()
	forged, _ := fleet.Sign(ping, fleetKey(t), "hall-1")
	if err := h.Broker.Publish(kioskID.Topic(fleet.KindCmd), forged, false, 1); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the forged ping recorded", func() bool { _, _, n := rec.last(); return n == 1 })
	if _, err, _ := rec.last(); !errors.Is(err, fleet.ErrSignature) {
		t.Errorf("forged ping: %v", err)
	}
}
