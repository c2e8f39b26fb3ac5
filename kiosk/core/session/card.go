package session

import (
	"time"

	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/msg"
)

// HeldOnReader is the card rule per identity source: whether the
// credential lies on a reader for the whole visit. Lifting it mid-visit
// asks for it back and ends the visit CardGrace later; a visit that ends
// with it still there asks the citizen to take it. The ID card and the
// social security card are held; a code, shown once, is not.
func HeldOnReader(src identity.Source) bool {
	switch src {
	case identity.SourceIDCard, identity.SourceSSCard:
		return true
	}
	return false
}

// cardReminderEvery is how often the reminder to take a card left on the
// reader is spoken again while it lies there.
const cardReminderEvery = 15 * time.Second

// held reports whether the visit's applicant identified with a credential
// that lies on a reader.
func (s State) held() bool { return s.Person != nil && HeldOnReader(s.Person.Source) }

// idCard reports whether the visit's card is a resident ID card (worded
// 身份证), not another card (证件).
func (s State) idCard() bool {
	return s.Person != nil && s.Person.Source == identity.SourceIDCard &&
		(s.Person.CardType == identity.CardResident || s.Person.CardType == "")
}

// cardGrace is how long a lifted card may stay away: the configured grace,
// doubled in elder mode like every timeout.
func (s State) cardGrace() time.Duration {
	d := max(s.Config.CardGrace, 0)
	if s.Elder {
		d *= 2
	}
	return d
}

// putBack is the prompt while the visit's card is away: put it back within
// the grace time.
func (s State) putBack() msg.Text {
	secs := int(s.cardGrace() / time.Second)
	if s.idCard() {
		return msg.New(msg.CardPutBackID, secs)
	}
	return msg.New(msg.CardPutBack, secs)
}

// cardNotice is the notice a new screen starts with: the put-back prompt
// while the card is away, else none.
func (s State) cardNotice() msg.Text {
	if !s.CardAway.IsZero() {
		return s.putBack()
	}
	return msg.Text{}
}

// cardLifted handles the visit's card leaving the reader: the done screen
// ends (the citizen has taken it, and the receipt), the screens of a
// visit under way ask for it back and start the grace time.
func cardLifted(s State) (State, []Effect) {
	switch {
	case s.Screen == Done && !s.Result.Printing && s.Result.PrintNotice.IsZero():
		return endVisit(s, WipeCardRemoved)
	case !s.held() || !s.CardAway.IsZero():
		return s, nil
	}
	switch s.Screen {
	case ChooseItem, ItemGuide, Form, Review:
	default:
		return s, nil // submitting, done, failed: the visit ends on its own
	}
	s.CardAway = s.Now
	if s.cardGrace() == 0 {
		return endVisit(s, WipeCardRemoved)
	}
	s.Notice = s.putBack()
	return s, []Effect{Speak{Text: s.Notice}, Log{Msg: "card lifted mid-visit", Attrs: []any{"screen", s.Screen.String()}}}
}

// cardBack handles a card read while the visit's card is away: the same
// card (the same number) resumes the visit; another card changes nothing.
func cardBack(s State, p identity.Person) State {
	if p.Number == s.Person.Number && p.Source == s.Person.Source {
		s.CardAway = time.Time{}
		if s.Notice.Key == msg.CardPutBackID || s.Notice.Key == msg.CardPutBack {
			s.Notice = msg.Text{}
		}
	}
	p.Wipe()
	return s
}

// cardTick ends the visit when a lifted card has stayed away for the
// grace time, and speaks the reminder to take a card left on the reader
// again every cardReminderEvery.
func cardTick(s State) (State, []Effect, bool) {
	if !s.CardAway.IsZero() && !s.Now.Before(s.CardAway.Add(s.cardGrace())) {
		s, eff := endVisit(s, WipeCardRemoved)
		return s, eff, true
	}
	if s.Screen == Idle && !s.CardLeft.IsZero() && !s.Now.Before(s.cardSpoken.Add(cardReminderEvery)) {
		s.cardSpoken = s.Now
		return s, []Effect{Speak{Text: s.CardLeft}}, false
	}
	return s, nil, false
}

// cardLeftBehind is the reminder for a visit that ends with a card still
// on the reader, or none: worded for an ID card when the visit's card was
// one, for a card otherwise.
func (s State) cardLeftBehind() msg.Text {
	if !s.CardOnReader {
		return msg.Text{}
	}
	if s.idCard() {
		return msg.New(msg.CardLeftID)
	}
	return msg.New(msg.CardLeft)
}
