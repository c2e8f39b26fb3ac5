package hall

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"

	"sckiosk/kiosk/fleet"
	"sckiosk/kiosk/fleet/enrol"
)

// Broker is a hall's embedded MQTT v5 broker (mochi-mqtt) with the fleet
// ACL: only kiosks on the hall's allow-list (enrol.List) connect, each
// proving its id with its enrolment password or a client certificate
// whose CN is the id; a kiosk may publish only its own state, health and
// replies and read only its own commands. A packet over MaxPacket is
// refused from its header, before its body is read, and a client that
// sends more than its rate is disconnected. The hall server uses the
// broker's inline client, which the ACL does not limit.
type Broker struct {
	srv   *mqtt.Server
	ln    net.Listener
	hook  *fleetHook
	conns *connTracker
	mu    sync.Mutex
	subs  int
	close sync.Once
	stop  chan struct{}
}

// MaxPacket is the largest MQTT packet the embedded broker takes: a
// health report is about 1 KB, a pushed profile a few KB.
const MaxPacket = 64 << 10

// BrokerConfig configures the embedded broker.
type BrokerConfig struct {
	Addr string      // ":1883", "127.0.0.1:0"
	TLS  *tls.Config // nil: plain MQTT; with ClientCAs, kiosks may log in with certificates
	// Kiosks is the allow-list; nil or empty refuses every client. It is
	// read again when its file changes, and a kiosk taken off it is
	// disconnected.
	Kiosks *enrol.List
	// Rate is how many PUBLISH and SUBSCRIBE packets a second one client
	// may send on average, and Burst how many at once; 0 means 5 and 200
	// (a kiosk sends a health report every 30 s, and up to 120 held
	// reports when it comes back).
	Rate  float64
	Burst int
	// LoginWithin is how long a new connection may take to send its
	// CONNECT (the TLS handshake included) before it is closed; 0 means
	// 10 s. Without it, idle connections that never log in would be kept
	// for ever.
	LoginWithin time.Duration
	Log         *slog.Logger
}

// StartBroker listens on cfg.Addr — with TLS when cfg.TLS is given, where
// kiosks may present client certificates — and serves.
func StartBroker(cfg BrokerConfig) (*Broker, error) {
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Rate <= 0 {
		cfg.Rate = 5
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 200
	}
	caps := mqtt.NewDefaultServerCapabilities()
	// A kiosk receives only its own rare commands: mochi's default send
	// queue of 8192 packets per client cost about 200 MB per 1000 kiosks.
	caps.MaximumClientWritesPending = 64
	// Checked on the fixed header, before mochi allocates the body: five
	// 26 MB health reports once took the hall server to 868 MB.
	caps.MaximumPacketSize = MaxPacket
	// The fleet speaks MQTT v5; the takeover workaround relies on it.
	caps.MinimumProtocolVersion = 5
	srv := mqtt.New(&mqtt.Options{InlineClient: true, Capabilities: caps, Logger: log.With("component", "broker")})
	if cfg.LoginWithin <= 0 {
		cfg.LoginWithin = 10 * time.Second
	}
	conns := &connTracker{open: map[*trackedConn]bool{}, loginWithin: cfg.LoginWithin}
	h := &fleetHook{srv: srv, conns: conns, kiosks: cfg.Kiosks, rate: cfg.Rate, burst: float64(cfg.Burst), log: log.With("component", "broker"),
		live: map[string]*mqtt.Client{}, buckets: map[string]*bucket{}, now: time.Now}
	if err := srv.AddHook(h, nil); err != nil {
		return nil, fmt.Errorf("fleet: broker: %w", err)
	}
	raw, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("fleet: broker: %w", err)
	}
	conns.Listener = raw
	var ln net.Listener = conns
	if cfg.TLS != nil {
		ln = tls.NewListener(ln, cfg.TLS)
	}
	if err := srv.AddListener(listeners.NewNet("fleet", ln)); err != nil {
		ln.Close()
		return nil, fmt.Errorf("fleet: broker: %w", err)
	}
	if err := srv.Serve(); err != nil {
		ln.Close()
		return nil, fmt.Errorf("fleet: broker: %w", err)
	}
	b := &Broker{srv: srv, ln: ln, hook: h, conns: conns, stop: make(chan struct{})}
	if cfg.Kiosks != nil {
		go b.watchKiosks(2 * time.Second)
	}
	go b.repairEntries(time.Second)
	return b, nil
}

// watchKiosks re-reads the allow-list every period and disconnects a
// kiosk that was taken off it.
func (b *Broker) watchKiosks(period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
		}
		b.RecheckKiosks()
	}
}

// repairEntries puts back, every period, the client entries of live
// connections that mochi lost (see fleetHook).
func (b *Broker) repairEntries(period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
		}
		b.hook.repair()
	}
}

