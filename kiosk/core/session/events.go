package session

import (
	"time"

	"sckiosk/devices/device"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/msg"
)

// Event is anything that happens to the kiosk: a tap, a device report, a
// platform answer, time passing.
type Event interface{ isEvent() }

// Tick advances the core's clock; the runtime sends one every second.
type Tick struct{ Now time.Time }

// Start is a tap on the attract screen.
type Start struct{}

// Cancel is a tap on 退出 / 返回首页: the visit ends and is wiped.
type Cancel struct{}

// Back returns to the previous step of the visit.
type Back struct{}

// Continue is a tap on 继续办理 during the countdown.
type Continue struct{}

// ToggleElder switches elder mode (适老化) on or off for this visit.
type ToggleElder struct{}

// CardRead is an ID card read by the reader.
type CardRead struct{ Person identity.Person }

// CardRemoved is the card leaving the reader's field.
type CardRemoved struct{}

// ReadFailed is a card that could not be read, and why.
type ReadFailed struct{ Cause device.Cause }

// CodeScanned is a QR code from the scanner or the camera.
type CodeScanned struct{ Text string }

// CodeVerified is the platform's answer to an identity code: who it is.
type CodeVerified struct{ Person identity.Person }

// CaseFound is the platform's answer for a scanned receipt code.
type CaseFound struct{ Case CaseInfo }

// CodeRejected is a code that does not identify anyone; Notice says why.
type CodeRejected struct{ Notice msg.Text }

// PageTo shows page n of the catalogue.
type PageTo struct{ Page int }

// ChooseCategory shows one category of the catalogue ("" for all).
type ChooseCategory struct{ Category string }

// MoreCategories shows the next page of category tabs.
type MoreCategories struct{}

// ChooseItemEvent is a tap on a service item.
type ChooseItemEvent struct{ Code string }

// Proceed moves on from the guide to the form, or from the form to review.
type Proceed struct{}

// FocusField makes a field receive keypad input.
type FocusField struct{ Key string }

// SetField replaces a field's value (a choice button, or the keyboard's
// committed text).
type SetField struct{ Key, Value string }

// TypeRune appends a rune to the focused field.
type TypeRune struct{ R rune }

// Backspace removes the focused field's last rune.
type Backspace struct{}

// PickCandidate commits a pinyin candidate (hanzi) to the focused field.
type PickCandidate struct{ Text string }

// SetKeyMode switches the on-screen keyboard's layout.
type SetKeyMode struct{ Mode KeyMode }

// SetConsent ticks or unticks the consent box.
type SetConsent struct{ Agreed bool }

// Confirm submits the reviewed application.
type Confirm struct{}

// Submitted is the runtime's answer to Submit: the application is durable
// in the outbox, and perhaps acknowledged by the platform.
type Submitted struct {
	RequestID  string   // the outbox's idempotency key
	Linked     []string // member cases of a 一件事一次办 bundle
	Licences   []string // e-licences attached instead of paper
	CaseNumber string
	Queued     bool
	TrackCode  string
}

// SubmitFailed means the application could not be stored: nothing was sent.
// Notice says what to do; the zero Text gives the core's own.
type SubmitFailed struct{ Notice msg.Text }

// Printed is a receipt that came out of the printer.
type Printed struct{}

// PrintFailed is a receipt that was not printed; Notice tells the citizen
// why (see PrinterNotice).
type PrintFailed struct{ Notice msg.Text }

// Reprint is a tap on 重新打印回执 on the done screen, once the printer
// that failed works again.
type Reprint struct{}

// CornerTap is a tap on the hidden corner of the attract screen; five
// within three seconds open the technician PIN pad.
type CornerTap struct{}

// TechKey is a digit on the technician PIN pad.
type TechKey struct{ R rune }

// TechSubmit asks for the typed PIN to be checked.
type TechSubmit struct{}

// PINChecked is the answer to CheckPIN.
type PINChecked struct {
	OK        bool
	Locked    bool
	Remaining time.Duration // of a lock
	TriesLeft int
	Disabled  bool // the profile has no PIN hash: technician mode is off
}

// TechAction is a tap on a technician command.
type TechAction struct{ Name string }

// TechDone is a technician command's outcome.
type TechDone struct {
	Name    string
	Message msg.Text
}

// PlatformChanged is the provincial platform's reachability as the outbox
// sees it (online, degraded, offline) and how many applications wait.
type PlatformChanged struct {
	State     application.PlatformState
	Pending   int
	LastError string // English, no personal data
}

// Rate is the citizen's 好差评 grade for the case on the done screen:
// 1 非常满意 … 5 非常不满意.
type Rate struct{ Grade int }

// DeviceChanged is a device's new status.
type DeviceChanged struct{ Status device.Status }

// CatalogLoaded replaces the catalogue (fetched from the platform).
type CatalogLoaded struct{ Catalog catalog.Catalog }

func (Tick) isEvent()            {}
func (Start) isEvent()           {}
func (Cancel) isEvent()          {}
func (Back) isEvent()            {}
func (Continue) isEvent()        {}
func (ToggleElder) isEvent()     {}
func (CardRead) isEvent()        {}
func (CardRemoved) isEvent()     {}
func (ReadFailed) isEvent()      {}
func (CodeScanned) isEvent()     {}
func (CodeVerified) isEvent()    {}
func (CodeRejected) isEvent()    {}
func (CaseFound) isEvent()       {}
func (PageTo) isEvent()          {}
func (ChooseItemEvent) isEvent() {}
func (ChooseCategory) isEvent()  {}
func (MoreCategories) isEvent()  {}
func (Proceed) isEvent()         {}
func (FocusField) isEvent()      {}
func (SetField) isEvent()        {}
func (TypeRune) isEvent()        {}
func (Backspace) isEvent()       {}
func (SetConsent) isEvent()      {}
func (PickCandidate) isEvent()   {}
func (SetKeyMode) isEvent()      {}
func (Confirm) isEvent()         {}
func (Submitted) isEvent()       {}
func (SubmitFailed) isEvent()    {}
func (Printed) isEvent()         {}
func (PrintFailed) isEvent()     {}
func (Reprint) isEvent()         {}
func (DeviceChanged) isEvent()   {}
func (Rate) isEvent()            {}
func (PlatformChanged) isEvent() {}
func (CornerTap) isEvent()       {}
func (TechKey) isEvent()         {}
func (TechSubmit) isEvent()      {}
func (PINChecked) isEvent()      {}
func (TechAction) isEvent()      {}
func (TechDone) isEvent()        {}
func (CatalogLoaded) isEvent()   {}
