package session

import (
	"strings"
	"testing"
	"time"

	"sckiosk/devices/device"
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/catalog/catalogyaml"
	"sckiosk/kiosk/core/msg"
)

// The countdown warns 15 s before a timeout, 30 s in elder mode, and
// never shows 0 seconds while the screen is still there.
func TestCountdownWarning(t *testing.T) {
	for _, tc := range []struct {
		name  string
		elder bool
		warn  time.Duration
	}{{"standard", false, 15 * time.Second}, {"elder", true, 30 * time.Second}} {
		t.Run(tc.name, func(t *testing.T) {
			events := []Event{Start{}}
			if tc.elder {
				events = append(events, ToggleElder{})
			}
			s, _ := run(t, idle(), events...)
			if s.Warning() != tc.warn {
				t.Fatalf("warning %v, want %v", s.Warning(), tc.warn)
			}
			end := s.Deadline
			before, _ := Next(s, Tick{Now: end.Add(-tc.warn - time.Second)})
			at, _ := Next(s, Tick{Now: end.Add(-tc.warn)})
			if before.CountingDown() || !at.CountingDown() {
				t.Fatalf("counting down %v a second early, %v on time", before.CountingDown(), at.CountingDown())
			}
			last, _ := Next(s, Tick{Now: end.Add(-100 * time.Millisecond)})
			if last.Screen != Identifying || last.SecondsLeft() != 1 {
				t.Fatalf("100 ms before the end: screen %v shows %d s", last.Screen, last.SecondsLeft())
			}
		})
	}
}

// 首页 ends a visit at once unless it would lose what the citizen chose or
// typed: then it asks, and 继续办理 (Stay) keeps everything.
func TestHomeAsksBeforeLeaving(t *testing.T) {
	for _, tc := range []struct {
		name   string
		events []Event
		asks   bool
	}{
		{"identifying", []Event{Start{}}, false},
		{"choose", []Event{Start{}, CardRead{Person: samplePerson()}}, true},
		{"guide", []Event{Start{}, CardRead{Person: samplePerson()}, ChooseItemEvent{Code: item}}, true},
		{"form", toForm(), true},
		{"review", toReview(), true},
		{"done", toDone(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := run(t, idle(), tc.events...)
			screen := s.Screen
			asked, eff := Next(s, Home{})
			if !tc.asks {
				if asked.Screen != Idle || asked.Person != nil || len(effectsOf[Wipe](eff)) != 1 {
					t.Fatalf("home on %v: screen %v, wipes %d", screen, asked.Screen, len(effectsOf[Wipe](eff)))
				}
				return
			}
			if asked.Screen != screen || !asked.ConfirmLeave || len(eff) != 0 {
				t.Fatalf("home on %v: screen %v confirm %v effects %v", screen, asked.Screen, asked.ConfirmLeave, eff)
			}
			stayed, _ := Next(asked, Stay{})
			if stayed.Screen != screen || stayed.ConfirmLeave || stayed.Person == nil {
				t.Fatalf("stay: screen %v confirm %v", stayed.Screen, stayed.ConfirmLeave)
			}
			for _, leave := range []Event{Home{}, Cancel{}} {
				left, eff := Next(asked, leave)
				if left.Screen != Idle || left.ConfirmLeave || len(effectsOf[Wipe](eff)) != 1 {
					t.Fatalf("%T after asking: screen %v confirm %v", leave, left.Screen, left.ConfirmLeave)
				}
			}
		})
	}
}

// ‹ › page through the candidates of the letters typed; new letters start
// from the best page again.
func TestCandidatePaging(t *testing.T) {
	s, _ := run(t, idle(), append(toForm(), FocusField{Key: "reason"}, SetKeyMode{Mode: KeyPinyin})...)
	if p, _ := Next(s, PageCandidates{Delta: 1}); p.CandPage != 0 {
		t.Fatalf("paged %d without letters", p.CandPage)
	}
	s, _ = run(t, s, TypeRune{R: 'd'}, TypeRune{R: 'o'}, TypeRune{R: 'n'}, TypeRune{R: 'g'})
	for _, tc := range []struct {
		ev   Event
		want int
	}{
		{PageCandidates{Delta: 1}, 1},
		{PageCandidates{Delta: 1}, 2},
		{PageCandidates{Delta: -1}, 1},
		{PageCandidates{Delta: -1}, 0},
		{PageCandidates{Delta: -1}, 0},
		{PageCandidates{Delta: 1}, 1},
		{Backspace{}, 0},
	} {
		s, _ = Next(s, tc.ev)
		if s.CandPage != tc.want {
			t.Fatalf("after %#v: page %d, want %d", tc.ev, s.CandPage, tc.want)
		}
	}
	s, _ = run(t, s, TypeRune{R: 'g'}, PageCandidates{Delta: 1}, PickCandidate{Text: "栋"})
	if s.CandPage != 0 || s.Values["reason"] != "栋" {
		t.Fatalf("after a pick: page %d value %q", s.CandPage, s.Values["reason"])
	}
}

