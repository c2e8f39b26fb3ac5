package hall_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"

	"sckiosk/kiosk/fleet"
	"sckiosk/kiosk/fleet/enrol"
	"sckiosk/kiosk/fleet/hall"
	"sckiosk/kiosk/fleet/internal/fleettest"
)

func dialer(addr string) func(ctx context.Context) (net.Conn, error) {
	return func(ctx context.Context) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	}
}

func login(id, user string, pw []byte) *paho.Connect {
	return &paho.Connect{ClientID: id, Username: user, UsernameFlag: user != "", Password: pw, PasswordFlag: pw != nil}
}

// Only enrolled kiosks that prove their id connect; nothing else reaches
// the registry (the dashboard's list), not even through a retained
// message left on the broker.
func TestBrokerRefusesUnenrolledAndUnproven(t *testing.T) {
	h := startBroker(t)
	pws := h.Enrol(t, "SC-0001", "SC-0002")
	dial := dialer(h.Broker.Addr())
	will := func(c *paho.Connect, topic string) *paho.Connect {
		c.WillMessage = &paho.WillMessage{Topic: topic, Payload: []byte(`{"status":"offline"}`), Retain: true, QoS: 1}
		return c
	}
	tests := []struct {
		name string
		cp   *paho.Connect
	}{
		{"anonymous", login("SC-0001", "", nil)},
		{"not enrolled", login("SC-0009", "SC-0009", []byte("whatever-password"))},
		{"wrong password", login("SC-0001", "SC-0001", []byte("guess"))},
		{"another kiosk's password", login("SC-0001", "SC-0001", pws["SC-0002"])},
		{"user name is not the client id", login("SC-0001", "SC-0002", pws["SC-0002"])},
		{"password without user name", login("SC-0001", "", pws["SC-0001"])},
		{"a will on another kiosk's state", will(login("SC-0001", "SC-0001", pws["SC-0001"]), "kiosk/510107/wuhou/SC-0002/state")},
		{"an empty client id", login("", "SC-0001", pws["SC-0001"])},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := fleettest.MQTTLogin(t, dial, tt.cp, func(string, []byte) {}); err == nil {
				t.Fatal("connected")
			}
		})
	}
	// The hall (or a province's broker) may still carry a retained state
	// of an id it never enrolled: the registry does not list it.
	state, _ := json.Marshal(fleet.State{Status: fleet.Online, At: time.Now()})
	if err := h.Broker.Publish("kiosk/510107/wuhou/SC-0009/state", state, true, 1); err != nil {
		t.Fatal(err)
	}
	c, err := fleettest.MQTTLogin(t, dial, will(login("SC-0001", "SC-0001", pws["SC-0001"]), "kiosk/510107/wuhou/SC-0001/state"), func(string, []byte) {})
	if err != nil {
		t.Fatalf("SC-0001 with its password and own will: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), fleettest.Timeout)
	defer cancel()
	if _, err := c.Publish(ctx, &paho.Publish{Topic: "kiosk/510107/wuhou/SC-0001/state", QoS: 1, Payload: state}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "SC-0001 on the registry", func() bool { _, ok := h.Reg.Get("510107/wuhou/SC-0001"); return ok })
	for _, v := range h.Reg.List() {
		if v.Kiosk != "SC-0001" {
			t.Errorf("%s is on the registry", v.Key())
		}
	}
}

var (
	loginConn     = fleettest.RawLogin
	publishHeader = fleettest.PublishHeader
	closedByPeer  = fleettest.ClosedByPeer
)

// rawLogin connects over a bare TCP connection and logs in, so that the
// test can then write bytes no MQTT client library would send.
func rawLogin(t *testing.T, addr, id string, pw []byte) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, fleettest.Timeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := loginConn(conn, id, pw); err != nil {
		t.Fatal(err)
	}
	return conn
}

// publishPacket is a whole QoS 0 PUBLISH of payload on topic.
func publishPacket(topic string, payload []byte) []byte {
	var body bytes.Buffer
	body.Write([]byte{byte(len(topic) >> 8), byte(len(topic))})
	body.WriteString(topic)
	body.WriteByte(0) // no properties
	body.Write(payload)
	return append(publishHeader(body.Len()), body.Bytes()...)
}

// A packet over 64 KiB is refused from its fixed header: the broker
// closes the connection without waiting for (or allocating) the body. A
// packet just under the limit goes through.
func TestBrokerRefusesOversizedPacketBeforeBuffering(t *testing.T) {
	h := startBroker(t)
	pws := h.Enrol(t, "SC-0001")
	topic := kioskID.Topic(fleet.KindHealth)

	ok := rawLogin(t, h.Broker.Addr(), "SC-0001", pws["SC-0001"])
	health, _ := json.Marshal(fleet.Health{Kiosk: kioskID, Profile: string(bytes.Repeat([]byte("x"), hall.MaxPacket-2000))})
	if _, err := ok.Write(publishPacket(topic, health)); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "a health report of almost 64 KiB on the registry", func() bool {
		v, found := h.Reg.Get(kioskID.Key())
		return found && v.Health != nil
	})
	ok.Close()

	tests := []struct {
		name  string
		bytes int
	}{
		{"one byte over", hall.MaxPacket},
		{"26 MB", 26 << 20},
		{"the largest MQTT length", 268435455},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := rawLogin(t, h.Broker.Addr(), "SC-0001", pws["SC-0001"])
			// Only the header: a broker that buffered would wait for the body.
			if _, err := conn.Write(publishHeader(tt.bytes)); err != nil {
				t.Fatal(err)
			}
			if err := closedByPeer(conn); err != nil {
				t.Fatalf("the connection stayed open after a %d-byte header: %v", tt.bytes, err)
			}
		})
	}
	// An oversized CONNECT is refused before anyone logs in.
	conn, err := net.DialTimeout("tcp", h.Broker.Addr(), fleettest.Timeout)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(append([]byte{0x10}, publishHeader(26 << 20)[1:]...)); err != nil {
		t.Fatal(err)
	}
	if err := closedByPeer(conn); err != nil {
		t.Fatalf("an oversized CONNECT: %v", err)
	}
}

