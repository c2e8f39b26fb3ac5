package drill

import (
	"sckiosk/devices/idcard"
	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/adapters/privacy"
	"sckiosk/kiosk/core/identity"
)

// Citizen is one synthetic citizen of a drill: a card the reader reads, or
// an identity the platform simulator issues a 天府通办 code for.
type Citizen struct {
	Card   idcard.Card        // on the reader, unless App is set
	App    *platform.Identity // shown as an app code on the scanner
	Phone  string
	Reason string // 签注事由 the form is given
}

// Kind is how the citizen identifies: the card type (identity.CardType)
// or "app".
func (c Citizen) Kind() string {
	if c.App != nil {
		return platform.CodeKindApp
	}
	return string(c.Card.Type.Identity())
}

// Identities are what a privacy scan looks for after the citizen's visit:
// the name (and a foreign card's English name), number, address and phone.
func (c Citizen) Identities() []privacy.Identity {
	if c.App != nil {
		return []privacy.Identity{{Name: c.App.Name, Number: c.App.Number, Phone: c.Phone}}
	}
	ids := []privacy.Identity{{Name: c.Card.Name, Number: c.Card.Number, Address: c.Card.Address, Phone: c.Phone}}
	if c.Card.AppendedAddress != "" {
		ids = append(ids, privacy.Identity{Address: c.Card.AppendedAddress})
	}
	if c.Card.NameEN != "" {
		ids = append(ids, privacy.Identity{Name: c.Card.NameEN})
	}
	return ids
}

// Citizens are the drill's citizens, fictitious, in the order visits take
// them: every card type the reader decodes (resident ID card, both foreign
// permanent residence cards, the Hong Kong/Macau/Taiwan residence permit)
// and 天府通办 codes, with names in rare characters outside the common set
// (䶮 U+4DAE, 𠮷 U+20BB7 beyond the BMP) and English names that fill
// their slots. Every number has a valid check character. Each call returns
// fresh copies.
func Citizens() []Citizen {
	photo := idcard.SampleCard().Photo
	return []Citizen{
		{Card: idcard.Card{Type: idcard.CardResident, Name: "刘䶮", Sex: "男", Nation: "汉", Birth: "19880315",
			Address: "四川省成都市青羊区人民中路一段10号", Number: withCheck("51010519880315003"),
			Authority: "成都市公安局青羊区分局", ValidFrom: "20180315", ValidTo: "20380315", Photo: photo},
			Phone: "13912345670", Reason: "居住"},
		{Card: idcard.Card{Type: idcard.CardForeign2017, NameEN: "MONTGOMERY-WILLIAMSON, ALEXANDRA ELIZABETH CATHERINE",
			Name: "蒙哥马利", Sex: "女", Number: "GBR510092071524", Nationality: "GBR", Birth: "19920715",
			ValidFrom: "20190801", ValidTo: "20290801", CardVersion: "01", Authority: "5100", Photo: photo},
			Phone: "13698765432", Reason: "就业"},
		{Card: idcard.Card{Type: idcard.CardHMTPermit, Name: "林𠮷", Sex: "女", Birth: "19950620",
			Address: "四川省成都市锦江区东大街下东大街段99号", Number: withCheck("83000019950620002"),
			Authority: "成都市公安局锦江区分局", ValidFrom: "20260901", ValidTo: "20310901",
			PassNumber: "01234567", IssueCount: "02", Photo: photo},
			Phone: "15011112222", Reason: "就读"},
		{Card: idcard.Card{Type: idcard.CardForeign2023, Name: "奥孔克沃", NameEN: "OKONKWO-ADEBAYO, CHUKWUEMEKA OLUWASEUN BABA",
			Sex: "男", RenewalCount: "01", Birth: "19900704", Number: withCheck("95156619900704001"),
			Nationality: "NGA", OldNumberRef: "000", ValidFrom: "20240101", ValidTo: "20340101", Photo: photo},
			Phone: "18623456789", Reason: "就业"},
		{App: &platform.Identity{IDType: "111", Number: withCheck("51010720000229006"), Name: "𠮷晓峰", Kind: platform.CodeKindApp},
			Phone: "17787654321", Reason: "居住"},
		{Card: idcard.Card{Type: idcard.CardResident, Name: "阿依古丽·买买提", Sex: "女", Nation: "维吾尔", Birth: "19930808",
			Address: "新疆维吾尔自治区乌鲁木齐市天山区解放南路88号", AppendedAddress: "四川省成都市武侯区科华北路65号",
			Number: withCheck("65010219930808002"), Authority: "乌鲁木齐市公安局天山区分局",
			ValidFrom: "20130808", ValidTo: "20330808", Photo: photo},
			Phone: "13355556666", Reason: "就读"},
		{App: &platform.Identity{IDType: "111", Number: withCheck("50010119761111015"), Name: "欧阳䶮龙", Kind: platform.CodeKindApp},
			Phone: "19900001111", Reason: "居住"},
	}
}

// withCheck appends the GB 11643 check character to a constant first 17
// digits.
func withCheck(first17 string) string {
	c, err := identity.CheckDigit(first17)
	if err != nil {
		panic("drill: citizen number: " + err.Error()) // constant input
	}
	return first17 + string(c)
}
