package hall

import (
	"encoding/json"
	"sort"
	"sync"
	"time"

	"sckiosk/devices/device"
	"sckiosk/kiosk/fleet"
	"sckiosk/kiosk/fleet/hallstate"
)

// Presence is whether the hall hears from a kiosk: the status of a
// KioskView, and in JSON the bare word ("online", "offline", "stale").
// The dashboard shows ui/text's words for it.
type Presence = hallstate.Presence

// Presences of a kiosk.
const (
	Online  = hallstate.Online  // its retained state says online, and it was heard from lately
	Offline = hallstate.Offline // it said offline, or the broker sent its last will
	Stale   = hallstate.Stale   // online, but silent longer than Registry.StaleAfter
	// NoCommand is online, but the hall's last signed ping went
	// unanswered: commands do not reach it.
	NoCommand = hallstate.NoCommand
)

// KioskView is what a dashboard shows of one kiosk.
type KioskView struct {
	fleet.Identity
	Status   Presence  `json:"status"`    // online, offline, or stale (online but silent too long)
	StateAt  time.Time `json:"state_at"`  // when the state last changed
	LastSeen time.Time `json:"last_seen"` // last message of any kind
	// Faults are the devices not usable, as "printer: 缺纸".
	Faults       []string      `json:"faults"`
	PaperWarning bool          `json:"paper_warning"`
	Outbox       int           `json:"outbox"`
	Platform     string        `json:"platform"`
	Version      string        `json:"version"`
	Profile      string        `json:"profile"`
	RolledBack   string        `json:"rolled_back,omitempty"`
	Health       *fleet.Health `json:"health,omitempty"`
	LastReply    *fleet.Reply  `json:"last_reply,omitempty"`
	// PingAt is when the kiosk last answered the hall's ping; PingLost
	// is set while its last ping went unanswered.
	PingAt   time.Time `json:"ping_at,omitzero"`
	PingLost bool      `json:"ping_lost,omitempty"`
}

// Registry keeps the last state, health and reply of every kiosk seen on
// the fleet topics. It is safe for concurrent use.
type Registry struct {
	// StaleAfter marks an online kiosk stale when nothing came from it for
	// this long; 0 means 3 health periods of 30 s.
	StaleAfter time.Duration
	Now        func() time.Time
	// Known says whether a kiosk id is enrolled with the hall; nil knows
	// every id (a province's broker that enrols kiosks itself). Messages
	// of other ids are ignored, and a kiosk taken off the list drops off
	// the registry.
	Known func(kiosk string) bool

	mu     sync.Mutex
	kiosks map[string]*KioskView
	subs   []func(KioskView)
}

// Subscribe calls f (outside the registry's lock) after every change.
func (r *Registry) Subscribe(f func(KioskView)) {
	r.mu.Lock()
	r.subs = append(r.subs, f)
	r.mu.Unlock()
}

func (r *Registry) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Handle takes one message from a kiosk topic; others are ignored. It
// reports whether the message was understood.
func (r *Registry) Handle(topic string, payload []byte) bool {
	id, kind, ok := fleet.ParseTopic(topic)
	if !ok || !r.known(id.Kiosk) {
		return false
	}
	r.mu.Lock()
	if r.kiosks == nil {
		r.kiosks = map[string]*KioskView{}
	}
	v := r.kiosks[id.Key()]
	if v == nil {
		v = &KioskView{Identity: id, Status: Offline}
	}
	now := r.now()
	understood := true
	switch kind {
	case fleet.KindState:
		if len(payload) == 0 { // a retained state cleared: forget the kiosk
			delete(r.kiosks, id.Key())
			r.mu.Unlock()
			return true
		}
		var s fleet.State
		if json.Unmarshal(payload, &s) != nil || (s.Status != fleet.Online && s.Status != fleet.Offline) {
			understood = false
			break
		}
		if Presence(s.Status) != v.Status {
			v.StateAt = now
		}
		v.Status = Presence(s.Status)
		if s.Version != "" {
			v.Version = s.Version
		}
		if s.Status == fleet.Online {
			v.LastSeen = now
		}
	case fleet.KindHealth:
		var h fleet.Health
		if json.Unmarshal(payload, &h) != nil {
			understood = false
			break
		}
		v.LastSeen, v.Health = now, &h
		v.Outbox, v.Platform, v.Version, v.Profile, v.RolledBack = h.OutboxPending, h.Platform, h.Version, h.Profile, h.RolledBack
		v.Faults, v.PaperWarning = nil, false
		names := make([]string, 0, len(h.Devices))
		for n := range h.Devices {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			d := h.Devices[n]
			switch d.State {
			case "offline", "fault":
				f := n + ": " + d.State
				if d.Notice != "" {
					f = n + ": " + d.Notice
				}
				v.Faults = append(v.Faults, f)
			case "warning":
				if n == device.Printer.String() {
					v.PaperWarning = true
				}
			}
		}
		if v.Status != Online && !h.Buffered {
			v.Status, v.StateAt = Online, now
		}
	case fleet.KindReply:
		var rep fleet.Reply
		if json.Unmarshal(payload, &rep) != nil {
			understood = false
			break
		}
		v.LastSeen, v.LastReply = now, &rep
	default:
		understood = false
	}
	if understood {
		r.kiosks[id.Key()] = v
	}
	view := r.view(v, now)
	subs := append([]func(KioskView){}, r.subs...)
	r.mu.Unlock()
	if understood {
		for _, f := range subs {
			f(view)
		}
	}
	return understood
}

func (r *Registry) known(kiosk string) bool { return r.Known == nil || r.Known(kiosk) }

// view copies v with its status as of now (stale when silent too long).
func (r *Registry) view(v *KioskView, now time.Time) KioskView {
	out := *v
	out.Faults = append([]string(nil), v.Faults...)
	stale := r.StaleAfter
	if stale == 0 {
		stale = 90 * time.Second
	}
	switch {
	case out.Status == Online && now.Sub(out.LastSeen) > stale:
		out.Status = Stale
	case out.Status == Online && out.PingLost:
		out.Status = NoCommand
	}
	return out
}

// Pinged records the outcome of a ping to the kiosk named by key:
// answered (at is when) or not. It reports whether the kiosk is known.
func (r *Registry) Pinged(key string, answered bool, at time.Time) bool {
	r.mu.Lock()
	v, ok := r.kiosks[key]
	if !ok || !r.known(v.Kiosk) {
		r.mu.Unlock()
		return false
	}
	if answered {
		v.PingAt = at
	}
	if v.PingLost == answered {
		v.StateAt = at
	}
	v.PingLost = !answered
	view := r.view(v, r.now())
	subs := append([]func(KioskView){}, r.subs...)
	r.mu.Unlock()
	for _, f := range subs {
		f(view)
	}
	return true
}

// List returns every kiosk, sorted by division, hall and id.
func (r *Registry) List() []KioskView {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	out := make([]KioskView, 0, len(r.kiosks))
	for _, v := range r.kiosks {
		if !r.known(v.Kiosk) {
			continue
		}
		out = append(out, r.view(v, now))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}

// Get returns one kiosk by Key.
func (r *Registry) Get(key string) (KioskView, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.kiosks[key]
	if !ok || !r.known(v.Kiosk) {
		return KioskView{}, false
	}
	return r.view(v, r.now()), true
}

// Counts tallies kiosks by status.
func (r *Registry) Counts() map[Presence]int {
	out := map[Presence]int{}
	for _, v := range r.List() {
		out[v.Status]++
	}
	return out
}
