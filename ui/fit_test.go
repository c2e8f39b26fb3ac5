package ui

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"sckiosk/devices/device"
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/catalog/catalogyaml"
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/session"
)

// Worst-case values a real visit brings: addresses run 25–35 characters
// and more, a foreign permanent residence card may carry a long English
// name and no Chinese one — as long as the card holds
// (identity.MaxNameRunes, 60).
const (
	longAddress = "四川省凉山彝族自治州西昌市长安街道航天大道三段一百二十八号锦绣花园小区十七栋二单元一千二百零三室"
	longNameEN  = "WOLFESCHLEGELSTEINHAUSEN-BERGERDORFF, HUBERT BLAINE WILLIAMS"
)

// worstPerson is the applicant whose details take the most room: a
// foreign permanent residence card with a long English name and no
// Chinese one, and a long address.
func worstPerson() identity.Person {
	return identity.Person{Source: identity.SourceIDCard, CardType: identity.CardForeign2017, NameEN: longNameEN,
		Number: "USA110080101011", Address: longAddress}
}

// longestNames are the codes of the n items with the longest names.
func longestNames(items []catalog.Item, n int) map[string]bool {
	sorted := append([]catalog.Item(nil), items...)
	sort.SliceStable(sorted, func(i, j int) bool { return len([]rune(sorted[i].Name)) > len([]rune(sorted[j].Name)) })
	out := map[string]bool{}
	for _, it := range sorted[:min(n, len(sorted))] {
		out[it.Code] = true
	}
	return out
}

// worstValue is the longest plausible value of a field.
func worstValue(f catalog.Field) string {
	switch f.Kind {
	case catalog.Choice:
		longest := ""
		for _, o := range f.Options {
			if len([]rune(o)) > len([]rune(longest)) {
				longest = o
			}
		}
		return longest
	case catalog.Phone:
		return "13812345678"
	case catalog.Date:
		return "20260101"
	case catalog.Month:
		return "202612"
	case catalog.BankCard:
		return "6222021234567890123"
	case catalog.Number:
		return strings.Repeat("8", max(1, f.Max))
	case catalog.IDNo:
		return "11010519491231002X"
	case catalog.USCC:
		return "91510100MA6CXY1243"
	}
	return longAddress
}