// Letters composed in 中 mode filter the item list at once, by initials,
// and × (ClearText) empties the search whether the keyboard is open or not.
func TestSearchWhileComposing(t *testing.T) {
	s, _ := run(t, idle(), Start{}, CardRead{Person: samplePerson()}, FocusField{Key: SearchField},
		TypeRune{R: 'g'}, TypeRune{R: 'j'}, TypeRune{R: 'j'})
	if s.KeyMode != KeyPinyin || s.Compose != "gjj" || s.Query != "" {
		t.Fatalf("mode %v compose %q query %q", s.KeyMode, s.Compose, s.Query)
	}
	if items := s.Items(); len(items) != 1 || items[0].Name != "重庆市住房公积金缴存证明" {
		t.Fatalf("items while composing gjj: %v", items)
	}
	cleared, _ := Next(s, ClearText{})
	if cleared.Compose != "" || cleared.Query != "" || len(cleared.Items()) != len(s.Catalog.Items) {
		t.Fatalf("after ×: compose %q query %q", cleared.Compose, cleared.Query)
	}
	closed, _ := run(t, s, PickCandidate{Text: "公积金"}, FocusField{Key: ""}, ClearText{})
	if closed.Query != "" {
		t.Fatalf("× with the keyboard closed left %q", closed.Query)
	}
}

// 清空 on a field's pad empties the field (and only it).
func TestClearTextOnAField(t *testing.T) {
	s, _ := run(t, idle(), append(toForm(), FocusField{Key: "phone"}, SetField{Key: "phone", Value: "138"},
		SetField{Key: "reason", Value: "就业"}, FocusField{Key: "phone"}, ClearText{})...)
	if s.Values["phone"] != "" || s.Values["reason"] != "就业" {
		t.Fatalf("values %v", s.Values)
	}
}

// 一件事一次办 and 川渝通办 are sections of their own: the bundles, whatever
// their catalogue category, and the items another province handles.
func TestFirstLevelSections(t *testing.T) {
	sample, err := catalogyaml.Sample()
	if err != nil {
		t.Fatal(err)
	}
	s := New(DefaultConfig(), sample, t0)
	cats := s.Categories()
	if n := len(cats); n < 2 || cats[n-2] != CategoryBundle || cats[n-1] != CategoryCQ {
		t.Fatalf("categories %v: want 一件事一次办 and 川渝通办 last", cats)
	}
	for _, tc := range []struct {
		section string
		belongs func(catalog.Item) bool
	}{
		{CategoryBundle, func(it catalog.Item) bool { return len(it.Bundle) > 0 }},
		{CategoryCQ, func(it catalog.Item) bool { return it.Province == "50" }},
	} {
		s.Category = tc.section
		items := s.Items()
		if len(items) == 0 {
			t.Fatalf("%s: no items", tc.section)
		}
		for _, it := range items {
			if !tc.belongs(it) {
				t.Errorf("%s lists %s", tc.section, it.Name)
			}
		}
	}
}

// Number-like fields open the digit pad, never the letters.
func TestDigitFieldsOpenTheKeypad(t *testing.T) {
	for _, kind := range []catalog.FieldKind{catalog.Phone, catalog.IDNo, catalog.Date, catalog.Month, catalog.Number, catalog.BankCard} {
		s := State{KeyMode: KeyPinyin}.focus(catalog.Field{Key: "f", Kind: kind})
		if s.KeyMode != KeyDigits {
			t.Errorf("%s opens key mode %v", kind, s.KeyMode)
		}
	}
	for _, tc := range []struct {
		kind      catalog.FieldKind
		typed, is string
	}{
		{catalog.Month, "2026-12", "202612"},
		{catalog.BankCard, "6222 0212 3456 7890 1234", "6222021234567890123"},
		{catalog.Number, "12a34", "1234"},
	} {
		if got := normalize(tc.kind, tc.typed); got != tc.is {
			t.Errorf("%s %q kept as %q, want %q", tc.kind, tc.typed, got, tc.is)
		}
	}
}

// Without a PIN in the profile the pad says so as it opens; 删除 and 清空
// edit the PIN as on every pad.
func TestTechPINPad(t *testing.T) {
	corner := []Event{CornerTap{}, CornerTap{}, CornerTap{}, CornerTap{}, CornerTap{}}
	cfg := DefaultConfig()
	cfg.TechDisabled = true
	off, _ := run(t, New(cfg, catalog.Builtin(), t0), corner...)
	if off.Screen != TechPIN || off.Tech.Notice.Key != msg.TechPINDisabled {
		t.Fatalf("no PIN set: screen %v notice %v", off.Screen, off.Tech.Notice)
	}
	s, _ := run(t, idle(), append(corner, TechKey{R: '1'}, TechKey{R: '2'}, TechKey{R: '3'}, TechKey{R: TechDelete})...)
	if !s.Tech.Notice.IsZero() || s.Tech.PIN != "12" {
		t.Fatalf("notice %v pin %q", s.Tech.Notice, s.Tech.PIN)
	}
	if s, _ = Next(s, TechKey{R: TechClear}); s.Tech.PIN != "" {
		t.Fatalf("清空 left %q", s.Tech.PIN)
	}
}

