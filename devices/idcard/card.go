package idcard

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf16"

	"sckiosk/kiosk/identity"
)

// Block sizes of the 30 01 base message.
const (
	TextSize  = 256  // UTF-16LE text block
	PhotoSize = 1024 // WLT photo block
)

// Errors of the card-data layer.
var (
	// ErrUnsupportedCardType is returned for the residence permit of Hong
	// Kong, Macau and Taiwan residents ('J') and the foreign permanent
	// residence ID cards ('I', 'Y'), which are not decoded yet.
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

// Card is what an ordinary resident ID card holds. Sex and Nation are
// decoded to their Chinese names (男, 汉); dates are YYYYMMDD, ValidTo may be
// [Permanent]. Photo is the undecoded WLT block.
type Card struct {
	Name, Sex, Nation, Birth, Address, Number, Authority, ValidFrom, ValidTo string
	Photo                                                                    []byte
}

// Wipe zeroes the photo bytes and drops every field. Go strings cannot be
// overwritten; dropping the references keeps their lifetime short.
func (c *Card) Wipe() {
	clear(c.Photo)
	*c = Card{}
}

// LogValue makes slog print only the masked name and number.
func (c Card) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("name", identity.MaskName(c.Name)),
		slog.String("number", identity.MaskNumber(c.Number)),
	)
}

// field is one fixed-width slot of the text block, in bytes.
type field struct {
	name      string
	off, size int
	get       func(*Card) *string
}

// residentLayout is devices.md §2.2.
var residentLayout = [...]field{
	{"name", 0, 30, func(c *Card) *string { return &c.Name }},
	{"sex", 30, 2, func(c *Card) *string { return &c.Sex }},
	{"nation", 32, 4, func(c *Card) *string { return &c.Nation }},
	{"birth", 36, 16, func(c *Card) *string { return &c.Birth }},
	{"address", 52, 70, func(c *Card) *string { return &c.Address }},
	{"number", 122, 36, func(c *Card) *string { return &c.Number }},
	{"authority", 158, 30, func(c *Card) *string { return &c.Authority }},
	{"validfrom", 188, 16, func(c *Card) *string { return &c.ValidFrom }},
	{"validto", 204, 16, func(c *Card) *string { return &c.ValidTo }},
}

// DecodeText decodes the 256-byte UTF-16LE text block of an ordinary
// resident card. Trailing spaces and NULs are trimmed. Unknown sex or
// nation codes are kept as the raw digits rather than rejected, so a card
// with a code newer than this table still works. Other card types return an
// error wrapping [ErrUnsupportedCardType].
func DecodeText(block []byte) (Card, error) {
	if len(block) != TextSize {
		return Card{}, fmt.Errorf("%w: %d bytes, want %d", ErrTextSize, len(block), TextSize)
	}
	if t := TypeOf(block); t != CardResident {
		return Card{}, fmt.Errorf("%w: %v", ErrUnsupportedCardType, t)
	}
	var c Card
	for _, f := range residentLayout {
		*f.get(&c) = decodeUTF16(block[f.off : f.off+f.size])
	}
	if name, ok := sexName(c.Sex); ok {
		c.Sex = name
	}
	if name, ok := NationName(c.Nation); ok {
		c.Nation = name
	}
	return c, nil
}

// EncodeText builds the 256-byte text block of c, padded with spaces, as a
// reader returns it. Sex and Nation may be names (男, 汉 or 汉族) or raw
// codes. It returns an error wrapping [ErrField] for an unknown sex or
// nation or a value longer than its slot.
func EncodeText(c Card) ([]byte, error) {
	sex, ok := sexCode(c.Sex)
	if !ok {
		return nil, fmt.Errorf("%w: unknown sex %q", ErrField, c.Sex)
	}
	nation, ok := NationCode(c.Nation)
	if !ok {
		return nil, fmt.Errorf("%w: unknown nation %q", ErrField, c.Nation)
	}
	c.Sex, c.Nation = sex, nation
	block := make([]byte, TextSize)
	for i := 0; i < TextSize; i += 2 {
		block[i] = ' '
	}
	for _, f := range residentLayout {
		u := utf16.Encode([]rune(*f.get(&c)))
		if 2*len(u) > f.size {
			return nil, fmt.Errorf("%w: %s is %d UTF-16 units, slot holds %d", ErrField, f.name, len(u), f.size/2)
		}
		for j, v := range u {
			binary.LittleEndian.PutUint16(block[f.off+2*j:], v)
		}
	}
	return block, nil
}