// RecheckKiosks reads the allow-list again if its file changed, and
// disconnects every connected kiosk no longer on it. The broker does it
// every 2 s by itself.
func (b *Broker) RecheckKiosks() {
	l := b.hook.kiosks
	if l == nil {
		return
	}
	changed, err := l.Reload()
	if err != nil {
		b.hook.log.Error("kiosk list unreadable; keeping the one in force", "err", err)
		return
	}
	if !changed {
		return
	}
	for id, cl := range b.srv.Clients.GetAll() {
		if cl.Net.Inline || l.Enrolled(id) {
			continue
		}
		b.hook.log.Warn("kiosk taken off the list: disconnected", "kiosk", id)
		_ = b.srv.DisconnectClient(cl, packets.ErrNotAuthorized)
	}
}

// Addr is the address the broker listens on.
func (b *Broker) Addr() string { return b.ln.Addr().String() }

// Clients is the number of connected clients.
func (b *Broker) Clients() int { return int(b.srv.Info.ClientsConnected) }

// Publish sends a message from the hall server.
func (b *Broker) Publish(topic string, payload []byte, retain bool, qos byte) error {
	if err := b.srv.Publish(topic, payload, retain, qos); err != nil {
		return fmt.Errorf("fleet: broker publish %s: %w", topic, err)
	}
	return nil
}

// Subscribe delivers every message on filter to f (retained ones too).
func (b *Broker) Subscribe(filter string, f func(topic string, payload []byte)) error {
	b.mu.Lock()
	b.subs++
	id := b.subs
	b.mu.Unlock()
	return b.srv.Subscribe(filter, id, func(_ *mqtt.Client, _ packets.Subscription, pk packets.Packet) {
		f(pk.TopicName, pk.Payload)
	})
}

// Close stops the broker; later calls do nothing.
func (b *Broker) Close() error {
	var err error
	b.close.Do(func() {
		close(b.stop)
		// Stop accepting first: mochi disconnects its clients before it
		// closes the listener, and leaves a connection accepted meanwhile
		// open and unanswered, so a kiosk reconnecting at once would wait
		// its whole connect timeout instead of being refused.
		b.ln.Close()
		// mochi v2.7.9 counts a connection in a WaitGroup from the
		// connection's own goroutine and waits for it in Close: a
		// connection still being refused or logging in while the broker
		// closes is a race (the race detector saw it in tests). Those
		// are let finish first; logged-in clients are mochi's to close.
		b.conns.waitUnestablished(5 * time.Second)
		// mochi v2.7.9 can wait forever for a client that reconnected at
		// the very moment of the close (seen in about 1 in 100 test runs);
		// a broker that is going away does not wait for it.
		done := make(chan error, 1)
		go func() { done <- b.srv.Close() }()
		select {
		case err = <-done:
		case <-time.After(5 * time.Second):
			err = errors.New("fleet: broker close: gave up waiting for a client to disconnect")
		}
	})
	return err
}

// KioskMayUse is the fleet ACL for a kiosk whose client id is kiosk:
// publish kiosk/+/+/{kiosk}/(state|health|reply), subscribe
// kiosk/+/+/{kiosk}/cmd, nothing else. The same rule is written for
// mosquitto in docs/fleet.md.
func KioskMayUse(kiosk, topic string, write bool) bool {
	id, kind, ok := fleet.ParseTopic(topic)
	if !ok || id.Kiosk != kiosk {
		return false
	}
	if write {
		return kind == fleet.KindState || kind == fleet.KindHealth || kind == fleet.KindReply
	}
	return kind == fleet.KindCmd
}

// connTracker is the broker's listener, knowing which accepted
// connections are still open and which of them logged in.
type connTracker struct {
	net.Listener
	loginWithin time.Duration
	mu          sync.Mutex
	open        map[*trackedConn]bool // open connection -> logged in
}

// Accept accepts a connection and tracks it until it is closed. The
// connection must log in within loginWithin: mochi replaces the deadline
// with the keep-alive's once it has read the CONNECT.
func (t *connTracker) Accept() (net.Conn, error) {
	c, err := t.Listener.Accept()
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(t.loginWithin))
	tc := &trackedConn{Conn: c, t: t}
	t.mu.Lock()
	t.open[tc] = false
	t.mu.Unlock()
	return tc, nil
}

// established marks the connection under conn (a *trackedConn, or a TLS
// connection over one) as logged in.
func (t *connTracker) established(conn net.Conn) {
	if tc, ok := conn.(*tls.Conn); ok {
		conn = tc.NetConn()
	}
	c, ok := conn.(*trackedConn)
	if !ok {
		return
	}
	t.mu.Lock()
	if _, open := t.open[c]; open {
		t.open[c] = true
	}
	t.mu.Unlock()
}

// waitUnestablished waits (at most limit) until every open connection has
// logged in.
func (t *connTracker) waitUnestablished(limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		t.mu.Lock()
		pending := 0
		for _, in := range t.open {
			if !in {
				pending++
			}
		}
		t.mu.Unlock()
		if pending == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// trackedConn is an accepted connection that tells its tracker when it
// is closed.
type trackedConn struct {
	net.Conn
	t    *connTracker
	once sync.Once
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.t.mu.Lock()
		delete(c.t.open, c)
		c.t.mu.Unlock()
	})
	return err
}