// fitStates walks the core to every screen a catalogue's items lead to,
// with the worst-case applicant and values: the demo states, then each
// item's guide, form (keyboard closed, and open on each typed field),
// review and done screens, and the chooser on each category.
func fitStates(t *testing.T) map[string]session.State {
	out := map[string]session.State{}
	for name, s := range DemoStates() {
		out["demo/"+name] = s
	}
	apply := func(s session.State, evs ...session.Event) session.State {
		for _, ev := range evs {
			s, _ = session.Next(s, ev)
		}
		return s
	}
	sample, err := catalogyaml.Sample()
	if err != nil {
		t.Fatal(err)
	}
	if n := len([]rune(longNameEN)); n != identity.MaxNameRunes {
		t.Fatalf("the worst name has %d characters, a card holds %d", n, identity.MaxNameRunes)
	}
	for cname, cat := range map[string]catalog.Catalog{"builtin": catalog.Builtin(), "sample": sample} {
		p := worstPerson()
		base := onlineDevices(session.New(session.DefaultConfig(), cat, demoStart))
		chosen := apply(base, session.Start{}, session.CardRead{Person: p})
		cats := chosen.Categories()
		for _, c := range cats {
			out[cname+"/choose/"+c] = apply(chosen, session.ChooseCategory{Category: c})
		}
		more := chosen
		for page := 1; page < len(cats); page++ {
			more = apply(more, session.MoreCategories{})
			out[fmt.Sprintf("%s/choose/more%d", cname, page)] = more
		}
		// Every item's form; guide, review and done for the items with the
		// longest names and for bundles; the keyboard open on the first
		// field of each kind.
		longest := longestNames(cat.Items, 3)
		keyboards := map[catalog.FieldKind]bool{}
		for _, it := range cat.Items {
			prefix := cname + "/" + it.Name
			guide := apply(chosen, session.ChooseItemEvent{Code: it.Code})
			if guide.Screen != session.ItemGuide {
				continue // not offered to this applicant
			}
			full := longest[it.Code] || len(it.Bundle) > 0
			if full {
				out[prefix+"/guide"] = guide
			}
			form := apply(guide, session.Proceed{})
			if form.Screen != session.Form {
				continue
			}
			filled := form
			for _, f := range it.Fields {
				if !f.ReadOnly {
					filled = apply(filled, session.SetField{Key: f.Key, Value: worstValue(f)})
				}
			}
			out[prefix+"/form"] = filled
			if full {
				out[prefix+"/form_errors"] = apply(form, session.Proceed{})
				// The frame's dialogs over the fullest forms.
				out[prefix+"/form_leave"] = apply(filled, session.Home{})
				out[prefix+"/form_countdown"] = apply(filled, session.Tick{Now: filled.Deadline.Add(-3 * time.Second)})
			}
			for _, f := range it.Fields {
				if f.ReadOnly || f.Kind == catalog.Choice || keyboards[f.Kind] {
					continue
				}
				keyboards[f.Kind] = true
				focused := apply(filled, session.FocusField{Key: f.Key})
				out[prefix+"/keyboard_"+f.Key] = focused
				out[prefix+"/pinyin_"+f.Key] = apply(focused, session.SetKeyMode{Mode: session.KeyPinyin},
					session.TypeRune{R: 'z'}, session.TypeRune{R: 'h'}, session.TypeRune{R: 'u'}, session.TypeRune{R: 'a'}, session.TypeRune{R: 'n'}, session.TypeRune{R: 'g'})
			}
			if !full {
				continue
			}
			// The longest name a card holds passes the form and wraps on
			// review and done.
			review := apply(chosen, session.ChooseItemEvent{Code: it.Code}, session.Proceed{})
			for _, f := range it.Fields {
				if !f.ReadOnly {
					review = apply(review, session.SetField{Key: f.Key, Value: worstValue(f)})
				}
			}
			review = apply(review, session.Proceed{}, session.SetConsent{Agreed: true})
			if review.Screen != session.Review {
				t.Errorf("%s: the filled form does not reach review (errors %v)", prefix, review.FieldError)
				continue
			}
			out[prefix+"/review"] = review
			var linked []string
			for i := range it.Bundle {
				linked = append(linked, fmt.Sprintf("SC2026112500001%d", i+2))
			}
			out[prefix+"/done"] = apply(review, session.Confirm{}, session.Submitted{CaseNumber: "SC20261125000001",
				TrackCode: "http://127.0.0.1/track/SC20261125000001", Linked: linked, Licences: it.ELicences}, session.Printed{})
		}
	}
	return out
}

func onlineDevices(s session.State) session.State {
	for _, k := range []device.Kind{device.IDCard, device.Scanner, device.Printer} {
		s, _ = session.Next(s, session.DeviceChanged{Status: device.Status{Kind: k, State: device.Online}})
	}
	return s
}

