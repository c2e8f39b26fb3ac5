// Package agent is the kiosk's side of the fleet: the agent that keeps a
// kiosk present on the fleet broker (retained state with a last will,
// periodic health buffered while offline, signed commands), and what the
// kiosk does with the commands it accepts (Handler): self-test, log tail,
// restart, and a pushed profile written as the fleet's profile layer,
// kept or rolled back after a self-test. Accepted command ids are kept
// on disk against replays (NewVerifier).
package agent

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"

	"sckiosk/kiosk/fleet"
)

// Config configures a kiosk's fleet agent.
type Config struct {
	Brokers     []*url.URL  // mqtt://host:1883 or tls://host:8883 (tried in order)
	TLS         *tls.Config // client certificate and pinned CA for tls:// brokers
	Username    string      // broker user name (mosquitto password file: the kiosk id); empty: none
	Password    []byte      // broker password; empty: none (client certificates)
	Identity    fleet.Identity
	Version     string
	KeepAlive   time.Duration // MQTT keep-alive; 0 means 60 s
	HealthEvery time.Duration // health period; 0 means 30 s
	Buffer      int           // health reports kept while offline; 0 means 120
	RetryMax    time.Duration // longest wait between reconnection attempts; 0 means 1 minute
	// Health builds a report (Kiosk, At and Buffered are filled in).
	Health func() fleet.Health
	// Verifier checks commands; nil refuses every command.
	Verifier *fleet.Verifier
	// Handle runs an accepted command and returns its reply.
	Handle func(ctx context.Context, c fleet.Command) fleet.Reply
	// OnCommand sees every command that arrives, accepted (err nil) or
	// refused, before it is run: the audit log.
	OnCommand func(c fleet.Command, err error)
	Log       *slog.Logger
	Now       func() time.Time // nil: time.Now
}

// Agent keeps a kiosk present in the fleet: retained online state with an
// offline last will, health every HealthEvery (buffered, bounded, while
// the broker is away), and signed commands.
type Agent struct {
	cfg     Config
	log     *slog.Logger
	started time.Time

	connected atomic.Bool
	cm        atomic.Pointer[autopaho.ConnectionManager]
	kick      chan struct{}

	mu      sync.Mutex
	pending []fleet.Health // oldest first, at most cfg.Buffer
	dropped int
}

// New checks cfg and returns an agent; Run starts it.
func New(cfg Config) (*Agent, error) {
	if err := cfg.Identity.Validate(); err != nil {
		return nil, err
	}
	if len(cfg.Brokers) == 0 {
		return nil, errors.New("fleet: agent: no broker")
	}
	if cfg.Health == nil {
		return nil, errors.New("fleet: agent: no health source")
	}
	if cfg.KeepAlive <= 0 {
		cfg.KeepAlive = 60 * time.Second
	}
	if cfg.HealthEvery <= 0 {
		cfg.HealthEvery = 30 * time.Second
	}
	if cfg.Buffer <= 0 {
		cfg.Buffer = 120
	}
	if cfg.RetryMax < time.Second {
		cfg.RetryMax = time.Minute
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Agent{cfg: cfg, log: cfg.Log.With("component", "fleet"), started: cfg.Now(), kick: make(chan struct{}, 1)}, nil
}

// Connected reports whether the broker connection is up.
func (a *Agent) Connected() bool { return a.connected.Load() }

// ReportNow sends a health report at once (a device changed state).
func (a *Agent) ReportNow() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// Pending returns how many reports wait for the broker, and how many were
// dropped because the buffer was full.
func (a *Agent) Pending() (pending, dropped int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.pending), a.dropped
}

func (a *Agent) state(status string, clean bool) []byte {
	b, _ := json.Marshal(fleet.State{Status: status, Version: a.cfg.Version, At: a.cfg.Now(), Clean: clean})
	return b
}

// Run connects and reports until ctx ends; then it publishes a clean
// offline state and disconnects.
func (a *Agent) Run(ctx context.Context) error {
	id := a.cfg.Identity
	cc := autopaho.ClientConfig{
		ServerUrls:                    a.cfg.Brokers,
		TlsCfg:                        a.cfg.TLS,
		ConnectUsername:               a.cfg.Username,
		ConnectPassword:               a.cfg.Password,
		KeepAlive:                     uint16(a.cfg.KeepAlive / time.Second),
		CleanStartOnInitialConnection: true,
		// Jittered exponential back-off, so thousands of kiosks do not
		// reconnect in step after a broker restart.
		ReconnectBackoff: autopaho.NewExponentialBackoff(500*time.Millisecond, a.cfg.RetryMax, min(5*time.Second, a.cfg.RetryMax), 2),
		ConnectTimeout:   10 * time.Second,
		OnConnectionUp: func(cm *autopaho.ConnectionManager, _ *paho.Connack) {
			a.connected.Store(true)
			a.log.Info("fleet broker connected")
			go a.onUp(ctx, cm)
		},
		OnConnectionDown: func() bool {
			a.connected.Store(false)
			a.log.Warn("fleet broker connection lost; health is buffered")
			return true
		},
		OnConnectError: func(err error) { a.log.Warn("fleet broker connect failed", "err", err) },
		ClientConfig: paho.ClientConfig{
			ClientID: id.Kiosk,
			OnPublishReceived: []func(paho.PublishReceived) (bool, error){
				func(pr paho.PublishReceived) (bool, error) {
					if pr.Packet.Topic == id.Topic(fleet.KindCmd) {
						go a.command(ctx, pr.Packet.Payload)
					}
					return true, nil
				},
			},
		},
	}
	// A kiosk takes few messages (its commands): a small receive maximum
	// also keeps paho from reserving a 512 KB queue per connection.
	cc.ConnectPacketBuilder = func(cp *paho.Connect, _ *url.URL) (*paho.Connect, error) {
		if cp.Properties == nil {
			cp.Properties = &paho.ConnectProperties{}
		}
		rm := uint16(16)
		cp.Properties.ReceiveMaximum = &rm
		return cp, nil
	}
	// The will goes out as soon as the broker loses the kiosk (no will
	// delay): offline shows within 1.5 keep-alives.
	cc.WillMessage = &paho.WillMessage{Topic: id.Topic(fleet.KindState), Payload: a.state(fleet.Offline, false), QoS: 1, Retain: true}
	cc.WillProperties = &paho.WillProperties{}
	// The connection outlives ctx by the moment it takes to say goodbye:
	// cancelling it first would close it without the offline state.
	connCtx, cancelConn := context.WithCancel(context.Background())
	defer cancelConn()
	cm, err := autopaho.NewConnection(connCtx, cc)
	if err != nil {
		return fmt.Errorf("fleet: agent: %w", err)
	}
	a.cm.Store(cm)
	t := time.NewTicker(a.cfg.HealthEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			a.stop(cm)
			return nil
		case <-t.C:
		case <-a.kick:
		}
		a.report(ctx, cm)
	}
}

