// Package device holds the vocabulary every device driver and the session
// core share: the kinds of device, the status a technician and the core
// see, and the typed causes of faults. It holds no words for people: the
// UI's text package says kinds, states and causes in Chinese. The
// supervisor that reopens a device whose port disappears is in package
// supervise.
package device

import (
	"fmt"
	"time"
)

// State is the coarse health of a device.
type State int

// The states every device reports. Warning keeps the device usable (for
// example paper near end); Offline and Fault make it unusable.
const (
	Starting State = iota
	Online
	Busy
	Warning
	Offline
	Fault
)

var stateNames = [...]string{"starting", "online", "busy", "warning", "offline", "fault"}

// String returns the English name used in logs and the technician CLI.
func (s State) String() string {
	if int(s) < len(stateNames) && s >= 0 {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// Usable reports whether the device can serve a citizen in this state.
func (s State) Usable() bool { return s == Online || s == Busy || s == Warning }

// Status is one report of a device's health.
type Status struct {
	Kind   Kind      // which device
	State  State     // coarse state
	Reason string    // English, for logs and technicians; empty when online
	Cause  Cause     // why it is not online, when the driver knows; NoCause otherwise
	Since  time.Time // when the device entered this state
}

// String renders the status on one line for logs and the CLI.
func (s Status) String() string {
	if s.Reason == "" {
		return fmt.Sprintf("%s: %s", s.Kind, s.State)
	}
	return fmt.Sprintf("%s: %s (%s)", s.Kind, s.State, s.Reason)
}
