package wire

import (
	"sckiosk/devices/idcard"
	"sckiosk/kiosk/core/identity"
)

// Person turns a card as read into the session's identity, for all four
// card types. The photo bytes are shared, so the core's wipe zeroes the
// driver's copy too.
func Person(c idcard.Card) identity.Person {
	return identity.Person{
		Source: identity.SourceIDCard, CardType: c.Type.Identity(),
		Name: c.Name, NameEN: c.NameEN, Sex: c.Sex, Nation: c.Nation, Birth: c.Birth,
		Address: c.Address, Number: c.Number, Authority: c.Authority, ValidFrom: c.ValidFrom, ValidTo: c.ValidTo,
		Nationality: c.Nationality, PassNumber: c.PassNumber, IssueCount: c.IssueCount,
		RenewalCount: c.RenewalCount, AppendedAddress: c.AppendedAddress,
		Photo: c.Photo,
	}
}
