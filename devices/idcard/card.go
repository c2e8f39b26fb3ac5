package idcard

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf16"

	"sckiosk/kiosk/core/identity"
)

// Block sizes of the 30 01 base message.
const (
	TextSize    = 256  // UTF-16LE text block
	PhotoSize   = 1024 // WLT photo block
	AddressSize = 70   // 30 03 appended address, UTF-16LE
)

// Errors of the card-data layer.
var (
	// ErrUnsupportedCardType is kept for callers that test for it; every
	// card type of devices.md §2 is decoded now, so DecodeText no longer
	// returns it.
	ErrUnsupportedCardType = errors.New("idcard: unsupported card type")
	// ErrTextSize is returned for a text block that is not 256 bytes.
	ErrTextSize = errors.New("idcard: text block size")
	// ErrField is returned by EncodeText for a value that does not fit.
	ErrField = errors.New("idcard: bad field")
)

// Permanent is the valid-to value of a card without end date.
const Permanent = "长期"

// CardType is the kind of card, from the flag at byte 248 of the text block.
type CardType int

// Card types (devices.md §2.1).
const (
	CardResident    CardType = iota // 居民身份证
	CardHMTPermit                   // 港澳台居民居住证, flag 'J'
	CardForeign2017                 // 外国人永久居留身份证 2017, flag 'I'
	CardForeign2023                 // 外国人永久居留身份证 2023, flag 'Y'
)

// String returns the English name of the card type.
func (t CardType) String() string {
	switch t {
	case CardResident:
		return "resident ID card"
	case CardHMTPermit:
		return "Hong Kong/Macau/Taiwan residence permit"
	case CardForeign2017:
		return "foreign permanent residence ID card (2017)"
	case CardForeign2023:
		return "foreign permanent residence ID card (2023)"
	}
	return fmt.Sprintf("card type %d", int(t))
}

// Identity returns the matching [identity.CardType], which is also the
// card_type key of the CLI's JSON ("resident", "hmt_resident_permit", …).
func (t CardType) Identity() identity.CardType {
	switch t {
	case CardHMTPermit:
		return identity.CardHMTPermit
	case CardForeign2017:
		return identity.CardForeign2017
	case CardForeign2023:
		return identity.CardForeign2023
	}
	return identity.CardResident
}

// ParseCardType is the inverse of [CardType.Identity].
func ParseCardType(s string) (CardType, bool) {
	for _, t := range []CardType{CardResident, CardHMTPermit, CardForeign2017, CardForeign2023} {
		if string(t.Identity()) == s {
			return t, true
		}
	}
	return 0, false
}

// flag returns the type flag character stored at byte 248, 0 for resident.
func (t CardType) flag() byte {
	switch t {
	case CardHMTPermit:
		return 'J'
	case CardForeign2017:
		return 'I'
	case CardForeign2023:
		return 'Y'
	}
	return 0
}

// TypeOf returns the card type flagged in a text block (which must hold at
// least 250 bytes; shorter blocks count as resident cards).
func TypeOf(block []byte) CardType {
	if len(block) < 250 || block[249] != 0 {
		return CardResident
	}
	switch block[248] {
	case 'J':
		return CardHMTPermit
	case 'I':
		return CardForeign2017
	case 'Y':
		return CardForeign2023
	}
	return CardResident
}

// Card is what an ID card holds, for all four layouts of devices.md §2.
// Sex and Nation are decoded to their Chinese names (男, 汉); dates are
// YYYYMMDD, ValidTo may be [Permanent]. Fields a card type lacks stay
// empty. Photo is the undecoded WLT block.
type Card struct {
	Type CardType

	Name      string // Chinese name (中文姓名)
	Sex       string // 男, 女, 未知, 未说明 or an unknown raw code
	Nation    string // resident cards only
	Birth     string
	Address   string // resident cards and HMT permits
	Number    string // ID, permit or permanent residence number
	Authority string // 签发机关; on 2017 foreign cards the 4-char accepting-authority code
	ValidFrom string
	ValidTo   string

	NameEN       string // English name, foreign cards
	Nationality  string // three-letter country code, foreign cards
	PassNumber   string // 通行证号码, HMT permits
	IssueCount   string // 签发次数, HMT permits
	RenewalCount string // 换证次数, 2023 foreign cards
	CardVersion  string // 证件版本号, 2017 foreign cards
	OldNumberRef string // 3 characters linking a 2023 card to the old 15-char number

	// AppendedAddress is the newest address (追加住址) read with 30 03,
	// empty when the card has none.
	AppendedAddress string

	Photo []byte
}

