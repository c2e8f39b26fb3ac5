package session

import (
	"time"

	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/msg"
	"sckiosk/kiosk/core/receipt"
)

// Effect is work the runtime must do for the core. Its outcome comes back
// as an event.
type Effect interface{ isEffect() }

// WipeReason says why a visit ended.
type WipeReason string

// Reasons a visit ends.
const (
	WipeDone        WipeReason = "done"
	WipeCancel      WipeReason = "cancel"
	WipeTimeout     WipeReason = "timeout"
	WipeCardRemoved WipeReason = "card_removed"
	// WipeCrashRecovery is recorded at start-up for a visit that a crash
	// or power cut interrupted.
	WipeCrashRecovery WipeReason = "crash_recovery"
)

// Wipe drops every trace of the visit outside the core: widgets, buffers,
// temporary files. The core has already dropped its own.
type Wipe struct {
	Reason WipeReason
	From   Screen
	// Started and Ended bound the visit; zero Started for a visit that
	// never left the attract screen.
	Started, Ended time.Time
	// Erased counts what the core dropped, by category (identity,
	// photo_bytes, form_values, search_text, keyboard_text, receipt):
	// numbers only, never content.
	Erased map[string]int
	// Queued is the request id of an application left in the outbox for
	// delivery, "" when nothing is waiting.
	Queued string
}

// Submit stores the application durably and forwards it to the platform.
// Answered by Submitted or SubmitFailed. Licences names the e-licences the
// citizen agreed the kiosk may ask the platform for (数据多跑路); the runtime
// attaches the references it gets before storing the application.
type Submit struct {
	Application application.Application
	Licences    []string
}

// Print prints the receipt. Answered by Printed or PrintFailed.
type Print struct{ Document receipt.Document }

// VerifyCode asks the platform who an identity code belongs to. Answered
// by CodeVerified or CodeRejected.
type VerifyCode struct{ Text string }

// Evaluate sends a 好差评 rating of a case to the platform (channel
// 自助终端). It carries no personal data; nothing answers it.
type Evaluate struct {
	Province   string
	CaseNumber string
	Grade      int
}

// CheckPIN verifies a technician PIN (with the lockout). Answered by
// PINChecked. The PIN is not logged.
type CheckPIN struct{ PIN string }

// TechCommand runs a technician command. Answered by TechDone.
type TechCommand struct{ Name string }

// Speak says Text aloud (elder mode, and the idle countdown). It never
// carries personal data.
type Speak struct{ Text msg.Text }

// Log records a masked, content-free line about the visit for the audit
// trail and the log. It never carries personal data.
type Log struct {
	Msg   string
	Attrs []any
}

func (Wipe) isEffect()        {}
func (Submit) isEffect()      {}
func (Print) isEffect()       {}
func (VerifyCode) isEffect()  {}
func (Log) isEffect()         {}
func (Speak) isEffect()       {}
func (Evaluate) isEffect()    {}
func (CheckPIN) isEffect()    {}
func (TechCommand) isEffect() {}
