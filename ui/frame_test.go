package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/catalog/catalogyaml"
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/ime"
	"sckiosk/kiosk/core/msg"
	"sckiosk/kiosk/core/session"
)

// live is a kiosk screen driven by the real core: taps become events,
// events go through session.Next and the new state is shown.
type live struct {
	t      *testing.T
	k      *Kiosk
	w      fyne.Window
	s      session.State
	events []session.Event
}

func newLive(t *testing.T, s session.State, elder bool, dict *ime.Dict) *live {
	t.Helper()
	l := &live{t: t, s: s}
	l.k = NewKiosk(func(e session.Event) {
		l.events = append(l.events, e)
		l.s, _ = session.Next(l.s, e)
		l.k.Show(l.s)
	})
	l.k.Dict = dict
	useTheme(l.k, elder, false)
	l.w = test.NewWindow(l.k.Content())
	l.w.SetPadded(false)
	l.w.Resize(Portrait)
	l.k.Show(s)
	t.Cleanup(l.w.Close)
	return l
}

// placed is a drawn object and where it lies on the screen.
type placed struct {
	o   fyne.CanvasObject
	pos fyne.Position
}

// objects lists the visible objects on screen, with their positions.
func (l *live) objects() []placed {
	var out []placed
	var walk func(o fyne.CanvasObject, at fyne.Position)
	walk = func(o fyne.CanvasObject, at fyne.Position) {
		if o == nil || !o.Visible() {
			return
		}
		pos := at.Add(o.Position())
		out = append(out, placed{o, pos})
		switch x := o.(type) {
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c, pos)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c, pos)
			}
		}
	}
	walk(l.k.Content(), fyne.NewPos(0, 0))
	return out
}

// buttons are the buttons on screen labelled label.
func (l *live) buttons(label string) []placed {
	var out []placed
	for _, p := range l.objects() {
		if b, ok := p.o.(*Button); ok && b.Text == label {
			out = append(out, p)
		}
	}
	return out
}

// button is the one button labelled label.
func (l *live) button(label string) placed {
	l.t.Helper()
	bs := l.buttons(label)
	if len(bs) != 1 {
		l.t.Fatalf("%d buttons %q on screen", len(bs), label)
	}
	return bs[0]
}

// tapAt taps the screen where a finger would.
func (l *live) tapAt(pos fyne.Position) { test.TapCanvas(l.w.Canvas(), pos) }

func centre(p placed) fyne.Position {
	return p.pos.Add(fyne.NewPos(p.o.Size().Width/2, p.o.Size().Height/2))
}

// texts is every text drawn on screen, in order.
func (l *live) texts() string {
	var b strings.Builder
	for _, p := range l.objects() {
		switch x := p.o.(type) {
		case *canvas.Text:
			b.WriteString(x.Text + "\n")
		case *wrapText:
			b.WriteString(x.Text + "\n")
		case *Button:
			b.WriteString(x.Text + "\n")
		}
	}
	return b.String()
}

func chosenState(t *testing.T, cat catalog.Catalog) session.State {
	s := onlineDevices(session.New(session.DefaultConfig(), cat, demoStart))
	for _, e := range []session.Event{session.Start{}, session.CardRead{Person: person()}} {
		s, _ = session.Next(s, e)
	}
	return s
}

