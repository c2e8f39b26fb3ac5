package idcard

import (
	"bytes"
	"encoding/binary"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"sckiosk/kiosk/core/identity"
)

// put writes s as UTF-16LE at off, padded to size bytes with pad.
func put(block []byte, off, size int, s string, pad uint16) {
	u := utf16.Encode([]rune(s))
	for i := 0; i < size/2; i++ {
		v := pad
		if i < len(u) {
			v = u[i]
		}
		binary.LittleEndian.PutUint16(block[off+2*i:], v)
	}
}

// realBlock builds a block the way a reader returns it: space padding, a
// permanent card ("长期") and NULs in the reserved tail.
func realBlock() []byte {
	b := make([]byte, TextSize)
	put(b, 0, 30, "李四", ' ')
	put(b, 30, 2, "2", ' ')
	put(b, 32, 4, "07", ' ')
	put(b, 36, 16, "19560412", ' ')
	put(b, 52, 70, "四川省凉山彝族自治州西昌市长安中路8号", ' ')
	put(b, 122, 36, "51340119560412004X", ' ')
	put(b, 158, 30, "西昌市公安局", ' ')
	put(b, 188, 16, "20160412", ' ')
	put(b, 204, 16, "长期", ' ')
	put(b, 220, 36, "", 0)
	return b
}