// Wipe zeroes the photo bytes and drops every field. Go strings cannot be
// overwritten; dropping the references keeps their lifetime short.
func (c *Card) Wipe() {
	clear(c.Photo)
	*c = Card{}
}

// Person is the card as the session's identity, for all four card types.
// The photo bytes are shared, so the core's wipe zeroes the driver's copy
// too.
func (c Card) Person() identity.Person {
	return identity.Person{
		Source: identity.SourceIDCard, CardType: c.Type.Identity(),
		Name: c.Name, NameEN: c.NameEN, Sex: c.Sex, Nation: c.Nation, Birth: c.Birth,
		Address: c.Address, Number: c.Number, Authority: c.Authority, ValidFrom: c.ValidFrom, ValidTo: c.ValidTo,
		Nationality: c.Nationality, PassNumber: c.PassNumber, IssueCount: c.IssueCount,
		RenewalCount: c.RenewalCount, AppendedAddress: c.AppendedAddress,
		Photo: c.Photo,
	}
}

// LogValue makes slog print only the card type and the masked name and
// number.
func (c Card) LogValue() slog.Value {
	name := c.Name
	if name == "" {
		name = c.NameEN
	}
	return slog.GroupValue(
		slog.String("type", string(c.Type.Identity())),
		slog.String("name", identity.MaskName(name)),
		slog.String("number", identity.MaskNumber(c.Number)),
	)
}

// ValidateNumber checks the card number by the rules of its type (see
// [identity.Person.ValidateCardNumber]).
func (c Card) ValidateNumber() error {
	return identity.Person{CardType: c.Type.Identity(), Number: c.Number}.ValidateCardNumber()
}

// Expired reports whether the card's validity ended before day. A card
// whose end date cannot be parsed is not reported expired here; the
// session core decides on it.
func (c Card) Expired(day time.Time) bool {
	return identity.Person{ValidTo: c.ValidTo}.Expired(day)
}

// field is one fixed-width slot of the text block, in bytes. A field with
// size2 > 0 continues in a second slot (the 2023 card's English name).
type field struct {
	name        string
	off, size   int
	get         func(*Card) *string
	off2, size2 int
}

func fName(c *Card) *string      { return &c.Name }
func fSex(c *Card) *string       { return &c.Sex }
func fBirth(c *Card) *string     { return &c.Birth }
func fAddress(c *Card) *string   { return &c.Address }
func fNumber(c *Card) *string    { return &c.Number }
func fAuthority(c *Card) *string { return &c.Authority }
func fFrom(c *Card) *string      { return &c.ValidFrom }
func fTo(c *Card) *string        { return &c.ValidTo }
func fNameEN(c *Card) *string    { return &c.NameEN }
func fNationality(c *Card) *string {
	return &c.Nationality
}

