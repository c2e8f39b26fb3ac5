// Package identity holds who a citizen is for the length of one visit: the
// person read from an ID card (or a verified code), validation of the
// citizen identity number (GB 11643-1999) and the masked forms that are the
// only ones allowed in logs, audit entries and receipts.
package identity

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"
)

// Source says how the citizen identified.
type Source string

// Identification sources.
const (
	SourceIDCard Source = "idcard" // second-generation ID card on the SAM reader
	SourceQR     Source = "qr"     // a verified app or e-licence code
	// SourceBusiness is an enterprise identified by its business licence
	// (一照通办): Name is the enterprise's name, Number its unified social
	// credit code.
	SourceBusiness Source = "business"
	// SourceSSCard is a social security card (社会保障卡) on a card reader:
	// like the ID card it lies on the reader for the whole visit. No
	// driver reads one yet; the session's card rules already cover it.
	SourceSSCard Source = "sscard"
)

// CardType is the kind of identity document a person showed. The values
// are the card_type strings of the technician CLI's JSON output.
type CardType string

// Card types read from the ID-card reader. The empty CardType means the
// person did not identify with a card (e.g. a QR code).
const (
	CardResident    CardType = "resident"               // 居民身份证
	CardHMTPermit   CardType = "hmt_resident_permit"    // 港澳台居民居住证
	CardForeign2017 CardType = "foreign_permanent_2017" // 外国人永久居留身份证 (2017)
	CardForeign2023 CardType = "foreign_permanent_2023" // 外国人永久居留身份证 (2023)
)

// Person is a natural person identified at the kiosk. It lives in the
// session only and is wiped when the visit ends. Fields a card type lacks
// stay empty.
type Person struct {
	Source    Source
	CardType  CardType // empty unless Source is SourceIDCard
	Name      string   // Chinese name (may be empty on a 2017 foreign card)
	NameEN    string   // English name, foreign permanent residence cards
	Sex       string   // 男 / 女 / 未知 / 未说明
	Nation    string   // 民族, e.g. 汉; resident cards only
	Birth     string   // YYYYMMDD
	Address   string
	Number    string // 公民身份号码, residence permit or permanent residence number
	Authority string // 签发机关 (a code on 2017 foreign cards)
	ValidFrom string // YYYYMMDD
	ValidTo   string // YYYYMMDD or 长期

	Nationality     string // ISO 3166 three-letter code, foreign cards
	PassNumber      string // 通行证号码, HMT residence permit
	IssueCount      string // 签发次数, HMT residence permit
	RenewalCount    string // 换证次数, 2023 foreign card
	AppendedAddress string // 追加住址 (newest address), when the card has one

	Photo []byte // WLT photo bytes as read; never decoded to disk
}

// Masked is the loggable form of a person.
type Masked struct {
	Name   string // 张*
	Number string // 5101**********123X
}

// Mask returns the only form of p that may leave the session.
// A person without a Chinese name is masked by the English name.
func (p Person) Mask() Masked {
	name := p.Name
	if name == "" {
		name = p.NameEN
	}
	return Masked{Name: MaskName(name), Number: MaskNumber(p.Number)}
}

// LogValue makes slog print a Person masked, whatever the caller passed.
func (p Person) LogValue() slog.Value {
	m := p.Mask()
	return slog.GroupValue(slog.String("name", m.Name), slog.String("number", m.Number))
}

// Expired reports whether the card's validity ended before day.
func (p Person) Expired(day time.Time) bool {
	if p.ValidTo == "" || p.ValidTo == "长期" {
		return false
	}
	end, err := time.ParseInLocation("20060102", p.ValidTo, day.Location())
	if err != nil {
		return false
	}
	return day.After(end.AddDate(0, 0, 1).Add(-time.Nanosecond))
}

// ValidateCardNumber checks p.Number by the rules of p.CardType: GB 11643
// for resident cards, residence permits and 2023 foreign cards (which must
// also start with 9), the 15-character format for 2017 foreign cards. A
// person without a card type is checked as a resident.
func (p Person) ValidateCardNumber() error {
	switch p.CardType {
	case CardForeign2017:
		return ValidateForeignPR2017(p.Number)
	case CardForeign2023:
		return ValidateForeignPR2023(p.Number)
	}
	return ValidateNumber(p.Number)
}

// Wipe zeroes the photo bytes and drops every field. Strings cannot be
// zeroed in Go; dropping the last reference keeps their lifetime short.
func (p *Person) Wipe() {
	for i := range p.Photo {
		p.Photo[i] = 0
	}
	*p = Person{}
}

// MaskName keeps the first character: 张三丰 -> 张**.
func MaskName(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return ""
	}
	r, size := utf8.DecodeRuneInString(name)
	return string(r) + strings.Repeat("*", utf8.RuneCountInString(name[size:]))
}