// No screen needs more room than the kiosk's screen, in either orientation
// and in elder mode, with the longest values a visit brings: on a real
// kiosk an oversized screen is cut off (and a window grows wider than the
// screen). Every drawn object must have a minimum size within the screen
// and lie inside it.
func TestScreensFit(t *testing.T) {
	test.NewTempApp(t)
	dict, err := LoadDict()
	if err != nil {
		t.Fatal(err)
	}
	render := receiptRenderer(t)
	states := fitStates(t)
	names := make([]string, 0, len(states))
	for n := range states {
		names = append(names, n)
	}
	sort.Strings(names)
	failures := 0
	for _, landscape := range []bool{false, true} {
		limit := Portrait
		if landscape {
			limit = Landscape
		}
		for _, elder := range []bool{false, true} {
			for _, name := range names {
				s := states[name]
				s.Elder = elder
				k := NewKiosk(func(session.Event) {})
				k.Landscape, k.Dict, k.RenderReceipt = landscape, dict, render
				useTheme(k, elder, landscape)
				w := test.NewWindow(k.Content())
				w.SetPadded(false)
				w.Resize(limit)
				k.Show(s)
				wide, tall := misfits(k.Content(), limit)
				w.Close()
				problems := append(wide, tall...)
				if len(problems) > 0 {
					failures++
					if failures <= 25 {
						t.Errorf("%s (landscape %v, elder %v) does not fit %.0f×%.0f:\n\t%s", name, landscape, elder,
							limit.Width, limit.Height, strings.Join(problems[:min(len(problems), 4)], "\n\t"))
					}
				}
			}
		}
	}
	if failures > 25 {
		t.Errorf("… and %d more screens that do not fit", failures-25)
	}
	t.Logf("%d states, 4 layouts each", len(states))
}

// misfits lists the visible objects under root whose minimum size exceeds
// limit or that lie outside it: wide those too wide or beyond the left or
// right edge, tall the others. What a vertical scroll region holds may run
// below the screen (the citizen scrolls to it), never wider than it.
func misfits(root fyne.CanvasObject, limit fyne.Size) (wide, tall []string) {
	const slack = 0.5
	// Only the deepest culprit is named: its containers are too wide
	// because of it.
	var walk func(o fyne.CanvasObject, at fyne.Position, scrolled bool) bool
	walk = func(o fyne.CanvasObject, at fyne.Position, scrolled bool) bool {
		if o == nil || !o.Visible() {
			return false
		}
		pos := at.Add(o.Position())
		found := false
		switch x := o.(type) {
		case *container.Scroll:
			if x.Direction != container.ScrollVerticalOnly {
				wide = append(wide, fmt.Sprintf("%s at %.0f,%.0f scrolls sideways", describe(o), pos.X, pos.Y))
				return true
			}
			found = walk(x.Content, pos, true)
		case *fyne.Container:
			for _, c := range x.Objects {
				found = walk(c, pos, scrolled) || found
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				found = walk(c, pos, scrolled) || found
			}
		}
		if found {
			return true
		}
		size, minSize := o.Size(), o.MinSize()
		drawn := size.Width > 0 && size.Height > 0
		switch {
		case minSize.Width > limit.Width+slack || (drawn && (pos.X < -slack || pos.X+size.Width > limit.Width+slack)):
			wide = append(wide, fmt.Sprintf("%s at %.0f,%.0f size %.0f×%.0f needs %.0f×%.0f", describe(o),
				pos.X, pos.Y, size.Width, size.Height, minSize.Width, minSize.Height))
			return true
		case !scrolled && (minSize.Height > limit.Height+slack || (drawn && (pos.Y < -slack || pos.Y+size.Height > limit.Height+slack))):
			tall = append(tall, fmt.Sprintf("%s at %.0f,%.0f size %.0f×%.0f needs %.0f×%.0f", describe(o),
				pos.X, pos.Y, size.Width, size.Height, minSize.Width, minSize.Height))
			return true
		}
		return false
	}
	walk(root, fyne.NewPos(0, 0), false)
	return wide, tall
}

// describe names an object by its type and the text it shows, if any.
func describe(o fyne.CanvasObject) string {
	switch x := o.(type) {
	case *Button:
		return fmt.Sprintf("button %q", x.Text)
	case *canvas.Text:
		return fmt.Sprintf("text %q", x.Text)
	case *widget.Label:
		return fmt.Sprintf("label %q", x.Text)
	case *widget.RichText:
		return fmt.Sprintf("rich text %q", x.String())
	}
	return fmt.Sprintf("%T", o)
}
