package agent

// Integration tests against Debian's mosquitto (2.0): the province set-up
// of docs/fleet.md — a password file or client certificates whose CN is
// the kiosk id, and the fleet ACL (hall.KioskMayUse) written as mosquitto
// pattern lines — with real agents, a hall-side client and an impostor.
// They skip when mosquitto is not installed, unless
// FLEET_REQUIRE_MOSQUITTO=1 (CI) makes that a failure.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	"github.com/emmansun/gmsm/sm2"

	"sckiosk/kiosk/fleet"
	"sckiosk/kiosk/fleet/hall"
	"sckiosk/kiosk/fleet/internal/fleettest"
)

const (
	mosquittoBin       = "/usr/sbin/mosquitto"
	mosquittoPasswdBin = "/usr/bin/mosquitto_passwd"
	// mosqTimeout bounds every wait: generous, for -race on a busy CI
	// machine; a passing run takes a fraction of it.
	mosqTimeout = fleettest.Timeout
	// notAuthorized is the MQTT v5 reason code mosquitto answers an ACL
	// refusal with.
	notAuthorized = 0x87
)

// mosqACL is the fleet ACL (hall.KioskMayUse) for mosquitto, word for word as
// docs/fleet.md gives it. The user name is the kiosk id: from the
// password file, or the CN of the client certificate.
const mosqACL = `# Every client: the user name is the kiosk id (password file user, or
# the CN of the client certificate with use_identity_as_username).
pattern write kiosk/+/+/%u/state
pattern write kiosk/+/+/%u/health
pattern write kiosk/+/+/%u/reply
pattern read kiosk/+/+/%u/cmd

# Hall servers: read every kiosk, send commands.
user hall
topic read kiosk/#
topic write kiosk/+/+/+/cmd
`

// mosqPasswordConf is the password set-up (one listener; @DIR@ and
// @PORT@ are filled in).
const mosqPasswordConf = `per_listener_settings false
allow_anonymous false
password_file @DIR@/passwd
acl_file @DIR@/acl
max_packet_size 65536

listener @PORT@ 127.0.0.1
use_username_as_clientid true
`

// mosqTLSConf is the province set-up of docs/fleet.md: kiosks with client
// certificates on one listener, hall servers with a user name and
// password over TLS on another.
const mosqTLSConf = `per_listener_settings false
allow_anonymous false
password_file @DIR@/passwd
acl_file @DIR@/acl
max_packet_size 65536

# Kiosks: a client certificate whose CN is the kiosk id.
listener @KIOSK_PORT@ 127.0.0.1
cafile @DIR@/kiosk-ca.pem
certfile @DIR@/broker.pem
keyfile @DIR@/broker.key
require_certificate true
use_identity_as_username true
use_username_as_clientid true

# Hall servers: user name and password, over TLS.
listener @HALL_PORT@ 127.0.0.1
certfile @DIR@/broker.pem
keyfile @DIR@/broker.key
`

// requireMosquitto skips the test when mosquitto is not installed, or
// fails it when FLEET_REQUIRE_MOSQUITTO=1.
func requireMosquitto(t *testing.T) {
	t.Helper()
	for _, p := range []string{mosquittoBin, mosquittoPasswdBin} {
		if _, err := os.Stat(p); err != nil {
			if os.Getenv("FLEET_REQUIRE_MOSQUITTO") == "1" {
				t.Fatalf("FLEET_REQUIRE_MOSQUITTO=1 but %s is missing (apt-get install mosquitto): %v", p, err)
			}
			t.Skipf("%s is not installed (apt-get install mosquitto); FLEET_REQUIRE_MOSQUITTO=1 makes this a failure", p)
		}
	}
}

// syncBuffer collects mosquitto's log.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// freePorts returns n loopback ports free a moment ago.
func freePorts(t *testing.T, n int) []string {
	t.Helper()
	var ports []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		ports = append(ports, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	}
	return ports
}

