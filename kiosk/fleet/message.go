// Package fleet is the protocol kiosks and the people who run them speak
// over MQTT v5: the topic layout, the state, health, command and reply
// messages, SM2-signed command envelopes and their checks, and the TLS
// client configuration for a tls:// broker. Both sides use it: the
// kiosk's agent (kiosk/fleet/agent) and the hall (kiosk/fleet/hall).
// Nothing here carries personal data: health is device states, counters
// and queue depths.
package fleet

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Identity names a kiosk in the fleet: its GB/T 2260 division, its hall
// and its terminal id. Each is one topic level.
type Identity struct {
	Division string `json:"division"`
	Hall     string `json:"hall"`
	Kiosk    string `json:"kiosk"`
}

// ErrTopicLevel is a name that cannot be a topic level.
var ErrTopicLevel = errors.New("fleet: not a topic level")

// Validate checks that every part is a non-empty topic level without
// '/', '+', '#' or control characters, at most 64 bytes.
func (id Identity) Validate() error {
	for _, p := range []struct{ name, v string }{{"division", id.Division}, {"hall", id.Hall}, {"kiosk", id.Kiosk}} {
		if p.v == "" || len(p.v) > 64 || strings.ContainsAny(p.v, "/+#\x00") || strings.TrimSpace(p.v) != p.v {
			return fmt.Errorf("%w: %s %q", ErrTopicLevel, p.name, p.v)
		}
	}
	return nil
}

// Topic kinds, the last level of a kiosk's topics.
const (
	KindState  = "state"  // retained: online or offline (the last will)
	KindHealth = "health" // periodic Health
	KindCmd    = "cmd"    // signed commands to the kiosk
	KindReply  = "reply"  // the kiosk's answers to commands
)

// Root is the first level of every fleet topic.
const Root = "kiosk"

// Topic is kiosk/{division}/{hall}/{kiosk}/{kind}.
func (id Identity) Topic(kind string) string {
	return Root + "/" + id.Division + "/" + id.Hall + "/" + id.Kiosk + "/" + kind
}

// ParseTopic splits a kiosk topic into the kiosk and the kind.
func ParseTopic(topic string) (Identity, string, bool) {
	p := strings.Split(topic, "/")
	if len(p) != 5 || p[0] != Root {
		return Identity{}, "", false
	}
	id := Identity{Division: p[1], Hall: p[2], Kiosk: p[3]}
	if id.Validate() != nil {
		return Identity{}, "", false
	}
	return id, p[4], true
}

// Key is how the hall names a kiosk: division/hall/kiosk.
func (id Identity) Key() string { return id.Division + "/" + id.Hall + "/" + id.Kiosk }

// Filter is the subscription to one kind of every kiosk under division
// and hall ("+" for any).
func Filter(division, hall, kind string) string {
	return Root + "/" + division + "/" + hall + "/+/" + kind
}

// Status values of a State.
const (
	Online  = "online"
	Offline = "offline"
)

// State is the retained message on a kiosk's state topic. The broker
// publishes the offline one (the last will) when the kiosk disappears.
type State struct {
	Status  string    `json:"status"`
	Version string    `json:"version,omitempty"`
	At      time.Time `json:"at"`
	// Clean is true on an offline state the kiosk sent itself when it
	// stopped, false when the broker sent the will.
	Clean bool `json:"clean,omitempty"`
}

// Device is one device's state in a Health message.
type Device struct {
	State  string `json:"state"`            // online, warning, offline, fault, …
	Reason string `json:"reason,omitempty"` // English, for technicians
	Notice string `json:"notice,omitempty"` // plain Chinese, e.g. 缺纸
}

// Health is a kiosk's periodic report: no personal data, only states and
// counts.
type Health struct {
	Kiosk         Identity          `json:"kiosk"`
	At            time.Time         `json:"at"`
	Version       string            `json:"version"`
	UptimeSeconds int64             `json:"uptime_s"`
	Profile       string            `json:"profile"` // digest of the profile in force
	Devices       map[string]Device `json:"devices"`
	Counters      map[string]int    `json:"counters,omitempty"`
	OutboxPending int               `json:"outbox_pending"`
	Platform      string            `json:"platform"`                 // online, degraded, offline; "" until measured
	PlatformError string            `json:"platform_error,omitempty"` // English, no personal data
	// RolledBack names the profile digest a failed self-test rolled back
	// from, until the next successful change.
	RolledBack string `json:"rolled_back,omitempty"`
	// Buffered is true for a report held while the broker was away and
	// sent on reconnection.
	Buffered bool `json:"buffered,omitempty"`
}

// Actions a command may ask for.
const (
	ActionReload   = "reload"        // read the profile again (restart through systemd)
	ActionProfile  = "apply_profile" // validate and apply Profile, self-test, roll back on failure
	ActionSelfTest = "self_test"     // check devices and platform, answer with the result
	ActionLogTail  = "log_tail"      // answer with the masked log tail
	ActionRestart  = "restart"       // restart the app
)

// Actions lists every action a kiosk accepts.
var Actions = []string{ActionReload, ActionProfile, ActionSelfTest, ActionLogTail, ActionRestart}

// Command is what the fleet asks one kiosk to do. It travels signed
// (Envelope).
type Command struct {
	ID        string    `json:"id"`     // unique; a replayed id is refused
	Kiosk     string    `json:"kiosk"`  // the terminal id it is for
	Action    string    `json:"action"` // one of Actions
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// Profile is the YAML of the kiosk override profile to apply
	// (ActionProfile).
	Profile string `json:"profile,omitempty"`
	// ProvinceSig is the province's detached signature of Profile
	// (ActionProfile), needed when the layer changes platform endpoints,
	// keys, demo_keys or the technician PIN; nil for other layers.
	ProvinceSig *LayerSignature `json:"province_sig,omitempty"`
	// Issuer says who sent it, for the audit log (e.g. hallserver@510107).
	Issuer string `json:"issuer,omitempty"`
	// Operator is the hall operator who asked for it (a login name such
	// as li.wei), written into the kiosk's audit chain. It is inside the
	// signed payload: a kiosk knows who asked because the hall says so
	// under its key.
	Operator string `json:"operator,omitempty"`
}

// Reply is a kiosk's answer to a command.
type Reply struct {
	ID      string    `json:"id"`
	Kiosk   string    `json:"kiosk"`
	Action  string    `json:"action"`
	OK      bool      `json:"ok"`
	Message string    `json:"message"`         // English, no personal data
	Lines   []string  `json:"lines,omitempty"` // log tail (masked) or self-test steps
	At      time.Time `json:"at"`
}
