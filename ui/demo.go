package ui

import (
	"time"

	"sckiosk/devices/device"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/catalog/catalogyaml"
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/msg"
	"sckiosk/kiosk/core/session"
)

// demoStart is the clock of the demo states.
var demoStart = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// person is a fictitious citizen with a rare name character (𠮷, CJK
// Extension B) that the embedded font must draw.
func person() identity.Person {
	return identity.Person{Source: identity.SourceIDCard, Name: "𠮷䶮", Number: "11010519491231002X", ValidTo: "长期"}
}

// DemoStates walks the pure core to every screen, with a fictitious
// citizen and no devices: the golden-image tests and `kiosk --screenshots`
// draw them.
func DemoStates() map[string]session.State {
	s := session.New(session.DefaultConfig(), catalog.Builtin(), demoStart)
	apply := func(s session.State, evs ...session.Event) session.State {
		for _, ev := range evs {
			s, _ = session.Next(s, ev)
		}
		return s
	}
	for _, k := range []device.Kind{device.IDCard, device.Scanner, device.Printer} {
		s = apply(s, session.DeviceChanged{Status: device.Status{Kind: k, State: device.Online}})
	}
	item := "11510100MB0000001K3510100001001"
	out := map[string]session.State{}
	out["idle"] = s
	out["identifying"] = apply(s, session.Start{}, session.ReadFailed{Cause: device.CardReadFailed})
	chosen := apply(s, session.Start{}, session.CardRead{Person: person()})
	out["choose"] = chosen
	out["guide"] = apply(chosen, session.ChooseItemEvent{Code: item})
	form := apply(chosen, session.ChooseItemEvent{Code: item}, session.Proceed{}, session.TypeRune{R: '1'}, session.TypeRune{R: '3'})
	out["form_errors"] = apply(form, session.Proceed{})
	filled := apply(form, session.SetField{Key: "phone", Value: "13812345678"}, session.SetField{Key: "reason", Value: "就业"})
	out["review"] = apply(filled, session.Proceed{}, session.SetConsent{Agreed: true})
	submitting := apply(filled, session.Proceed{}, session.SetConsent{Agreed: true}, session.Confirm{})
	out["submitting"] = submitting
	done := apply(submitting, session.Submitted{CaseNumber: "SC20261125000001", TrackCode: "http://127.0.0.1/track/SC20261125000001"})
	out["done_printed"] = apply(done, session.Printed{})
	out["done_rated"] = apply(done, session.Printed{}, session.Rate{Grade: 1})
	out["done_no_paper"] = apply(done, session.PrintFailed{Notice: session.PrinterNotice(device.PaperOut)})
	out["done_queued"] = apply(submitting, session.Submitted{RequestID: demoRequest, CaseNumber: "Q-7F3A00C2D91B", Queued: true,
		TrackCode: "http://127.0.0.1/track/request/" + demoRequest}, session.Printed{})
	out["failed"] = apply(submitting, session.SubmitFailed{})
	out["countdown"] = apply(chosen, session.Tick{Now: demoStart.Add(85 * time.Second)})
	out["elder_choose"] = apply(chosen, session.ToggleElder{})
	out["search_pinyin"] = apply(chosen, session.FocusField{Key: session.SearchField},
		session.TypeRune{R: 'g'}, session.TypeRune{R: 'j'}, session.TypeRune{R: 'j'})
	out["search_result"] = apply(chosen, session.FocusField{Key: session.SearchField}, session.SetKeyMode{Mode: session.KeyLatin},
		session.TypeRune{R: 'g'}, session.TypeRune{R: 'j'}, session.TypeRune{R: 'j'})
	elderItem := "11510100MB0000006R3510100006001"
	out["form_pinyin"] = apply(chosen, session.ChooseItemEvent{Code: elderItem}, session.Proceed{},
		session.FocusField{Key: "mail_address"}, session.TypeRune{R: 'd'}, session.TypeRune{R: 'o'}, session.TypeRune{R: 'n'}, session.TypeRune{R: 'g'})
	// Elder mode on a form with a long address (real ones run 25–35
	// characters, this one 48): the options, the address and the keypad
	// must stay within the screen.
	moved := person()
	moved.Address = "四川省凉山彝族自治州西昌市长安街道航天大道三段一百二十八号锦绣花园小区十七栋二单元一千二百零三室"
	out["elder_form"] = apply(s, session.Start{}, session.CardRead{Person: moved}, session.ToggleElder{},
		session.ChooseItemEvent{Code: elderItem}, session.Proceed{}, session.SetField{Key: "pickup", Value: "邮寄到家"})
	techPIN := apply(s, session.CornerTap{}, session.CornerTap{}, session.CornerTap{}, session.CornerTap{}, session.CornerTap{},
		session.TechKey{R: '1'}, session.TechKey{R: '2'})
	out["tech_pin"] = techPIN
	out["tech_menu"] = apply(techPIN, session.TechSubmit{}, session.PINChecked{OK: true},
		session.PlatformChanged{State: application.PlatformDegraded, Pending: 2, LastError: "platform 50: submit: platform unavailable: dial tcp: connection refused"},
		session.Printed{}, session.TechAction{Name: session.TechReadCard}, session.CardRead{Person: person()},
		session.TechAction{Name: session.TechCheckPlatform}, session.TechDone{Name: session.TechCheckPlatform, Message: msg.New(msg.TechPlatformHealth,
			msg.New(msg.TechPlatformOK, msg.PlatformSichuan), msg.New(msg.TechPlatformDown, msg.PlatformChongqing))})
	biz := "11510100MB0000008J3510100008001" // 个体工商户年度报告: USCC and an ID number
	out["form_uscc"] = apply(chosen, session.ChooseItemEvent{Code: biz}, session.Proceed{},
		session.FocusField{Key: "uscc"}, session.TypeRune{R: '9'}, session.TypeRune{R: '1'}, session.TypeRune{R: 'm'}, session.Proceed{})
	if sample, err := catalogyaml.Sample(); err == nil {
		big := session.New(session.DefaultConfig(), sample, demoStart)
		out["choose_platform_catalog"] = apply(big, session.Start{}, session.CardRead{Person: person()}, session.MoreCategories{})
	}
	out["case_view"] = apply(s, session.CodeScanned{Text: "http://127.0.0.1/track/SC20261125000001"},
		session.CaseFound{Case: session.CaseInfo{CaseNumber: "SC20261125000001", ItemName: "居住证签注", Status: application.CaseProcessing, Updated: demoStart}})
	readerDown := apply(s, session.DeviceChanged{Status: device.Status{Kind: device.IDCard, State: device.Offline}})
	out["identifying_reader_down"] = apply(readerDown, session.Start{})
	out["out_of_service"] = apply(readerDown, session.DeviceChanged{Status: device.Status{Kind: device.Scanner, State: device.Offline}})
	out["choose_offline"] = apply(chosen, session.PlatformChanged{State: application.PlatformOffline, LastError: "connection refused"})
	out["review_offline"] = apply(filled, session.PlatformChanged{State: application.PlatformOffline}, session.Proceed{}, session.SetConsent{Agreed: true})
	out["choose_printer_down"] = apply(chosen, session.DeviceChanged{Status: device.Status{Kind: device.Printer, State: device.Fault, Cause: device.PaperOut}})
	out["elder_countdown"] = apply(chosen, session.ToggleElder{}, session.Tick{Now: demoStart.Add(175 * time.Second)})
	out["elder_pinyin"] = apply(out["form_pinyin"], session.ToggleElder{})
	out["confirm_leave"] = apply(out["form_pinyin"], session.Home{})
	for name, st := range cardAndItemStates(s, done, form, filled, apply) {
		out[name] = st
	}
	return out
}

