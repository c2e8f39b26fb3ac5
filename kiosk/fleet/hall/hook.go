package hall

import (
	"bytes"
	"crypto/tls"
	"log/slog"
	"math"
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"sckiosk/kiosk/fleet/enrol"
)

// fleetHook is the fleet's rules on the embedded broker: who may connect
// (enrolled kiosks, proving their id), what each may publish and read,
// how fast, and the workaround for mochi-mqtt v2.7.9's session-takeover
// race.
//
// The race: when a connection with a kiosk's client id replaces another,
// the old connection's goroutine, on its way out, deletes the client
// entry and the subscriptions by client id — the new connection's, when
// it gets there late. The kiosk then stays connected and keeps sending
// health, but no command reaches it again (issue 17: three rapid
// connections under a kiosk's id made it deaf for as long as it was
// watched). mochi skips that clean-up for a session that does not expire
// at once, so every session is given the longest expiry (OnConnect) and
// the hook cleans up itself (OnDisconnect), only for the connection it
// knows to be the live one for that id, and restores the client entry
// when a late connection overwrote it (OnSessionEstablished, and repair
// every second for the orders those miss).
type fleetHook struct {
	mqtt.HookBase
	srv    *mqtt.Server
	kiosks *enrol.List
	rate   float64 // tokens a second
	burst  float64
	log    *slog.Logger
	now    func() time.Time
	conns  *connTracker

	mu      sync.Mutex
	live    map[string]*mqtt.Client // client id -> its live connection
	buckets map[string]*bucket      // client id -> its rate

	logMu      sync.Mutex
	logTokens  bucket // refusals logged: 20 at once, 1 a second after that
	logDropped int    // refusals not logged since the last one that was
}

// refused logs a refused login, at most 20 at once and one a second
// after that, so that a flood of bad logins cannot fill the disk; the
// next line logged says how many were left out.
func (h *fleetHook) refused(msg string, args ...any) {
	now := h.now()
	h.logMu.Lock()
	if h.logTokens.at.IsZero() {
		h.logTokens = bucket{tokens: 20, at: now}
	}
	h.logTokens.tokens = min(20, h.logTokens.tokens+now.Sub(h.logTokens.at).Seconds())
	h.logTokens.at = now
	if h.logTokens.tokens < 1 {
		h.logDropped++
		h.logMu.Unlock()
		return
	}
	h.logTokens.tokens--
	dropped := h.logDropped
	h.logDropped = 0
	h.logMu.Unlock()
	if dropped > 0 {
		args = append(args, "refusals_not_logged", dropped)
	}
	h.log.Warn(msg, args...)
}

// bucket is a token bucket: one token a packet.
type bucket struct {
	tokens float64
	at     time.Time
}

func (h *fleetHook) ID() string { return "fleet" }

func (h *fleetHook) Provides(b byte) bool {
	return bytes.Contains([]byte{mqtt.OnConnect, mqtt.OnConnectAuthenticate, mqtt.OnACLCheck, mqtt.OnSessionEstablish,
		mqtt.OnSessionEstablished, mqtt.OnDisconnect, mqtt.OnPacketRead, mqtt.OnWill}, []byte{b})
}

// sessionGrace is the session expiry every client gets, so that mochi
// leaves the clean-up after a disconnection to OnDisconnect. It is the
// longest there is: mochi's own expiry sweep deletes a client entry by id
// from a snapshot, and could delete a live connection that replaced the
// expired one meanwhile.
const sessionGrace = math.MaxUint32

// OnConnect gives the session its grace (see fleetHook).
func (h *fleetHook) OnConnect(cl *mqtt.Client, _ packets.Packet) error {
	cl.Properties.Props.SessionExpiryInterval = sessionGrace
	cl.Properties.Props.SessionExpiryIntervalFlag = true
	return nil
}

// OnConnectAuthenticate admits an enrolled kiosk that proves its id: on a
// TLS listener with a client certificate, the certificate's CN must be
// the client id (the transport already checked the CA); otherwise the
// user name must be the client id and the password the one generated at
// its enrolment. A last will may only be the kiosk's own state.
func (h *fleetHook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	id := cl.ID
	if enrol.CheckID(id) != nil || h.kiosks == nil {
		return false
	}
	if _, err := h.kiosks.Reload(); err != nil {
		h.log.Error("kiosk list unreadable; keeping the one in force", "err", err)
	}
	if !h.kiosks.Enrolled(id) {
		h.refused("refused a client that is not an enrolled kiosk", "client", id, "remote", cl.Net.Remote)
		return false
	}
	if pk.Connect.WillFlag && !KioskMayUse(id, pk.Connect.WillTopic, true) {
		h.refused("refused a kiosk whose last will is not its own state", "client", id)
		return false
	}
	if tc, ok := cl.Net.Conn.(*tls.Conn); ok {
		if certs := tc.ConnectionState().PeerCertificates; len(certs) > 0 {
			if certs[0].Subject.CommonName != id {
				h.refused("refused a certificate for another kiosk", "client", id, "cn", certs[0].Subject.CommonName)
				return false
			}
			return true
		}
	}
	if string(pk.Connect.Username) != id || !h.kiosks.CheckPassword(id, pk.Connect.Password) {
		h.refused("refused a kiosk: wrong user name or password", "client", id, "remote", cl.Net.Remote)
		return false
	}
	return true
}

