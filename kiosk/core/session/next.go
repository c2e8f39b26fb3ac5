package session

// origin says where an event came from, which decides what Next settles
// after the event's handler.
type origin int

const (
	// fromUser is a tap: the screen's time starts again.
	fromUser origin = iota
	// fromKiosk is a device, the platform or the runtime: the deadline
	// moves only when the screen changes.
	fromKiosk
	// clockOnly means only the clock moved: nothing else changes.
	clockOnly
)

// Next is the kiosk's transition function. It is pure: the same state and
// event always give the same result, and the given state is not changed
// (except that ending a visit zeroes the person's photo bytes).
//
// Next hands the event to the handler of its concern, then settles what
// every change of screen implies: the deadline, the notice, the visit's
// start and, in elder mode, the spoken prompt.
func Next(s State, ev Event) (State, []Effect) {
	before := s.Screen
	var (
		eff  []Effect
		from origin
	)
	switch ev.(type) {
	case Tick, Start, Cancel, Back, Continue, ToggleElder:
		s, eff, from = visitEvent(s, ev)
	case CardRead, CardRemoved, ReadFailed, CodeScanned, CodeVerified, CodeRejected, CaseFound:
		s, eff, from = identifyEvent(s, ev)
	case PageTo, ChooseCategory, MoreCategories, ChooseItemEvent:
		s, eff, from = chooseEvent(s, ev)
	case Proceed, FocusField, SetField, TypeRune, Backspace, PickCandidate, SetKeyMode, PageCandidates, ClearText:
		s, eff, from = formEvent(s, ev)
	case Home, Stay:
		s, eff, from = frameEvent(s, ev)
	case SetConsent, Confirm, Submitted, SubmitFailed, Printed, PrintFailed, Reprint, Rate:
		s, eff, from = submitEvent(s, ev)
	case DeviceChanged, PlatformChanged, CatalogLoaded:
		s, eff, from = deviceEvent(s, ev)
	case CornerTap, TechKey, TechSubmit, PINChecked, TechAction, TechDone:
		s, eff, from = technicianEvent(s, ev)
	default:
		return s, nil
	}
	if from == clockOnly {
		return s, eff
	}
	return settle(s, eff, before, from)
}

// settle finishes a change: a tap or a new screen restarts the deadline, a
// new screen drops the last one's notice, leaving the attract screen starts
// the visit, and elder mode speaks the new screen's prompt.
func settle(s State, eff []Effect, before Screen, from origin) (State, []Effect) {
	if from == fromUser || s.Screen != before {
		s.Deadline = s.deadline()
	}
	if s.Screen != before && s.Screen != Identifying {
		s.Notice = s.cardNotice()
	}
	if before == Idle && s.Screen != Idle {
		s.Started = s.Now
	}
	if s.Screen != before && s.Elder && s.Screen != Idle {
		eff = append(eff, Speak{Text: s.spoken()})
	}
	s.Rev++
	return s, eff
}