// demoRequest is the request_id of the demo's queued application.
const demoRequest = "7f3a00c2-d91b-4e6a-8c35-2b90d4e1f6a7"

// business is a fictitious enterprise identified by its business licence.
func business() identity.Person {
	return identity.Person{Source: identity.SourceBusiness, Name: "成都蓉城示例科技有限公司", Number: "91510100MA6CXY1243"}
}

// cardAndItemStates are the screens of the card on the reader (lifted
// mid-form, left behind), of who may apply (an enterprise's list and
// form), of items refused offline or kept in the outbox, and of a printer
// that failed and came back.
func cardAndItemStates(s, done, form, filled session.State, apply func(session.State, ...session.Event) session.State) map[string]session.State {
	out := map[string]session.State{
		// A visit of its own: ending it wipes its person, whom the other
		// states share.
		"idle_card_left":   apply(s, session.Start{}, session.CardRead{Person: person()}, session.Cancel{}),
		"form_card_lifted": apply(form, session.CardRemoved{}),
		"done_reprint": apply(done, session.DeviceChanged{Status: device.Status{Kind: device.Printer, State: device.Fault, Cause: device.PaperOut}},
			session.PrintFailed{Notice: session.PrinterNotice(device.PaperOut)}, session.DeviceChanged{Status: device.Status{Kind: device.Printer, State: device.Online}}),
	}
	certify := "11510100MB0000003D3510100003001" // 个人参保证明打印 needs the printer
	out["review_printer_down"] = apply(s, session.Start{}, session.CardRead{Person: person()}, session.ChooseItemEvent{Code: certify}, session.Proceed{},
		session.SetField{Key: "phone", Value: "13812345678"}, session.SetField{Key: "period", Value: "近12个月"}, session.Proceed{}, session.SetConsent{Agreed: true},
		session.DeviceChanged{Status: device.Status{Kind: device.Printer, State: device.Fault, Cause: device.PaperOut}})
	sample, err := catalogyaml.Sample()
	if err != nil {
		return out
	}
	big := session.New(session.DefaultConfig(), sample, demoStart)
	for _, k := range []device.Kind{device.IDCard, device.Scanner, device.Printer} {
		big = apply(big, session.DeviceChanged{Status: device.Status{Kind: k, State: device.Online}})
	}
	const loss, licence = "11510100MB1A0001XN3510100101002", "11510100MB1H00083F3510100106003" // 社会保障卡挂失, 营业执照遗失补领
	enterprise := apply(big, session.Start{}, session.CodeScanned{Text: "https://zzlz.gsxt.gov.cn/x"}, session.CodeVerified{Person: business()})
	out["choose_business"] = enterprise
	out["form_business"] = apply(enterprise, session.ChooseItemEvent{Code: licence}, session.Proceed{}, session.SetField{Key: "phone", Value: "13812345678"})
	citizen := apply(big, session.Start{}, session.CardRead{Person: person()})
	out["choose_offline_loss"] = apply(citizen, session.PlatformChanged{State: application.PlatformOffline}, session.ChooseItemEvent{Code: loss})
	out["done_queued_loss"] = apply(citizen, session.ChooseItemEvent{Code: loss}, session.Proceed{}, session.SetField{Key: "phone", Value: "13812345678"},
		session.SetField{Key: "kind", Value: "正式挂失"}, session.Proceed{}, session.SetConsent{Agreed: true}, session.Confirm{},
		session.Submitted{RequestID: demoRequest, CaseNumber: "Q-7F3A00C2D91B", Queued: true, TrackCode: "http://127.0.0.1/track/request/" + demoRequest}, session.Printed{})
	return out
}
