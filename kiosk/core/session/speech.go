package session

import (
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/msg"
)

// prompts are what elder mode says on entering a screen. They never carry
// personal data.
var prompts = map[Screen]msg.Key{
	Idle:        msg.PromptIdle,
	Identifying: msg.PromptIdentifying,
	ChooseItem:  msg.PromptChooseItem,
	ItemGuide:   msg.PromptItemGuide,
	Form:        msg.PromptForm,
	Review:      msg.PromptReview,
	Submitting:  msg.PromptSubmitting,
	Done:        msg.PromptDone,
	Failed:      msg.PromptFailed,
}

// spoken is what elder mode says on entering s's screen: at the end of a
// visit it asks for the card back only when a card was read.
func (s State) spoken() msg.Text {
	if s.Screen == Done && TakeBack(s.Person).IsZero() {
		return msg.New(msg.PromptDoneNoCard)
	}
	return prompt(s.Screen)
}

// ApplicantFrom says where the applicant's details on a form came from:
// the card read, or the code shown.
func ApplicantFrom(p *identity.Person) msg.Text {
	switch {
	case p == nil:
		return msg.Text{}
	case p.Source == identity.SourceBusiness:
		return msg.New(msg.ApplicantFromLicence)
	case p.Source != identity.SourceIDCard:
		return msg.New(msg.ApplicantFromApp)
	case p.CardType == identity.CardResident || p.CardType == "":
		return msg.New(msg.ApplicantFromIDCard)
	}
	return msg.New(msg.ApplicantFromPermit)
}

// TakeBack is the reminder to take the card back at the end of a visit;
// none when the citizen identified with a code.
func TakeBack(p *identity.Person) msg.Text {
	switch {
	case p == nil || p.Source != identity.SourceIDCard:
		return msg.Text{}
	case p.CardType == identity.CardResident || p.CardType == "":
		return msg.New(msg.TakeIDCardBack)
	}
	return msg.New(msg.TakeCardBack)
}

// prompt is what elder mode says on entering screen sc; no message for the
// technician's screens and the case view.
func prompt(sc Screen) msg.Text {
	if k, ok := prompts[sc]; ok {
		return msg.New(k)
	}
	return msg.Text{}
}