// A client that publishes faster than its rate is disconnected with
// 0x96; the broker goes on serving the others.
func TestBrokerRateLimitsEachClient(t *testing.T) {
	list, err := enrol.Open(filepath.Join(t.TempDir(), "kiosks"))
	if err != nil {
		t.Fatal(err)
	}
	pws := fleettest.Enrol(t, list, "SC-0001", "SC-0002")
	b, err := hall.StartBroker(hall.BrokerConfig{Addr: "127.0.0.1:0", Kiosks: list, Rate: 1, Burst: 5})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	flood := rawLogin(t, b.Addr(), "SC-0001", pws["SC-0001"])
	calm := rawLogin(t, b.Addr(), "SC-0002", pws["SC-0002"])
	msg := publishPacket(kioskID.Topic(fleet.KindHealth), []byte(`{}`))
	// 50 at once against a burst of 5 and one a second: only a 45 s stall
	// of this loop could keep it under the rate.
	for range 50 {
		if _, err := flood.Write(msg); err != nil {
			break // already disconnected
		}
	}
	flood.SetReadDeadline(time.Now().Add(fleettest.Timeout))
	sawRate := false
	for {
		p, err := packets.ReadPacket(flood)
		if err != nil {
			break
		}
		if d, ok := p.Content.(*packets.Disconnect); ok && d.ReasonCode == 0x96 {
			sawRate = true
		}
	}
	if !sawRate {
		t.Error("no DISCONNECT 0x96 (message rate too high) before the connection closed")
	}
	// The other kiosk is still served: PINGREQ gets PINGRESP.
	if _, err := packets.NewControlPacket(packets.PINGREQ).WriteTo(calm); err != nil {
		t.Fatal(err)
	}
	calm.SetReadDeadline(time.Now().Add(fleettest.Timeout))
	p, err := packets.ReadPacket(calm)
	if err != nil || p.Type != packets.PINGRESP {
		t.Fatalf("the calm kiosk: %v %v", p, err)
	}
}

// A kiosk taken off the list is disconnected, refused from then on, and
// drops off the registry.
func TestRemovedKioskCanNoLongerConnect(t *testing.T) {
	h := startBroker(t)
	pws := h.Enrol(t, "SC-0001", "SC-0002")
	dial := dialer(h.Broker.Addr())
	gone := make(chan struct{})
	c, err := fleettest.MQTTLogin(t, dial, login("SC-0001", "SC-0001", pws["SC-0001"]), func(string, []byte) {})
	if err != nil {
		t.Fatal(err)
	}
	go func() { <-c.Done(); close(gone) }()
	state, _ := json.Marshal(fleet.State{Status: fleet.Online, At: time.Now()})
	ctx, cancel := context.WithTimeout(context.Background(), fleettest.Timeout)
	defer cancel()
	if _, err := c.Publish(ctx, &paho.Publish{Topic: kioskID.Topic(fleet.KindState), QoS: 1, Retain: true, Payload: state}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "SC-0001 on the registry", func() bool { _, ok := h.Reg.Get(kioskID.Key()); return ok })

	if err := enrol.Remove(h.Kiosks.Path(), "SC-0001"); err != nil {
		t.Fatal(err)
	}
	h.Broker.RecheckKiosks()
	select {
	case <-gone:
	case <-time.After(fleettest.Timeout):
		t.Fatal("the removed kiosk is still connected")
	}
	if _, err := fleettest.MQTTLogin(t, dial, login("SC-0001", "SC-0001", pws["SC-0001"]), func(string, []byte) {}); err == nil {
		t.Fatal("the removed kiosk connected again")
	}
	if _, ok := h.Reg.Get(kioskID.Key()); ok {
		t.Error("the removed kiosk is still on the registry")
	}
	if _, err := fleettest.MQTTLogin(t, dial, login("SC-0002", "SC-0002", pws["SC-0002"]), func(string, []byte) {}); err != nil {
		t.Errorf("SC-0002, still enrolled: %v", err)
	}
}

// A connection that never logs in is closed (here after 200 ms; 10 s by
// default), TLS or not: idle sockets cannot pile up.
func TestBrokerClosesConnectionsThatNeverLogIn(t *testing.T) {
	list, err := enrol.Open(filepath.Join(t.TempDir(), "kiosks"))
	if err != nil {
		t.Fatal(err)
	}
	pws := fleettest.Enrol(t, list, "SC-0001")
	b, err := hall.StartBroker(hall.BrokerConfig{Addr: "127.0.0.1:0", Kiosks: list, LoginWithin: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	idle, err := net.DialTimeout("tcp", b.Addr(), fleettest.Timeout)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	if err := closedByPeer(idle); err != nil {
		t.Fatalf("an idle connection stayed open: %v", err)
	}
	// A kiosk that logs in keeps its connection past the login deadline:
	// its keep-alive (30 s) rules from then on.
	conn := rawLogin(t, b.Addr(), "SC-0001", pws["SC-0001"])
	time.Sleep(400 * time.Millisecond)
	if _, err := packets.NewControlPacket(packets.PINGREQ).WriteTo(conn); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(fleettest.Timeout))
	if p, err := packets.ReadPacket(conn); err != nil || p.Type != packets.PINGRESP {
		t.Fatalf("the logged-in kiosk after the login deadline: %v %v", p, err)
	}
}
