package idcardsim

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sckiosk/devices/idcard"
)

func TestParseFault(t *testing.T) {
	for _, f := range Faults() {
		got, err := ParseFault(string(f))
		if err != nil || got != f {
			t.Errorf("ParseFault(%s) = %q, %v", f, got, err)
		}
	}
	for _, s := range []string{"", "none"} {
		if got, err := ParseFault(s); err != nil || got != FaultNone {
			t.Errorf("ParseFault(%q) = %q, %v", s, got, err)
		}
	}
	if _, err := ParseFault("gremlins"); err == nil || !strings.Contains(err.Error(), "noise") {
		t.Errorf("ParseFault(gremlins) = %v", err)
	}
}

func TestFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/cards/*.yaml")
	if err != nil || len(files) < 4 {
		t.Fatalf("fixtures %v: %v", files, err)
	}
	types := map[idcard.CardType]bool{}
	for _, f := range files {
		c, err := LoadFixture(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		types[c.Type] = true
		if err := c.ValidateNumber(); err != nil {
			t.Errorf("%s: number: %v", f, err)
		}
		if c.ValidTo == "" || len(c.Photo) != idcard.PhotoSize {
			t.Errorf("%s: valid to %q, photo %d bytes", f, c.ValidTo, len(c.Photo))
		}
	}
	if len(types) != 4 {
		t.Errorf("fixtures cover %d card types, want 4", len(types))
	}
	c, err := LoadFixture("testdata/cards/foreign2023.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if want := idcard.SampleCardOf(idcard.CardForeign2023); textOf(c) != textOf(want) {
		t.Errorf("foreign2023.yaml\n got %#v\nwant %#v", textOf(c), textOf(want))
	}
}

func TestFixtureErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "big.wlt"), make([]byte, idcard.PhotoSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, yaml string }{
		{"unknown key", "card_type: resident\nnation: 汉\nshoe_size: 44\n"},
		{"unknown type", "card_type: passport\n"},
		{"no nation", "card_type: resident\nname: 张三\n"},
		{"long name", "nation: 汉\nname: " + strings.Repeat("张", 16) + "\n"},
		{"bad sex", "nation: 汉\nsex: M\n"},
		{"long appended address", "nation: 汉\nappended_address: " + strings.Repeat("路", 36) + "\n"},
		{"missing photo", "nation: 汉\nphoto: nope.wlt\n"},
		{"big photo", "nation: 汉\nphoto: big.wlt\n"},
		{"not yaml", "[[["},
	}
	for _, tt := range tests {
		if _, err := ParseFixture([]byte(tt.yaml), dir); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
	if _, err := LoadFixture(filepath.Join(dir, "absent.yaml")); err == nil {
		t.Error("absent file accepted")
	}
}

// TestSimGoldenAnswers pins the answers added for the appended address,
// the fingerprint read and the failed SAM (devices.md §1.4–1.5).
func TestSimGoldenAnswers(t *testing.T) {
	l := newSimLink(t)
	c := idcard.SampleCard()
	c.AppendedAddress = "四川省成都市高新区天府大道北段1700号"
	addr, err := idcard.EncodeAddress(c.AppendedAddress)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.send(idcard.OpReadAddress.Encode(nil)); !bytes.Equal(got, hx(t, "AA AA AA 96 69 00 04 00 00 41 45")) {
		t.Errorf("30 03 without card: % X", got)
	}
	if err := l.sim.Place(c); err != nil {
		t.Fatal(err)
	}
	got := l.send(idcard.OpReadAddress.Encode(nil))
	if len(got) != 81 || !bytes.Equal(got[:10], hx(t, "AA AA AA 96 69 00 4A 00 00 90")) || !bytes.Equal(got[10:80], addr) {
		t.Errorf("30 03 with address: % X (len %d)", got, len(got))
	}
	l.send(idcard.OpFind.Encode(nil))
	l.send(idcard.OpSelect.Encode(nil))
	got = l.send(idcard.OpReadFP.Encode(nil))
	if len(got) != 1297 || !bytes.Equal(got[:16], hx(t, "AA AA AA 96 69 05 0A 00 00 90 01 00 04 00 00 00")) {
		t.Errorf("30 10: % X (len %d)", got[:16], len(got))
	}
	c.AppendedAddress = ""
	if err := l.sim.Place(c); err != nil {
		t.Fatal(err)
	}
	if got := l.send(idcard.OpReadAddress.Encode(nil)); !bytes.Equal(got, hx(t, "AA AA AA 96 69 00 04 00 00 91 95")) {
		t.Errorf("30 03 without address: % X", got)
	}

	bad := newSimLinkWith(t, SimOptions{Fault: FaultSAMFail})
	for _, op := range []idcard.Op{idcard.OpStatus, idcard.OpFind, idcard.OpRead} {
		if got := bad.send(op.Encode(nil)); !bytes.Equal(got, hx(t, "AA AA AA 96 69 00 04 00 00 60 64")) {
			t.Errorf("%v on a failed SAM: % X", op, got)
		}
	}
}
