package hall

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"

	"sckiosk/kiosk/fleet"
)

// Broker is a hall's embedded MQTT v5 broker (mochi-mqtt) with the fleet
// ACL: a kiosk, connected with its terminal id as client id, may publish
// only its own state, health and replies and read only its own commands.
// The hall server uses the broker's inline client, which the ACL does not
// limit.
type Broker struct {
	srv   *mqtt.Server
	ln    net.Listener
	mu    sync.Mutex
	subs  int
	close sync.Once
}

// StartBroker listens on addr (":1883", "127.0.0.1:0") — with TLS when
// tlsCfg is given, where kiosks present client certificates — and serves.
func StartBroker(addr string, tlsCfg *tls.Config, log *slog.Logger) (*Broker, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	caps := mqtt.NewDefaultServerCapabilities()
	// A kiosk receives only its own rare commands: mochi's default send
	// queue of 8192 packets per client cost about 200 MB per 1000 kiosks.
	caps.MaximumClientWritesPending = 64
	srv := mqtt.New(&mqtt.Options{InlineClient: true, Capabilities: caps, Logger: log.With("component", "broker")})
	if err := srv.AddHook(new(aclHook), nil); err != nil {
		return nil, fmt.Errorf("fleet: broker: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("fleet: broker: %w", err)
	}
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
	}
	if err := srv.AddListener(listeners.NewNet("fleet", ln)); err != nil {
		ln.Close()
		return nil, fmt.Errorf("fleet: broker: %w", err)
	}
	if err := srv.Serve(); err != nil {
		ln.Close()
		return nil, fmt.Errorf("fleet: broker: %w", err)
	}
	return &Broker{srv: srv, ln: ln}, nil
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
		// Stop accepting first: mochi disconnects its clients before it
		// closes the listener, and leaves a connection accepted meanwhile
		// open and unanswered, so a kiosk reconnecting at once would wait
		// its whole connect timeout instead of being refused.
		b.ln.Close()
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

// aclHook is the fleet ACL on the embedded broker.
type aclHook struct{ mqtt.HookBase }

func (h *aclHook) ID() string { return "fleet-acl" }

func (h *aclHook) Provides(b byte) bool {
	return bytes.Contains([]byte{mqtt.OnConnectAuthenticate, mqtt.OnACLCheck}, []byte{b})
}

// OnConnectAuthenticate admits clients whose id can be a topic level; on
// a TLS listener the transport already checked the client certificate,
// and its CN must be the client id: a kiosk's certificate does not let it
// speak for another kiosk, or take over its session.
func (h *aclHook) OnConnectAuthenticate(cl *mqtt.Client, _ packets.Packet) bool {
	id := cl.ID
	if id == "" || len(id) > 64 || strings.ContainsAny(id, "/+#") {
		return false
	}
	if tc, ok := cl.Net.Conn.(*tls.Conn); ok {
		if certs := tc.ConnectionState().PeerCertificates; len(certs) > 0 && certs[0].Subject.CommonName != id {
			return false
		}
	}
	return true
}

// OnACLCheck lets a kiosk write its own state, health and reply topics
// and read its own command topic.
func (h *aclHook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	return KioskMayUse(cl.ID, topic, write)
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
