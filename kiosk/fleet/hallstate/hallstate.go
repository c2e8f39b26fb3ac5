// Package hallstate names the states the hall shows of its fleet: whether
// it hears from a kiosk (Presence) and how far a profile rollout has got
// (Stage). It holds no words and does no I/O, so the UI's text package can
// word the states and the hall server (kiosk/fleet/hall) can use them
// without either linking the other.
package hallstate

// Presence is whether the hall hears from a kiosk, and whether the kiosk
// hears the hall. In JSON it is the bare word ("online", "offline",
// "stale", "no_command").
type Presence string

// Presences of a kiosk.
const (
	Online  Presence = "online"  // its retained state says online, and it was heard from lately
	Offline Presence = "offline" // it said offline, or the broker sent its last will
	Stale   Presence = "stale"   // online, but silent longer than the hall waits
	// NoCommand is a kiosk that says it is online but did not answer the
	// hall's last signed ping: commands do not reach it (指令不通).
	NoCommand Presence = "no_command"
)

// Presences lists every presence.
func Presences() []Presence { return []Presence{Online, Offline, Stale, NoCommand} }

// Stage is how far a profile rollout has got. In JSON it is the bare word
// ("canary", "rolling", "done", "failed").
type Stage string

// Stages of a rollout.
const (
	StageCanary  Stage = "canary"  // the canary has the profile; waiting for it to stay healthy
	StageRolling Stage = "rolling" // the rest are getting it
	StageDone    Stage = "done"    // every target got it
	StageFailed  Stage = "failed"  // the canary refused it, rolled back or went silent: the rest were spared
)

// Stages lists every stage.
func Stages() []Stage { return []Stage{StageCanary, StageRolling, StageDone, StageFailed} }
