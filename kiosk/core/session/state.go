// Package session is the kiosk's core: one citizen's visit as a pure state
// machine. Next(state, event) returns the new state and the effects the
// runtime must carry out (submit, print, verify a code, wipe). It does no
// I/O, reads no clock and imports no UI: time arrives as Tick events, device
// reports and platform answers arrive as events, and the screens are drawn
// from the State it returns.
package session

import (
	"maps"
	"time"

	"sckiosk/devices/device"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/msg"
	"sckiosk/kiosk/core/receipt"
)

// Screen is the step of the visit the citizen sees.
type Screen int

// The screens of a visit, in order.
const (
	Idle        Screen = iota // attract screen, no one is being served
	Identifying               // place the ID card or show a code
	ChooseItem                // pick a service item
	ItemGuide                 // conditions, materials, time limit
	Form                      // the short form, pre-filled
	Review                    // check the values and consent
	Submitting                // writing to the outbox and waiting for the platform
	Done                      // receipt printed or shown
	Failed                    // something went wrong; what to do next
	TechPIN                   // technician mode: PIN entry (from the attract screen only)
	TechMenu                  // technician mode: device status, self-tests, outbox, exit
	CaseView                  // the status of a case, after a receipt's QR code was scanned
)

var screenNames = [...]string{"idle", "identifying", "choose_item", "item_guide", "form", "review", "submitting", "done", "failed", "tech_pin", "tech_menu", "case_view"}

// String returns the English name used in logs.
func (s Screen) String() string {
	if s >= 0 && int(s) < len(screenNames) {
		return screenNames[s]
	}
	return "screen?"
}

// Config holds the hall's settings the core needs.
type Config struct {
	KioskID  string
	Hall     string
	Division string // GB/T 2260 code of the hall, 受理地
	// Timeouts per screen; zero means the screen never times out.
	Timeouts map[Screen]time.Duration
	// Countdown is how long before a timeout the citizen is warned;
	// ElderCountdown the same in elder mode, where reading the warning
	// and finding 继续办理 takes longer (Countdown when zero).
	Countdown      time.Duration
	ElderCountdown time.Duration
	// AllowExpired lets an expired card submit (a hall may allow it).
	AllowExpired bool
	// CardGrace is how long a citizen has to put back a card lifted off
	// the reader mid-visit before the visit ends and is wiped (doubled in
	// elder mode); zero ends it at once. Which credentials it applies to
	// is a rule per identity source (HeldOnReader).
	CardGrace time.Duration
	PageSize  int
	// TechDisabled says the profile sets no technician PIN: the PIN pad
	// says so as it opens.
	TechDisabled bool
	// ElderDefault starts every visit in elder mode (适老化): larger type,
	// doubled timeouts, spoken prompts.
	ElderDefault bool
}

// DefaultConfig returns timeouts that suit elderly citizens: long enough to
// read, short enough that the next person does not find the last one's data.
func DefaultConfig() Config {
	return Config{
		KioskID: "SIM-0001", Hall: "成都市武侯区政务服务中心", Division: "510107",
		Timeouts: map[Screen]time.Duration{
			Identifying: 60 * time.Second,
			ChooseItem:  90 * time.Second,
			ItemGuide:   120 * time.Second,
			Form:        180 * time.Second,
			Review:      120 * time.Second,
			Done:        45 * time.Second,
			Failed:      30 * time.Second,
			TechPIN:     60 * time.Second,
			TechMenu:    5 * time.Minute,
			CaseView:    45 * time.Second,
		},
		Countdown:      15 * time.Second,
		ElderCountdown: 30 * time.Second,
		CardGrace:      10 * time.Second,
		PageSize:       6,
	}
}

// Result is what the visit produced: the case and how its receipt went.
type Result struct {
	RequestID  string   // the outbox entry's idempotency key
	Linked     []string // member cases of a 一件事一次办 bundle
	Licences   []string // e-licences attached instead of paper
	CaseNumber string
	Queued     bool   // held in the outbox; the platform has not answered yet
	TrackCode  string // content of the tracking QR code
	Printing   bool   // a print is under way
	Printed    bool
	// PrintNotice tells the citizen why there is no paper receipt; the
	// screen then shows the receipt's QR code to photograph.
	PrintNotice msg.Text
	// PrinterBack is set when the printer works again after the receipt
	// failed to print: the done screen offers to print it again.
	PrinterBack bool
	// Rated is the 好差评 grade the citizen gave (1 非常满意 … 5 非常不满意,
	// GB/T 39046 A.8), 0 while not rated.
	Rated int
	// Receipt is the receipt as a document (masked data only): printed, or
	// shown on screen when it cannot be.
	Receipt receipt.Document
}

