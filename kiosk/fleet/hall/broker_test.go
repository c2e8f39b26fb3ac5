package hall_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"

	"sckiosk/kiosk/fleet"
	"sckiosk/kiosk/fleet/enrol"
	"sckiosk/kiosk/fleet/hall"
	"sckiosk/kiosk/fleet/internal/fleettest"
)

var waitUntil = fleettest.WaitUntil

func startBroker(t *testing.T) *fleettest.Hall { return fleettest.StartHall(t, "127.0.0.1:0") }

var kioskID = fleet.Identity{Division: "510107", Hall: "wuhou", Kiosk: "SC-0001"}

// A kiosk may not speak for another one: the broker's ACL drops it.
func TestBrokerACL(t *testing.T) {
	h := startBroker(t)
	pw := h.Enrol(t, "SC-0001", "SC-0002")["SC-0002"]
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cm, err := autopaho.NewConnection(ctx, autopaho.ClientConfig{
		ServerUrls: []*url.URL{h.URL}, KeepAlive: 10, CleanStartOnInitialConnection: true,
		ConnectUsername: "SC-0002", ConnectPassword: pw,
		ClientConfig: paho.ClientConfig{ClientID: "SC-0002"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := cm.AwaitConnection(ctx); err != nil {
		t.Fatal(err)
	}
	state, _ := json.Marshal(fleet.State{Status: fleet.Online, At: time.Now()})
	other := kioskID.Topic(fleet.KindState)
	own := fleet.Identity{Division: "510107", Hall: "wuhou", Kiosk: "SC-0002"}.Topic(fleet.KindState)
	res, err := cm.Publish(ctx, &paho.Publish{Topic: other, QoS: 1, Payload: state})
	if err == nil && res.ReasonCode < 0x80 {
		t.Errorf("publishing another kiosk's state was accepted: %+v", res)
	}
	if _, err := cm.Publish(ctx, &paho.Publish{Topic: own, QoS: 1, Payload: state}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "own state", func() bool { _, ok := h.Reg.Get("510107/wuhou/SC-0002"); return ok })
	if _, ok := h.Reg.Get(kioskID.Key()); ok {
		t.Error("a forged state reached the dashboard")
	}
	for _, tt := range []struct {
		topic string
		write bool
		want  bool
	}{
		{kioskID.Topic(fleet.KindHealth), true, true},
		{kioskID.Topic(fleet.KindCmd), true, false},
		{kioskID.Topic(fleet.KindCmd), false, true},
		{kioskID.Topic(fleet.KindHealth), false, false},
		{"kiosk/510107/wuhou/+/cmd", false, false},
		{"kiosk/#", false, false},
	} {
		if got := hall.KioskMayUse(kioskID.Kiosk, tt.topic, tt.write); got != tt.want {
			t.Errorf("hall.KioskMayUse(%s, write %v) = %v", tt.topic, tt.write, got)
		}
	}
}

// The embedded broker with client certificates (hallserver --client-ca)
// binds the certificate to the kiosk as mosquitto does (kiosk/fleet/agent/mosquitto_test.go): a kiosk
// certificate for SC-0002 cannot connect as SC-0001.
func TestEmbeddedBrokerBindsCertificateToClientID(t *testing.T) {
	ca := fleettest.NewCA(t, "test kiosk CA")
	_, _, srv := ca.Issue(t, "test broker", true)
	_, _, two := ca.Issue(t, "SC-0002", false)
	list, err := enrol.Open(filepath.Join(t.TempDir(), "kiosks"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enrol.Add(list.Path(), enrol.Cert, "SC-0001", "SC-0002"); err != nil {
		t.Fatal(err)
	}
	b, err := hall.StartBroker(hall.BrokerConfig{Addr: "127.0.0.1:0", Kiosks: list, TLS: &tls.Config{Certificates: []tls.Certificate{srv}, ClientCAs: ca.Pool,
		ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	dial := func(ctx context.Context) (net.Conn, error) {
		return (&tls.Dialer{Config: &tls.Config{RootCAs: ca.Pool, Certificates: []tls.Certificate{two}}}).DialContext(ctx, "tcp", b.Addr())
	}
	if _, err := fleettest.MQTTLogin(t, dial, &paho.Connect{ClientID: "SC-0001"}, func(string, []byte) {}); err == nil {
		t.Error("a certificate for SC-0002 connected as SC-0001")
	}
	c, err := fleettest.MQTTLogin(t, dial, &paho.Connect{ClientID: "SC-0002"}, func(string, []byte) {})
	if err != nil {
		t.Fatalf("SC-0002 with its own certificate: %v", err)
	}
	state, _ := json.Marshal(fleet.State{Status: fleet.Online, At: time.Now()})
	ctx, cancel := context.WithTimeout(context.Background(), fleettest.Timeout)
	defer cancel()
	if _, err := c.Publish(ctx, &paho.Publish{Topic: fleet.Identity{Division: "510107", Hall: "wuhou", Kiosk: "SC-0002"}.Topic(fleet.KindState), QoS: 1, Payload: state}); err != nil {
		t.Errorf("SC-0002 publishes its own state: %v", err)
	}
}