// 请检查标红的内容 goes once nothing is marked red any more.
func TestFormCheckNoticeGoesWithTheLastError(t *testing.T) {
	s, _ := run(t, idle(), append(toForm(), Proceed{})...)
	if s.Notice.Key != msg.FormCheck || len(s.FieldError) != 2 {
		t.Fatalf("notice %v errors %v", s.Notice, s.FieldError)
	}
	s, _ = Next(s, SetField{Key: "phone", Value: "13812345678"})
	if s.Notice.Key != msg.FormCheck {
		t.Fatal("the notice went while a field is still red")
	}
	s, _ = Next(s, SetField{Key: "reason", Value: "就业"})
	if !s.Notice.IsZero() || len(s.FieldError) != 0 {
		t.Fatalf("stale notice %v, errors %v", s.Notice, s.FieldError)
	}
}

// A test print that came out is counted; one that failed is not.
func TestTestPrintIsCounted(t *testing.T) {
	corner := []Event{CornerTap{}, CornerTap{}, CornerTap{}, CornerTap{}, CornerTap{}, TechKey{R: '1'}, TechSubmit{}, PINChecked{OK: true}}
	s, _ := run(t, idle(), corner...)
	s, _ = run(t, s, TechAction{Name: TechPrintTest}, TechDone{Name: TechPrintTest, Message: msg.New(msg.TechTestPrinted)},
		TechAction{Name: TechPrintTest}, TechDone{Name: TechPrintTest, Message: msg.New(msg.TechTestPrintFailed, "缺纸")})
	if n := s.Counters["printer.test_prints"]; n != 1 {
		t.Fatalf("test prints counted %d, want 1", n)
	}
}

// A bundle's receipt names each linked case by its member item.
func TestReceiptNamesLinkedCases(t *testing.T) {
	sample, err := catalogyaml.Sample()
	if err != nil {
		t.Fatal(err)
	}
	var bundle catalog.Item
	for _, it := range sample.Items {
		if len(it.Bundle) >= 2 {
			bundle = it
			break
		}
	}
	s := New(DefaultConfig(), sample, t0)
	s.Item = &bundle
	got := s.LinkedCases([]string{"SC1-1", "SC1-2", "SC1-3"})
	first, _ := sample.Find(bundle.Bundle[0])
	if got[0] != first.Name+" SC1-1" || (len(bundle.Bundle) == 2 && got[2] != "SC1-3") {
		t.Fatalf("linked %q", got)
	}
	s, _ = run(t, onlineAll(New(DefaultConfig(), sample, t0)), Start{}, CardRead{Person: samplePerson()}, ChooseItemEvent{Code: bundle.Code}, Proceed{})
	for _, f := range bundle.Fields {
		if !f.ReadOnly {
			s, _ = Next(s, SetField{Key: f.Key, Value: sampleValue(f)})
		}
	}
	s, _ = run(t, s, Proceed{}, SetConsent{Agreed: true}, Confirm{}, Submitted{CaseNumber: "SC1", Linked: []string{"SC1-1", "SC1-2"}})
	if s.Screen != Done {
		t.Fatalf("reached %v (errors %v)", s.Screen, s.FieldError)
	}
	var rows []string
	for _, b := range s.Result.Receipt.Blocks {
		rows = append(rows, b.Text)
	}
	if all := strings.Join(rows, "\n"); !strings.Contains(all, first.Name+" SC1-1") {
		t.Fatalf("receipt does not name the linked case:\n%s", all)
	}
}

func onlineAll(s State) State {
	for _, k := range []device.Kind{device.IDCard, device.Scanner, device.Printer} {
		s, _ = Next(s, online(k))
	}
	return s
}

// sampleValue is a valid value for a field of the sample catalogue.
func sampleValue(f catalog.Field) string {
	switch f.Kind {
	case catalog.Choice:
		return f.Options[0]
	case catalog.Phone:
		return "13812345678"
	case catalog.Date:
		return "20260101"
	case catalog.Month:
		return "202612"
	case catalog.BankCard:
		return "6222021234567890123"
	case catalog.Number:
		return "123"
	case catalog.IDNo:
		return "11010519491231002X"
	case catalog.USCC:
		return "91510100MA6CXY1243"
	}
	return "成都"
}