// Item 9: the countdown is a centred dialog in large type; taps where
// 长辈模式 is, once or twice in a row, never switch elder mode.
func TestCountdownDialog(t *testing.T) {
	test.NewTempApp(t)
	// The second tap must come while the guard holds, however slowly a
	// loaded machine draws the screen between the two.
	defer func(d time.Duration) { dialogGuard = d }(dialogGuard)
	dialogGuard = time.Minute
	for _, elder := range []bool{false, true} {
		s := chosenState(t, catalog.Builtin())
		if elder {
			s, _ = session.Next(s, session.ToggleElder{})
		}
		l := newLive(t, s, elder, nil)
		toggle := centre(l.button(map[bool]string{false: "长辈模式", true: "标准模式"}[elder]))
		l.s, _ = session.Next(l.s, session.Tick{Now: l.s.Deadline.Add(-time.Second / 2)})
		l.k.Show(l.s)
		if !strings.Contains(l.texts(), "1 秒后将返回首页") {
			t.Fatalf("elder %v: half a second before the end the dialog says:\n%s", elder, l.texts())
		}
		cont := l.button("继续办理")
		if c := centre(cont); c.Y < Portrait.Height*0.3 || c.Y > Portrait.Height*0.7 {
			t.Errorf("elder %v: 继续办理 at y %.0f, not in the middle of the screen", elder, c.Y)
		}
		body := float32(34)
		if elder {
			body *= ElderScale
		}
		if size := l.k.count.label.TextSize; size <= body {
			t.Errorf("elder %v: countdown text %.0f, not larger than body text %.0f", elder, size, body)
		}
		l.tapAt(toggle)
		l.tapAt(toggle) // the second tap of a quick double tap
		for _, e := range l.events {
			if _, ok := e.(session.ToggleElder); ok {
				t.Fatalf("elder %v: taps at 长辈模式 during the countdown sent %v", elder, l.events)
			}
		}
		if l.s.CountingDown() || l.s.Elder != elder {
			t.Fatalf("elder %v: after the tap: counting %v, elder %v", elder, l.s.CountingDown(), l.s.Elder)
		}
	}
}

// Item 19a: 首页 and 长辈模式 sit in the same place on every citizen
// screen, with the two places kept for 求助 and the language switch.
func TestFrameControlsStayInPlace(t *testing.T) {
	test.NewTempApp(t)
	states := DemoStates()
	var home, elder *fyne.Position
	for _, name := range []string{"identifying", "choose", "guide", "form_pinyin", "review", "done_printed", "case_view", "failed"} {
		l := newLive(t, states[name], false, nil)
		h, e := l.button("首页").pos, l.button("长辈模式").pos
		if home == nil {
			home, elder = &h, &e
		}
		if h != *home || e != *elder {
			t.Errorf("%s: 首页 at %v, 长辈模式 at %v; elsewhere %v and %v", name, h, e, *home, *elder)
		}
		if gap := e.X - h.X; gap < Portrait.Width/2 {
			t.Errorf("%s: no room for 求助 and the language between 首页 and 长辈模式 (%.0f)", name, gap)
		}
	}
	l := newLive(t, states["idle"], false, nil)
	if len(l.buttons("首页")) != 0 {
		t.Error("首页 on the start screen")
	}
	if !strings.Contains(l.texts(), "请将回执上的二维码对准扫码窗口") {
		t.Error("the start screen does not say how to look up a case")
	}
}

// Item 18: 首页 on a form asks first; 继续办理 keeps what was typed.
func TestHomeAsksOnScreen(t *testing.T) {
	test.NewTempApp(t)
	l := newLive(t, DemoStates()["form_pinyin"], false, nil)
	l.tapAt(centre(l.button("首页")))
	if l.s.Screen != session.Form || !strings.Contains(l.texts(), "确定返回首页吗") {
		t.Fatalf("首页 on a form: screen %v", l.s.Screen)
	}
	l.tapAt(centre(l.button("继续办理")))
	if l.s.Screen != session.Form || l.s.ConfirmLeave || l.s.Compose != "dong" {
		t.Fatalf("继续办理: screen %v confirm %v compose %q", l.s.Screen, l.s.ConfirmLeave, l.s.Compose)
	}
}

