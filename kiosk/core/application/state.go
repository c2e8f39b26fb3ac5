package application

import "fmt"

// PlatformState is how reachable a provincial platform is, as the outbox
// sees it from its recent submissions and health probes. Its text ("",
// "online", "degraded", "offline") is what logs, JSON and the fleet's
// health messages carry.
type PlatformState string

// Platform states.
const (
	// PlatformUnknown: nothing has been heard of the platform yet.
	PlatformUnknown PlatformState = ""
	// PlatformOnline: the last submission or probe got an answer (or
	// none was tried yet).
	PlatformOnline PlatformState = "online"
	// PlatformDegraded: recent submissions failed, fewer in a row than
	// open the outbox's circuit breaker (its BreakerThreshold); or, for
	// several platforms together, some are offline and others are not.
	PlatformDegraded PlatformState = "degraded"
	// PlatformOffline: the circuit breaker is open; the citizen is told
	// the application is saved and will be sent automatically.
	PlatformOffline PlatformState = "offline"
)

// String returns the state's text, "" for PlatformUnknown.
func (s PlatformState) String() string { return string(s) }

// MarshalText returns the state's text.
func (s PlatformState) MarshalText() ([]byte, error) { return []byte(s), nil }

// UnmarshalText reads one of the states' texts; any other text is an
// error.
func (s *PlatformState) UnmarshalText(text []byte) error {
	switch st := PlatformState(text); st {
	case PlatformUnknown, PlatformOnline, PlatformDegraded, PlatformOffline:
		*s = st
		return nil
	}
	return fmt.Errorf("application: unknown platform state %q", text)
}

// CaseState is how far a case (办件) has got at its platform, as a case
// status query answers it. The platform client reads it from the
// platform's status code; the UI's text package names it (已受理).
type CaseState int

// Case states, in the order a case goes through them.
const (
	CaseUnknown    CaseState = iota // a status the kiosk does not know
	CaseWaiting                     // 待受理: received, not yet accepted
	CaseAccepted                    // 已受理
	CaseProcessing                  // 办理中: accepted, not yet done
	CaseDone                        // 已办结
)

// CaseStates lists every case state but CaseUnknown.
func CaseStates() []CaseState {
	return []CaseState{CaseWaiting, CaseAccepted, CaseProcessing, CaseDone}
}

var caseStateNames = [...]string{"unknown", "waiting", "accepted", "processing", "done"}

// String names the state in English, for logs; "unknown" for a value
// out of range.
func (s CaseState) String() string {
	if s < 0 || int(s) >= len(caseStateNames) {
		return caseStateNames[CaseUnknown]
	}
	return caseStateNames[s]
}
