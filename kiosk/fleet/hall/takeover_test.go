package hall_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"sckiosk/kiosk/fleet"
	"sckiosk/kiosk/fleet/internal/fleettest"
)

// The takeover of issue 17: a client holding the kiosk's own credentials
// takes its client id several times in a row, each connection replacing
// the last (the real kiosk's among them), some leaving without a word.
// mochi-mqtt v2.7.9 then deleted the live session's client entry from
// the replaced one's goroutine, and the kiosk stayed connected but deaf
// to commands. After the storm the real kiosk must take commands again.
func TestTakeoverStormLeavesKioskReachable(t *testing.T) {
	h := startHall(t, time.Second)
	k := startKiosk(t, h, &fakeKiosk{name: "SC-0001"})
	h.waitOnline(t, k)
	dial := dialer(h.broker.Addr())
	for round := range 5 {
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var conn net.Conn
				c, err := fleettest.MQTTLogin(t, func(ctx context.Context) (net.Conn, error) {
					var err error
					conn, err = dial(ctx)
					return conn, err
				}, login("SC-0001", "SC-0001", k.password), func(string, []byte) {})
				if err != nil {
					return // refused or replaced while connecting: part of the storm
				}
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				_, _ = c.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: kioskID.Topic(fleet.KindCmd), QoS: 1}}})
				time.Sleep(time.Duration(10*(i+round)) * time.Millisecond)
				if i%2 == 0 {
					conn.Close() // gone without DISCONNECT
				} else {
					_ = c.Disconnect(&paho.Disconnect{})
				}
			}()
		}
		wg.Wait()
		// The real kiosk, replaced too, comes back by itself and answers.
		if !answers(t, h, k) {
			v, _ := h.reg.Get(key(k.name))
			t.Fatalf("round %d: the kiosk no longer answers commands (agent connected %v, broker clients %d, last seen %v ago; %s)",
				round, k.agent.Connected(), h.broker.Clients(), time.Since(v.LastSeen).Round(time.Millisecond),
				h.broker.DebugClient(k.name, kioskID.Topic(fleet.KindCmd)))
		}
	}
}

// answers sends self-tests until one is answered (the kiosk may be
// reconnecting), for up to 20 s.
func answers(t *testing.T, h *testHall, k *fakeKiosk) bool {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, rep, err := h.srv.Send(ctx, key(k.name), fleet.ActionSelfTest, "", true)
		cancel()
		if err == nil && rep.OK {
			return true
		}
	}
	return false
}