// startMosquitto runs mosquitto -c dir/mosquitto.conf until the test ends.
// conf is the configuration with @DIR@ and the given port placeholders;
// it returns the ports, in the order of placeholders.
func startMosquitto(t *testing.T, dir, conf string, placeholders ...string) []string {
	t.Helper()
	for attempt := 1; ; attempt++ {
		ports := freePorts(t, len(placeholders))
		text := strings.ReplaceAll(conf, "@DIR@", dir)
		for i, p := range placeholders {
			text = strings.ReplaceAll(text, p, ports[i])
		}
		// Test-only lines: log to stderr, no persistence and, as root, no
		// drop to the mosquitto user (who could not read t.TempDir()).
		text += "\nlog_dest stderr\nlog_type all\npersistence false\n"
		if os.Geteuid() == 0 {
			text += "user root\n"
		}
		file := filepath.Join(dir, "mosquitto.conf")
		if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		log := &syncBuffer{}
		cmd := exec.Command(mosquittoBin, "-c", file)
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		stop := func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				_ = cmd.Process.Kill()
				<-done
			}
		}
		if err := waitListening(ports, done); err != nil {
			stop()
			if attempt < 3 && strings.Contains(log.String(), "Address already in use") {
				continue // another process took a port meanwhile
			}
			t.Fatalf("mosquitto did not start: %v\nconfig:\n%s\nlog:\n%s", err, text, log)
		}
		t.Cleanup(func() {
			stop()
			if t.Failed() {
				t.Logf("mosquitto log:\n%s", log)
			}
		})
		return ports
	}
}

