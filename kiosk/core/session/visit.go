package session

import (
	"time"

	"sckiosk/kiosk/core/msg"
)

// visitEvent handles the visit itself: time passing, starting, leaving,
// going back, asking for more time and elder mode.
func visitEvent(s State, ev Event) (State, []Effect, origin) {
	switch e := ev.(type) {
	case Tick:
		wasCounting := s.CountingDown()
		s.Now = e.Now
		s, eff, ended := cardTick(s)
		if ended {
			return s, eff, fromKiosk
		}
		if !s.Deadline.IsZero() && !s.Now.Before(s.Deadline) {
			s, eff := endVisit(s, WipeTimeout)
			return s, eff, fromKiosk
		}
		if !wasCounting && s.CountingDown() {
			eff = append(eff, Speak{Text: msg.New(msg.SpeechCountdown)})
		}
		return s, eff, clockOnly
	case ToggleElder:
		s.Elder = !s.Elder
		if s.Elder {
			return s, []Effect{Speak{Text: s.spoken()}}, fromUser
		}
	case Start:
		if s.Screen == Idle {
			s.Screen, s.CardLeft = Identifying, msg.Text{}
			if s.CardOnReader { // read once when placed: it is not known who left it
				s.Notice = msg.New(msg.CardPlaceAgain)
				return s, []Effect{Speak{Text: s.Notice}}, fromUser
			}
		}
	case Cancel:
		if s.Screen != Idle && s.Screen != Submitting {
			reason := WipeCancel
			if s.Screen == Done {
				reason = WipeDone
			}
			s, eff := endVisit(s, reason)
			return s, eff, fromUser
		}
	case Back:
		s, eff := back(s)
		return s, eff, fromUser
	case Continue:
		// Only the deadline moves, as after every tap.
	}
	return s, nil, fromUser
}

// deadline is when the current screen times out; zero for never.
func (s State) deadline() (t time.Time) {
	d := s.Config.Timeouts[s.Screen]
	if d <= 0 || s.Screen == Idle || s.Screen == Submitting {
		return t
	}
	if s.Elder {
		d *= 2
	}
	return s.Now.Add(d)
}

// back returns to the previous step; from the first steps of a visit it
// ends the visit.
func back(s State) (State, []Effect) {
	switch s.Screen {
	case Identifying, ChooseItem, Failed, TechPIN, TechMenu, CaseView:
		return endVisit(s, WipeCancel)
	case ItemGuide:
		s.Item, s.Screen = nil, ChooseItem
	case Form:
		s.Values, s.FieldError, s.Focus, s.Compose, s.Screen = nil, nil, "", "", ItemGuide
	case Review:
		s.Consent, s.Screen = false, Form
	}
	return s, nil
}

// endVisit drops everything personal from the state and tells the runtime
// to wipe the rest. Every path back to Idle goes through here.
func endVisit(s State, reason WipeReason) (State, []Effect) {
	from := s.Screen
	w := Wipe{Reason: reason, From: from, Started: s.Started, Ended: s.Now, Erased: erased(s)}
	if s.Result.Queued {
		w.Queued = s.Result.RequestID
	}
	left := s.cardLeftBehind()
	if s.Person != nil {
		s.Person.Wipe()
	}
	s = State{Config: s.Config, Now: s.Now, Rev: s.Rev, Catalog: s.Catalog, Index: s.Index, Devices: s.Devices,
		Platform: s.Platform, PendingUploads: s.PendingUploads, PlatformError: s.PlatformError, Counters: s.Counters,
		Screen: Idle, Elder: s.Config.ElderDefault,
		CardOnReader: s.CardOnReader, CardLeft: left, cardSpoken: s.Now}
	eff := []Effect{
		Log{Msg: "visit ended", Attrs: []any{"reason", string(reason), "from", from.String()}},
		w,
	}
	if !left.IsZero() {
		eff = append(eff, Speak{Text: left})
	}
	return s, eff
}

// erased counts, by category, the personal data a state holds. The
// counts go to the erasure record; the data does not.
func erased(s State) map[string]int {
	m := map[string]int{}
	if s.Person != nil {
		m["identity"] = 1
		if n := len(s.Person.Photo); n > 0 {
			m["photo_bytes"] = n
		}
	}
	for _, v := range s.Values {
		if v != "" {
			m["form_values"]++
		}
	}
	if s.Query != "" {
		m["search_text"] = 1
	}
	if s.Compose != "" {
		m["keyboard_text"] = 1
	}
	if len(s.Result.Receipt.Blocks) > 0 {
		m["receipt"] = 1
	}
	return m
}