// OnACLCheck lets a kiosk write its own state, health and reply topics
// and read its own command topic.
func (h *fleetHook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	return KioskMayUse(cl.ID, topic, write)
}

// OnSessionEstablish runs once a connection is authenticated, before mochi
// takes over any older session of its id: the new one is live from here.
func (h *fleetHook) OnSessionEstablish(cl *mqtt.Client, _ packets.Packet) {
	h.mu.Lock()
	h.live[cl.ID] = cl
	h.mu.Unlock()
}

// replacedWill is where the will of a replaced connection goes: a topic
// no one follows, not retained.
const replacedWill = "$fleet/replaced-will"

// OnWill withdraws the will of a connection that a newer one of its id
// replaced: sent late, it would say offline after the new connection
// said online.
func (h *fleetHook) OnWill(cl *mqtt.Client, will mqtt.Will) (mqtt.Will, error) {
	h.mu.Lock()
	replaced := h.live[cl.ID] != cl
	h.mu.Unlock()
	if replaced {
		return mqtt.Will{TopicName: replacedWill}, nil
	}
	return will, nil
}

// OnSessionEstablished runs after mochi registered the connection: one
// that is no longer live (a newer one came meanwhile) is closed, and the
// client entry is the live connection's whatever order the two
// registered in.
func (h *fleetHook) OnSessionEstablished(cl *mqtt.Client, _ packets.Packet) {
	if h.conns != nil {
		h.conns.established(cl.Net.Conn)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	live := h.live[cl.ID]
	got, _ := h.srv.Clients.Get(cl.ID)
	if live == cl {
		if got != cl {
			h.srv.Clients.Add(cl)
		}
		return
	}
	_ = h.srv.DisconnectClient(cl, packets.ErrSessionTakenOver)
	if got == cl {
		if live != nil {
			h.srv.Clients.Add(live)
		} else {
			h.srv.Clients.Delete(cl.ID)
		}
	}
}

// repair puts back the client entry of every live connection whose entry
// is gone or another connection's, whatever removed it (the last line
// against mochi's clean-ups by client id), and reports how many it put
// back.
func (h *fleetHook) repair() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for id, cl := range h.live {
		if cl.Closed() {
			continue
		}
		if got, ok := h.srv.Clients.Get(id); !ok || got != cl {
			h.srv.Clients.Add(cl)
			h.log.Warn("put back the client entry of a live connection", "client", id)
			n++
		}
	}
	return n
}

// OnDisconnect cleans up after the live connection of an id: its
// inflight messages, its subscriptions and its client entry. A replaced
// connection leaves everything to its successor.
func (h *fleetHook) OnDisconnect(cl *mqtt.Client, _ error, _ bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.live[cl.ID] != cl {
		return
	}
	delete(h.live, cl.ID)
	cl.ClearInflights()
	h.srv.UnsubscribeClient(cl)
	if got, ok := h.srv.Clients.Get(cl.ID); ok && got == cl {
		h.srv.Clients.Delete(cl.ID)
	}
}

// OnPacketRead limits each client's PUBLISH and SUBSCRIBE packets to its
// rate (a client over it is disconnected with 0x96), and keeps a client
// from ending its session's grace with a DISCONNECT that asks for no
// expiry (which would bring mochi's racy clean-up back).
func (h *fleetHook) OnPacketRead(cl *mqtt.Client, pk packets.Packet) (packets.Packet, error) {
	switch pk.FixedHeader.Type {
	case packets.Disconnect:
		pk.Properties.SessionExpiryIntervalFlag = false
		return pk, nil
	case packets.Publish, packets.Subscribe:
	default:
		return pk, nil
	}
	now := h.now()
	h.mu.Lock()
	b := h.buckets[cl.ID]
	if b == nil {
		b = &bucket{tokens: h.burst, at: now}
		h.buckets[cl.ID] = b
	}
	b.tokens = min(h.burst, b.tokens+now.Sub(b.at).Seconds()*h.rate)
	b.at = now
	ok := b.tokens >= 1
	if ok {
		b.tokens--
	}
	h.mu.Unlock()
	if ok {
		return pk, nil
	}
	h.log.Warn("client over its message rate: disconnected", "client", cl.ID, "remote", cl.Net.Remote)
	_ = h.srv.DisconnectClient(cl, packets.ErrMessageRateTooHigh)
	return pk, packets.ErrRejectPacket
}