// Item 13: the candidate bar pages with ‹ ›, every target at least 90
// wide, and 栋 is reachable from "dong".
func TestCandidatePagingReaches栋(t *testing.T) {
	test.NewTempApp(t)
	dict, err := LoadDict()
	if err != nil {
		t.Fatal(err)
	}
	for _, elder := range []bool{false, true} {
		l := newLive(t, DemoStates()["form_pinyin"], elder, dict)
		for page := 0; ; page++ {
			if page > 8 {
				t.Fatalf("elder %v: 栋 not within 8 pages", elder)
			}
			for _, label := range []string{"‹", "›"} {
				if w := l.button(label).o.Size().Width; w < minKeyWidth {
					t.Fatalf("elder %v: %s is %.0f wide", elder, label, w)
				}
			}
			if bs := l.buttons("栋"); len(bs) == 1 {
				if w := bs[0].o.Size().Width; w < minKeyWidth {
					t.Fatalf("elder %v: 栋 is %.0f wide", elder, w)
				}
				l.tapAt(centre(bs[0]))
				break
			}
			next := l.button("›")
			if next.o.(*Button).Disabled() {
				t.Fatalf("elder %v: › disabled on page %d before 栋", elder, page)
			}
			l.tapAt(centre(next))
		}
		if v := l.s.Values["mail_address"]; !strings.HasSuffix(v, "栋") {
			t.Fatalf("elder %v: address %q", elder, v)
		}
	}
}

// Item 14: every digit pad has its twelve keys in the same places, the
// PIN pad too; dates and months are picked, not typed.
func TestPadsShareKeyPositions(t *testing.T) {
	test.NewTempApp(t)
	positions := func(l *live) []fyne.Position {
		var out []fyne.Position
		for _, k := range padKeys {
			out = append(out, l.button(k).pos)
		}
		return out
	}
	sample, err := catalogyaml.Sample()
	if err != nil {
		t.Fatal(err)
	}
	var want []fyne.Position
	seen := map[catalog.FieldKind]bool{}
	for _, it := range append(catalog.Builtin().Items, sample.Items...) {
		for _, f := range it.Fields {
			if f.ReadOnly || seen[f.Kind] || f.Kind == catalog.Choice || f.Kind == catalog.Text || f.Kind == catalog.USCC {
				continue
			}
			seen[f.Kind] = true
			s := chosenState(t, sample)
			if _, ok := sample.Find(it.Code); !ok {
				s = chosenState(t, catalog.Builtin())
			}
			for _, e := range []session.Event{session.ChooseItemEvent{Code: it.Code}, session.Proceed{}, session.FocusField{Key: f.Key}} {
				s, _ = session.Next(s, e)
			}
			l := newLive(t, s, false, nil)
			if f.Kind == catalog.Date || f.Kind == catalog.Month {
				if len(l.buttons("12月")) != 1 || len(l.buttons("q")) != 0 {
					t.Errorf("%s (%s): no month picker, or letters", f.Label, f.Kind)
				}
				continue
			}
			if len(l.buttons("q")) != 0 {
				t.Errorf("%s (%s) opens the letters", f.Label, f.Kind)
			}
			got := positions(l)
			if want == nil {
				want = got
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("%s (%s): %s at %v, elsewhere at %v", f.Label, f.Kind, padKeys[i], got[i], want[i])
				}
			}
		}
	}
	for _, k := range []catalog.FieldKind{catalog.Phone, catalog.IDNo, catalog.Date, catalog.Month, catalog.BankCard} {
		if !seen[k] {
			t.Errorf("no catalogue field of kind %s was tried", k)
		}
	}
	pin := newLive(t, DemoStates()["tech_pin"], false, nil)
	got := positions(pin)
	for i := range got { // the PIN pad is drawn narrower: the same order and rows
		if (got[i].Y == got[0].Y) != (want[i].Y == want[0].Y) || (got[i].X < got[min(i+1, 11)].X) != (want[i].X < want[min(i+1, 11)].X) {
			t.Errorf("PIN pad: %s out of place", padKeys[i])
		}
	}
}

// Item 15: review shows the citizen's own input in full (they check it),
// the card's number masked.
func TestReviewShowsOwnInput(t *testing.T) {
	test.NewTempApp(t)
	l := newLive(t, DemoStates()["review"], false, nil)
	txt := l.texts()
	if !strings.Contains(txt, "13812345678") || strings.Contains(txt, "11010519491231002X") || !strings.Contains(txt, "1101**********002X") {
		t.Fatalf("review shows:\n%s", txt)
	}
}