func waitListening(ports []string, exited <-chan struct{}) error {
	deadline := time.Now().Add(mosqTimeout)
	for _, p := range ports {
		for {
			c, err := net.DialTimeout("tcp", "127.0.0.1:"+p, time.Second)
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-exited:
				return fmt.Errorf("mosquitto exited")
			default:
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("port %s: %w", p, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return nil
}

// writePasswd makes a mosquitto password file with mosquitto_passwd.
func writePasswd(t *testing.T, file string, users [][2]string) {
	t.Helper()
	for i, u := range users {
		args := []string{"-b", file, u[0], u[1]}
		if i == 0 {
			args = append([]string{"-c"}, args...)
		}
		if out, err := exec.Command(mosquittoPasswdBin, args...).CombinedOutput(); err != nil {
			t.Fatalf("mosquitto_passwd %s: %v\n%s", u[0], err, out)
		}
	}
}

func randomPassword(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(mosqTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// mosqFleet is how a scenario reaches one broker set-up.
type mosqFleet struct {
	kioskURL *url.URL
	// login sets an agent's credentials.
	login func(cfg *Config, kiosk string)
	// connect logs in as user ("hall" or a kiosk id) with clientID.
	connect func(t *testing.T, user, clientID string, onMsg func(topic string, payload []byte)) (*paho.Client, error)
}

var mosqKiosks = []fleet.Identity{
	{Division: "510107", Hall: "wuhou", Kiosk: "SC-0001"},
	{Division: "510107", Hall: "wuhou", Kiosk: "SC-0002"},
}

// hallStates keeps every state message of each kiosk as the hall got it.
type hallStates struct {
	mu  sync.Mutex
	all map[string][]fleet.State
}

func (h *hallStates) note(topic string, payload []byte) {
	id, kind, ok := fleet.ParseTopic(topic)
	var s fleet.State
	if !ok || kind != fleet.KindState || json.Unmarshal(payload, &s) != nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.all == nil {
		h.all = map[string][]fleet.State{}
	}
	h.all[id.Kiosk] = append(h.all[id.Kiosk], s)
}

// since returns the kiosk's states from the n-th on.
func (h *hallStates) since(kiosk string, n int) []fleet.State {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]fleet.State(nil), h.all[kiosk][min(n, len(h.all[kiosk])):]...)
}

func (h *hallStates) count(kiosk string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.all[kiosk])
}

func (h *hallStates) last(kiosk string) fleet.State {
	h.mu.Lock()
	defer h.mu.Unlock()
	if all := h.all[kiosk]; len(all) > 0 {
		return all[len(all)-1]
	}
	return fleet.State{}
}

type mosqAgent struct {
	*Agent
	rec  *recorder
	stop func() // cancels Run and waits for it
}

func startMosqAgent(t *testing.T, f mosqFleet, id fleet.Identity, key *sm2.PrivateKey) mosqAgent {
	t.Helper()
	rec := &recorder{}
	cfg := Config{
		Brokers: []*url.URL{f.kioskURL}, Identity: id, Version: "test", KeepAlive: 5 * time.Second,
		HealthEvery: time.Second, Buffer: 5, RetryMax: time.Second, Health: okHealth,
		Verifier:  &fleet.Verifier{Kiosk: id.Kiosk, Keys: map[string]*ecdsa.PublicKey{"hall-1": &key.PublicKey}, SeenFile: filepath.Join(t.TempDir(), "seen.json")},
		OnCommand: rec.on,
		Handle: func(_ context.Context, c fleet.Command) fleet.Reply {
			return fleet.Reply{OK: true, Message: "did " + c.Action}
		},
	}
	f.login(&cfg, id.Kiosk)
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = a.Run(ctx); close(done) }()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return mosqAgent{Agent: a, rec: rec, stop: stop}
}

// runMosquittoFleet is the scenario both set-ups go through.
func runMosquittoFleet(t *testing.T, f mosqFleet) {
	start := time.Now()
	key := fleetKey(t)
	reg := &hall.Registry{}
	states := &hallStates{}
	hallClient, err := f.connect(t, "hall", "hallserver-test", func(topic string, p []byte) {
		states.note(topic, p)
		reg.Handle(topic, p)
	})
	if err != nil {
		t.Fatalf("hall login: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*mosqTimeout)
	defer cancel()
	if _, err := hallClient.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: fleet.Root + "/#", QoS: 1}}}); err != nil {
		t.Fatalf("hall subscribe kiosk/#: %v", err)
	}
	command := func(id fleet.Identity) fleet.Command {
		now := time.Now()
		c := fleet.Command{ID: fleet.NewCommandID(), Kiosk: id.Kiosk, Action: fleet.ActionSelfTest, IssuedAt: now, ExpiresAt: now.Add(time.Minute), Issuer: "test"}
		env, err := fleet.Sign(c, key, "hall-1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := hallClient.Publish(ctx, &paho.Publish{Topic: id.Topic(fleet.KindCmd), QoS: 1, Payload: env}); err != nil {
			t.Fatalf("hall publishes a command to %s: %v", id.Kiosk, err)
		}
		return c
	}

	// Both kiosks come online and report; each obeys a signed command and
	// its reply reaches the hall.
	agents := make([]mosqAgent, len(mosqKiosks))
	for i, id := range mosqKiosks {
		agents[i] = startMosqAgent(t, f, id, key)
	}
	for _, id := range mosqKiosks {
		eventually(t, id.Kiosk+" online with health", func() bool {
			v, ok := reg.Get(id.Key())
			return ok && v.Status == hall.Online && v.Health != nil
		})
		v, _ := reg.Get(id.Key())
		if v.Outbox != 2 || len(v.Faults) != 1 || v.Faults[0] != "printer: 缺纸" || v.Version != "test" || v.Health.Kiosk != id {
			t.Errorf("%s: view = %+v", id.Kiosk, v)
		}
	}
	t.Logf("%v: both kiosks online and reporting", time.Since(start).Round(time.Millisecond))
	for i, id := range mosqKiosks {
		c := command(id)
		eventually(t, "the command to "+id.Kiosk, func() bool { _, _, n := agents[i].rec.last(); return n == 1 })
		if got, err, _ := agents[i].rec.last(); err != nil || got.ID != c.ID {
			t.Errorf("%s: command %s: got %s, %v", id.Kiosk, c.ID, got.ID, err)
		}
		eventually(t, "the reply of "+id.Kiosk, func() bool {
			v, _ := reg.Get(id.Key())
			return v.LastReply != nil && v.LastReply.ID == c.ID
		})
		if v, _ := reg.Get(id.Key()); !v.LastReply.OK || v.LastReply.Kiosk != id.Kiosk || v.LastReply.Message != "did self_test" {
			t.Errorf("%s: reply = %+v", id.Kiosk, v.LastReply)
		}
	}
	t.Logf("%v: signed commands obeyed, replies back", time.Since(start).Round(time.Millisecond))

	// SC-0002 stops: its clean offline state (not the will).
	one, two := mosqKiosks[0], mosqKiosks[1]
	agents[1].stop()
	eventually(t, "SC-0002 offline", func() bool { v, _ := reg.Get(two.Key()); return v.Status == hall.Offline })
	if s := states.last(two.Kiosk); s.Status != fleet.Offline || !s.Clean {
		t.Errorf("SC-0002 stopped, state = %+v, want a clean offline", s)
	}

	// An impostor logs in as SC-0002 and claims client id SC-0001: it may
	// not write SC-0001's topics (PUBACK 0x87), read its commands, or take
	// over its session.
	var offlineOne atomic.Int32
	reg.Subscribe(func(v hall.KioskView) {
		if v.Kiosk == one.Kiosk && v.Status == hall.Offline {
			offlineOne.Add(1)
		}
	})
	var impMu sync.Mutex
	var impGot []string
	received := func() []string {
		impMu.Lock()
		defer impMu.Unlock()
		return append([]string(nil), impGot...)
	}
	imp, err := f.connect(t, two.Kiosk, one.Kiosk, func(topic string, _ []byte) {
		impMu.Lock()
		impGot = append(impGot, topic)
		impMu.Unlock()
	})
	if err != nil {
		t.Fatalf("impostor login as SC-0002: %v", err)
	}
	forged, _ := json.Marshal(fleet.State{Status: fleet.Offline, At: time.Now()})
	for _, topic := range []string{one.Topic(fleet.KindState), one.Topic(fleet.KindHealth), one.Topic(fleet.KindReply), one.Topic(fleet.KindCmd), two.Topic(fleet.KindCmd)} {
		res, err := imp.Publish(ctx, &paho.Publish{Topic: topic, QoS: 1, Payload: forged})
		switch {
		case res == nil:
			t.Errorf("SC-0002 publishes on %s: no PUBACK: %v", topic, err)
		case res.ReasonCode != notAuthorized || err == nil:
			t.Errorf("SC-0002 publishes on %s: PUBACK 0x%02x (%v), want 0x87 not authorized", topic, res.ReasonCode, err)
		}
	}
	own, _ := json.Marshal(fleet.Health{Kiosk: two, At: time.Now(), Version: "impostor"})
	if res, err := imp.Publish(ctx, &paho.Publish{Topic: two.Topic(fleet.KindHealth), QoS: 1, Payload: own}); err != nil || res.ReasonCode >= 0x80 {
		t.Fatalf("SC-0002 publishes its own health: %+v, %v", res, err)
	}
	// Mosquitto 2.0's acl_file does not check subscriptions (SUBACK grants
	// them); it checks every message, retained ones too, on delivery.
	for _, filter := range []string{one.Topic(fleet.KindCmd), fleet.Filter("+", "+", fleet.KindCmd), fleet.Root + "/#", two.Topic(fleet.KindCmd)} {
		sa, err := imp.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: filter, QoS: 1}}})
		if sa == nil {
			t.Fatalf("SC-0002 subscribes %s: no SUBACK: %v", filter, err)
		}
		t.Logf("SC-0002 subscribes %s: SUBACK 0x%02x", filter, sa.Reasons[0])
	}
	c1, c2 := command(one), command(two)
	eventually(t, "the command to SC-0001", func() bool { last, _, _ := agents[0].rec.last(); return last.ID == c1.ID })
	eventually(t, "the reply of SC-0001", func() bool { v, _ := reg.Get(one.Key()); return v.LastReply != nil && v.LastReply.ID == c1.ID })
	eventually(t, "SC-0002's own command at the impostor", func() bool { return len(received()) > 0 })
	// A round trip on the impostor's connection: whatever mosquitto sent
	// it before has arrived.
	if _, err := imp.Publish(ctx, &paho.Publish{Topic: two.Topic(fleet.KindHealth), QoS: 1, Payload: own}); err != nil {
		t.Fatal(err)
	}
	// Its own command, once per matching subscription (mosquitto sends
	// MQTT v5 clients a copy for each), and nothing else.
	for _, topic := range received() {
		if topic != two.Topic(fleet.KindCmd) {
			t.Errorf("the impostor received a message on %s; want only its own command %s (%s)", topic, two.Topic(fleet.KindCmd), c2.ID)
		}
	}
	if n := offlineOne.Load(); n != 0 || !agents[0].Connected() {
		t.Errorf("the impostor's client id took SC-0001's session over (%d offline states, connected %v)", n, agents[0].Connected())
	}
	if v, _ := reg.Get(one.Key()); v.Status != hall.Online || states.last(one.Kiosk).Status != fleet.Online {
		t.Errorf("SC-0001 after the impostor: %s, last state %+v", v.Status, states.last(one.Kiosk))
	}
	_ = imp.Disconnect(&paho.Disconnect{})
	t.Logf("%v: impostor refused", time.Since(start).Round(time.Millisecond))

	// SC-0001's connection dies without a DISCONNECT: mosquitto publishes
	// its retained offline will, then the agent comes back by itself.
	wentOffline := make(chan struct{})
	var once sync.Once
	reg.Subscribe(func(v hall.KioskView) {
		if v.Kiosk == one.Kiosk && v.Status == hall.Offline {
			once.Do(func() { close(wentOffline) })
		}
	})
	before, killed := states.count(one.Kiosk), time.Now()
	agents[0].cm.Load().TerminateConnectionForTest()
	select {
	case <-wentOffline:
	case <-time.After(mosqTimeout):
		t.Fatal("no offline state from SC-0001's last will")
	}
	t.Logf("will seen %v after the connection died", time.Since(killed).Round(time.Millisecond))
	// The agent may be back already: the will is the first state since.
	if s := states.since(one.Kiosk, before); len(s) == 0 || s[0].Status != fleet.Offline || s[0].Clean {
		t.Errorf("states since the connection died: %+v, want the will first (offline, not clean)", s)
	}
	eventually(t, "SC-0001 back online", func() bool { v, _ := reg.Get(one.Key()); return v.Status == hall.Online })
	t.Logf("%v: last will and reconnection", time.Since(start).Round(time.Millisecond))
}

