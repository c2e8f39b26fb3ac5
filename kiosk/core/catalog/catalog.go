// Package catalog holds the service items (事项) a kiosk offers: what each
// item is, which province's platform handles it, the guide a citizen reads
// before applying and the short form the kiosk asks for.
package catalog

import (
	"slices"
	"strings"
	"time"

	"sckiosk/devices/device"
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/msg"
)

// FieldKind says how a form field is entered and checked.
type FieldKind string

// Field kinds.
const (
	Text   FieldKind = "text"      // free text, entered with the on-screen keyboard
	Phone  FieldKind = "phone"     // 11-digit mobile number, entered on the keypad
	Choice FieldKind = "choice"    // one of Options, chosen with big buttons
	IDNo   FieldKind = "id_number" // a citizen identity number (GB 11643), digits and X on the keypad
	USCC   FieldKind = "uscc"      // a unified social credit code (GB 32100), on the Latin keyboard
	Date   FieldKind = "date"      // YYYYMMDD, chosen on the date picker
	// Month is a year and month, YYYYMM, chosen on the month picker.
	Month FieldKind = "month"
	// Number is digits only, on the keypad (a certificate or account
	// number); Max says how many.
	Number FieldKind = "number"
	// BankCard is a bank card number, 12 to 19 digits on the keypad.
	BankCard FieldKind = "bank_card"
)

// Prefill names an identity attribute that fills a field.
type Prefill string

// Prefill sources.
const (
	FromName    Prefill = "name"
	FromNumber  Prefill = "number"
	FromAddress Prefill = "address"
)

// Field is one entry of an item's form.
type Field struct {
	Key      string    `json:"key" yaml:"key"`
	Label    string    `json:"label" yaml:"label"`
	Kind     FieldKind `json:"kind" yaml:"kind"`
	Required bool      `json:"required" yaml:"required"`
	Prefill  Prefill   `json:"prefill,omitempty" yaml:"prefill,omitempty"`
	ReadOnly bool      `json:"read_only,omitempty" yaml:"read_only,omitempty"` // prefilled from the card and not editable
	Options  []string  `json:"options,omitempty" yaml:"options,omitempty"`
	Max      int       `json:"max,omitempty" yaml:"max,omitempty"` // maximum characters, 0 = 50
	// For limits the field to one kind of applicant (the applicant
	// fields of a natural person, or of an enterprise); "" asks everyone.
	For ApplicantKind `json:"for,omitempty" yaml:"for,omitempty"`
}

// ApplicantKind is who applies: a natural person (自然人) or a legal
// person (法人: an enterprise or an individual business, identified by its
// business licence).
type ApplicantKind string

// Applicant kinds.
const (
	NaturalPerson ApplicantKind = "natural" // 自然人: an ID card, a 天府通办 or 亮证 code
	LegalPerson   ApplicantKind = "legal"   // 法人: a business licence (一照通办)
)

// KindOf is the kind of applicant p is.
func KindOf(p identity.Person) ApplicantKind {
	if p.Source == identity.SourceBusiness {
		return LegalPerson
	}
	return NaturalPerson
}

// OfflineRule says whether the kiosk may accept an item while the
// platform cannot be reached.
type OfflineRule string

// Offline rules.
const (
	// OfflineAccept keeps the application in the outbox and sends it when
	// the platform is back (the default).
	OfflineAccept OfflineRule = ""
	// OfflineRefuse refuses the item while the platform is offline: an
	// application that takes effect at once (a 挂失) must not wait in a
	// kiosk's outbox while the citizen believes it done.
	OfflineRefuse OfflineRule = "refuse"
)

// Item is one service item of the catalogue.
type Item struct {
	Code       string   `json:"code" yaml:"code"` // 实施编码
	Name       string   `json:"name" yaml:"name"`
	Department string   `json:"department" yaml:"department"`
	Province   string   `json:"province" yaml:"province"` // "51" Sichuan or "50" Chongqing
	Mode       string   `json:"mode" yaml:"mode"`         // 通办 mode, e.g. 全程网办
	Conditions string   `json:"conditions" yaml:"conditions"`
	Materials  []string `json:"materials" yaml:"materials"`
	Due        string   `json:"due" yaml:"due"` // 承诺办结时限
	Next       string   `json:"next" yaml:"next"`
	Fields     []Field  `json:"fields" yaml:"fields"`
	// Needs names the devices the item cannot be served without, e.g.
	// "printer" for an item whose result is printed at the kiosk. A name
	// this build does not know reads as device.UnknownKind, which is never
	// usable.
	Needs []device.Kind `json:"needs,omitempty" yaml:"needs,omitempty"`
	// Category groups items on the home screen, e.g. 社保, 医保, 户籍.
	Category string `json:"category,omitempty" yaml:"category,omitempty"`
	// Flow is the 办理流程 of the 实施清单, e.g. 申请→受理→审核→办结.
	Flow string `json:"flow,omitempty" yaml:"flow,omitempty"`
	// LegalDue is the 法定办结时限 (Due is the shorter promised one).
	LegalDue string `json:"legal_due,omitempty" yaml:"legal_due,omitempty"`
	// Fee is the 收费 element, e.g. 不收费.
	Fee string `json:"fee,omitempty" yaml:"fee,omitempty"`
	// ELicences names the materials the platform can supply as e-licences
	// (数据多跑路), e.g. 居民户口簿, with the citizen's consent.
	ELicences []string `json:"elicences,omitempty" yaml:"elicences,omitempty"`
	// Bundle lists the member item codes of a 一件事一次办 bundle; empty
	// for a single item. One application for a bundle creates one linked
	// case per member.
	Bundle []string `json:"bundle,omitempty" yaml:"bundle,omitempty"`
	// Applicants are the kinds of applicant the item is for; empty means
	// natural persons only, so a business licence never applies for a
	// personal item by omission.
	Applicants []ApplicantKind `json:"applicants,omitempty" yaml:"applicants,omitempty"`
	// Offline says whether the item is accepted while the platform cannot
	// be reached ("refuse" for items that must take effect at once).
	Offline OfflineRule `json:"offline,omitempty" yaml:"offline,omitempty"`
	// OfflineNote is what a citizen can do meanwhile when the item is
	// refused offline or kept in the outbox, e.g. 请到人工窗口办理或拨打12333挂失.
	OfflineNote string `json:"offline_note,omitempty" yaml:"offline_note,omitempty"`
}

