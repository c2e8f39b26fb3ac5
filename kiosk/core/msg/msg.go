// Package msg names the messages the kiosk's core, runtime and drivers give
// people, as typed keys with parameters. No words live here: the UI's text
// package renders a Text in Chinese (and later in other languages), so the
// core decides what to say and never how to say it.
package msg

// Key names one message. Its words, with a slot for each parameter, are in
// the text package's tables.
type Key int

// The messages. None is the zero Key: no message.
const (
	None Key = iota

	// Plain is text another system already wrote for people (Args[0], a
	// string), shown as it is.
	Plain

	// DeviceCause is a device's own notice for a cause (Args[0], a
	// device.Cause), e.g. 读卡失败，请重新放置证件.
	DeviceCause
	// DeviceUnavailable: a device (Args[0], a device.Kind) is out of
	// service, so an item cannot be served.
	DeviceUnavailable
	// ItemUnavailable: item Args[0] (its name) cannot be served now, and
	// why (Args[1], a Text).
	ItemUnavailable
	// ReaderUnusable: the card reader went away while identifying.
	ReaderUnusable
	// TechReadFailed: the technician's card self-test failed with a cause
	// (Args[0]).
	TechReadFailed
	// PrinterDown: no paper receipt, the printer cannot be used.
	PrinterDown
	// PrinterCausePhoto: no paper receipt because of a cause (Args[0]).
	PrinterCausePhoto

	// Fault screens and panels.
	FaultNoIdentifyTitle  // no way to identify anyone: title
	FaultNoIdentifyCause  // … and what happened
	DeviceOutOfService    // device Args[0] (a device.Kind) is out of service: title
	FaultReaderCause      // the card reader (Args[0]) is down, Args[1] says why
	FaultCodeReaderCause  // the scanner (Args[0]) is down, Args[1] says why
	DeviceCauseInBrackets // a device's cause (Args[0]) in brackets
	DeviceUnusable        // the device cannot be used (no cause known)
	FaultPlatformTitle    // the platform cannot be reached: title
	FaultPlatformCause    // … and what happened
	FaultPrinterTitle     // the receipt could not be printed: title
	PrinterUnusable       // the printer cannot be used (no cause known)
	FaultPrinterQueued    // why (Args[0], a Text) no receipt; the application waits in the outbox
	FaultPrinterSubmitted // why (Args[0], a Text) no receipt; the application was submitted
	FaultSubmitTitle      // the application could not be saved: title

	// Steps the citizen can take next.
	StepStaff           // go to a staffed counter
	StepOther           // another kiosk, too
	StepOtherFirst      // another kiosk, first
	StepPhone           // the 天府通办 app
	StepPhoto           // photograph the receipt's QR code
	StepAssist          // a paper receipt at a counter
	StepShowCode        // show a code instead of the card
	StepPlaceCard       // place the card instead of a code
	StepContinueOffline // go on; the application is submitted later
	StepSavedLocally    // the application is kept on the kiosk
	StepWiped           // the data is wiped on the way home

	numKeys
)

// Keys lists every message key but None.
func Keys() []Key {
	out := make([]Key, 0, numKeys-1)
	for k := None + 1; k < numKeys; k++ {
		out = append(out, k)
	}
	return out
}

// Text is a message with its parameters. A parameter is said in words by
// the renderer when it is a device.Kind, device.State, device.Cause, Key or
// Text; anything else (an item's name, a count) is shown as it is. The
// zero Text is no message.
type Text struct {
	Key  Key
	Args []any
}

// New returns the message k with its parameters.
func New(k Key, args ...any) Text { return Text{Key: k, Args: args} }

// Verbatim returns text another system wrote for people, to be shown as
// it is (the Plain key).
func Verbatim(s string) Text {
	if s == "" {
		return Text{}
	}
	return New(Plain, s)
}

// IsZero reports whether t is no message.
func (t Text) IsZero() bool { return t.Key == None }