func TestDecodeText(t *testing.T) {
	long := realBlock()
	if !bytes.Equal(long[204:208], []byte{0x7F, 0x95, 0x1F, 0x67}) {
		t.Fatalf("长期 is % X, want 7F 95 1F 67", long[204:208])
	}
	sample, err := EncodeText(SampleCard())
	if err != nil {
		t.Fatal(err)
	}
	flagged := func(flag byte) []byte {
		b := realBlock()
		b[248], b[249] = flag, 0
		return b
	}
	tests := []struct {
		name    string
		block   []byte
		want    Card
		wantErr error
	}{
		{name: "permanent card", block: long, want: Card{
			Name: "李四", Sex: "女", Nation: "彝", Birth: "19560412",
			Address: "四川省凉山彝族自治州西昌市长安中路8号", Number: "51340119560412004X",
			Authority: "西昌市公安局", ValidFrom: "20160412", ValidTo: Permanent,
		}},
		{name: "sample", block: sample, want: func() Card { c := SampleCard(); c.Photo = nil; return c }()},
		{name: "truncated", block: long[:200], wantErr: ErrTextSize},
		{name: "too long", block: append(realBlock(), 0, 0), wantErr: ErrTextSize},
		{name: "empty", block: nil, wantErr: ErrTextSize},
		{name: "HMT permit flag", block: flagged('J'), want: Card{
			Type: CardHMTPermit, Name: "李四", Sex: "女", Birth: "19560412",
			Address: "四川省凉山彝族自治州西昌市长安中路8号", Number: "51340119560412004X",
			Authority: "西昌市公安局", ValidFrom: "20160412", ValidTo: Permanent,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeText(tt.block)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil {
				return
			}
			if textOf(got) != textOf(tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestTypeOf(t *testing.T) {
	tests := []struct {
		flag [2]byte
		want CardType
	}{
		{[2]byte{' ', 0}, CardResident},
		{[2]byte{0, 0}, CardResident},
		{[2]byte{'J', 0}, CardHMTPermit},
		{[2]byte{'I', 0}, CardForeign2017},
		{[2]byte{'Y', 0}, CardForeign2023},
		{[2]byte{'J', 0x4E}, CardResident}, // a CJK character, not a flag
	}
	for _, tt := range tests {
		b := realBlock()
		copy(b[248:], tt.flag[:])
		if got := TypeOf(b); got != tt.want {
			t.Errorf("TypeOf(% X) = %v, want %v", tt.flag, got, tt.want)
		}
	}
}

func TestEncodeTextRoundTrip(t *testing.T) {
	cards := []Card{
		SampleCard(),
		{Name: "欧阳娜娜", Sex: "2", Nation: "维吾尔族", Birth: "20000101", Number: "51010420000101002X", ValidTo: Permanent},
		{Name: "A", Sex: "未说明", Nation: "98"},
		{Sex: "未知", Nation: "其他"},
		{Name: "𠀀𠀁", Sex: "男", Nation: "汉"}, // outside the BMP: surrogate pairs
	}
	for _, c := range cards {
		block, err := EncodeText(c)
		if err != nil {
			t.Fatalf("EncodeText(%q): %v", c.Name, err)
		}
		if len(block) != TextSize {
			t.Fatalf("len = %d", len(block))
		}
		got, err := DecodeText(block)
		if err != nil {
			t.Fatal(err)
		}
		want := c
		want.Sex, _ = sexName(mustCode(t, sexCode, c.Sex))
		want.Nation, _ = NationName(mustCode(t, NationCode, c.Nation))
		if textOf(got) != textOf(want) {
			t.Errorf("round trip:\n got %#v\nwant %#v", got, want)
		}
	}
}

// textOf returns the type and text fields of c, for comparisons.
func textOf(c Card) [18]string {
	return [18]string{c.Type.String(), c.Name, c.Sex, c.Nation, c.Birth, c.Address, c.Number, c.Authority, c.ValidFrom, c.ValidTo,
		c.NameEN, c.Nationality, c.PassNumber, c.IssueCount, c.RenewalCount, c.CardVersion, c.OldNumberRef, c.AppendedAddress}
}

func mustCode(t *testing.T, f func(string) (string, bool), s string) string {
	t.Helper()
	code, ok := f(s)
	if !ok {
		t.Fatalf("no code for %q", s)
	}
	return code
}

func TestEncodeTextErrors(t *testing.T) {
	base := SampleCard()
	tests := []struct {
		name string
		edit func(*Card)
	}{
		{"long name", func(c *Card) { c.Name = strings.Repeat("张", 16) }},
		{"long address", func(c *Card) { c.Address = strings.Repeat("路", 36) }},
		{"long number", func(c *Card) { c.Number += "0" }},
		{"unknown sex", func(c *Card) { c.Sex = "M" }},
		{"unknown nation", func(c *Card) { c.Nation = "火星" }},
		{"unknown nation code", func(c *Card) { c.Nation = "57" }},
	}
	for _, tt := range tests {
		c := base
		tt.edit(&c)
		if _, err := EncodeText(c); !errors.Is(err, ErrField) {
			t.Errorf("%s: err = %v, want ErrField", tt.name, err)
		}
	}
}

func TestNationTable(t *testing.T) {
	tests := []struct{ code, name string }{
		{"01", "汉"}, {"02", "蒙古"}, {"05", "维吾尔"}, {"07", "彝"}, {"20", "傈僳"}, {"29", "柯尔克孜"},
		{"36", "毛南"}, {"43", "乌孜别克"}, {"46", "德昂"}, {"56", "基诺"},
		{"97", "其他"}, {"98", "外国血统中国籍人士"},
	}
	for _, tt := range tests {
		if got, ok := NationName(tt.code); !ok || got != tt.name {
			t.Errorf("NationName(%s) = %q, %v; want %q", tt.code, got, ok, tt.name)
		}
		if got, ok := NationCode(tt.name + "族"); !ok || got != tt.code {
			t.Errorf("NationCode(%s族) = %q, %v; want %s", tt.name, got, ok, tt.code)
		}
	}
	seen := map[string]bool{}
	for i := 1; i <= 56; i++ {
		code := string([]byte{byte('0' + i/10), byte('0' + i%10)})
		name, ok := NationName(code)
		if !ok || name == "" || seen[name] {
			t.Errorf("code %s: %q, %v (duplicate %v)", code, name, ok, seen[name])
		}
		seen[name] = true
		if back, _ := NationCode(name); back != code {
			t.Errorf("NationCode(%s) = %s, want %s", name, back, code)
		}
	}
	for _, bad := range []string{"", "00", "57", "96", "99", "1", "x1", "001"} {
		if _, ok := NationName(bad); ok {
			t.Errorf("NationName(%q) accepted", bad)
		}
	}
}

func TestDecodeKeepsUnknownCodes(t *testing.T) {
	b := realBlock()
	put(b, 30, 2, "5", ' ')
	put(b, 32, 4, "66", ' ')
	c, err := DecodeText(b)
	if err != nil {
		t.Fatal(err)
	}
	if c.Sex != "5" || c.Nation != "66" {
		t.Errorf("sex %q nation %q, want raw codes", c.Sex, c.Nation)
	}
}

func TestSampleCard(t *testing.T) {
	c := SampleCard()
	if err := identity.ValidateNumber(c.Number); err != nil {
		t.Errorf("sample number %s: %v", c.Number, err)
	}
	if !strings.HasPrefix(c.Number, "51010719900307") || c.Birth != c.Number[6:14] {
		t.Errorf("number %s does not match birth %s", c.Number, c.Birth)
	}
	if (c.Number[16]-'0')%2 != 1 || c.Sex != "男" {
		t.Errorf("sequence of %s is not male", c.Number)
	}
	if len(c.Photo) != PhotoSize || bytes.IndexByte(c.Photo, 0) >= 0 {
		t.Errorf("photo: %d bytes, zero at %d", len(c.Photo), bytes.IndexByte(c.Photo, 0))
	}
	d := SampleCard()
	d.Photo[0] = 0
	if c.Photo[0] == 0 {
		t.Error("SampleCard shares its photo between calls")
	}
}

func TestWipe(t *testing.T) {
	c := SampleCard()
	photo := c.Photo
	c.Wipe()
	if bytes.Count(photo, []byte{0}) != len(photo) {
		t.Error("photo bytes not zeroed")
	}
	if c.Name != "" || c.Number != "" || c.Photo != nil {
		t.Errorf("fields left: %+v", c)
	}
}

func TestCardLogValueIsMasked(t *testing.T) {
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("read", "card", SampleCard())
	out := buf.String()
	c := SampleCard()
	for _, secret := range []string{c.Name, c.Number, c.Address, c.Birth} {
		if strings.Contains(out, secret) {
			t.Errorf("log %q contains %q", out, secret)
		}
	}
	if !strings.Contains(out, "张*") || !strings.Contains(out, c.Number[:4]+"**********"+c.Number[14:]) {
		t.Errorf("log %q lacks masked values", out)
	}
}

func BenchmarkDecodeText(b *testing.B) {
	block, err := EncodeText(SampleCard())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(TextSize)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeText(block); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDecodeLayouts builds each non-resident block by hand at the offsets
// of devices.md §2.3–2.5, independently of the layout table.
func TestDecodeLayouts(t *testing.T) {
	blank := func(flag byte) []byte {
		b := make([]byte, TextSize)
		put(b, 0, TextSize, "", ' ')
		b[248], b[249] = flag, 0
		return b
	}
	hmt := blank('J')
	put(hmt, 0, 30, "陈小明", ' ')
	put(hmt, 30, 2, "1", ' ')
	put(hmt, 32, 4, "", ' ')
	put(hmt, 36, 16, "19880512", ' ')
	put(hmt, 52, 70, "四川省成都市锦江区红星路三段1号", ' ')
	put(hmt, 122, 36, "810000198805121238", ' ')
	put(hmt, 158, 30, "成都市公安局锦江区分局", ' ')
	put(hmt, 188, 16, "20210601", ' ')
	put(hmt, 204, 16, "20310601", ' ')
	put(hmt, 220, 18, "H12345678", ' ')
	put(hmt, 238, 4, "01", ' ')

	f17 := blank('I')
	put(f17, 0, 120, "SMITH, JOHN EXAMPLE", ' ')
	put(f17, 120, 2, "2", ' ')
	put(f17, 122, 30, "USA510080010112", ' ')
	put(f17, 152, 6, "USA", ' ')
	put(f17, 158, 30, "史密斯", ' ')
	put(f17, 188, 16, "20170801", ' ')
	put(f17, 204, 16, "20270801", ' ')
	put(f17, 220, 16, "19800101", ' ')
	put(f17, 236, 4, "01", ' ')
	put(f17, 240, 8, "5100", ' ')

	long := "ABDULLAH BIN MOHAMMED AL-EXAMPLE SA" + "MPLENAME"
	f23 := blank('Y')
	put(f23, 0, 30, "阿卜杜拉", ' ')
	put(f23, 30, 2, "1", ' ')
	put(f23, 32, 4, "02", ' ')
	put(f23, 36, 16, "19850101", ' ')
	put(f23, 52, 70, long[:35], ' ')
	put(f23, 122, 36, "932682198501010017", ' ')
	put(f23, 188, 16, "20230101", ' ')
	put(f23, 204, 16, Permanent, ' ')
	put(f23, 220, 22, long[35:], ' ')
	put(f23, 242, 6, "SAU", ' ')
	put(f23, 250, 6, "A1B", ' ')

	tests := []struct {
		name  string
		block []byte
		want  Card
	}{
		{"HMT permit", hmt, Card{Type: CardHMTPermit, Name: "陈小明", Sex: "男", Birth: "19880512",
			Address: "四川省成都市锦江区红星路三段1号", Number: "810000198805121238", Authority: "成都市公安局锦江区分局",
			ValidFrom: "20210601", ValidTo: "20310601", PassNumber: "H12345678", IssueCount: "01"}},
		{"foreign 2017", f17, Card{Type: CardForeign2017, NameEN: "SMITH, JOHN EXAMPLE", Sex: "女", Number: "USA510080010112",
			Nationality: "USA", Name: "史密斯", ValidFrom: "20170801", ValidTo: "20270801", Birth: "19800101",
			CardVersion: "01", Authority: "5100"}},
		{"foreign 2023", f23, Card{Type: CardForeign2023, Name: "阿卜杜拉", Sex: "男", RenewalCount: "02", Birth: "19850101",
			NameEN: long, Number: "932682198501010017", ValidFrom: "20230101", ValidTo: Permanent,
			Nationality: "SAU", OldNumberRef: "A1B"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeText(tt.block)
			if err != nil {
				t.Fatal(err)
			}
			if textOf(got) != textOf(tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
			enc, err := EncodeText(got)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc, tt.block) {
				t.Errorf("EncodeText differs from the hand-built block:\n% X\n% X", enc, tt.block)
			}
		})
	}
}

func TestSampleCardsAllTypes(t *testing.T) {
	day := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, typ := range []CardType{CardResident, CardHMTPermit, CardForeign2017, CardForeign2023} {
		t.Run(typ.String(), func(t *testing.T) {
			c := SampleCardOf(typ)
			if c.Type != typ {
				t.Fatalf("type %v", c.Type)
			}
			if err := c.ValidateNumber(); err != nil {
				t.Errorf("number %s: %v", c.Number, err)
			}
			if c.Expired(day) || c.ValidTo == "" {
				t.Errorf("valid to %q: expired or empty", c.ValidTo)
			}
			block, err := EncodeText(c)
			if err != nil {
				t.Fatal(err)
			}
			if TypeOf(block) != typ {
				t.Errorf("TypeOf = %v", TypeOf(block))
			}
			got, err := DecodeText(block)
			if err != nil {
				t.Fatal(err)
			}
			want := c
			want.Sex, _ = sexName(mustCode(t, sexCode, c.Sex))
			if textOf(got) != textOf(want) {
				t.Errorf("round trip:\n got %#v\nwant %#v", got, want)
			}
			back, ok := ParseCardType(string(typ.Identity()))
			if !ok || back != typ {
				t.Errorf("ParseCardType(%s) = %v, %v", typ.Identity(), back, ok)
			}
		})
	}
}

func TestCardExpiredAndNumber(t *testing.T) {
	day := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		edit    func(*Card)
		expired bool
		valid   bool
	}{
		{"resident ok", func(c *Card) {}, false, true},
		{"expired yesterday", func(c *Card) { c.ValidTo = "20261124" }, true, true},
		{"last valid day", func(c *Card) { c.ValidTo = "20261125" }, false, true},
		{"permanent", func(c *Card) { c.ValidTo = Permanent }, false, true},
		{"bad check digit", func(c *Card) { c.Number = c.Number[:17] + "0" }, false, false},
		{"HMT bad check", func(c *Card) { *c = SampleCardOf(CardHMTPermit); c.Number = c.Number[:17] + "X" }, false, false},
		{"2017 lower case", func(c *Card) { *c = SampleCardOf(CardForeign2017); c.Number = "usa510080010112" }, false, false},
		{"2017 short", func(c *Card) { *c = SampleCardOf(CardForeign2017); c.Number = "USA51008001011" }, false, false},
		{"2023 not 9", func(c *Card) {
			*c = SampleCardOf(CardForeign2023)
			c.Number = "510104199003071237" // valid GB 11643, but not a PR number
		}, false, false},
		{"2023 expired", func(c *Card) { *c = SampleCardOf(CardForeign2023); c.ValidTo = "20250101" }, true, true},
	}
	for _, tt := range tests {
		c := SampleCard()
		tt.edit(&c)
		if got := c.Expired(day); got != tt.expired {
			t.Errorf("%s: Expired = %v", tt.name, got)
		}
		if err := c.ValidateNumber(); (err == nil) != tt.valid {
			t.Errorf("%s: ValidateNumber = %v", tt.name, err)
		}
	}
}

func TestAddressCodec(t *testing.T) {
	b, err := EncodeAddress("四川省成都市高新区天府大道北段1700号")
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != AddressSize {
		t.Fatalf("len %d", len(b))
	}
	if got := DecodeAddress(b); got != "四川省成都市高新区天府大道北段1700号" {
		t.Errorf("got %q", got)
	}
	if got := DecodeAddress(append(b, 1, 2, 3)); got != "四川省成都市高新区天府大道北段1700号" {
		t.Errorf("long input: got %q", got)
	}
	if _, err := EncodeAddress(strings.Repeat("路", 36)); !errors.Is(err, ErrField) {
		t.Errorf("long address: %v", err)
	}
	if got := DecodeAddress([]byte{'A', 0, 'B'}); got != "A" {
		t.Errorf("odd length: %q", got)
	}
}

// Person carries every field of a card into the session's identity and
// shares the photo bytes, so wiping the person wipes the driver's copy.
func TestCardPerson(t *testing.T) {
	c := Card{Type: CardHMTPermit, Name: "张三", NameEN: "ZHANG SAN", Sex: "男", Birth: "19900101",
		Address: "香港", Number: "810000199001010010", Authority: "公安部", ValidFrom: "20200101", ValidTo: "20300101",
		PassNumber: "H12345678", IssueCount: "01", AppendedAddress: "九龙", Photo: []byte{1, 2, 3}}
	p := c.Person()
	if p.Source != identity.SourceIDCard || p.CardType != identity.CardHMTPermit || p.Name != c.Name || p.NameEN != c.NameEN ||
		p.Number != c.Number || p.PassNumber != c.PassNumber || p.IssueCount != c.IssueCount ||
		p.AppendedAddress != c.AppendedAddress || p.ValidTo != c.ValidTo || p.Authority != c.Authority {
		t.Fatalf("person %+v", p.Mask())
	}
	p.Photo[0] = 0
	if c.Photo[0] != 0 {
		t.Fatal("the photo bytes are copied, so a wipe of the person leaves the card's")
	}
}