// Accepts reports whether applicants of kind k may apply for the item.
func (it Item) Accepts(k ApplicantKind) bool {
	if len(it.Applicants) == 0 {
		return k == NaturalPerson
	}
	return slices.Contains(it.Applicants, k)
}

// For returns the item as applicant kind k fills it in: the fields meant
// for another kind of applicant left out.
func (it Item) For(k ApplicantKind) Item {
	fields := make([]Field, 0, len(it.Fields))
	for _, f := range it.Fields {
		if f.For == "" || f.For == k {
			fields = append(fields, f)
		}
	}
	it.Fields = fields
	return it
}

// Catalog is an ordered list of items.
type Catalog struct {
	Version string
	Items   []Item
}

// Find returns the item with code.
func (c Catalog) Find(code string) (Item, bool) {
	for _, it := range c.Items {
		if it.Code == code {
			return it, true
		}
	}
	return Item{}, false
}

// Page returns items of page p (0-based) with size per page, and the number
// of pages. Long lists are paged because dragging does not scroll on a
// touch kiosk.
func (c Catalog) Page(p, size int) ([]Item, int) {
	if size <= 0 {
		size = 6
	}
	pages := (len(c.Items) + size - 1) / size
	if pages == 0 {
		return nil, 0
	}
	if p < 0 {
		p = 0
	}
	if p >= pages {
		p = pages - 1
	}
	end := min((p+1)*size, len(c.Items))
	return c.Items[p*size : end], pages
}

// Validate reports a value's problem for the citizen, or no message.
func (f Field) Validate(v string) msg.Text {
	v = strings.TrimSpace(v)
	if v == "" {
		if f.Required {
			return msg.New(msg.FieldRequired, f.Label)
		}
		return msg.Text{}
	}
	max := f.MaxRunes()
	if len([]rune(v)) > max {
		return msg.New(msg.FieldTooLong, f.Label, max)
	}
	switch f.Kind {
	case Phone:
		if len(v) != 11 || v[0] != '1' || strings.Trim(v, "0123456789") != "" {
			return msg.New(msg.PhoneInvalid)
		}
	case Choice:
		for _, o := range f.Options {
			if o == v {
				return msg.Text{}
			}
		}
		return msg.New(msg.ChoiceRequired, f.Label)
	case IDNo:
		if identity.ValidateNumber(v) != nil {
			return msg.New(msg.IDNumberInvalid)
		}
	case USCC:
		if identity.ValidateUSCC(v) != nil {
			return msg.New(msg.USCCInvalid)
		}
	case Date:
		if _, err := time.Parse("20060102", v); err != nil || len(v) != 8 {
			return msg.New(msg.DateInvalid, f.Label)
		}
	case Month:
		if !ValidMonth(v) {
			return msg.New(msg.MonthInvalid, f.Label)
		}
	case Number:
		if strings.Trim(v, "0123456789") != "" {
			return msg.New(msg.NumberInvalid, f.Label)
		}
	case BankCard:
		if len(v) < 12 || len(v) > 19 || strings.Trim(v, "0123456789") != "" {
			return msg.New(msg.BankCardInvalid)
		}
	}
	return msg.Text{}
}

// ValidMonth reports whether v is a month as a Month field holds it:
// YYYYMM, a year from 1900 to 2099 and a month from 01 to 12 (202613 is
// not a month).
func ValidMonth(v string) bool {
	if len(v) != 6 || strings.Trim(v, "0123456789") != "" {
		return false
	}
	t, err := time.Parse("200601", v)
	return err == nil && t.Year() >= 1900 && t.Year() <= 2099
}

// MaxRunes is how many characters the field holds: Max, else 50, and for
// a name from the card at least the longest a card may hold.
func (f Field) MaxRunes() int {
	n := f.Max
	if n == 0 {
		n = 50
	}
	if f.Prefill == FromName {
		n = max(n, identity.MaxNameRunes)
	}
	return n
}