// layouts are devices.md §2.2–2.5, by card type.
var layouts = [...][]field{
	CardResident: {
		{name: "name", off: 0, size: 30, get: fName},
		{name: "sex", off: 30, size: 2, get: fSex},
		{name: "nation", off: 32, size: 4, get: func(c *Card) *string { return &c.Nation }},
		{name: "birth", off: 36, size: 16, get: fBirth},
		{name: "address", off: 52, size: 70, get: fAddress},
		{name: "number", off: 122, size: 36, get: fNumber},
		{name: "authority", off: 158, size: 30, get: fAuthority},
		{name: "validfrom", off: 188, size: 16, get: fFrom},
		{name: "validto", off: 204, size: 16, get: fTo},
	},
	CardHMTPermit: {
		{name: "name", off: 0, size: 30, get: fName},
		{name: "sex", off: 30, size: 2, get: fSex},
		{name: "birth", off: 36, size: 16, get: fBirth},
		{name: "address", off: 52, size: 70, get: fAddress},
		{name: "number", off: 122, size: 36, get: fNumber},
		{name: "authority", off: 158, size: 30, get: fAuthority},
		{name: "validfrom", off: 188, size: 16, get: fFrom},
		{name: "validto", off: 204, size: 16, get: fTo},
		{name: "passnumber", off: 220, size: 18, get: func(c *Card) *string { return &c.PassNumber }},
		{name: "issuecount", off: 238, size: 4, get: func(c *Card) *string { return &c.IssueCount }},
	},
	CardForeign2017: {
		{name: "name_en", off: 0, size: 120, get: fNameEN},
		{name: "sex", off: 120, size: 2, get: fSex},
		{name: "number", off: 122, size: 30, get: fNumber},
		{name: "nationality", off: 152, size: 6, get: fNationality},
		{name: "name", off: 158, size: 30, get: fName},
		{name: "validfrom", off: 188, size: 16, get: fFrom},
		{name: "validto", off: 204, size: 16, get: fTo},
		{name: "birth", off: 220, size: 16, get: fBirth},
		{name: "version", off: 236, size: 4, get: func(c *Card) *string { return &c.CardVersion }},
		{name: "authority", off: 240, size: 8, get: fAuthority},
	},
	CardForeign2023: {
		{name: "name", off: 0, size: 30, get: fName},
		{name: "sex", off: 30, size: 2, get: fSex},
		{name: "renewalcount", off: 32, size: 4, get: func(c *Card) *string { return &c.RenewalCount }},
		{name: "birth", off: 36, size: 16, get: fBirth},
		{name: "name_en", off: 52, size: 70, get: fNameEN, off2: 220, size2: 22},
		{name: "number", off: 122, size: 36, get: fNumber},
		{name: "validfrom", off: 188, size: 16, get: fFrom},
		{name: "validto", off: 204, size: 16, get: fTo},
		{name: "nationality", off: 242, size: 6, get: fNationality},
		{name: "oldnumberref", off: 250, size: 6, get: func(c *Card) *string { return &c.OldNumberRef }},
	},
}

// DecodeText decodes the 256-byte UTF-16LE text block of any of the four
// card types; the type comes from the flag at byte 248 ([TypeOf]).
// Trailing spaces and NULs are trimmed. Unknown sex or nation codes are
// kept as the raw digits rather than rejected, so a card with a code newer
// than this table still works. Numbers are not validated here: see
// [Card.ValidateNumber].
func DecodeText(block []byte) (Card, error) {
	if len(block) != TextSize {
		return Card{}, fmt.Errorf("%w: %d bytes, want %d", ErrTextSize, len(block), TextSize)
	}
	c := Card{Type: TypeOf(block)}
	for _, f := range layouts[c.Type] {
		u := units(block[f.off : f.off+f.size])
		if f.size2 > 0 {
			u = append(u, units(block[f.off2:f.off2+f.size2])...)
		}
		*f.get(&c) = trim(string(utf16.Decode(u)))
	}
	if name, ok := sexName(c.Sex); ok {
		c.Sex = name
	}
	if c.Type == CardResident {
		if name, ok := NationName(c.Nation); ok {
			c.Nation = name
		}
	}
	return c, nil
}

// EncodeText builds the 256-byte text block of c in the layout of c.Type,
// padded with spaces and carrying the type flag, as a reader returns it.
// Sex and Nation may be names (男, 汉 or 汉族) or raw codes; Nation is
// ignored for other than resident cards. It returns an error wrapping
// [ErrField] for an unknown sex or nation or a value longer than its slot.
func EncodeText(c Card) ([]byte, error) {
	if c.Type < CardResident || c.Type > CardForeign2023 {
		return nil, fmt.Errorf("%w: unknown card type %d", ErrField, int(c.Type))
	}
	sex, ok := sexCode(c.Sex)
	if !ok {
		return nil, fmt.Errorf("%w: unknown sex %q", ErrField, c.Sex)
	}
	c.Sex = sex
	if c.Type == CardResident {
		nation, ok := NationCode(c.Nation)
		if !ok {
			return nil, fmt.Errorf("%w: unknown nation %q", ErrField, c.Nation)
		}
		c.Nation = nation
	}
	block := make([]byte, TextSize)
	for i := 0; i < TextSize; i += 2 {
		block[i] = ' '
	}
	for _, f := range layouts[c.Type] {
		u := utf16.Encode([]rune(*f.get(&c)))
		if 2*len(u) > f.size+f.size2 {
			return nil, fmt.Errorf("%w: %s is %d UTF-16 units, slot holds %d", ErrField, f.name, len(u), (f.size+f.size2)/2)
		}
		for j, v := range u {
			off := f.off + 2*j
			if 2*j >= f.size {
				off = f.off2 + 2*j - f.size
			}
			binary.LittleEndian.PutUint16(block[off:], v)
		}
	}
	if fl := c.Type.flag(); fl != 0 {
		block[248], block[249] = fl, 0
	}
	return block, nil
}

