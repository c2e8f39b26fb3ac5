package session

import (
	"testing"

	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/msg"
)

// The form's "from" note and the end-of-visit reminder follow how the
// citizen identified: no ID card is asked back after a code.
func TestWordingByCredential(t *testing.T) {
	tests := []struct {
		name       string
		p          *identity.Person
		from, back msg.Key
		spoken     msg.Key
	}{
		{"resident card", &identity.Person{Source: identity.SourceIDCard, CardType: identity.CardResident}, msg.ApplicantFromIDCard, msg.TakeIDCardBack, msg.PromptDone},
		{"foreign card", &identity.Person{Source: identity.SourceIDCard, CardType: identity.CardForeign2023}, msg.ApplicantFromPermit, msg.TakeCardBack, msg.PromptDone},
		{"HMT permit", &identity.Person{Source: identity.SourceIDCard, CardType: identity.CardHMTPermit}, msg.ApplicantFromPermit, msg.TakeCardBack, msg.PromptDone},
		{"天府通办 or 亮证 code", &identity.Person{Source: identity.SourceQR}, msg.ApplicantFromApp, msg.None, msg.PromptDoneNoCard},
		{"business licence code", &identity.Person{Source: identity.SourceBusiness}, msg.ApplicantFromLicence, msg.None, msg.PromptDoneNoCard},
	}
	for _, tt := range tests {
		if got := ApplicantFrom(tt.p).Key; got != tt.from {
			t.Errorf("%s: ApplicantFrom = %v, want %v", tt.name, got, tt.from)
		}
		if got := TakeBack(tt.p).Key; got != tt.back {
			t.Errorf("%s: TakeBack = %v, want %v", tt.name, got, tt.back)
		}
		s := State{Screen: Done, Person: tt.p}
		if got := s.spoken().Key; got != tt.spoken {
			t.Errorf("%s: spoken on Done = %v, want %v", tt.name, got, tt.spoken)
		}
	}
}