// MaskNumber keeps the first four and last four characters of an ID number:
// 510104199001011234 -> 5101**********1234. Short values are fully masked.
func MaskNumber(n string) string {
	n = strings.TrimSpace(n)
	if len(n) <= 8 {
		return strings.Repeat("*", len(n))
	}
	return n[:4] + strings.Repeat("*", len(n)-8) + n[len(n)-4:]
}

// MaskPhone keeps the first three and last four digits: 138****5678.
func MaskPhone(p string) string {
	if len(p) < 8 {
		return strings.Repeat("*", len(p))
	}
	return p[:3] + strings.Repeat("*", len(p)-7) + p[len(p)-4:]
}

// Errors from ID number validation.
var (
	ErrNumberLength   = errors.New("identity number must have 18 characters")
	ErrNumberChars    = errors.New("identity number has characters other than digits and a final X")
	ErrNumberBirth    = errors.New("identity number has an impossible birth date")
	ErrNumberChecksum = errors.New("identity number check digit is wrong")
)

var weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const checkChars = "10X98765432"

// CheckDigit computes the GB 11643 (ISO 7064 MOD 11-2) check character of
// the first 17 digits.
func CheckDigit(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, ErrNumberLength
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0, ErrNumberChars
		}
		sum += int(c-'0') * weights[i]
	}
	return checkChars[sum%11], nil
}

// ValidateNumber checks an 18-character citizen identity number: digits, a
// real birth date and the check character.
func ValidateNumber(n string) error {
	if len(n) != 18 {
		return fmt.Errorf("identity: %w (got %d)", ErrNumberLength, len(n))
	}
	want, err := CheckDigit(n[:17])
	if err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	last := n[17]
	if last == 'x' {
		last = 'X'
	}
	if (last < '0' || last > '9') && last != 'X' {
		return fmt.Errorf("identity: %w", ErrNumberChars)
	}
	if _, err := time.Parse("20060102", n[6:14]); err != nil {
		return fmt.Errorf("identity: %w", ErrNumberBirth)
	}
	if last != want {
		return fmt.Errorf("identity: %w", ErrNumberChecksum)
	}
	return nil
}

// ErrPRFormat is returned for a foreign permanent residence number that does
// not have the format of its card version.
var ErrPRFormat = errors.New("foreign permanent residence number has the wrong format")

// ValidateForeignPR2017 checks a 2017 foreign permanent residence number:
// three capital letters (the nationality) and twelve digits. The card's
// check-digit rule is known from one vendor only, so it is not enforced.
func ValidateForeignPR2017(n string) error {
	if len(n) != 15 {
		return fmt.Errorf("identity: %w: %d characters, want 15", ErrPRFormat, len(n))
	}
	for i := 0; i < 15; i++ {
		c := n[i]
		if i < 3 && (c < 'A' || c > 'Z') || i >= 3 && (c < '0' || c > '9') {
			return fmt.Errorf("identity: %w: want 3 capital letters and 12 digits", ErrPRFormat)
		}
	}
	return nil
}

// ValidateForeignPR2023 checks a 2023 foreign permanent residence number:
// 18 characters starting with 9, a real birth date at positions 7–14 and the
// GB 11643 check character.
func ValidateForeignPR2023(n string) error {
	if len(n) == 18 && n[0] != '9' {
		return fmt.Errorf("identity: %w: does not start with 9", ErrPRFormat)
	}
	return ValidateNumber(n)
}

// IDTypeCode is the GA/T 2000.156 证件类型代码 of the document p showed, as
// GB/T 39046 carries it (n3): 111 居民身份证, 553 外国人永久居留证. The HMT
// residence permit has no code of its own in the table we could confirm;
// it is sent as 154 居住证. A person identified by an app code holds a
// resident identity (111).
func (p Person) IDTypeCode() string {
	if p.Source == SourceBusiness {
		return "001" // 统一社会信用代码, as GB/T 36903 codes the holder
	}
	switch p.CardType {
	case CardForeign2017, CardForeign2023:
		return "553"
	case CardHMTPermit:
		return "154"
	}
	return "111"
}

// MaxNameRunes is the longest name a card may hold, in characters: the
// English name of a 2017 foreign permanent residence card, 120 bytes of
// UTF-16 (the 2023 card holds 46, a resident card 15). Forms take a name
// this long and screens wrap it.
const MaxNameRunes = 60

// DisplayName is the name to apply under: the Chinese name, or the
// English name of a foreign card that has none.
func (p Person) DisplayName() string {
	if strings.TrimSpace(p.Name) != "" {
		return p.Name
	}
	return p.NameEN
}
