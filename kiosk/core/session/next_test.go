package session

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"sckiosk/devices/device"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/msg"
)

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.Local)

func samplePerson() identity.Person {
	return identity.Person{Source: identity.SourceIDCard, Name: "张三", Sex: "男", Nation: "汉", Birth: "19491231",
		Number: "11010519491231002X", Address: "四川省成都市武侯区人民南路四段1号", ValidFrom: "20200101", ValidTo: "20400101",
		Photo: []byte{1, 2, 3, 4}}
}

func online(k device.Kind) Event {
	return DeviceChanged{Status: device.Status{Kind: k, State: device.Online}}
}

// run applies events in order, collecting effects.
func run(t *testing.T, s State, events ...Event) (State, []Effect) {
	t.Helper()
	var all []Effect
	for _, ev := range events {
		var eff []Effect
		s, eff = Next(s, ev)
		all = append(all, eff...)
	}
	return s, all
}

func idle() State {
	s := New(DefaultConfig(), catalog.Builtin(), t0)
	s, _ = Next(s, online(device.Printer))
	s, _ = Next(s, online(device.IDCard))
	return s
}

const item = "11510100MB0000001K3510100001001" // 居住证签注: name, id, phone, reason

func toForm() []Event {
	return []Event{Start{}, CardRead{Person: samplePerson()}, ChooseItemEvent{Code: item}, Proceed{}}
}

func toReview() []Event {
	return append(toForm(), FocusField{Key: "phone"}, SetField{Key: "phone", Value: "13812345678"},
		SetField{Key: "reason", Value: "就业"}, Proceed{})
}

func toSubmitting() []Event { return append(toReview(), SetConsent{Agreed: true}, Confirm{}) }

func toDone() []Event {
	return append(toSubmitting(), Submitted{CaseNumber: "SC20261125000001", TrackCode: "https://track/1"})
}

