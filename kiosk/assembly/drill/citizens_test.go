package drill

import (
	"os"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf16"

	"golang.org/x/text/encoding/simplifiedchinese"

	"sckiosk/devices/idcard"
	"sckiosk/kiosk/adapters/privacy"
	"sckiosk/kiosk/core/identity"
)

// TestCitizensAreValid: every drilled citizen's number passes its card
// type's check, every card fits the reader's layout and is valid today,
// no two share a number, and they cover the four card types and app codes
// with rare characters.
func TestCitizensAreValid(t *testing.T) {
	kinds := map[string]bool{}
	numbers := map[string]bool{}
	var names string
	for i, c := range Citizens() {
		kinds[c.Kind()] = true
		if c.App != nil {
			if err := identity.ValidateNumber(c.App.Number); err != nil {
				t.Errorf("citizen %d: %v", i, err)
			}
			numbers[c.App.Number], names = true, names+c.App.Name
			continue
		}
		if err := c.Card.ValidateNumber(); err != nil {
			t.Errorf("citizen %d (%s): %v", i, c.Kind(), err)
		}
		if c.Card.Expired(time.Now().AddDate(1, 0, 0)) {
			t.Errorf("citizen %d: card valid to %s", i, c.Card.ValidTo)
		}
		if _, err := idcard.EncodeText(c.Card); err != nil {
			t.Errorf("citizen %d: %v", i, err)
		}
		back, err := idcard.DecodeText(mustEncode(t, c.Card))
		if err != nil || back.Name != c.Card.Name || back.NameEN != c.Card.NameEN || back.Number != c.Card.Number {
			t.Errorf("citizen %d: read back as %q %q %q, %v", i, back.Name, back.NameEN, back.Number, err)
		}
		numbers[c.Card.Number], names = true, names+c.Card.Name
	}
	for _, k := range []identity.CardType{identity.CardResident, identity.CardHMTPermit, identity.CardForeign2017, identity.CardForeign2023, "app"} {
		if !kinds[string(k)] {
			t.Errorf("no citizen identifies by %s", k)
		}
	}
	if len(numbers) != len(Citizens()) {
		t.Errorf("%d numbers for %d citizens", len(numbers), len(Citizens()))
	}
	for _, r := range []string{"䶮", "𠮷"} {
		if !containsStr(names, r) {
			t.Errorf("no name with %s", r)
		}
	}
}

func mustEncode(t *testing.T, c idcard.Card) []byte {
	t.Helper()
	b, err := idcard.EncodeText(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestScanFindsCitizens: the scan the drill ends with would find each
// citizen's name and number had the kiosk kept them, in each encoding a
// kiosk might write them (rare characters beyond the BMP included), so a
// clean scan after a drill means something.
func TestScanFindsCitizens(t *testing.T) {
	var ids []privacy.Identity
	for _, c := range Citizens() {
		ids = append(ids, c.Identities()...)
	}
	for _, id := range ids {
		for _, v := range []string{id.Name, id.Number} {
			if v == "" {
				continue
			}
			gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(v))
			if err != nil {
				t.Fatal(err)
			}
			for enc, b := range map[string][]byte{"utf-8": []byte(v), "gb18030": gb, "utf-16le": utf16le(v)} {
				dir := t.TempDir()
				if err := os.WriteFile(filepath.Join(dir, "kept"), append([]byte("x "), b...), 0o600); err != nil {
					t.Fatal(err)
				}
				hits, err := privacy.Scan(dir, ids)
				if err != nil || len(hits) == 0 {
					t.Errorf("%s in %s not found: %v", identity.MaskName(v), enc, err)
				}
			}
		}
	}
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}