func decodeUTF16(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return strings.TrimRight(string(utf16.Decode(u)), " \x00")
}

// sexName decodes a GB/T 2261.1 code.
func sexName(code string) (string, bool) {
	switch code {
	case "0":
		return "未知", true
	case "1":
		return "男", true
	case "2":
		return "女", true
	case "9":
		return "未说明", true
	}
	return "", false
}

// sexCode encodes a sex name, or passes a known code through.
func sexCode(s string) (string, bool) {
	for _, code := range []string{"0", "1", "2", "9"} {
		if name, _ := sexName(code); s == name || s == code {
			return code, true
		}
	}
	return "", false
}

// nations is GB/T 3304 by code; index = code for 1..56.
var nations = [...]string{
	"", "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜",
	"满", "侗", "瑶", "白", "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳",
	"佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土",
	"达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米",
	"塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔",
	"独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
}

const (
	nationOther   = "其他"
	nationForeign = "外国血统中国籍人士"
)

// NationName returns the name (without 族) of a two-digit GB/T 3304
// nation code, e.g. "01" → "汉".
func NationName(code string) (string, bool) {
	if len(code) != 2 || code[0] < '0' || code[0] > '9' || code[1] < '0' || code[1] > '9' {
		return "", false
	}
	n := int(code[0]-'0')*10 + int(code[1]-'0')
	switch {
	case n >= 1 && n < len(nations):
		return nations[n], true
	case n == 97:
		return nationOther, true
	case n == 98:
		return nationForeign, true
	}
	return "", false
}

// NationCode returns the two-digit GB/T 3304 code of a nation name (with
// or without 族), or passes a known code through.
func NationCode(name string) (string, bool) {
	if _, ok := NationName(name); ok {
		return name, true
	}
	for _, s := range []string{name, strings.TrimSuffix(name, "族")} {
		for i := 1; i < len(nations); i++ {
			if nations[i] == s {
				return fmt.Sprintf("%02d", i), true
			}
		}
		switch s {
		case nationOther:
			return "97", true
		case nationForeign:
			return "98", true
		}
	}
	return "", false
}

// SampleCard returns a fictitious resident card for simulators and tests:
// 张三, born 1990-03-07 in Wuhou district, Chengdu, with a number that passes
// the GB 11643 check and a 1024-byte photo of a non-zero ramp. Every call
// returns a fresh copy.
func SampleCard() Card {
	const first17 = "51010719900307" + "123"
	check, err := identity.CheckDigit(first17)
	if err != nil {
		panic("idcard: sample number: " + err.Error()) // constant input
	}
	photo := make([]byte, PhotoSize)
	for i := range photo {
		photo[i] = byte(i%255) + 1
	}
	return Card{
		Name:      "张三",
		Sex:       "男",
		Nation:    "汉",
		Birth:     "19900307",
		Address:   "四川省成都市武侯区人民南路四段1号",
		Number:    first17 + string(check),
		Authority: "成都市公安局武侯区分局",
		ValidFrom: "20200101",
		ValidTo:   "20400101",
		Photo:     photo,
	}
}

// Notice returns a plain-Chinese sentence for the citizen about err as
// carried by a [ReadFailed] event.
func Notice(err error) string {
	var se *StatusError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &se):
		return se.Notice()
	case errors.Is(err, ErrUnsupportedCardType):
		return "暂不支持此类证件，请使用居民身份证"
	}
	return noticeReadAgain
}