// DecodeAddress decodes the 30 03 appended address: up to 70 bytes of
// UTF-16LE, trimmed like the text block. An odd trailing byte is ignored.
func DecodeAddress(b []byte) string {
	if len(b) > AddressSize {
		b = b[:AddressSize]
	}
	return trim(string(utf16.Decode(units(b))))
}

// EncodeAddress returns the 70-byte 30 03 answer data for addr, padded with
// spaces, or an error wrapping [ErrField] if it is longer than 35 units.
func EncodeAddress(addr string) ([]byte, error) {
	u := utf16.Encode([]rune(addr))
	if 2*len(u) > AddressSize {
		return nil, fmt.Errorf("%w: appended address is %d UTF-16 units, slot holds %d", ErrField, len(u), AddressSize/2)
	}
	b := make([]byte, AddressSize)
	for i := 0; i < AddressSize; i += 2 {
		b[i] = ' '
	}
	for j, v := range u {
		binary.LittleEndian.PutUint16(b[2*j:], v)
	}
	return b, nil
}

// units reads little-endian UTF-16 code units; an odd last byte is dropped.
func units(b []byte) []uint16 {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return u
}

func trim(s string) string { return strings.TrimRight(s, " \x00") }

// SampleCard returns a fictitious resident card for simulators and tests:
// 张三, born 1990-03-07 in Wuhou district, Chengdu, with a number that passes
// the GB 11643 check and a 1024-byte photo of a non-zero ramp. Every call
// returns a fresh copy.
func SampleCard() Card { return SampleCardOf(CardResident) }

// SampleCardOf returns a fictitious card of type t with valid numbers and a
// non-zero photo ramp; every call returns a fresh copy. The 2023 foreign
// card uses the official sample number 932682198501010017 and an English
// name long enough to use both of its slots.
func SampleCardOf(t CardType) Card {
	photo := make([]byte, PhotoSize)
	for i := range photo {
		photo[i] = byte(i%255) + 1
	}
	c := Card{Type: t, Photo: photo}
	switch t {
	case CardHMTPermit:
		c.Name, c.Sex, c.Birth = "陈小明", "男", "19880512"
		c.Address = "四川省成都市锦江区红星路三段1号"
		c.Number = withCheck("81000019880512123")
		c.Authority = "成都市公安局锦江区分局"
		c.ValidFrom, c.ValidTo = "20210601", "20310601"
		c.PassNumber, c.IssueCount = "H12345678", "01"
	case CardForeign2017:
		c.NameEN, c.Sex, c.Name = "SMITH, JOHN EXAMPLE", "男", "史密斯"
		c.Number, c.Nationality = "USA510080010112", "USA"
		c.ValidFrom, c.ValidTo, c.Birth = "20170801", "20270801", "19800101"
		c.CardVersion, c.Authority = "01", "5100"
	case CardForeign2023:
		c.Name, c.Sex, c.RenewalCount, c.Birth = "阿卜杜拉", "男", "00", "19850101"
		c.NameEN = "ABDULLAH BIN MOHAMMED AL-EXAMPLE SAMPLENAME"
		c.Number, c.Nationality, c.OldNumberRef = "932682198501010017", "SAU", "000"
		c.ValidFrom, c.ValidTo = "20230101", "20330101"
	default:
		c.Type = CardResident
		c.Name, c.Sex, c.Nation, c.Birth = "张三", "男", "汉", "19900307"
		c.Address = "四川省成都市武侯区人民南路四段1号"
		c.Number = withCheck("51010719900307" + "123")
		c.Authority = "成都市公安局武侯区分局"
		c.ValidFrom, c.ValidTo = "20200101", "20400101"
	}
	return c
}

func withCheck(first17 string) string {
	check, err := identity.CheckDigit(first17)
	if err != nil {
		panic("idcard: sample number: " + err.Error()) // constant input
	}
	return first17 + string(check)
}