// onUp publishes the online state, subscribes to commands and sends what
// was buffered.
func (a *Agent) onUp(ctx context.Context, cm *autopaho.ConnectionManager) {
	id := a.cfg.Identity
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := cm.Publish(pctx, &paho.Publish{Topic: id.Topic(fleet.KindState), QoS: 1, Retain: true, Payload: a.state(fleet.Online, false)}); err != nil {
		a.log.Warn("fleet state not published", "err", err)
	}
	if _, err := cm.Subscribe(pctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: id.Topic(fleet.KindCmd), QoS: 1}}}); err != nil {
		a.log.Warn("fleet command subscription failed", "err", err)
	}
	a.report(ctx, cm)
}

// report publishes the buffered reports and a fresh one, or buffers the
// fresh one when the broker is away.
func (a *Agent) report(ctx context.Context, cm *autopaho.ConnectionManager) {
	h := a.cfg.Health()
	h.Kiosk, h.At = a.cfg.Identity, a.cfg.Now()
	h.Version, h.UptimeSeconds = a.cfg.Version, int64(a.cfg.Now().Sub(a.started)/time.Second)
	a.mu.Lock()
	queue := append(a.pending, h)
	a.pending = nil
	a.mu.Unlock()
	for i, q := range queue {
		if i < len(queue)-1 {
			q.Buffered = true
		}
		if !a.connected.Load() || a.publish(ctx, cm, fleet.KindHealth, q, 0) != nil {
			a.hold(queue[i:])
			return
		}
	}
}

// hold puts reports back in the buffer, dropping the oldest beyond it.
func (a *Agent) hold(hs []fleet.Health) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pending = append(hs, a.pending...)
	if over := len(a.pending) - a.cfg.Buffer; over > 0 {
		a.pending = a.pending[over:]
		a.dropped += over
	}
}

func (a *Agent) publish(ctx context.Context, cm *autopaho.ConnectionManager, kind string, v any, qos byte) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("fleet: publish %s: %w", kind, err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := cm.Publish(pctx, &paho.Publish{Topic: a.cfg.Identity.Topic(kind), QoS: qos, Payload: b}); err != nil {
		return fmt.Errorf("fleet: publish %s: %w", kind, err)
	}
	return nil
}

// command verifies, records and runs one command, and publishes the reply.
func (a *Agent) command(ctx context.Context, raw []byte) {
	var c fleet.Command
	err := errors.New("fleet: no verifier: commands are refused")
	if a.cfg.Verifier != nil {
		c, err = a.cfg.Verifier.Verify(raw)
	}
	if a.cfg.OnCommand != nil {
		a.cfg.OnCommand(c, err)
	}
	var r fleet.Reply
	if err != nil {
		a.log.Warn("fleet command refused", "id", c.ID, "action", c.Action, "err", err)
		r = fleet.Reply{ID: c.ID, Action: c.Action, Message: err.Error()}
	} else {
		a.log.Info("fleet command accepted", "id", c.ID, "action", c.Action, "issuer", c.Issuer, "operator", c.Operator)
		if a.cfg.Handle != nil {
			r = a.cfg.Handle(ctx, c)
		} else {
			r = fleet.Reply{OK: false, Message: "no handler"}
		}
		r.ID, r.Action = c.ID, c.Action
	}
	r.Kiosk, r.At = a.cfg.Identity.Kiosk, a.cfg.Now()
	if cm := a.cm.Load(); cm != nil {
		if err := a.publish(ctx, cm, fleet.KindReply, r, 1); err != nil {
			a.log.Warn("fleet reply not published", "id", c.ID, "err", err)
		}
	}
}

// stop publishes a clean offline state and disconnects.
func (a *Agent) stop(cm *autopaho.ConnectionManager) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if a.connected.Load() {
		_, _ = cm.Publish(ctx, &paho.Publish{Topic: a.cfg.Identity.Topic(fleet.KindState), QoS: 1, Retain: true, Payload: a.state(fleet.Offline, true)})
	}
	_ = cm.Disconnect(ctx)
	a.connected.Store(false)
}
