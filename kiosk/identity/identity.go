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
)

// Person is a natural person identified at the kiosk. It lives in the
// session only and is wiped when the visit ends.
type Person struct {
	Source    Source
	Name      string
	Sex       string // 男 / 女 / 未知
	Nation    string // 民族, e.g. 汉
	Birth     string // YYYYMMDD
	Address   string
	Number    string // 公民身份号码
	Authority string // 签发机关
	ValidFrom string // YYYYMMDD
	ValidTo   string // YYYYMMDD or 长期
	Photo     []byte // WLT photo bytes as read; never decoded to disk
}

// Masked is the loggable form of a person.
type Masked struct {
	Name   string // 张*
	Number string // 5101**********123X
}

// Mask returns the only form of p that may leave the session.
func (p Person) Mask() Masked {
	return Masked{Name: MaskName(p.Name), Number: MaskNumber(p.Number)}
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
