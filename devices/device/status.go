// Package device holds the vocabulary every device driver and the session
// core share: the status a technician and the core see. The supervisor that
// reopens a device whose port disappears is in package supervise.
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
	Device string    // "idcard", "printer", "scanner", "camera"
	State  State     // coarse state
	Reason string    // English, for logs and technicians; empty when online
	Notice string    // plain Chinese for the citizen or hall staff; may be empty
	Since  time.Time // when the device entered this state
}

// String renders the status on one line for logs and the CLI.
func (s Status) String() string {
	if s.Reason == "" {
		return fmt.Sprintf("%s: %s", s.Device, s.State)
	}
	return fmt.Sprintf("%s: %s (%s)", s.Device, s.State, s.Reason)
}