func effectsOf[T Effect](effs []Effect) []T {
	var out []T
	for _, e := range effs {
		if v, ok := e.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

func TestTransitions(t *testing.T) {
	tests := []struct {
		name   string
		events []Event
		screen Screen
		wipe   WipeReason // "" = no wipe effect expected
		notice string
	}{
		{"start", []Event{Start{}}, Identifying, "", ""},
		{"card on attract screen", []Event{CardRead{Person: samplePerson()}}, ChooseItem, "", ""},
		{"card after start", []Event{Start{}, CardRead{Person: samplePerson()}}, ChooseItem, "", ""},
		{"read failure", []Event{Start{}, ReadFailed{Cause: device.CardReadFailed}}, Identifying, "", "读卡失败，请重新放置证件"},
		{"expired card", []Event{Start{}, CardRead{Person: func() identity.Person { p := samplePerson(); p.ValidTo = "20201231"; return p }()}}, Identifying, "", "证件已过期，请使用有效证件或联系工作人员"},
		{"forged number", []Event{Start{}, CardRead{Person: func() identity.Person { p := samplePerson(); p.Number = "110105194912310021"; return p }()}}, Identifying, "", "证件信息校验失败，请重新放置证件"},
		{"code scanned", []Event{Start{}, CodeScanned{Text: "x"}}, Identifying, "", "正在核验二维码，请稍候"},
		{"code verified", []Event{Start{}, CodeScanned{Text: "x"}, CodeVerified{Person: samplePerson()}}, ChooseItem, "", ""},
		{"code rejected", []Event{Start{}, CodeScanned{Text: "x"}, CodeRejected{Notice: msg.New(msg.QRExpired)}}, Identifying, "", "二维码已过期，请在天府通办App中刷新后重新出示"},
		{"choose item", []Event{Start{}, CardRead{Person: samplePerson()}, ChooseItemEvent{Code: item}}, ItemGuide, "", ""},
		{"unknown item ignored", []Event{Start{}, CardRead{Person: samplePerson()}, ChooseItemEvent{Code: "nope"}}, ChooseItem, "", ""},
		{"guide to form", toForm(), Form, "", ""},
		{"incomplete form stays", append(toForm(), Proceed{}), Form, "", "请检查标红的内容"},
		{"form to review", toReview(), Review, "", ""},
		{"confirm without consent", append(toReview(), Confirm{}), Review, "", "请先阅读并勾选同意"},
		{"confirm", toSubmitting(), Submitting, "", ""},
		{"cancel ignored while submitting", append(toSubmitting(), Cancel{}), Submitting, "", ""},
		{"submitted", toDone(), Done, "", ""},
		{"submit failed", append(toSubmitting(), SubmitFailed{Notice: msg.Text{}}), Failed, "", ""},
		{"done then finish", append(toDone(), Printed{}, Cancel{}), Idle, WipeDone, ""},
		{"done then card removed", append(toDone(), Printed{}, CardRemoved{}), Idle, WipeCardRemoved, ""},
		{"card removed while printing stays", append(toDone(), CardRemoved{}), Done, "", ""},
		{"card removed mid-visit asks for it back", append(toForm(), CardRemoved{}), Form, "", "请放回身份证。10秒内未放回，将结束本次办理并清除您的信息"},
		{"back from guide", []Event{Start{}, CardRead{Person: samplePerson()}, ChooseItemEvent{Code: item}, Back{}}, ChooseItem, "", ""},
		{"back from form", append(toForm(), Back{}), ItemGuide, "", ""},
		{"back from review", append(toReview(), Back{}), Form, "", ""},
		{"back from choose ends visit", []Event{Start{}, CardRead{Person: samplePerson()}, Back{}}, Idle, WipeCancel, ""},
		{"back from identifying ends visit", []Event{Start{}, Back{}}, Idle, WipeCancel, ""},
		{"cancel from form", append(toForm(), Cancel{}), Idle, WipeCancel, ""},
		{"failed back to idle", append(toSubmitting(), SubmitFailed{}, Cancel{}), Idle, WipeCancel, ""},
		{"reader fault while identifying", []Event{Start{}, DeviceChanged{Status: device.Status{Kind: device.IDCard, State: device.Offline}}}, Identifying, "", "读卡器暂时无法使用，请扫码办理或联系工作人员"},
		{"reader fault mid-form keeps visit", append(toForm(), DeviceChanged{Status: device.Status{Kind: device.IDCard, State: device.Offline}}), Form, "", ""},
		{"printer fault mid-review keeps visit", append(toReview(), DeviceChanged{Status: device.Status{Kind: device.Printer, State: device.Fault, Reason: "paper end"}}), Review, "", ""},
		{"second card mid-visit ignored", append(toForm(), CardRead{Person: identity.Person{Source: identity.SourceIDCard, Name: "李四", Number: "440524188001010014"}}), Form, "", ""},
		{"events on idle ignored", []Event{Proceed{}, Confirm{}, Back{}, Cancel{}, Submitted{}, Printed{}, CodeVerified{Person: samplePerson()}}, Idle, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, eff := run(t, idle(), tt.events...)
			if s.Screen != tt.screen {
				t.Fatalf("screen = %v, want %v", s.Screen, tt.screen)
			}
			wipes := effectsOf[Wipe](eff)
			if tt.wipe == "" && len(wipes) != 0 {
				t.Fatalf("unexpected wipe %v", wipes)
			}
			if tt.wipe != "" && (len(wipes) != 1 || wipes[0].Reason != tt.wipe) {
				t.Fatalf("wipes = %v, want one %v", wipes, tt.wipe)
			}
			if zh(s.Notice) != tt.notice {
				t.Fatalf("notice = %q, want %q", zh(s.Notice), tt.notice)
			}
			if s.Screen == Idle && (s.Person != nil || s.Values != nil || s.Item != nil || !reflect.DeepEqual(s.Result, Result{})) {
				t.Fatalf("idle state keeps visit data: %+v", s)
			}
		})
	}
}

// Every screen with a timeout returns to Idle with a wipe once the deadline
// passes, and shows the countdown in its last seconds.
func TestTimeouts(t *testing.T) {
	paths := map[Screen][]Event{
		Identifying: {Start{}},
		ChooseItem:  {Start{}, CardRead{Person: samplePerson()}},
		ItemGuide:   {Start{}, CardRead{Person: samplePerson()}, ChooseItemEvent{Code: item}},
		Form:        toForm(),
		Review:      toReview(),
		Done:        toDone(),
		Failed:      append(toSubmitting(), SubmitFailed{}),
	}
	for screen, events := range paths {
		t.Run(screen.String(), func(t *testing.T) {
			s, _ := run(t, idle(), events...)
			if s.Screen != screen {
				t.Fatalf("setup reached %v", s.Screen)
			}
			timeout := s.Config.Timeouts[screen]
			s, eff := Next(s, Tick{Now: t0.Add(timeout - s.Warning() - time.Second)})
			if s.CountingDown() || len(eff) != 0 {
				t.Fatalf("counting down too early (remaining %v)", s.Remaining())
			}
			s, _ = Next(s, Tick{Now: t0.Add(timeout - 5*time.Second)})
			if !s.CountingDown() || s.Screen != screen {
				t.Fatalf("no countdown 5 s before the timeout")
			}
			// 继续办理 gives the full time again.
			c, _ := Next(s, Continue{})
			if c.CountingDown() || c.Remaining() != timeout {
				t.Fatalf("continue: remaining %v, want %v", c.Remaining(), timeout)
			}
			s, eff = Next(s, Tick{Now: t0.Add(timeout)})
			if s.Screen != Idle || s.Person != nil {
				t.Fatalf("after timeout: screen %v, person %v", s.Screen, s.Person)
			}
			if w := effectsOf[Wipe](eff); len(w) != 1 || w[0].Reason != WipeTimeout || w[0].From != screen {
				t.Fatalf("wipe effects %v", w)
			}
		})
	}
	// Idle and Submitting never time out.
	for _, events := range [][]Event{nil, toSubmitting()} {
		s, _ := run(t, idle(), events...)
		s2, eff := Next(s, Tick{Now: t0.Add(24 * time.Hour)})
		if s2.Screen != s.Screen || len(eff) != 0 {
			t.Fatalf("%v timed out", s.Screen)
		}
	}
}

func TestSubmitBuildsApplication(t *testing.T) {
	_, eff := run(t, idle(), toSubmitting()...)
	subs := effectsOf[Submit](eff)
	if len(subs) != 1 {
		t.Fatalf("%d submit effects", len(subs))
	}
	a := subs[0].Application
	if a.ItemCode != item || a.Province != "51" || a.Applicant.Number != "11010519491231002X" ||
		a.Applicant.Name != "张三" || a.Applicant.Phone != "13812345678" || a.Applicant.IDType != "111" ||
		a.AcceptDivision != "510107" || a.HandleDivision != "510107" || !reflect.DeepEqual(a.Fields, map[string]string{"reason": "就业"}) {
		t.Fatalf("application = %+v", a)
	}
	// A double tap on 确认提交 submits once.
	s, _ := run(t, idle(), toSubmitting()...)
	_, eff = Next(s, Confirm{})
	if len(effectsOf[Submit](eff)) != 0 {
		t.Fatal("second confirm submitted again")
	}
}

func TestChongqingItemRoutesToChongqing(t *testing.T) {
	cq := "11500000MB0000005X3500000005001"
	_, eff := run(t, idle(), Start{}, CardRead{Person: samplePerson()}, ChooseItemEvent{Code: cq}, Proceed{},
		SetField{Key: "phone", Value: "13812345678"}, SetField{Key: "purpose", Value: "贷款"}, Proceed{}, SetConsent{Agreed: true}, Confirm{})
	a := effectsOf[Submit](eff)[0].Application
	if a.Province != "50" || a.HandleDivision != "500000" || a.AcceptDivision != "510107" {
		t.Fatalf("application = %+v", a)
	}
}

func TestDonePrintsMaskedReceipt(t *testing.T) {
	s, eff := run(t, idle(), toDone()...)
	prints := effectsOf[Print](eff)
	if len(prints) != 1 || !s.Result.Printing {
		t.Fatalf("print effects %v", prints)
	}
	doc := prints[0].Document
	if doc.Find("办件编号") != "SC20261125000001" || doc.Find("申请人") != "张*" || doc.Find("证件号码") != "1101**********002X" {
		t.Fatalf("receipt rows wrong: %+v", doc)
	}
	s, _ = Next(s, PrintFailed{Notice: msg.New(msg.DeviceCause, device.PaperOut)})
	if zh(s.Result.PrintNotice) != "打印机缺纸" || s.Result.Printing {
		t.Fatalf("result = %+v", s.Result)
	}
}

func TestDoneWithoutPrinterShowsQR(t *testing.T) {
	const printerDown = "打印机暂时无法使用，请拍照保存回执二维码或联系工作人员"
	tests := []struct {
		cause device.Cause
		want  string
	}{
		{device.NoCause, printerDown},
		{device.Disconnected, printerDown},
		{device.PaperOut, "打印机缺纸，请拍照保存回执二维码或联系工作人员"},
	}
	for _, tt := range tests {
		s, _ := run(t, idle(), append([]Event{DeviceChanged{Status: device.Status{Kind: device.Printer, State: device.Fault, Cause: tt.cause}}}, toDone()...)...)
		if zh(s.Result.PrintNotice) != tt.want || s.Result.Printing {
			t.Fatalf("cause %v: result = %+v", tt.cause, s.Result)
		}
	}
}

func TestKeypadInput(t *testing.T) {
	s, _ := run(t, idle(), toForm()...)
	if s.Focus != "phone" {
		t.Fatalf("focus = %q, want phone", s.Focus)
	}
	for _, r := range "1380013800099" { // two digits too many
		s, _ = Next(s, TypeRune{R: r})
	}
	s, _ = Next(s, TypeRune{R: 'a'})
	if s.Values["phone"] != "13800138000" {
		t.Fatalf("phone = %q", s.Values["phone"])
	}
	s, _ = Next(s, Backspace{})
	if s.Values["phone"] != "1380013800" {
		t.Fatalf("after backspace phone = %q", s.Values["phone"])
	}
	// Read-only fields from the card cannot be changed.
	s2, _ := Next(s, SetField{Key: "id_number", Value: "x"})
	if s2.Values["id_number"] != "11010519491231002X" {
		t.Fatalf("read-only field changed")
	}
}

func TestNextDoesNotMutateInput(t *testing.T) {
	s, _ := run(t, idle(), toForm()...)
	before := s.Values["phone"]
	_, _ = Next(s, TypeRune{R: '1'})
	if s.Values["phone"] != before {
		t.Fatal("Next changed the input state's values")
	}
	devices := len(s.Devices)
	_, _ = Next(s, DeviceChanged{Status: device.Status{Kind: device.Scanner, State: device.Online}})
	if len(s.Devices) != devices {
		t.Fatal("Next changed the input state's devices")
	}
}

func TestWipeZeroesPhoto(t *testing.T) {
	p := samplePerson()
	photo := p.Photo
	s, _ := run(t, idle(), Start{}, CardRead{Person: p}, Cancel{})
	if s.Person != nil {
		t.Fatal("person kept")
	}
	for _, b := range photo {
		if b != 0 {
			t.Fatalf("photo not zeroed: %v", photo)
		}
	}
}

func TestPaging(t *testing.T) {
	s, _ := run(t, idle(), Start{}, CardRead{Person: samplePerson()}, PageTo{Page: 1})
	if s.Page != 1 {
		t.Fatalf("page = %d", s.Page)
	}
	s, _ = Next(s, PageTo{Page: 99})
	if s.Page != 1 {
		t.Fatalf("page clamps to last, got %d", s.Page)
	}
}

func TestLogsCarryNoPersonalData(t *testing.T) {
	_, eff := run(t, idle(), append(toDone(), Printed{}, Cancel{})...)
	for _, l := range effectsOf[Log](eff) {
		for _, a := range l.Attrs {
			if s, ok := a.(string); ok && (s == "张三" || s == "11010519491231002X") {
				t.Fatalf("log %q carries %q", l.Msg, s)
			}
		}
	}
}

func TestElderMode(t *testing.T) {
	s, eff := run(t, idle(), Start{}, ToggleElder{})
	if !s.Elder {
		t.Fatal("elder mode not on")
	}
	if sp := effectsOf[Speak](eff); len(sp) != 1 || zh(sp[0].Text) != zh(prompt(Identifying)) {
		t.Fatalf("speech on toggle: %v", sp)
	}
	if got, want := s.Remaining(), 2*s.Config.Timeouts[Identifying]; got != want {
		t.Fatalf("elder timeout %v, want %v", got, want)
	}
	s, eff = Next(s, CardRead{Person: samplePerson()})
	if sp := effectsOf[Speak](eff); len(sp) != 1 || zh(sp[0].Text) != zh(prompt(ChooseItem)) {
		t.Fatalf("speech on new screen: %v", sp)
	}
	for _, sp := range effectsOf[Speak](eff) {
		if strings.Contains(zh(sp.Text), "张") {
			t.Fatalf("speech carries the name: %q", zh(sp.Text))
		}
	}
	s, _ = Next(s, Cancel{})
	if s.Elder {
		t.Fatal("elder mode outlives the visit")
	}
	cfg := DefaultConfig()
	cfg.ElderDefault = true
	if !New(cfg, catalog.Builtin(), t0).Elder {
		t.Fatal("profile default ignored")
	}
}

func TestCountdownIsSpokenOnce(t *testing.T) {
	s, _ := run(t, idle(), Start{})
	timeout := s.Config.Timeouts[Identifying]
	var spoken int
	for sec := time.Duration(1); sec < timeout/time.Second; sec++ {
		var eff []Effect
		s, eff = Next(s, Tick{Now: t0.Add(sec * time.Second)})
		for _, sp := range effectsOf[Speak](eff) {
			if zh(sp.Text) == zh(msg.New(msg.SpeechCountdown)) {
				spoken++
			}
		}
	}
	if spoken != 1 {
		t.Fatalf("countdown spoken %d times, want 1", spoken)
	}
}

func TestItemNeedingADeviceThatIsDown(t *testing.T) {
	print := "11510100MB0000003D3510100003001" // 个人参保证明打印 needs the printer
	s, _ := run(t, idle(), Start{}, CardRead{Person: samplePerson()},
		DeviceChanged{Status: device.Status{Kind: device.Printer, State: device.Fault}}, ChooseItemEvent{Code: print})
	if s.Screen != ChooseItem || zh(s.Notice) != "个人参保证明打印：打印机暂停服务，暂不能办理" {
		t.Fatalf("screen %v notice %q", s.Screen, zh(s.Notice))
	}
	s, _ = Next(s, online(device.Printer))
	s, _ = Next(s, ChooseItemEvent{Code: print})
	if s.Screen != ItemGuide {
		t.Fatalf("printer back: screen %v", s.Screen)
	}
}

func TestSearchByPinyinAndInitials(t *testing.T) {
	s, _ := run(t, idle(), Start{}, CardRead{Person: samplePerson()}, FocusField{Key: SearchField})
	if s.Focus != SearchField || s.KeyMode != KeyPinyin {
		t.Fatalf("focus %q mode %v", s.Focus, s.KeyMode)
	}
	for _, r := range "gongjijin" {
		s, _ = Next(s, TypeRune{R: r})
	}
	if s.Compose != "gongjijin" || s.Query != "" {
		t.Fatalf("compose %q query %q", s.Compose, s.Query)
	}
	s, _ = Next(s, PickCandidate{Text: "公积金"})
	if s.Query != "公积金" || s.Compose != "" {
		t.Fatalf("after pick: query %q compose %q", s.Query, s.Compose)
	}
	if items := s.Items(); len(items) != 1 || items[0].Province != "50" {
		t.Fatalf("items %v", items)
	}
	// Initials in Latin mode.
	s, _ = Next(s, SetKeyMode{Mode: KeyLatin})
	for range "公积金" {
		s, _ = Next(s, Backspace{})
	}
	for _, r := range "shbzk" {
		s, _ = Next(s, TypeRune{R: r})
	}
	if items := s.Items(); s.Query != "shbzk" || len(items) != 1 || items[0].Name != "社会保障卡补领" {
		t.Fatalf("query %q items %v", s.Query, items)
	}
	page, _ := s.ItemPage()
	if len(page) != 1 {
		t.Fatalf("page %v", page)
	}
	// The query is part of the visit: gone after it.
	s, _ = Next(s, Cancel{})
	if s.Query != "" || s.Compose != "" || s.Focus != "" {
		t.Fatalf("search kept after the visit: %q %q %q", s.Query, s.Compose, s.Focus)
	}
}

func TestPinyinIntoTextField(t *testing.T) {
	elder := "11510100MB0000006R3510100006001" // 老年人优待证申领: mail_address is free text
	s, _ := run(t, idle(), Start{}, CardRead{Person: samplePerson()}, ChooseItemEvent{Code: elder}, Proceed{})
	if s.Values["mail_address"] != samplePerson().Address {
		t.Fatalf("address not prefilled: %q", s.Values["mail_address"])
	}
	s, _ = Next(s, FocusField{Key: "mail_address"})
	if s.KeyMode != KeyPinyin {
		t.Fatalf("mode %v", s.KeyMode)
	}
	for _, r := range "dong" {
		s, _ = Next(s, TypeRune{R: r})
	}
	s, _ = Next(s, Backspace{}) // removes a composed letter, not the address
	if s.Compose != "don" || s.Values["mail_address"] != samplePerson().Address {
		t.Fatalf("compose %q value %q", s.Compose, s.Values["mail_address"])
	}
	s, _ = Next(s, TypeRune{R: 'g'})
	s, _ = Next(s, PickCandidate{Text: "东"})
	s, _ = Next(s, TypeRune{R: '3'})
	if want := samplePerson().Address + "东3"; s.Values["mail_address"] != want {
		t.Fatalf("value %q, want %q", s.Values["mail_address"], want)
	}
	s, _ = Next(s, FocusField{Key: "phone"})
	if s.KeyMode != KeyDigits || s.Compose != "" {
		t.Fatalf("phone focus: mode %v compose %q", s.KeyMode, s.Compose)
	}
}

func TestRateOnce(t *testing.T) {
	s, eff := run(t, idle(), append(toDone(), Rate{Grade: 2}, Rate{Grade: 5}, Rate{Grade: 9})...)
	evs := effectsOf[Evaluate](eff)
	if len(evs) != 1 || evs[0] != (Evaluate{Province: "51", CaseNumber: "SC20261125000001", Grade: 2}) || s.Result.Rated != 2 {
		t.Fatalf("evaluations %v, rated %d", evs, s.Result.Rated)
	}
	// A queued application has no case number yet: nothing to rate.
	_, eff = run(t, idle(), append(toSubmitting(), Submitted{CaseNumber: "Q-1", Queued: true}, Rate{Grade: 1})...)
	if len(effectsOf[Evaluate](eff)) != 0 {
		t.Fatal("rated a queued application")
	}
}

func TestForeignCardApplies(t *testing.T) {
	p := identity.Person{Source: identity.SourceIDCard, CardType: identity.CardForeign2017, NameEN: "SMITH, JOHN",
		Number: "USA110100123456", ValidTo: "20300101"}
	_, eff := run(t, idle(), Start{}, CardRead{Person: p}, ChooseItemEvent{Code: item}, Proceed{},
		SetField{Key: "phone", Value: "13812345678"}, SetField{Key: "reason", Value: "就业"}, Proceed{}, SetConsent{Agreed: true}, Confirm{})
	subs := effectsOf[Submit](eff)
	if len(subs) != 1 {
		t.Fatalf("foreign card did not reach submit: %v", eff)
	}
	if a := subs[0].Application.Applicant; a.IDType != "553" || a.Name != "SMITH, JOHN" || a.Number != "USA110100123456" {
		t.Fatalf("applicant %+v", a)
	}
}

func TestTechnicianEntry(t *testing.T) {
	s := idle()
	tap := func(s State, at time.Duration) State {
		s, _ = Next(s, Tick{Now: t0.Add(at)})
		s, _ = Next(s, CornerTap{})
		return s
	}
	// Four quick taps and a late fifth do not open it.
	for i, at := range []time.Duration{0, 500, 1000, 1500, 4000} {
		s = tap(s, at*time.Millisecond)
		if s.Screen != Idle {
			t.Fatalf("opened after tap %d", i)
		}
	}
	for _, at := range []time.Duration{4200, 4400, 4600, 4800} {
		s = tap(s, at*time.Millisecond)
	}
	if s.Screen != TechPIN {
		t.Fatalf("five taps within 3 s: screen %v", s.Screen)
	}
	for _, r := range "12a34" {
		s, _ = Next(s, TechKey{R: r})
	}
	if s.Tech.PIN != "1234" {
		t.Fatalf("PIN %q", s.Tech.PIN)
	}
	s, eff := Next(s, TechSubmit{})
	if c := effectsOf[CheckPIN](eff); len(c) != 1 || c[0].PIN != "1234" || s.Tech.PIN != "" {
		t.Fatalf("check effects %v, PIN left %q", c, s.Tech.PIN)
	}
	tests := []struct {
		ans    PINChecked
		screen Screen
		notice string
	}{
		{PINChecked{TriesLeft: 3}, TechPIN, "口令错误，还可尝试3次"},
		{PINChecked{Locked: true, Remaining: 4*time.Minute + time.Second}, TechPIN, "口令错误次数过多，已锁定，请5分钟后再试"},
		{PINChecked{Disabled: true}, TechPIN, "本机未设置技术人员口令，维护模式不可用"},
		{PINChecked{OK: true}, TechMenu, ""},
	}
	for _, tt := range tests {
		got, _ := Next(s, tt.ans)
		if got.Screen != tt.screen || zh(got.Tech.Notice) != tt.notice {
			t.Errorf("%+v: screen %v notice %q", tt.ans, got.Screen, zh(got.Tech.Notice))
		}
	}
	m, _ := Next(s, PINChecked{OK: true})
	m, eff = Next(m, TechAction{Name: TechPrintTest})
	if c := effectsOf[TechCommand](eff); len(c) != 1 || c[0].Name != TechPrintTest {
		t.Fatalf("command effects %v", c)
	}
	m, _ = Next(m, TechDone{Name: TechPrintTest, Message: msg.New(msg.TechTestPrinted)})
	if zh(m.Tech.Notice) != "测试回执已打印" || m.Tech.Busy != "" {
		t.Fatalf("tech %+v", m.Tech)
	}
	m, eff = Next(m, Cancel{})
	if m.Screen != Idle || len(effectsOf[Wipe](eff)) != 1 {
		t.Fatalf("leaving: screen %v", m.Screen)
	}
	// Not reachable in the middle of a visit.
	v, _ := run(t, idle(), Start{}, CornerTap{}, CornerTap{}, CornerTap{}, CornerTap{}, CornerTap{})
	if v.Screen != Identifying {
		t.Fatalf("corner taps during a visit: %v", v.Screen)
	}
}

func TestWipeCountsWhatItErased(t *testing.T) {
	s, eff := run(t, idle(), append(toDone(), Printed{}, Cancel{})...)
	w := effectsOf[Wipe](eff)
	if len(w) != 1 {
		t.Fatalf("wipes %v", w)
	}
	got := w[0]
	want := map[string]int{"identity": 1, "photo_bytes": 4, "form_values": 4, "receipt": 1}
	if !reflect.DeepEqual(got.Erased, want) || got.Queued != "" || got.Reason != WipeDone || !got.Started.Equal(t0) {
		t.Fatalf("wipe = %+v", got)
	}
	if s.Started != (time.Time{}) {
		t.Fatal("visit start kept after the visit")
	}
	// A visit that ends before anything is entered erases nothing.
	_, eff = run(t, idle(), Start{}, Cancel{})
	if w := effectsOf[Wipe](eff); len(w) != 1 || len(w[0].Erased) != 0 || w[0].Queued != "" {
		t.Fatalf("empty visit wipe %+v", w)
	}
}

func TestWipeNamesWhatIsLeftForTheOutbox(t *testing.T) {
	_, eff := run(t, idle(), append(toSubmitting(), Submitted{RequestID: "r-1", CaseNumber: "Q-1", Queued: true}, Cancel{})...)
	if w := effectsOf[Wipe](eff); len(w) != 1 || w[0].Queued != "r-1" {
		t.Fatalf("wipe %+v", w)
	}
}

func TestCodeFieldsKeepTheirAlphabet(t *testing.T) {
	biz := "11510100MB0000008J3510100008001"
	s, _ := run(t, idle(), Start{}, CardRead{Person: samplePerson()}, ChooseItemEvent{Code: biz}, Proceed{}, FocusField{Key: "uscc"})
	if s.KeyMode != KeyLatin {
		t.Fatalf("uscc keyboard %v", s.KeyMode)
	}
	for _, r := range "91510100ma6cxy1243ZZ" {
		s, _ = Next(s, TypeRune{R: r})
	}
	s, _ = Next(s, FocusField{Key: "agent_id"})
	if s.KeyMode != KeyDigits {
		t.Fatalf("id keyboard %v", s.KeyMode)
	}
	for _, r := range "11010519491231002x9" {
		s, _ = Next(s, TypeRune{R: r})
	}
	if s.Values["uscc"] != "91510100MA6CXY1243" || s.Values["agent_id"] != "11010519491231002X" {
		t.Fatalf("values %q %q", s.Values["uscc"], s.Values["agent_id"])
	}
	s, _ = Next(s, SetField{Key: "phone", Value: "13812345678"})
	s, _ = Next(s, Proceed{})
	if s.Screen != Review {
		t.Fatalf("valid codes refused: %v %v", s.Screen, s.FieldError)
	}
}

func TestCategories(t *testing.T) {
	s, _ := run(t, idle(), Start{}, CardRead{Person: samplePerson()})
	cats := s.Categories()
	if len(cats) < 3 || cats[len(cats)-1] != CategoryCQ {
		t.Fatalf("categories %v", cats)
	}
	s, _ = Next(s, ChooseCategory{Category: CategoryCQ})
	if items := s.Items(); len(items) != 1 || items[0].Province != "50" {
		t.Fatalf("川渝通办 items %v", items)
	}
	s, _ = Next(s, ChooseCategory{Category: "社保医保"})
	for _, it := range s.Items() {
		if it.Category != "社保医保" {
			t.Fatalf("item %s in 社保医保", it.Name)
		}
	}
	s, _ = Next(s, ChooseCategory{})
	if len(s.Items()) != len(s.Catalog.Items) {
		t.Fatal("全部 does not show everything")
	}
}

func TestAppendedAddressPrefills(t *testing.T) {
	p := samplePerson()
	p.AppendedAddress = "四川省成都市锦江区红星路三段1号"
	elder := "11510100MB0000006R3510100006001"
	s, _ := run(t, idle(), Start{}, CardRead{Person: p}, ChooseItemEvent{Code: elder}, Proceed{})
	if s.Values["mail_address"] != p.AppendedAddress {
		t.Fatalf("mail address %q", s.Values["mail_address"])
	}
}

func TestTechnicianSelfTestsAndCounters(t *testing.T) {
	s := idle()
	for i := 0; i < 5; i++ {
		s, _ = Next(s, CornerTap{})
	}
	s, _ = Next(s, PINChecked{OK: true})
	if s.Screen != TechMenu {
		t.Fatalf("screen %v", s.Screen)
	}
	s, eff := Next(s, TechAction{Name: TechReadCard})
	if len(eff) != 0 || s.Tech.Busy != TechReadCard {
		t.Fatalf("read test: %v %+v", eff, s.Tech)
	}
	p := samplePerson()
	photo := p.Photo
	s, _ = Next(s, CardRead{Person: p})
	if zh(s.Tech.Notice) != "读卡自检通过：张* 1101**********002X" || s.Person != nil || s.Screen != TechMenu || photo[0] != 0 {
		t.Fatalf("after read: %+v person %v", s.Tech, s.Person)
	}
	s, _ = Next(s, TechAction{Name: TechScanCode})
	s, _ = Next(s, CodeScanned{Text: "TFTB:1:abc"})
	if zh(s.Tech.Notice) != "扫码自检通过：收到一个二维码（10 个字符）" {
		t.Fatalf("scan test: %q", zh(s.Tech.Notice))
	}
	s, _ = Next(s, DeviceChanged{Status: device.Status{Kind: device.Printer, State: device.Fault}})
	s, _ = Next(s, DeviceChanged{Status: device.Status{Kind: device.Printer, State: device.Fault}})
	s, _ = Next(s, Cancel{})
	want := map[string]int{"idcard.reads": 1, "scanner.codes": 1, "printer.faults": 1}
	if !reflect.DeepEqual(s.Counters, want) {
		t.Fatalf("counters %v, want %v", s.Counters, want)
	}
}

func TestReceiptCodeShowsTheCase(t *testing.T) {
	info := CaseInfo{CaseNumber: "SC20261125000001", ItemName: "居住证签注", Status: application.CaseProcessing, Updated: t0}
	s, eff := run(t, idle(), CodeScanned{Text: "http://127.0.0.1:1/track/SC20261125000001"}, CaseFound{Case: info})
	if s.Screen != CaseView || s.Case == nil || *s.Case != info || len(effectsOf[VerifyCode](eff)) != 1 {
		t.Fatalf("screen %v case %+v", s.Screen, s.Case)
	}
	s, eff = Next(s, Cancel{})
	if s.Screen != Idle || s.Case != nil || len(effectsOf[Wipe](eff)) != 1 {
		t.Fatalf("after: %v %+v", s.Screen, s.Case)
	}
	// Not in the middle of a visit.
	v, _ := run(t, idle(), toForm()...)
	v, _ = Next(v, CaseFound{Case: info})
	if v.Screen != Form {
		t.Fatalf("case shown mid-visit: %v", v.Screen)
	}
}
