package outbox

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"sckiosk/kiosk/adapters/privacy"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/identity"
)

// errorText is the stored (and logged) form of a delivery error: one
// line, bounded, and masked. A platform may echo the applicant back in
// its message ("申请人李四（5101…）证件号码与姓名不符"): the personal
// values of the application (m, from personalMasker; nil when there is no
// application) are replaced by their masked forms, and so is anything
// shaped like a valid ID number, as the log handler does.
func errorText(err error, m *strings.Replacer) string {
	s := err.Error()
	if m != nil {
		s = m.Replace(s)
	}
	s = strings.Join(strings.Fields(privacy.MaskText(s)), " ")
	if len(s) > maxErrorLen {
		cut := maxErrorLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// personalMasker replaces the personal values of app (the applicant's
// name, ID number and phone, and the form's values) by masked forms,
// longest first, so that a value inside another is not half-masked.
func personalMasker(app application.Application) *strings.Replacer {
	masked := map[string]string{}
	add := func(v, m string) {
		if v = strings.TrimSpace(v); utf8.RuneCountInString(v) >= 2 && masked[v] == "" {
			masked[v] = m
		}
	}
	add(app.Applicant.Name, identity.MaskName(app.Applicant.Name))
	add(app.Applicant.Number, identity.MaskNumber(app.Applicant.Number))
	add(app.Applicant.Phone, identity.MaskPhone(app.Applicant.Phone))
	for _, v := range app.Fields {
		// Short ASCII values (a count, a code) are not personal and would
		// mangle the error's own words and numbers.
		if v = strings.TrimSpace(v); len(v) >= 6 || !isASCII(v) {
			add(v, maskValue(v))
		}
	}
	values := slices.Collect(maps.Keys(masked))
	slices.SortFunc(values, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	pairs := make([]string, 0, 2*len(values))
	for _, v := range values {
		pairs = append(pairs, v, masked[v])
	}
	return strings.NewReplacer(pairs...)
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// maskValue masks a form value: an ID number as such, anything else down
// to its first character.
func maskValue(v string) string {
	if identity.ValidateNumber(v) == nil {
		return identity.MaskNumber(v)
	}
	return identity.MaskName(v)
}
