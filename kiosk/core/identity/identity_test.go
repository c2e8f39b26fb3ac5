package identity

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestValidateNumber(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"11010519491231002X", nil}, // GB 11643 standard example
		{"11010519491231002x", nil},
		{"440524188001010014", nil},
		{"510104199001011238", ErrNumberChecksum},
		{"51010419900101123", ErrNumberLength},
		{"5101041990010112A4", ErrNumberChars},
		{"510104199013011234", ErrNumberBirth},
	}
	for _, tt := range tests {
		err := ValidateNumber(tt.in)
		if !errors.Is(err, tt.want) && !(err == nil && tt.want == nil) {
			t.Errorf("ValidateNumber(%q) = %v, want %v", tt.in, err, tt.want)
		}
	}
}

func TestMasking(t *testing.T) {
	tests := []struct {
		fn       func(string) string
		in, want string
	}{
		{MaskName, "张三丰", "张**"},
		{MaskName, "䶮", "䶮"},
		{MaskName, "", ""},
		{MaskNumber, "11010519491231002X", "1101**********002X"},
		{MaskNumber, "1234", "****"},
		{MaskPhone, "13812345678", "138****5678"},
	}
	for _, tt := range tests {
		if got := tt.fn(tt.in); got != tt.want {
			t.Errorf("mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestExpired(t *testing.T) {
	day := time.Date(2026, 11, 25, 10, 0, 0, 0, time.Local)
	tests := []struct {
		to   string
		want bool
	}{{"20261125", false}, {"20261124", true}, {"长期", false}, {"20360101", false}}
	for _, tt := range tests {
		if got := (Person{ValidTo: tt.to}).Expired(day); got != tt.want {
			t.Errorf("Expired(%s) = %v, want %v", tt.to, got, tt.want)
		}
	}
}

func TestWipeZeroesPhoto(t *testing.T) {
	photo := []byte{1, 2, 3}
	p := Person{Name: "张三", Number: "11010519491231002X", Photo: photo}
	p.Wipe()
	if p.Name != "" || p.Number != "" || p.Photo != nil {
		t.Fatalf("person not wiped: %+v", p)
	}
	for _, b := range photo {
		if b != 0 {
			t.Fatalf("photo bytes not zeroed: %v", photo)
		}
	}
}

func TestLogValueIsMasked(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	log.Info("read", "person", Person{Name: "张三丰", Number: "11010519491231002X", Address: "四川省成都市"})
	out := buf.String()
	for _, secret := range []string{"三丰", "11010519491231002X", "成都"} {
		if strings.Contains(out, secret) {
			t.Fatalf("log leaks %q: %s", secret, out)
		}
	}
	if !strings.Contains(out, "1101**********002X") {
		t.Fatalf("log lacks masked number: %s", out)
	}
}

func TestValidateForeignPR(t *testing.T) {
	tests := []struct {
		name  string
		f     func(string) error
		n     string
		valid bool
	}{
		{"2017 ok", ValidateForeignPR2017, "USA510080010112", true},
		{"2017 lower case", ValidateForeignPR2017, "usa510080010112", false},
		{"2017 letter in digits", ValidateForeignPR2017, "USA51008001011X", false},
		{"2017 short", ValidateForeignPR2017, "USA51008001011", false},
		{"2017 long", ValidateForeignPR2017, "USA5100800101120", false},
		{"2023 Saudi sample", ValidateForeignPR2023, "932682198501010017", true},
		{"2023 Canada sample", ValidateForeignPR2023, "911124198108030024", true},
		{"2023 bad check", ValidateForeignPR2023, "932682198501010018", false},
		{"2023 resident number", ValidateForeignPR2023, "510104199003071237", false},
		{"2023 short", ValidateForeignPR2023, "93268219850101001", false},
	}
	for _, tt := range tests {
		if err := tt.f(tt.n); (err == nil) != tt.valid {
			t.Errorf("%s: %s: err %v", tt.name, tt.n, err)
		}
	}
}

func TestValidateCardNumber(t *testing.T) {
	tests := []struct {
		typ   CardType
		n     string
		valid bool
	}{
		{"", "510104199003071237", true},
		{CardResident, "510104199003071237", true},
		{CardResident, "510104199003071238", false},
		{CardHMTPermit, "810000198805121238", true},
		{CardHMTPermit, "810000198805121230", false},
		{CardForeign2017, "USA510080010112", true},
		{CardForeign2017, "510104199003071237", false},
		{CardForeign2023, "932682198501010017", true},
		{CardForeign2023, "510104199003071237", false},
	}
	for _, tt := range tests {
		err := Person{CardType: tt.typ, Number: tt.n}.ValidateCardNumber()
		if (err == nil) != tt.valid {
			t.Errorf("%q %s: err %v", tt.typ, tt.n, err)
		}
	}
}

func TestIDTypeCodeAndDisplayName(t *testing.T) {
	tests := []struct {
		p          Person
		code, name string
	}{
		{Person{Name: "张三"}, "111", "张三"},
		{Person{CardType: CardResident, Name: "张三"}, "111", "张三"},
		{Person{CardType: CardHMTPermit, Name: "陈大文"}, "154", "陈大文"},
		{Person{CardType: CardForeign2017, NameEN: "SMITH, JOHN"}, "553", "SMITH, JOHN"},
		{Person{CardType: CardForeign2023, Name: "约翰", NameEN: "SMITH"}, "553", "约翰"},
	}
	for _, tt := range tests {
		if got := tt.p.IDTypeCode(); got != tt.code {
			t.Errorf("%+v: code %s, want %s", tt.p, got, tt.code)
		}
		if got := tt.p.DisplayName(); got != tt.name {
			t.Errorf("%+v: name %s, want %s", tt.p, got, tt.name)
		}
	}
}
