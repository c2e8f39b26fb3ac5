package catalog

import (
	"testing"

	"sckiosk/kiosk/core/msg"
)

// Month, number and bank-card fields refuse what they cannot hold: 202613
// is not a month, a bank card has 12 to 19 digits.
func TestDigitKindsValidate(t *testing.T) {
	for _, tc := range []struct {
		kind  FieldKind
		value string
		want  msg.Key
	}{
		{Month, "202612", msg.None},
		{Month, "190001", msg.None},
		{Month, "202613", msg.MonthInvalid},
		{Month, "202600", msg.MonthInvalid},
		{Month, "2026-12", msg.MonthInvalid},
		{Month, "20261", msg.MonthInvalid},
		{Month, "189912", msg.MonthInvalid},
		{Number, "0012345", msg.None},
		{Number, "12A45", msg.NumberInvalid},
		{BankCard, "622202123456789", msg.None},
		{BankCard, "6222021234567890123", msg.None},
		{BankCard, "62220212345", msg.BankCardInvalid},
		{BankCard, "62220212345678901234", msg.BankCardInvalid},
		{BankCard, "6222-0212-3456", msg.BankCardInvalid},
	} {
		f := Field{Key: "f", Label: "年月", Kind: tc.kind, Max: 20}
		if got := f.Validate(tc.value); got.Key != tc.want {
			t.Errorf("%s %q: %v, want %v", tc.kind, tc.value, got.Key, tc.want)
		}
	}
	for _, k := range []FieldKind{Month, Number, BankCard} {
		if !knownKind(k) {
			t.Errorf("a catalogue may not use %s", k)
		}
	}
}