// Item 16: 一件事一次办 and 川渝通办 are first-level tiles on every page of
// tabs, and the tab rows keep their height.
func TestTabsKeepTheirHeight(t *testing.T) {
	test.NewTempApp(t)
	sample, err := catalogyaml.Sample()
	if err != nil {
		t.Fatal(err)
	}
	for _, elder := range []bool{false, true} {
		s := chosenState(t, sample)
		var top float32 = -1
		for page := 0; page < 6; page++ {
			l := newLive(t, s, elder, nil)
			for _, tile := range []string{"全部", session.CategoryBundle, session.CategoryCQ} {
				if len(l.buttons(tile)) != 1 {
					t.Fatalf("elder %v page %d: no %s tile", elder, page, tile)
				}
			}
			// The first item lies just under the tabs.
			first := l.button(s.Items()[0].Name).pos.Y
			if top >= 0 && first != top {
				t.Fatalf("elder %v page %d: the list starts at %.0f, on the first page at %.0f", elder, page, first, top)
			}
			top = first
			s, _ = session.Next(s, session.MoreCategories{})
		}
	}
}

// Item 17: × empties the search.
func TestSearchClearButton(t *testing.T) {
	test.NewTempApp(t)
	l := newLive(t, DemoStates()["search_pinyin"], false, nil)
	if !strings.Contains(l.texts(), "重庆市住房公积金缴存证明") || strings.Contains(l.texts(), "居住证签注") {
		t.Fatalf("gjj in 中 mode does not filter:\n%s", l.texts())
	}
	l.tapAt(centre(l.button("×")))
	if l.s.Query != "" || l.s.Compose != "" || len(l.buttons("×")) != 0 {
		t.Fatalf("after ×: query %q compose %q", l.s.Query, l.s.Compose)
	}
}

// Item 18: the frame's type grows in elder mode, and the status strip
// tells citizens nothing of the outbox.
func TestFrameInElderMode(t *testing.T) {
	test.NewTempApp(t)
	s := DemoStates()["choose"]
	s.PendingUploads = 3
	size := func(l *live, str string) float32 {
		for _, p := range l.objects() {
			switch x := p.o.(type) {
			case *canvas.Text:
				if strings.HasPrefix(x.Text, str) {
					return x.TextSize
				}
			case *wrapText:
				if strings.HasPrefix(x.Text, str) {
					return x.TextSize
				}
			}
		}
		t.Fatalf("no %q on screen", str)
		return 0
	}
	std := newLive(t, s, false, nil)
	s.Elder = true
	elder := newLive(t, s, true, nil)
	for _, str := range []string{"四川政务服务", s.Config.Hall, "读卡器"} {
		if a, b := size(std, str), size(elder, str); b < a*ElderScale-0.5 {
			t.Errorf("%q: %.0f in elder mode, %.0f standard", str, b, a)
		}
	}
	if strings.Contains(std.texts(), "待上报") {
		t.Error("the status strip shows the outbox to citizens")
	}
}

// Item 19: the technician reads Chinese: device names without English,
// counters by name.
func TestTechnicianScreenIsChinese(t *testing.T) {
	test.NewTempApp(t)
	l := newLive(t, DemoStates()["tech_menu"], false, nil)
	txt := l.texts()
	for _, english := range []string{"idcard", "printer", "scanner", "camera", "(devel)"} {
		if strings.Contains(txt, english) {
			t.Errorf("technician screen shows %q:\n%s", english, txt)
		}
	}
	if !strings.Contains(txt, "读卡成功 1 次") {
		t.Errorf("no counter by name:\n%s", txt)
	}
}

