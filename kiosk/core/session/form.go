package session

import (
	"maps"
	"strings"
	"unicode/utf8"

	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/msg"
)

// formEvent handles the guide and the form: moving on, the focused field,
// the values, and the on-screen keyboard with its pinyin composition (on
// the item search too).
func formEvent(s State, ev Event) (State, []Effect, origin) {
	composed := s.Compose
	s, eff, from := keyEvent(s, ev)
	if s.Compose != composed {
		s.CandPage = 0 // new letters, new candidates: from the best
		if s.Screen == ChooseItem {
			s.Page = 0 // and a new list of items
		}
	}
	return s, eff, from
}

// keyEvent is formEvent before the candidate page follows the letters.
func keyEvent(s State, ev Event) (State, []Effect, origin) {
	switch e := ev.(type) {
	case PageCandidates:
		if s.Compose != "" {
			s.CandPage = max(0, s.CandPage+e.Delta)
		}
	case ClearText:
		if s.Screen == ChooseItem { // the search's ×, keyboard open or not
			s.Query, s.Compose, s.Page = "", "", 0
			break
		}
		if _, ok := s.target(); ok {
			s.Compose = ""
			s = s.setTarget("")
		}
	case Proceed:
		s = proceed(s)
	case FocusField:
		switch {
		case s.Screen == ChooseItem && e.Key == SearchField:
			s.Focus, s.KeyMode, s.Compose, s.Page = SearchField, KeyPinyin, "", 0
		case s.Screen == ChooseItem && e.Key == "":
			s.Focus, s.Compose = "", ""
		case s.Screen == Form:
			if f, ok := s.field(e.Key); ok && !f.ReadOnly {
				s = s.focus(f)
			}
		}
	case SetField:
		if f, ok := s.field(e.Key); ok && s.Screen == Form && !f.ReadOnly {
			s = s.withValue(f, e.Value)
		}
	case TypeRune:
		s = typeRune(s, e.R)
	case PickCandidate:
		if s.Compose != "" || e.Text != "" {
			s = s.appendText(e.Text)
			s.Compose = ""
		}
	case SetKeyMode:
		s.KeyMode, s.Compose = e.Mode, ""
	case Backspace:
		if s.Compose != "" {
			s.Compose = s.Compose[:len(s.Compose)-1]
			break
		}
		if t, ok := s.target(); ok {
			_, size := utf8.DecodeLastRuneInString(t)
			s = s.setTarget(t[:len(t)-size])
		}
	}
	return s, nil, fromUser
}

// proceed moves from the guide to the form (prefilled from the identity)
// and from a valid form to review.
func proceed(s State) State {
	switch s.Screen {
	case ItemGuide:
		s.Values, s.FieldError, s.Focus, s.Compose = map[string]string{}, nil, "", ""
		for _, f := range s.Item.Fields {
			s.Values[f.Key] = s.prefill(f.Prefill)
			if s.Focus == "" && !f.ReadOnly && f.Kind != catalog.Choice {
				s = s.focus(f)
			}
		}
		s.Screen = Form
	case Form:
		errs := map[string]msg.Text{}
		for _, f := range s.Item.Fields {
			if problem := f.Validate(s.Values[f.Key]); !problem.IsZero() {
				errs[f.Key] = problem
			}
		}
		if len(errs) > 0 {
			s.FieldError, s.Notice = errs, msg.New(msg.FormCheck)
			return s
		}
		s.FieldError, s.Consent, s.Screen, s.Compose = nil, false, Review, ""
	}
	return s
}

// prefill is the identity attribute p of the applicant.
func (s State) prefill(p catalog.Prefill) string {
	if s.Person == nil {
		return ""
	}
	switch p {
	case catalog.FromName:
		return s.Person.DisplayName()
	case catalog.FromNumber:
		return s.Person.Number
	case catalog.FromAddress:
		// A card with an appended address (30 03) has moved: the newest
		// address is the one to use.
		if s.Person.AppendedAddress != "" {
			return s.Person.AppendedAddress
		}
		return s.Person.Address
	}
	return ""
}

