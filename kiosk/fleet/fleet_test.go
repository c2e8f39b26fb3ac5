package fleet

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"
	"github.com/emmansun/gmsm/sm2"
)

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type hall struct {
	broker *Broker
	reg    *Registry
	url    *url.URL
}

func startHall(t *testing.T, addr string) *hall {
	t.Helper()
	b, err := StartBroker(addr, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	h := &hall{broker: b, reg: &Registry{}}
	if err := b.Subscribe(Root+"/#", func(topic string, p []byte) { h.reg.Handle(topic, p) }); err != nil {
		t.Fatal(err)
	}
	h.url, _ = url.Parse("mqtt://" + b.Addr())
	return h
}

var kioskID = Identity{Division: "510107", Hall: "wuhou", Kiosk: "SC-0001"}

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
	cmds []Command
	errs []error
}

func (r *recorder) on(c Command, err error) {
	r.mu.Lock()
	r.cmds, r.errs = append(r.cmds, c), append(r.errs, err)
	r.mu.Unlock()
}

func (r *recorder) last() (Command, error, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.errs) == 0 {
		return Command{}, nil, 0
	}
	return r.cmds[len(r.cmds)-1], r.errs[len(r.errs)-1], len(r.errs)
}

func startAgent(t *testing.T, h *hall, key *sm2.PrivateKey, rec *recorder, health func() Health) (*Agent, context.CancelFunc) {
	t.Helper()
	a, err := NewAgent(AgentConfig{
		Brokers: []*url.URL{h.url}, Identity: kioskID, Version: "test", KeepAlive: 2 * time.Second,
		HealthEvery: 100 * time.Millisecond, Buffer: 5, RetryMax: time.Second, Health: health,
		Verifier:  &Verifier{Kiosk: kioskID.Kiosk, Keys: map[string]*ecdsa.PublicKey{"hall-1": &key.PublicKey}, SeenFile: filepath.Join(t.TempDir(), "seen.json")},
		OnCommand: rec.on,
		Handle: func(_ context.Context, c Command) Reply {
			return Reply{OK: true, Message: "did " + c.Action}
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

func okHealth() Health {
	return Health{Profile: "abc", Platform: "online", OutboxPending: 2,
		Devices: map[string]Device{"printer": {State: "fault", Notice: "缺纸"}, "idcard": {State: "online"}}}
}

func TestAgentReportsAndObeysSignedCommands(t *testing.T) {
	h := startHall(t, "127.0.0.1:0")
	key := fleetKey(t)
	rec := &recorder{}
	startAgent(t, h, key, rec, okHealth)

	waitUntil(t, "health on the dashboard", func() bool {
		v, ok := h.reg.Get(kioskID.Key())
		return ok && v.Status == Online && v.Health != nil
	})
	v, _ := h.reg.Get(kioskID.Key())
	if v.Outbox != 2 || len(v.Faults) != 1 || v.Faults[0] != "printer: 缺纸" || v.Version != "test" {
		t.Fatalf("view = %+v", v)
	}

	now := time.Now()
	cmd := Command{ID: NewCommandID(), Kiosk: kioskID.Kiosk, Action: ActionSelfTest, IssuedAt: now, ExpiresAt: now.Add(time.Minute), Issuer: "test"}
	good, err := Sign(cmd, key, "hall-1")
	if err != nil {
		t.Fatal(err)
	}
	other := fleetKey(t)
	forged, _ := Sign(cmd, other, "hall-1")
	unknown, _ := Sign(Command{ID: NewCommandID(), Kiosk: kioskID.Kiosk, Action: ActionSelfTest, IssuedAt: now, ExpiresAt: now.Add(time.Minute)}, key, "hall-9")
	expired, _ := Sign(Command{ID: NewCommandID(), Kiosk: kioskID.Kiosk, Action: ActionReload, IssuedAt: now.Add(-time.Hour), ExpiresAt: now.Add(-50 * time.Minute)}, key, "hall-1")
	notMine, _ := Sign(Command{ID: NewCommandID(), Kiosk: "SC-0002", Action: ActionReload, IssuedAt: now, ExpiresAt: now.Add(time.Minute)}, key, "hall-1")
	badAction, _ := Sign(Command{ID: NewCommandID(), Kiosk: kioskID.Kiosk, Action: "format_disk", IssuedAt: now, ExpiresAt: now.Add(time.Minute)}, key, "hall-1")
	unsigned, _ := json.Marshal(cmd)

	cmdTopic := kioskID.Topic(KindCmd)
	tests := []struct {
		name    string
		payload []byte
		want    error
	}{
		{"signed", good, nil},
		{"replayed", good, ErrReplay},
		{"forged", forged, ErrSignature},
		{"unknown key", unknown, ErrUnknownKey},
		{"expired", expired, ErrExpired},
		{"for another kiosk", notMine, ErrNotForMe},
		{"unknown action", badAction, ErrAction},
		{"unsigned", unsigned, ErrUnsigned},
	}
	for i, tt := range tests {
		if err := h.broker.Publish(cmdTopic, tt.payload, false, 1); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, tt.name, func() bool { _, _, n := rec.last(); return n == i+1 })
		_, err, _ := rec.last()
		if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	waitUntil(t, "the reply to the signed command", func() bool {
		v, _ := h.reg.Get(kioskID.Key())
		return v.LastReply != nil
	})
}

// A kiosk may not speak for another one: the broker's ACL drops it.
func TestBrokerACL(t *testing.T) {
	h := startHall(t, "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cm, err := autopaho.NewConnection(ctx, autopaho.ClientConfig{
		ServerUrls: []*url.URL{h.url}, KeepAlive: 10, CleanStartOnInitialConnection: true,
		ClientConfig: paho.ClientConfig{ClientID: "SC-0002"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := cm.AwaitConnection(ctx); err != nil {
		t.Fatal(err)
	}
	state, _ := json.Marshal(State{Status: Online, At: time.Now()})
	other := kioskID.Topic(KindState)
	own := Identity{Division: "510107", Hall: "wuhou", Kiosk: "SC-0002"}.Topic(KindState)
	res, err := cm.Publish(ctx, &paho.Publish{Topic: other, QoS: 1, Payload: state})
	if err == nil && res.ReasonCode < 0x80 {
		t.Errorf("publishing another kiosk's state was accepted: %+v", res)
	}
	if _, err := cm.Publish(ctx, &paho.Publish{Topic: own, QoS: 1, Payload: state}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "own state", func() bool { _, ok := h.reg.Get("510107/wuhou/SC-0002"); return ok })
	if _, ok := h.reg.Get(kioskID.Key()); ok {
		t.Error("a forged state reached the dashboard")
	}
	for _, tt := range []struct {
		topic string
		write bool
		want  bool
	}{
		{kioskID.Topic(KindHealth), true, true},
		{kioskID.Topic(KindCmd), true, false},
		{kioskID.Topic(KindCmd), false, true},
		{kioskID.Topic(KindHealth), false, false},
		{"kiosk/510107/wuhou/+/cmd", false, false},
		{"kiosk/#", false, false},
	} {
		if got := KioskMayUse(kioskID.Kiosk, tt.topic, tt.write); got != tt.want {
			t.Errorf("KioskMayUse(%s, write %v) = %v", tt.topic, tt.write, got)
		}
	}
}

// Health is buffered (bounded) while the broker is away and sent on
// reconnection; a kiosk that vanishes is shown offline by its last will.
func TestOfflineBufferAndLastWill(t *testing.T) {
	h := startHall(t, "127.0.0.1:0")
	addr := h.broker.Addr()
	a, _ := startAgent(t, h, fleetKey(t), &recorder{}, okHealth)
	waitUntil(t, "online", func() bool { v, ok := h.reg.Get(kioskID.Key()); return ok && v.Status == Online })

	h.broker.Close()
	waitUntil(t, "the agent notices", func() bool { return !a.Connected() })
	waitUntil(t, "reports buffered up to the bound", func() bool { n, dropped := a.Pending(); return n == 5 && dropped > 0 })

	h2 := startHall(t, addr) // the broker comes back on the same address
	waitUntil(t, "buffered health delivered", func() bool {
		v, ok := h2.reg.Get(kioskID.Key())
		return ok && v.Status == Online && v.Health != nil && !v.Health.Buffered
	})
	if n, _ := a.Pending(); n != 0 {
		t.Errorf("%d reports still pending after reconnection", n)
	}

	// The connection dies without a DISCONNECT: the broker sends the will
	// (the agent then reconnects by itself).
	var wentOffline sync.WaitGroup
	wentOffline.Add(1)
	var once sync.Once
	h2.reg.Subscribe(func(v KioskView) {
		if v.Status == Offline {
			once.Do(wentOffline.Done)
		}
	})
	a.cm.Load().TerminateConnectionForTest()
	done := make(chan struct{})
	go func() { wentOffline.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("no offline state from the last will")
	}
	waitUntil(t, "back online", func() bool { v, _ := h2.reg.Get(kioskID.Key()); return v.Status == Online })
}

func TestIdentityAndTopics(t *testing.T) {
	for _, bad := range []Identity{{"510107", "a/b", "k"}, {"510107", "h", "k+"}, {"", "h", "k"}, {"510107", "h", "#"}} {
		if bad.Validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	id, kind, ok := ParseTopic(kioskID.Topic(KindHealth))
	if !ok || id != kioskID || kind != KindHealth {
		t.Errorf("ParseTopic = %+v %s %v", id, kind, ok)
	}
	if _, _, ok := ParseTopic("kiosk/510107/wuhou/SC-0001"); ok {
		t.Error("short topic parsed")
	}
}

// A replay after a restart is refused: accepted ids are kept on disk.
func TestReplayRefusedAfterRestart(t *testing.T) {
	key := fleetKey(t)
	seen := filepath.Join(t.TempDir(), "seen.json")
	now := time.Now()
	env, _ := Sign(Command{ID: "c1", Kiosk: "K1", Action: ActionReload, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}, key, "k")
	v1 := &Verifier{Kiosk: "K1", Keys: map[string]*ecdsa.PublicKey{"k": &key.PublicKey}, SeenFile: seen}
	if _, err := v1.Verify(env); err != nil {
		t.Fatal(err)
	}
	v2 := &Verifier{Kiosk: "K1", Keys: map[string]*ecdsa.PublicKey{"k": &key.PublicKey}, SeenFile: seen}
	if _, err := v2.Verify(env); !errors.Is(err, ErrReplay) {
		t.Fatalf("after restart: %v, want ErrReplay", err)
	}
}