// The fleet on mosquitto with a password file: user name = kiosk id.
func TestMosquittoPasswordACL(t *testing.T) {
	requireMosquitto(t)
	dir := t.TempDir()
	users := [][2]string{{"hall", randomPassword(t)}}
	for _, id := range mosqKiosks {
		users = append(users, [2]string{id.Kiosk, randomPassword(t)})
	}
	pass := map[string]string{}
	for _, u := range users {
		pass[u[0]] = u[1]
	}
	writePasswd(t, filepath.Join(dir, "passwd"), users)
	if err := os.WriteFile(filepath.Join(dir, "acl"), []byte(mosqACL), 0o600); err != nil {
		t.Fatal(err)
	}
	port := startMosquitto(t, dir, mosqPasswordConf, "@PORT@")[0]
	addr := "127.0.0.1:" + port
	dial := func(ctx context.Context) (net.Conn, error) { return new(net.Dialer).DialContext(ctx, "tcp", addr) }
	f := mosqFleet{
		kioskURL: &url.URL{Scheme: "mqtt", Host: addr},
		login: func(cfg *Config, kiosk string) {
			cfg.Username, cfg.Password = kiosk, []byte(pass[kiosk])
		},
		connect: func(t *testing.T, user, clientID string, onMsg func(string, []byte)) (*paho.Client, error) {
			return fleettest.MQTTLogin(t, dial, &paho.Connect{ClientID: clientID, Username: user, UsernameFlag: true,
				Password: []byte(pass[user]), PasswordFlag: true}, onMsg)
		},
	}
	runMosquittoFleet(t, f)

	// A packet over 64 KiB is refused from its header, as on the
	// embedded broker.
	conn, err := net.DialTimeout("tcp", addr, mosqTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := fleettest.RawLogin(conn, "SC-0001", []byte(pass["SC-0001"])); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(fleettest.PublishHeader(26 << 20)); err != nil {
		t.Fatal(err)
	}
	if err := fleettest.ClosedByPeer(conn); err != nil {
		t.Errorf("mosquitto kept a connection that announced 26 MB: %v", err)
	}

	// A wrong password, and no login at all, are refused.
	for _, cp := range []*paho.Connect{
		{ClientID: "SC-0001", Username: "SC-0001", UsernameFlag: true, Password: []byte("guess"), PasswordFlag: true},
		{ClientID: "SC-0003"},
	} {
		if _, err := fleettest.MQTTLogin(t, dial, cp, func(string, []byte) {}); err == nil {
			t.Errorf("login %q with password %q accepted", cp.Username, cp.Password)
		} else {
			t.Logf("login %q with password %q refused: %v", cp.Username, cp.Password, err)
		}
	}
}

// The province set-up: kiosks with client certificates (CN = kiosk id =
// user name), hall servers with a password, both over TLS.
func TestMosquittoTLSClientCertificates(t *testing.T) {
	requireMosquitto(t)
	dir := t.TempDir()
	ca := fleettest.NewCA(t, "test kiosk CA")
	srvCert, srvKey, _ := ca.Issue(t, "test broker", true)
	kioskCerts := map[string]tls.Certificate{}
	for _, id := range mosqKiosks {
		_, _, kioskCerts[id.Kiosk] = ca.Issue(t, id.Kiosk, false)
	}
	for name, b := range map[string][]byte{"kiosk-ca.pem": ca.PEM, "broker.pem": srvCert, "broker.key": srvKey, "acl": []byte(mosqACL)} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	hallPassword := randomPassword(t)
	writePasswd(t, filepath.Join(dir, "passwd"), [][2]string{{"hall", hallPassword}})
	ports := startMosquitto(t, dir, mosqTLSConf, "@KIOSK_PORT@", "@HALL_PORT@")
	kioskAddr, hallAddr := "127.0.0.1:"+ports[0], "127.0.0.1:"+ports[1]
	kioskTLS := func(cert *tls.Certificate) *tls.Config {
		c := &tls.Config{RootCAs: ca.Pool, MinVersion: tls.VersionTLS12}
		if cert != nil {
			c.Certificates = []tls.Certificate{*cert}
		}
		return c
	}
	dialTLS := func(addr string, cfg *tls.Config) func(ctx context.Context) (net.Conn, error) {
		return func(ctx context.Context) (net.Conn, error) {
			return (&tls.Dialer{Config: cfg}).DialContext(ctx, "tcp", addr)
		}
	}
	f := mosqFleet{
		kioskURL: &url.URL{Scheme: "tls", Host: kioskAddr},
		login: func(cfg *Config, kiosk string) {
			cert := kioskCerts[kiosk]
			cfg.TLS = kioskTLS(&cert)
		},
		connect: func(t *testing.T, user, clientID string, onMsg func(string, []byte)) (*paho.Client, error) {
			if user == "hall" { // as hallserver --broker tls://… --user hall --password …
				return fleettest.MQTTLogin(t, dialTLS(hallAddr, kioskTLS(nil)), &paho.Connect{ClientID: clientID,
					Username: user, UsernameFlag: true, Password: []byte(hallPassword), PasswordFlag: true}, onMsg)
			}
			// The certificate says who the kiosk is, whatever CONNECT
			// claims: the impostor names SC-0001 as user too.
			cert := kioskCerts[user]
			return fleettest.MQTTLogin(t, dialTLS(kioskAddr, kioskTLS(&cert)), &paho.Connect{ClientID: clientID,
				Username: clientID, UsernameFlag: true}, onMsg)
		},
	}
	runMosquittoFleet(t, f)

	// No client certificate, one from another CA, plain MQTT on the TLS
	// port, a kiosk on the hall port, the hall without its password:
	// refused.
	_, _, foreign := fleettest.NewCA(t, "another CA").Issue(t, "SC-0001", false)
	kioskLogin := &paho.Connect{ClientID: "SC-0001", Username: "SC-0001", UsernameFlag: true}
	for _, tt := range []struct {
		name string
		dial func(context.Context) (net.Conn, error)
		cp   *paho.Connect
	}{
		{"no certificate", dialTLS(kioskAddr, kioskTLS(nil)), kioskLogin},
		{"another CA's certificate", dialTLS(kioskAddr, kioskTLS(&foreign)), kioskLogin},
		{"plain MQTT on the TLS port", func(ctx context.Context) (net.Conn, error) {
			return new(net.Dialer).DialContext(ctx, "tcp", kioskAddr)
		}, kioskLogin},
		{"a kiosk on the hall port", dialTLS(hallAddr, kioskTLS(nil)), kioskLogin},
		{"the hall without its password", dialTLS(hallAddr, kioskTLS(nil)), &paho.Connect{ClientID: "hallserver-x", Username: "hall", UsernameFlag: true}},
	} {
		cp := *tt.cp
		if _, err := fleettest.MQTTLogin(t, tt.dial, &cp, func(string, []byte) {}); err == nil {
			t.Errorf("%s: login accepted", tt.name)
		} else {
			t.Logf("%s: refused: %v", tt.name, err)
		}
	}
}

// docs/fleet.md gives the tested configuration: the ACL word for word,
// and every line of both set-ups (paths and ports aside).
func TestMosquittoDocsMatchTestedConfig(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "fleet.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	if !strings.Contains(doc, mosqACL) {
		t.Errorf("docs/fleet.md does not give the tested ACL:\n%s", mosqACL)
	}
	for _, line := range strings.Split(mosqTLSConf+mosqPasswordConf, "\n") {
		if strings.Contains(line, "@") {
			line = strings.Fields(line)[0] + " " // the keyword, with a path or port of its own
		}
		if line != "" && !strings.Contains(doc, line) {
			t.Errorf("docs/fleet.md lacks the tested mosquitto.conf line %q", line)
		}
	}
}
