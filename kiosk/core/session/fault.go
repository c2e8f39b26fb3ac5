package session

import (
	"sckiosk/devices/device"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/msg"
)

// FaultKind names a fault the citizen is told about.
type FaultKind string

// Faults, each with its own screen or panel and its own next steps.
const (
	FaultNoIdentify FaultKind = "no_identify" // neither the card reader nor a code reader works: the kiosk cannot serve
	FaultReader     FaultKind = "reader"      // the card reader is down; codes still work
	FaultCodeReader FaultKind = "code_reader" // scanner and camera are down; cards still work
	FaultPrinter    FaultKind = "printer"     // the receipt could not be printed
	FaultPlatform   FaultKind = "platform"    // the platform cannot be reached; applications are kept and sent later
	FaultSubmit     FaultKind = "submit"      // the application could not even be saved
)

// Fault is a problem on the current screen: what happened and what the
// citizen can do next, in order. Blocking faults replace the screen; the
// others are shown as a panel on it.
type Fault struct {
	Kind     FaultKind
	Title    msg.Text
	Cause    msg.Text
	Next     []msg.Text
	Blocking bool
}

// steps turns keys into the citizen's next steps.
func steps(keys ...msg.Key) []msg.Text {
	out := make([]msg.Text, len(keys))
	for i, k := range keys {
		out[i] = msg.New(k)
	}
	return out
}

// Fault returns the fault that matters on the current screen, if any.
func (s State) Fault() (Fault, bool) {
	card, code := s.DeviceUsable(device.IDCard), s.CodeReaderUsable()
	switch s.Screen {
	case Idle, Identifying:
		switch {
		case !card && !code && s.devicesKnown():
			return Fault{Kind: FaultNoIdentify, Blocking: true, Title: msg.New(msg.FaultNoIdentifyTitle),
				Cause: msg.New(msg.FaultNoIdentifyCause),
				Next:  steps(msg.StepOtherFirst, msg.StepStaff, msg.StepPhone)}, true
		case s.Screen == Identifying && !card && s.known(device.IDCard):
			return Fault{Kind: FaultReader, Title: msg.New(msg.DeviceOutOfService, device.IDCard),
				Cause: s.readerCause(),
				Next:  steps(msg.StepShowCode, msg.StepOther, msg.StepStaff)}, true
		case s.Screen == Identifying && !code && s.known(device.Scanner):
			return Fault{Kind: FaultCodeReader, Title: msg.New(msg.DeviceOutOfService, device.Scanner),
				Cause: msg.New(msg.FaultCodeReaderCause, device.Scanner, s.reason(device.Scanner)),
				Next:  steps(msg.StepPlaceCard, msg.StepOther, msg.StepStaff)}, true
		}
	case ChooseItem, ItemGuide, Form, Review:
		switch {
		case s.Platform != application.PlatformOffline:
		case s.Item != nil && s.Item.Offline == catalog.OfflineRefuse:
			// No "go on, it is sent later" for an item that must take effect at once.
			return Fault{Kind: FaultPlatform, Title: msg.New(msg.FaultPlatformTitle),
				Cause: msg.New(msg.FaultPlatformCause),
				Next:  []msg.Text{msg.New(msg.ItemNeedsPlatform, s.Item.Name, s.Item.OfflineNote)}}, true
		default:
			return Fault{Kind: FaultPlatform, Title: msg.New(msg.FaultPlatformTitle),
				Cause: msg.New(msg.FaultPlatformCause),
				Next:  steps(msg.StepContinueOffline, msg.StepSavedLocally)}, true
		}
	case Done:
		if !s.Result.PrintNotice.IsZero() {
			return Fault{Kind: FaultPrinter, Title: msg.New(msg.FaultPrinterTitle),
				Cause: s.printerCause(),
				Next:  steps(msg.StepPhoto, msg.StepAssist)}, true
		}
	case Failed:
		cause := s.Problem
		if cause.IsZero() {
			cause = msg.New(msg.SubmitFailed)
		}
		return Fault{Kind: FaultSubmit, Blocking: true, Title: msg.New(msg.FaultSubmitTitle),
			Cause: cause,
			Next:  steps(msg.StepWiped, msg.StepStaff, msg.StepOther)}, true
	}
	return Fault{}, false
}

// known reports whether the device has reported at all: a device still
// starting is not a fault yet.
func (s State) known(k device.Kind) bool {
	st, ok := s.Devices[k]
	return ok && st.State != device.Starting
}

// devicesKnown reports whether the card reader and the scanner have both
// reported, so "both down" is not said while the kiosk starts.
func (s State) devicesKnown() bool { return s.known(device.IDCard) && s.known(device.Scanner) }

// reason is the device's cause in brackets, or "cannot be used" when it
// gave none.
func (s State) reason(k device.Kind) msg.Text {
	if c := s.Devices[k].Cause; c != device.NoCause {
		return msg.New(msg.DeviceCauseInBrackets, c)
	}
	return msg.New(msg.DeviceUnusable)
}

// readerCause says why the card reader cannot read cards: the reader's
// own failure in its own words, which name the reader already (读卡器故障),
// else the reader and its cause in brackets.
func (s State) readerCause() msg.Text {
	if c := s.Devices[device.IDCard].Cause; c == device.ReaderFault || c == device.LinkError {
		return msg.New(msg.FaultReaderOwnCause, c)
	}
	return msg.New(msg.FaultReaderCause, device.IDCard, s.reason(device.IDCard))
}

// printerCause says why the receipt did not print: the printer's own cause
// while it is unusable, else that it cannot be used.
func (s State) printerCause() msg.Text {
	what := msg.New(msg.PrinterUnusable)
	if c := s.Devices[device.Printer].Cause; c != device.NoCause && c != device.Disconnected && !s.DeviceUsable(device.Printer) {
		what = msg.New(msg.DeviceCause, c)
	}
	if s.Result.Queued {
		return msg.New(msg.FaultPrinterQueued, what)
	}
	return msg.New(msg.FaultPrinterSubmitted, what)
}
