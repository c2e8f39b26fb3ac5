package session

import (
	"time"

	"sckiosk/devices/device"
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/msg"
)

// technicianEvent handles technician mode: the hidden corner, the PIN pad
// and its check, and the technician's commands and their outcomes.
func technicianEvent(s State, ev Event) (State, []Effect, origin) {
	var eff []Effect
	switch e := ev.(type) {
	case CornerTap:
		if s.Screen != Idle {
			break // a tap mid-visit is just a tap
		}
		s, eff = cornerTap(s)
		return s, eff, fromKiosk
	case TechKey:
		switch {
		case s.Screen != TechPIN:
		case e.R == TechDelete && s.Tech.PIN != "":
			s.Tech.PIN = s.Tech.PIN[:len(s.Tech.PIN)-1]
		case e.R == TechClear:
			s.Tech.PIN = ""
		case e.R >= '0' && e.R <= '9' && len(s.Tech.PIN) < 12:
			s.Tech.PIN += string(e.R)
		}
	case TechSubmit:
		if s.Screen == TechPIN && s.Tech.PIN != "" && s.Tech.Busy == "" {
			eff = append(eff, CheckPIN{PIN: s.Tech.PIN})
			s.Tech.PIN, s.Tech.Busy, s.Tech.Notice = "", "pin", msg.New(msg.TechVerifyingPIN)
		}
	case PINChecked:
		if s.Screen == TechPIN {
			s = pinChecked(s, e)
		}
		return s, nil, fromKiosk
	case TechAction:
		if s.Screen == TechMenu && s.Tech.Busy == "" {
			switch e.Name {
			case TechReadCard: // answered by the reader itself
				s.Tech.Busy, s.Tech.Notice = e.Name, msg.New(msg.TechReadCardWait)
			case TechScanCode:
				s.Tech.Busy, s.Tech.Notice = e.Name, msg.New(msg.TechScanCodeWait)
			default:
				s.Tech.Busy, s.Tech.Notice = e.Name, msg.New(msg.TechRunning)
				eff = append(eff, TechCommand{Name: e.Name})
			}
		}
	case TechDone:
		if s.Screen == TechMenu {
			s.Tech.Busy, s.Tech.Notice = "", e.Message
		}
		if e.Name == TechPrintTest && e.Message.Key == msg.TechTestPrinted {
			s = s.countFor(device.Printer, "test_prints") // paper used, too
		}
		return s, nil, fromKiosk
	}
	return s, eff, fromUser
}

// The PIN pad's keys besides the digits, as TechKey runes: 删除 and 清空.
const (
	TechDelete = '\b'
	TechClear  = '\x18'
)

// cornerTap counts taps on the attract screen's hidden corner: five within
// three seconds open the PIN pad.
func cornerTap(s State) (State, []Effect) {
	var recent []time.Time
	for _, t := range s.Tech.Corner {
		if s.Now.Sub(t) < 3*time.Second {
			recent = append(recent, t)
		}
	}
	s.Tech.Corner = append(recent, s.Now)
	if len(s.Tech.Corner) < 5 {
		return s, nil
	}
	s.Tech = Tech{}
	s.Screen = TechPIN
	if s.Config.TechDisabled { // say so now, not after six digits
		s.Tech.Notice = msg.New(msg.TechPINDisabled)
	}
	return s, []Effect{Log{Msg: "technician PIN pad opened"}}
}

// pinChecked shows the answer to the PIN check: the menu, or why not.
func pinChecked(s State, e PINChecked) State {
	s.Tech.Busy = ""
	switch {
	case e.Disabled:
		s.Tech.Notice = msg.New(msg.TechPINDisabled)
	case e.OK:
		s.Screen, s.Tech.Notice = TechMenu, msg.Text{}
	case e.Locked:
		s.Tech.Notice = msg.New(msg.TechPINLocked, int(e.Remaining.Minutes()+0.999))
	default:
		s.Tech.Notice = msg.New(msg.TechPINWrong, e.TriesLeft)
	}
	return s
}

// selfTest reports whether the technician's self-test name waits for its
// device.
func (s State) selfTest(name string) bool { return s.Screen == TechMenu && s.Tech.Busy == name }

// cardSelfTest ends the card reader's self-test with the masked card read;
// the person is wiped at once and never becomes an applicant.
func cardSelfTest(s State, p identity.Person) State {
	m := p.Mask()
	p.Wipe()
	s.Tech.Busy, s.Tech.Notice = "", msg.New(msg.TechReadPassed, m.Name, m.Number)
	return s
}

// codeSelfTest ends the scanner's self-test: a code came, of this length.
func codeSelfTest(s State, code string) State {
	s.Tech.Busy, s.Tech.Notice = "", msg.New(msg.TechScanPassed, len([]rune(code)))
	return s
}