// field is the current item's field key.
func (s State) field(key string) (catalog.Field, bool) {
	if s.Item == nil || key == "" {
		return catalog.Field{}, false
	}
	for _, f := range s.Item.Fields {
		if f.Key == key {
			return f, true
		}
	}
	return catalog.Field{}, false
}

// withValue sets a field's value on copies of the maps, keeping Next pure.
func (s State) withValue(f catalog.Field, v string) State {
	v = normalize(f.Kind, v)
	if r := []rune(v); len(r) > f.MaxRunes() {
		v = string(r[:f.MaxRunes()])
	}
	s.Values = maps.Clone(s.Values)
	if s.Values == nil {
		s.Values = map[string]string{}
	}
	s.Values[f.Key] = v
	if !s.FieldError[f.Key].IsZero() {
		s.FieldError = maps.Clone(s.FieldError)
		delete(s.FieldError, f.Key)
		if len(s.FieldError) == 0 && s.Notice.Key == msg.FormCheck {
			s.Notice = msg.Text{} // nothing is marked red any more
		}
	}
	return s
}

// focus gives field f the keyboard, in the layout its kind wants.
func (s State) focus(f catalog.Field) State {
	s.Focus, s.Compose = f.Key, ""
	switch f.Kind {
	case catalog.Phone, catalog.IDNo, catalog.Date, catalog.Month, catalog.Number, catalog.BankCard:
		s.KeyMode = KeyDigits // a date or month has its picker instead
	case catalog.USCC:
		s.KeyMode = KeyLatin
	default:
		s.KeyMode = KeyPinyin
	}
	return s
}

// target is the text the keyboard edits: the search query on the item
// list, the focused field on the form.
func (s State) target() (string, bool) {
	switch {
	case s.Screen == ChooseItem && s.Focus == SearchField:
		return s.Query, true
	case s.Screen == Form:
		if f, ok := s.field(s.Focus); ok && !f.ReadOnly {
			return s.Values[f.Key], true
		}
	}
	return "", false
}

// setTarget replaces the text the keyboard edits.
func (s State) setTarget(v string) State {
	if s.Screen == ChooseItem {
		if r := []rune(v); len(r) > 20 {
			v = string(r[:20])
		}
		s.Query, s.Page = v, 0
		return s
	}
	if f, ok := s.field(s.Focus); ok {
		s = s.withValue(f, v)
	}
	return s
}

// appendText adds t to the text the keyboard edits.
func (s State) appendText(t string) State {
	if cur, ok := s.target(); ok {
		return s.setTarget(cur + t)
	}
	return s
}

// typeRune handles one key of the on-screen keyboard: in pinyin mode a
// letter goes to the composition, anything else to the target.
func typeRune(s State, r rune) State {
	if _, ok := s.target(); !ok {
		return s
	}
	letter := (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
	if s.KeyMode == KeyPinyin && letter {
		if len(s.Compose) < 24 {
			s.Compose += strings.ToLower(string(r))
		}
		return s
	}
	return s.appendText(string(r))
}

// normalize keeps to what a field kind can hold: digits for a phone
// number or date, digits and X for an ID number, GB 32100's upper-case
// alphabet for a credit code; each at most its fixed length.
func normalize(kind catalog.FieldKind, v string) string {
	keep := func(allowed func(rune) bool, n int) string {
		out := strings.Map(func(r rune) rune {
			if allowed(r) {
				return r
			}
			return -1
		}, v)
		if len(out) > n {
			out = out[:n]
		}
		return out
	}
	digit := func(r rune) bool { return r >= '0' && r <= '9' }
	switch kind {
	case catalog.Phone:
		return keep(digit, 11)
	case catalog.Date:
		return keep(digit, 8)
	case catalog.Month:
		return keep(digit, 6)
	case catalog.BankCard:
		return keep(digit, 19)
	case catalog.Number:
		return keep(digit, 50)
	case catalog.IDNo:
		v = strings.ToUpper(v)
		return keep(func(r rune) bool { return digit(r) || r == 'X' }, 18)
	case catalog.USCC:
		v = strings.ToUpper(v)
		return keep(func(r rune) bool { return digit(r) || (r >= 'A' && r <= 'Z') }, 18)
	}
	return v
}
