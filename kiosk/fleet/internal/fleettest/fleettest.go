// Package fleettest holds what the fleet's tests on both sides share: a
// throwaway certificate authority for TLS brokers and client
// certificates, and a bare MQTT v5 login without the agent's
// reconnection (a hall's client, an impostor).
package fleettest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"sckiosk/kiosk/fleet"
	"sckiosk/kiosk/fleet/enrol"
	"sckiosk/kiosk/fleet/hall"

	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"
)

// Timeout bounds every wait: generous, for -race on a busy CI machine; a
// passing run takes a fraction of it.
const Timeout = 30 * time.Second

// CA issues the test certificates.
type CA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
	PEM  []byte         // the CA certificate
	Pool *x509.CertPool // holding only the CA
}

// NewCA makes a CA named name, valid from an hour ago for a day.
func NewCA(t *testing.T, name string) *CA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &CA{Cert: cert, Key: key, Pool: pool, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// Issue makes a certificate for cn: a server one for 127.0.0.1, or a
// client one. It returns the PEM certificate and key, and the pair.
func (ca *CA) Issue(t *testing.T, cn string, server bool) (certPEM, keyPEM []byte, pair tls.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
	pair, err = tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return certPEM, keyPEM, pair
}

// MQTTLogin opens a plain MQTT v5 connection, without the agent's
// reconnection: the hall's client and the impostor. The connection is
// closed when the test ends.
func MQTTLogin(t *testing.T, dial func(ctx context.Context) (net.Conn, error), cp *paho.Connect, onMsg func(topic string, payload []byte)) (*paho.Client, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	conn, err := dial(ctx)
	if err != nil {
		return nil, err
	}
	c := paho.NewClient(paho.ClientConfig{
		Conn: packets.NewThreadSafeConn(conn),
		OnPublishReceived: []func(paho.PublishReceived) (bool, error){func(pr paho.PublishReceived) (bool, error) {
			onMsg(pr.Packet.Topic, pr.Packet.Payload)
			return true, nil
		}},
		OnClientError: func(error) {},
	})
	cp.KeepAlive, cp.CleanStart = 30, true
	ca, err := c.Connect(ctx, cp)
	if err != nil {
		if ca != nil {
			return nil, fmt.Errorf("connack reason 0x%02x: %w", ca.ReasonCode, err)
		}
		return nil, err
	}
	t.Cleanup(func() { _ = c.Disconnect(&paho.Disconnect{}) })
	return c, nil
}

// WaitUntil polls cond until it holds, failing the test after 10 s.
func WaitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Hall is a hall's embedded broker on loopback, its list of enrolled
// kiosks and the registry following it, for tests of either side of the
// fleet.
type Hall struct {
	Broker *hall.Broker
	Reg    *hall.Registry
	URL    *url.URL
	Kiosks *enrol.List
}

// StartHall starts an embedded broker on addr ("127.0.0.1:0" for any
// port) with an empty list of kiosks, closed when the test ends.
func StartHall(t *testing.T, addr string) *Hall {
	t.Helper()
	list, err := enrol.Open(filepath.Join(t.TempDir(), "kiosks"))
	if err != nil {
		t.Fatal(err)
	}
	return StartHallList(t, addr, list)
}

// StartHallList starts an embedded broker on addr with the kiosks of
// list, closed when the test ends.
func StartHallList(t *testing.T, addr string, list *enrol.List) *Hall {
	t.Helper()
	b, err := hall.StartBroker(hall.BrokerConfig{Addr: addr, Kiosks: list})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	h := &Hall{Broker: b, Reg: &hall.Registry{Known: list.Enrolled}, Kiosks: list}
	if err := b.Subscribe(fleet.Root+"/#", func(topic string, p []byte) { h.Reg.Handle(topic, p) }); err != nil {
		t.Fatal(err)
	}
	h.URL, _ = url.Parse("mqtt://" + b.Addr())
	return h
}

// Enrol enrols kiosks with the hall and returns their passwords.
func (h *Hall) Enrol(t *testing.T, ids ...string) map[string][]byte {
	t.Helper()
	return Enrol(t, h.Kiosks, ids...)
}

// Enrol enrols kiosks on list (read again at once) and returns their
// passwords.
func Enrol(t *testing.T, list *enrol.List, ids ...string) map[string][]byte {
	t.Helper()
	pws, err := enrol.Add(list.Path(), enrol.Password, ids...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := list.Reload(); err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for id, pw := range pws {
		out[id] = []byte(pw)
	}
	return out
}

// RawLogin sends CONNECT as id with pw on conn and reads a successful
// CONNACK.
func RawLogin(conn net.Conn, id string, pw []byte) error {
	cp := packets.NewControlPacket(packets.CONNECT)
	c := cp.Content.(*packets.Connect)
	c.ProtocolName, c.ProtocolVersion, c.ClientID, c.KeepAlive, c.CleanStart = "MQTT", 5, id, 30, true
	c.Username, c.UsernameFlag, c.Password, c.PasswordFlag = id, true, pw, true
	if _, err := cp.WriteTo(conn); err != nil {
		return err
	}
	conn.SetReadDeadline(time.Now().Add(Timeout))
	ack, err := packets.ReadPacket(conn)
	if err != nil {
		return err
	}
	if ca, ok := ack.Content.(*packets.Connack); !ok || ca.ReasonCode != 0 {
		return fmt.Errorf("login: %v", ack)
	}
	return nil
}

// PublishHeader is a PUBLISH fixed header (QoS 0) announcing n bytes.
func PublishHeader(n int) []byte {
	b := []byte{0x30}
	for {
		d := byte(n % 128)
		n /= 128
		if n > 0 {
			d |= 0x80
		}
		b = append(b, d)
		if n == 0 {
			return b
		}
	}
}

// ClosedByPeer waits until the broker closes conn, reading and
// discarding what it sends first (a DISCONNECT).
func ClosedByPeer(conn net.Conn) error {
	conn.SetReadDeadline(time.Now().Add(Timeout))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return err
	}
	return nil
}
