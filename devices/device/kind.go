package device

import (
	"fmt"
	"log/slog"
)

// Kind is what a device is: the card reader, the code scanner, the receipt
// printer or the camera. Its String is the English name used in logs,
// profiles, counters ("printer.prints") and the fleet's health reports;
// people see the label the UI's text package gives it.
type Kind uint8

// The kinds of device a kiosk has. UnknownKind is the zero value, and the
// kind of a name this build does not know.
const (
	UnknownKind Kind = iota
	IDCard           // second-generation ID card reader (SAM)
	Scanner          // serial QR code scanner
	Printer          // ESC/POS receipt printer
	Camera           // camera that reads codes
)

var kindNames = [...]string{UnknownKind: "unknown", IDCard: "idcard", Scanner: "scanner", Printer: "printer", Camera: "camera"}

// Kinds lists every known kind, in the order the screens list devices.
func Kinds() []Kind { return []Kind{IDCard, Scanner, Printer, Camera} }

// String returns the English name: "idcard", "scanner", "printer",
// "camera", or "unknown".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// ParseKind returns the kind named name ("printer"…); ok is false for a
// name no kind has.
func ParseKind(name string) (k Kind, ok bool) {
	for _, k := range Kinds() {
		if kindNames[k] == name {
			return k, true
		}
	}
	return UnknownKind, false
}

// MarshalText writes the English name, so a Kind reads the same in JSON
// and YAML as the bare names did.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads an English name. A name this build does not know
// becomes UnknownKind rather than an error: a catalogue item that needs
// such a device is then simply unavailable, as before.
func (k *Kind) UnmarshalText(b []byte) error {
	*k, _ = ParseKind(string(b))
	return nil
}

// LogValue logs the English name.
func (k Kind) LogValue() slog.Value { return slog.StringValue(k.String()) }

// Cause says why a device is not (fully) usable, or why one of its jobs
// failed. Drivers report causes; the UI's text package says them in words.
type Cause uint8

// Causes, grouped by the device that reports them. NoCause is the zero
// value: the device is fine, or it gave no reason.
const (
	NoCause Cause = iota

	Disconnected // the port is gone or never opened (any device)

	PaperNearEnd   // printer: the roll runs out soon; still usable
	PaperOut       // printer: out of paper
	CoverOpen      // printer: paper cover open
	CutterFault    // printer: auto-cutter jammed or failed
	PrinterOffline // printer: off line, not answering or not connected
	WriteTimeout   // printer: a job stopped moving
	PrinterFault   // printer: any other printer error
	PrintFailed    // printer: a job failed for a reason the printer did not give

	NoCard           // card reader: no card in the field
	CardReadFailed   // card reader: reading the card failed; place it again
	CardVerifyFailed // card reader: card and SAM did not authenticate each other
	WrongCard        // card reader: not a card the reader recognises
	UnsupportedCard  // card reader: an identity card of a type the kiosk does not read
	ReaderFault      // card reader: the reader itself cannot work (SAM, commands)
	LinkError        // card reader: garbled frames on the line

	numCauses
)

var causeNames = [...]string{
	NoCause:          "none",
	Disconnected:     "disconnected",
	PaperNearEnd:     "paper near end",
	PaperOut:         "paper out",
	CoverOpen:        "cover open",
	CutterFault:      "cutter fault",
	PrinterOffline:   "printer offline",
	WriteTimeout:     "write timeout",
	PrinterFault:     "printer fault",
	PrintFailed:      "print failed",
	NoCard:           "no card",
	CardReadFailed:   "card read failed",
	CardVerifyFailed: "card verify failed",
	WrongCard:        "wrong card",
	UnsupportedCard:  "unsupported card",
	ReaderFault:      "reader fault",
	LinkError:        "link error",
}

// Causes lists every cause but NoCause.
func Causes() []Cause {
	out := make([]Cause, 0, numCauses-1)
	for c := NoCause + 1; c < numCauses; c++ {
		out = append(out, c)
	}
	return out
}

// String returns the English name for logs.
func (c Cause) String() string {
	if c < numCauses {
		return causeNames[c]
	}
	return fmt.Sprintf("cause(%d)", int(c))
}

// LogValue logs the English name.
func (c Cause) LogValue() slog.Value { return slog.StringValue(c.String()) }