// State is a snapshot of the kiosk for the screens. It is a value: Next
// never mutates the state it is given, except for wiping personal data.
type State struct {
	Config Config
	Now    time.Time
	Rev    int // changes whenever something other than Now changes

	Screen   Screen
	Deadline time.Time // when the current screen times out; zero = never

	Person     *identity.Person // nil outside a visit
	Catalog    catalog.Catalog
	Index      *catalog.Index // search index of Catalog; never changed in place
	Query      string         // the item search typed on the keyboard
	Category   string         // the category chosen on the home screen, "" for all; CategoryCQ for 川渝通办
	CatPage    int            // which page of category tabs is shown
	Page       int
	Item       *catalog.Item
	Values     map[string]string
	Focus      string              // key of the field the keyboard types into; SearchField on the item list
	KeyMode    KeyMode             // the on-screen keyboard's layout
	Compose    string              // pinyin letters typed but not yet turned into hanzi
	CandPage   int                 // which page of Compose's candidates the keyboard shows
	FieldError map[string]msg.Text // per-field problems
	Consent    bool
	// ConfirmLeave is set while 首页 asks whether to end a visit that
	// holds what the citizen did (Home, Stay).
	ConfirmLeave bool

	Result  Result
	Problem msg.Text // the Failed screen's message
	Notice  msg.Text // a short message on the current screen (读卡失败…)

	Devices map[device.Kind]device.Status
	// Platform is the platform's state as the outbox sees it, for the
	// status strip; application.PlatformUnknown until known.
	Platform       application.PlatformState
	PendingUploads int // applications waiting in the outbox

	// Elder is elder mode (适老化) for this visit: the screens use larger
	// type, timeouts are doubled and every screen is spoken.
	Elder bool

	Tech Tech // technician mode

	Case *CaseInfo // the case shown on CaseView

	// Started is when the current visit left the attract screen.
	Started time.Time

	// CardAway is when the card the citizen identified with was lifted
	// off the reader mid-visit; zero while it lies there. The visit ends
	// CardGrace later unless the card comes back.
	CardAway time.Time
	// CardOnReader is whether a card lies on the reader, as the reader
	// last said; a fact about the reader, kept across visits.
	CardOnReader bool
	// CardLeft is the reminder to take a card left on the reader after
	// its visit ended (shown and spoken until it is lifted); no message
	// otherwise. It names no one.
	CardLeft msg.Text
	// cardSpoken is when CardLeft was last spoken.
	cardSpoken time.Time

	// Counters count what the devices did since start-up (reads, prints,
	// faults…), for technicians. Never personal.
	Counters map[string]int
	// PlatformError is the outbox's last failed attempt (English, no
	// personal data), for technicians.
	PlatformError string
}

// countFor returns s with the counter of what device k did incremented:
// "printer.prints".
func (s State) countFor(k device.Kind, what string) State { return s.count(k.String() + "." + what) }

// count returns s with counter key incremented (on a copy of the map).
func (s State) count(key string) State {
	s.Counters = maps.Clone(s.Counters)
	if s.Counters == nil {
		s.Counters = map[string]int{}
	}
	s.Counters[key]++
	return s
}

// CaseInfo is what the platform says about a case whose receipt was
// scanned. It names no person.
type CaseInfo struct {
	CaseNumber string
	ItemName   string
	Status     application.CaseState
	Updated    time.Time
}

// Tech is technician mode's part of the state. The PIN never stays in it
// longer than until 确定 is tapped.
type Tech struct {
	Corner []time.Time // recent taps on the hidden corner of the attract screen
	PIN    string      // digits typed so far
	Notice msg.Text    // result of the last check or command
	Busy   string      // command under way, "" when none
}

// Technician commands (TechAction names).
const (
	TechPrintTest     = "print_test"
	TechRetryOutbox   = "retry_outbox"
	TechCheckPlatform = "check_platform"
	TechReload        = "reload_profile"
	TechReadCard      = "read_card" // self-test: wait for a card and read it
	TechScanCode      = "scan_code" // self-test: wait for a code
	TechLogTail       = "log_tail"  // show the last log lines, masked
	TechExitDesktop   = "exit_desktop"
)

// New returns the idle state of a kiosk.
func New(cfg Config, cat catalog.Catalog, now time.Time) State {
	return State{Config: cfg, Catalog: cat, Index: catalog.NewIndex(cat), Now: now, Screen: Idle, Devices: map[device.Kind]device.Status{}, Elder: cfg.ElderDefault}
}

// Remaining is the time left before the current screen times out.
func (s State) Remaining() time.Duration {
	if s.Deadline.IsZero() {
		return 0
	}
	if d := s.Deadline.Sub(s.Now); d > 0 {
		return d
	}
	return 0
}

// CountingDown reports whether the citizen should see the countdown with
// 继续办理.
func (s State) CountingDown() bool {
	return !s.Deadline.IsZero() && s.Remaining() <= s.Warning()
}

// Warning is how long before a timeout the citizen is warned: longer in
// elder mode.
func (s State) Warning() time.Duration {
	if s.Elder && s.Config.ElderCountdown > 0 {
		return s.Config.ElderCountdown
	}
	return s.Config.Countdown
}

// SecondsLeft is the whole seconds the countdown shows: rounded up, so it
// never says 0 while the screen is still there.
func (s State) SecondsLeft() int {
	r := s.Remaining()
	return int((r + time.Second - 1) / time.Second)
}

// DeviceUsable reports whether a device is online (or warning).
func (s State) DeviceUsable(k device.Kind) bool {
	st, ok := s.Devices[k]
	return ok && st.State.Usable()
}

// CodeReaderUsable reports whether a code can be shown now: the scanner or
// the camera is usable.
func (s State) CodeReaderUsable() bool {
	return s.DeviceUsable(device.Scanner) || s.DeviceUsable(device.Camera)
}

// InVisit reports whether a citizen is being served.
func (s State) InVisit() bool { return s.Screen != Idle }

// Unavailable says why item cannot be served right now, or is no message
// when every device it needs is usable.
func (s State) Unavailable(it catalog.Item) msg.Text {
	for _, k := range it.Needs {
		if !s.DeviceUsable(k) {
			return msg.New(msg.DeviceUnavailable, k)
		}
	}
	return msg.Text{}
}

// KeyMode is the layout of the on-screen keyboard.
type KeyMode int

// Keyboard layouts.
const (
	KeyPinyin KeyMode = iota // letters compose pinyin, candidates give hanzi
	KeyLatin                 // letters as they are
	KeyDigits                // 0–9 and X (ID numbers), or a phone pad
)

// SearchField is the Focus value of the item search box.
const SearchField = "search"
