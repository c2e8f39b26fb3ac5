package wire

import (
	"sckiosk/devices/idcard"
	"sckiosk/kiosk/identity"
)

// Person turns a card as read into the session's identity. The photo
// bytes are shared, so the core's wipe zeroes the driver's copy too.
func Person(c idcard.Card) identity.Person {
	return identity.Person{
		Source: identity.SourceIDCard, Name: c.Name, Sex: c.Sex, Nation: c.Nation, Birth: c.Birth,
		Address: c.Address, Number: c.Number, Authority: c.Authority, ValidFrom: c.ValidFrom, ValidTo: c.ValidTo,
		Photo: c.Photo,
	}
}