// A finger dragging a scroll region scrolls it (the technician's 50 log
// lines here), as it would on the kiosk's touch screen.
func TestDragScrolls(t *testing.T) {
	test.NewTempApp(t)
	var lines []string
	for i := 0; i < 50; i++ {
		lines = append(lines, fmt.Sprintf("time=09:%02d:00 level=INFO msg=\"line %d\"", i, i))
	}
	s := DemoStates()["tech_menu"]
	s, _ = session.Next(s, session.TechAction{Name: session.TechLogTail})
	s, _ = session.Next(s, session.TechDone{Name: session.TechLogTail, Message: msg.New(msg.TechLogTail, strings.Join(lines, "\n"))})
	l := newLive(t, s, false, nil)
	var scroll placed
	for _, p := range l.objects() {
		if _, ok := p.o.(*container.Scroll); ok {
			scroll = p
		}
	}
	if scroll.o == nil {
		t.Fatal("no scroll region on the technician screen")
	}
	test.Drag(l.w.Canvas(), centre(scroll), 0, -300)
	if y := scroll.o.(*container.Scroll).Offset.Y; y < 250 {
		t.Fatalf("a 300 px drag scrolled %.0f px", y)
	}
	if !strings.Contains(l.texts(), "line 49") {
		t.Fatal("the log's last line is not on screen")
	}
}

// Item 18: a bundle's linked cases are named by their items on screen.
func TestBundleCasesNamed(t *testing.T) {
	test.NewTempApp(t)
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
	s := chosenState(t, sample)
	s, _ = session.Next(s, session.ChooseItemEvent{Code: bundle.Code})
	s, _ = session.Next(s, session.Proceed{})
	for _, f := range bundle.Fields {
		if !f.ReadOnly {
			s, _ = session.Next(s, session.SetField{Key: f.Key, Value: worstValue(f)})
		}
	}
	for _, e := range []session.Event{session.Proceed{}, session.SetConsent{Agreed: true}, session.Confirm{},
		session.Submitted{CaseNumber: "SC1", Linked: []string{"SC1-1", "SC1-2"}}, session.Printed{}} {
		s, _ = session.Next(s, e)
	}
	if s.Screen != session.Done {
		t.Fatalf("%s reached %v", bundle.Name, s.Screen)
	}
	txt := newLive(t, s, false, nil).texts()
	for i, number := range []string{"SC1-1", "SC1-2"} {
		member, _ := sample.Find(bundle.Bundle[i])
		if !strings.Contains(txt, member.Name+" "+number) {
			t.Errorf("done screen does not name %s %s:\n%s", member.Name, number, txt)
		}
	}
}

// The greeting names a foreign card's holder by the English name when
// there is no Chinese one, masked and short, whatever the name's length.
func TestGreeting(t *testing.T) {
	for _, tc := range []struct {
		p    identity.Person
		want string
	}{
		{identity.Person{Source: identity.SourceIDCard, Name: "张三"}, "您好，张*"},
		{identity.Person{Source: identity.SourceIDCard, Name: "欧阳娜娜娜"}, "您好，欧***"},
		{worstPerson(), "您好，W***"},
	} {
		if got := greeting(&tc.p); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.p.DisplayName(), got, tc.want)
		}
	}
}

// Item 13: every key and candidate is a target of at least 90 units, in
// landscape too (its keys were 76 wide), standard and elder.
func TestKeysAreWideEnough(t *testing.T) {
	test.NewTempApp(t)
	dict, err := LoadDict()
	if err != nil {
		t.Fatal(err)
	}
	for _, landscape := range []bool{false, true} {
		for _, elder := range []bool{false, true} {
			s := DemoStates()["form_pinyin"]
			s.Elder = elder
			k := NewKiosk(func(session.Event) {})
			k.Landscape, k.Dict = landscape, dict
			useTheme(k, elder, landscape)
			w := test.NewWindow(k.Content())
			w.SetPadded(false)
			w.Resize(map[bool]fyne.Size{false: Portrait, true: Landscape}[landscape])
			k.Show(s)
			l := &live{t: t, k: k, w: w, s: s}
			keys := 0
			for _, p := range l.objects() {
				b, ok := p.o.(*Button)
				if !ok || p.pos.Y < l.button("q").pos.Y-keyHeight-20 { // the keyboard: the candidate row and below
					continue
				}
				keys++
				if b.Size().Width < minKeyWidth-0.5 {
					t.Errorf("landscape %v elder %v: %q is %.1f wide", landscape, elder, b.Text, b.Size().Width)
				}
			}
			if keys < 30 {
				t.Errorf("landscape %v elder %v: %d keys found", landscape, elder, keys)
			}
			w.Close()
		}
	}
}
