package catalog

import (
	"fmt"
	"strings"

	"sckiosk/kiosk/core/application"
)

// Validate checks what a kiosk relies on in a catalogue: a version, at
// least one item, unique non-empty codes, a name and a province (51 or
// 50) for each item, known applicant kinds and offline rules, well-formed
// fields, and bundles whose members are single items of the same
// catalogue.
func (c Catalog) Validate() error {
	if strings.TrimSpace(c.Version) == "" {
		return fmt.Errorf("catalogue without a version")
	}
	if len(c.Items) == 0 {
		return fmt.Errorf("catalogue %s has no items", c.Version)
	}
	byCode := make(map[string]Item, len(c.Items))
	for i, it := range c.Items {
		if strings.TrimSpace(it.Code) == "" || strings.TrimSpace(it.Name) == "" {
			return fmt.Errorf("catalogue %s: item %d: missing code or name", c.Version, i)
		}
		if _, dup := byCode[it.Code]; dup {
			return fmt.Errorf("catalogue %s: item code %s appears twice", c.Version, it.Code)
		}
		byCode[it.Code] = it
		if it.Province != application.Sichuan && it.Province != application.Chongqing {
			return fmt.Errorf("catalogue %s: item %s: province %q is neither %s nor %s", c.Version, it.Code, it.Province, application.Sichuan, application.Chongqing)
		}
		for _, k := range it.Applicants {
			if k != NaturalPerson && k != LegalPerson {
				return fmt.Errorf("catalogue %s: item %s: unknown applicant kind %q (want %s or %s)", c.Version, it.Code, k, NaturalPerson, LegalPerson)
			}
		}
		if it.Offline != OfflineAccept && it.Offline != OfflineRefuse {
			return fmt.Errorf("catalogue %s: item %s: offline %q is not %q (or absent)", c.Version, it.Code, it.Offline, OfflineRefuse)
		}
		keys := map[string][]ApplicantKind{} // the applicant kinds each key is asked of
		for _, f := range it.Fields {
			switch {
			case f.Key == "" || f.Label == "":
				return fmt.Errorf("catalogue %s: item %s: field without key or label", c.Version, it.Code)
			case clash(keys[f.Key], f.For):
				return fmt.Errorf("catalogue %s: item %s: field %s appears twice", c.Version, it.Code, f.Key)
			case !knownKind(f.Kind):
				return fmt.Errorf("catalogue %s: item %s: field %s: unknown kind %q", c.Version, it.Code, f.Key, f.Kind)
			case f.Kind == Choice && len(f.Options) == 0:
				return fmt.Errorf("catalogue %s: item %s: choice field %s without options", c.Version, it.Code, f.Key)
			case f.For != "" && f.For != NaturalPerson && f.For != LegalPerson:
				return fmt.Errorf("catalogue %s: item %s: field %s: unknown applicant kind %q", c.Version, it.Code, f.Key, f.For)
			}
			keys[f.Key] = append(keys[f.Key], f.For)
		}
	}
	for _, it := range c.Items {
		for _, m := range it.Bundle {
			member, ok := byCode[m]
			switch {
			case !ok:
				return fmt.Errorf("catalogue %s: bundle %s: member %s is not in the catalogue", c.Version, it.Code, m)
			case len(member.Bundle) > 0:
				return fmt.Errorf("catalogue %s: bundle %s: member %s is itself a bundle", c.Version, it.Code, m)
			}
		}
	}
	return nil
}

// clash reports whether a field for applicant kind k would be asked of an
// applicant who already gets a field of the same key (asked of kinds
// before): a key may appear once per kind of applicant.
func clash(before []ApplicantKind, k ApplicantKind) bool {
	for _, b := range before {
		if b == "" || k == "" || b == k {
			return true
		}
	}
	return false
}

// knownKind reports whether the kiosk knows how to enter a field of kind k.
func knownKind(k FieldKind) bool {
	switch k {
	case Text, Phone, Choice, IDNo, USCC, Date, Month, Number, BankCard:
		return true
	}
	return false
}
