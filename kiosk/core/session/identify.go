package session

import (
	"sckiosk/devices/device"
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/msg"
)

// identifyEvent handles who the citizen is: a card read or removed, a code
// scanned and the platform's answer to it, and a scanned receipt's case.
func identifyEvent(s State, ev Event) (State, []Effect, origin) {
	var eff []Effect
	switch e := ev.(type) {
	case CardRead:
		s = s.countFor(device.IDCard, "reads")
		s.CardOnReader, s.CardLeft = true, msg.Text{}
		if s.selfTest(TechReadCard) {
			return cardSelfTest(s, e.Person), nil, fromKiosk
		}
		if !s.CardAway.IsZero() && s.Person != nil {
			return cardBack(s, e.Person), nil, fromKiosk
		}
		s, eff = identify(s, e.Person)
	case CodeVerified:
		if s.Screen == Identifying {
			s, eff = identify(s, e.Person)
		}
	case CardRemoved:
		s.CardOnReader, s.CardLeft = false, msg.Text{}
		s, eff = cardLifted(s)
	case ReadFailed:
		s = s.countFor(device.IDCard, "failures")
		if s.selfTest(TechReadCard) {
			s.Tech.Busy, s.Tech.Notice = "", msg.New(msg.TechReadFailed, e.Cause)
			break
		}
		if s.Screen == Idle || s.Screen == Identifying {
			s.Screen, s.Notice = Identifying, msg.New(msg.DeviceCause, e.Cause)
		}
	case CodeScanned:
		s = s.countFor(device.Scanner, "codes")
		if s.selfTest(TechScanCode) {
			return codeSelfTest(s, e.Text), nil, fromKiosk
		}
		if s.Screen == Idle || s.Screen == Identifying {
			s.Screen, s.Notice = Identifying, msg.New(msg.CodeVerifying)
			eff = append(eff, VerifyCode{Text: e.Text})
		}
	case CaseFound:
		if s.Screen == Identifying && s.Person == nil {
			c := e.Case
			s.Case, s.Screen = &c, CaseView
		}
	case CodeRejected:
		if s.Screen == Identifying {
			s.Notice = e.Notice
		}
	}
	return s, eff, fromKiosk
}

// identify takes the person a card or a code named as the applicant, unless
// the card is forged or expired; mid-visit it changes nothing.
func identify(s State, p identity.Person) (State, []Effect) {
	if s.Screen != Idle && s.Screen != Identifying {
		return s, nil // a card placed mid-visit does not change who applies
	}
	s.Screen = Identifying
	if p.Source == identity.SourceIDCard && p.ValidateCardNumber() != nil {
		p.Wipe()
		s.Notice = msg.New(msg.CardInvalid)
		return s, []Effect{Log{Msg: "card rejected: invalid identity number"}}
	}
	if p.Expired(s.Now) && !s.Config.AllowExpired {
		p.Wipe()
		s.Notice = msg.New(msg.CardExpired)
		return s, []Effect{Log{Msg: "card rejected: expired"}}
	}
	s.Person = &p
	s.Screen, s.Page = ChooseItem, 0
	return s, []Effect{Log{Msg: "citizen identified", Attrs: []any{"source", string(p.Source), "person", p}}}
}
