package session

import (
	"slices"
	"strings"
	"testing"

	"sckiosk/devices/device"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/catalog/catalogyaml"
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/msg"
)

// Codes of the sample catalogue.
const (
	sampleSSCard   = "11510100MB1A0001XN3510100101001" // 社会保障卡申领: persons
	sampleLoss     = "11510100MB1A0001XN3510100101002" // 社会保障卡挂失: offline: refuse
	sampleStaff    = "12510100MB2B00039G3510100102006" // 企业职工参保登记: enterprises
	sampleLicence  = "11510100MB1H00083F3510100106003" // 营业执照遗失补领: both
	sampleCertify  = "12510100MB2B00039G3510100102002" // 个人参保证明查询打印: needs the printer
	sampleResident = "11510100MB1E00021B3510100105003" // 居住证签注: persons, accepted offline
)

func sampleIdle(t *testing.T) State {
	t.Helper()
	cat, err := catalogyaml.Sample()
	if err != nil {
		t.Fatal(err)
	}
	s := New(DefaultConfig(), cat, t0)
	s, _ = run(t, s, online(device.Printer), online(device.IDCard), online(device.Scanner))
	return s
}

func business() identity.Person {
	return identity.Person{Source: identity.SourceBusiness, Name: "成都某某科技有限公司", Number: "91510100MA6CXY1243"}
}

func codes(items []catalog.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Code)
	}
	return out
}

// A business licence lists and opens only items an enterprise applies
// for, a person only personal ones; each gets the applicant fields of its
// kind, prefilled and read-only.
func TestItemsByApplicantKind(t *testing.T) {
	tests := []struct {
		name      string
		who       identity.Person
		listed    []string
		notListed []string
	}{
		{"business licence", business(), []string{sampleStaff, sampleLicence}, []string{sampleSSCard, sampleLoss, sampleResident}},
		{"ID card", samplePerson(), []string{sampleSSCard, sampleLicence, sampleResident}, []string{sampleStaff}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := run(t, sampleIdle(t), Start{}, CodeScanned{Text: "x"}, CodeVerified{Person: tt.who})
			got := codes(s.Items())
			for _, c := range tt.listed {
				if !slices.Contains(got, c) {
					t.Errorf("item %s not listed", c)
				}
			}
			for _, c := range tt.notListed {
				if slices.Contains(got, c) {
					t.Errorf("item %s listed", c)
				}
			}
			if tt.who.Source == identity.SourceBusiness && slices.Contains(s.Categories(), "医保") {
				t.Errorf("categories %v: 医保 has no item for enterprises", s.Categories())
			}
		})
	}
	refused := []struct {
		name   string
		who    identity.Person
		code   string
		notice msg.Key
	}{
		{"licence on a personal item", business(), sampleSSCard, msg.ItemForPersons},
		{"person on an enterprise's item", samplePerson(), sampleStaff, msg.ItemForEnterprises},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := run(t, sampleIdle(t), Start{}, CodeScanned{Text: "x"}, CodeVerified{Person: tt.who}, ChooseItemEvent{Code: tt.code})
			if s.Screen != ChooseItem || s.Notice.Key != tt.notice {
				t.Errorf("screen %v notice %v, want the item list with %v", s.Screen, s.Notice, tt.notice)
			}
		})
	}
}

// The form of an item both kinds apply for: an enterprise gets 企业名称 and
// 统一社会信用代码 from its licence, read-only, and is not asked them again;
// a person types them.
func TestFormByApplicantKind(t *testing.T) {
	type field struct {
		key, label, value string
		readOnly          bool
	}
	tests := []struct {
		name   string
		who    identity.Person
		fields []field
		idType string
	}{
		{"business licence", business(), []field{
			{"name", "企业名称", "成都某某科技有限公司", true},
			{"id_number", "统一社会信用代码", "91510100MA6CXY1243", true},
			{"phone", "联系电话", "", false},
		}, "001"},
		{"ID card", samplePerson(), []field{
			{"name", "申请人姓名", "张三", true},
			{"id_number", "公民身份号码", "11010519491231002X", true},
			{"phone", "联系电话", "", false},
			{"company", "企业名称", "", false},
			{"uscc", "统一社会信用代码", "", false},
		}, "111"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := run(t, sampleIdle(t), Start{}, CodeScanned{Text: "x"}, CodeVerified{Person: tt.who}, ChooseItemEvent{Code: sampleLicence}, Proceed{})
			if s.Screen != Form {
				t.Fatalf("screen %v notice %q", s.Screen, zh(s.Notice))
			}
			var got []field
			for _, f := range s.Item.Fields {
				got = append(got, field{f.Key, f.Label, s.Values[f.Key], f.ReadOnly})
			}
			if !slices.Equal(got, tt.fields) {
				t.Errorf("form\n got %v\nwant %v", got, tt.fields)
			}
			s, _ = run(t, s, SetField{Key: "name", Value: "别人"}, SetField{Key: "phone", Value: "13812345678"},
				SetField{Key: "company", Value: "成都某某科技有限公司"}, SetField{Key: "uscc", Value: "91510100MA6CXY1243"}, Proceed{})
			if s.Screen != Review {
				t.Fatalf("not reviewed: %v %v", s.Screen, s.FieldError)
			}
			app := s.application()
			if app.Applicant.IDType != tt.idType || app.Applicant.Number != tt.who.Number || app.Applicant.Name != tt.who.DisplayName() {
				t.Errorf("applicant %+v", app.Applicant)
			}
		})
	}
}

// An item that must take effect at once (挂失) is refused while the
// platform cannot be reached, at the list and again at 确认提交; an
// ordinary item is accepted and kept in the outbox.
func TestOfflineRefusedItems(t *testing.T) {
	offline := PlatformChanged{State: application.PlatformOffline}
	toLossReview := []Event{Start{}, CardRead{Person: samplePerson()}, ChooseItemEvent{Code: sampleLoss}, Proceed{},
		SetField{Key: "phone", Value: "13812345678"}, SetField{Key: "kind", Value: "正式挂失"}, Proceed{}, SetConsent{Agreed: true}}
	tests := []struct {
		name   string
		events []Event
		screen Screen
		notice msg.Key
	}{
		{"挂失 offline is refused at the list", []Event{offline, Start{}, CardRead{Person: samplePerson()}, ChooseItemEvent{Code: sampleLoss}}, ChooseItem, msg.ItemNeedsPlatform},
		{"挂失 online is accepted", []Event{Start{}, CardRead{Person: samplePerson()}, ChooseItemEvent{Code: sampleLoss}}, ItemGuide, msg.None},
		{"the network lost before 确认提交", append(append([]Event{}, toLossReview...), offline, Confirm{}), Review, msg.ItemNeedsPlatform},
		{"online it is submitted", append(append([]Event{}, toLossReview...), Confirm{}), Submitting, msg.None},
		{"an ordinary item offline is accepted", []Event{offline, Start{}, CardRead{Person: samplePerson()}, ChooseItemEvent{Code: sampleResident}}, ItemGuide, msg.None},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := run(t, sampleIdle(t), tt.events...)
			if s.Screen != tt.screen || s.Notice.Key != tt.notice {
				t.Errorf("screen %v notice %q, want %v %v", s.Screen, zh(s.Notice), tt.screen, tt.notice)
			}
			if tt.notice == msg.ItemNeedsPlatform && zh(s.Notice) != "社会保障卡挂失需要即时生效，网络中断时本机不能受理。请到人工窗口办理，或拨打12333电话挂失" {
				t.Errorf("notice %q", zh(s.Notice))
			}
			if it, _ := s.Catalog.Find(sampleLoss); tt.screen == ChooseItem && s.Blocked(it).Key != msg.ItemOfflineShort {
				t.Errorf("挂失 not marked on the list: %v", s.Blocked(it))
			}
		})
	}
}

// An item that needs the printer warns on the form when the printer goes
// down, refuses 确认提交 while it is down (in words that name the printer
// once), and submits once it is back. A receipt that did not print can be
// printed again once paper is back.
func TestItemNeedsItsDevicesAtSubmit(t *testing.T) {
	paperOut := DeviceChanged{Status: device.Status{Kind: device.Printer, State: device.Fault, Cause: device.PaperOut}}
	toReview := []Event{Start{}, CardRead{Person: samplePerson()}, ChooseItemEvent{Code: sampleCertify}, Proceed{},
		SetField{Key: "phone", Value: "13812345678"}, SetField{Key: "period", Value: "近6个月"}, Proceed{}, SetConsent{Agreed: true}}
	tests := []struct {
		name   string
		events []Event
		screen Screen
		notice string
	}{
		{"paper out on the review screen warns", append(append([]Event{}, toReview...), paperOut), Review, "打印机缺纸，暂不能提交本事项。请联系工作人员处理后再提交，或到人工窗口办理"},
		{"and refuses to submit", append(append([]Event{}, toReview...), paperOut, Confirm{}), Review, "打印机缺纸，暂不能提交本事项。请联系工作人员处理后再提交，或到人工窗口办理"},
		{"an unplugged printer", append(append([]Event{}, toReview...), DeviceChanged{Status: device.Status{Kind: device.Printer, State: device.Offline, Cause: device.Disconnected}}, Confirm{}), Review, "打印机暂时无法使用，暂不能提交本事项。请联系工作人员处理后再提交，或到人工窗口办理"},
		{"paper back clears the warning", append(append([]Event{}, toReview...), paperOut, online(device.Printer)), Review, ""},
		{"and it submits", append(append([]Event{}, toReview...), paperOut, online(device.Printer), Confirm{}), Submitting, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := run(t, sampleIdle(t), tt.events...)
			if s.Screen != tt.screen || zh(s.Notice) != tt.notice {
				t.Errorf("screen %v notice %q, want %v %q", s.Screen, zh(s.Notice), tt.screen, tt.notice)
			}
		})
	}
}

// A receipt that did not print is printed again on 重新打印回执 once the
// printer works; not before, and not twice.
func TestReprintOnceThePrinterIsBack(t *testing.T) {
	paperOut := DeviceChanged{Status: device.Status{Kind: device.Printer, State: device.Fault, Cause: device.PaperOut}}
	s, _ := run(t, idle(), append(toDone(), paperOut, PrintFailed{Notice: PrinterNotice(device.PaperOut)})...)
	if s.CanReprint() {
		t.Fatal("reprint offered while the printer is still out of paper")
	}
	s, eff := run(t, s, Reprint{})
	if len(effectsOf[Print](eff)) != 0 {
		t.Fatal("printed while out of paper")
	}
	s, _ = Next(s, online(device.Printer))
	if !s.CanReprint() {
		t.Fatal("no reprint once paper is back")
	}
	s, eff = run(t, s, Reprint{}, Reprint{})
	if p := effectsOf[Print](eff); len(p) != 1 || p[0].Document.Find("办件编号") != "SC20261125000001" {
		t.Fatalf("prints %v, want the receipt once", p)
	}
	s, _ = Next(s, Printed{})
	if !s.Result.Printed || s.CanReprint() {
		t.Errorf("printed %v, can reprint %v", s.Result.Printed, s.CanReprint())
	}
}

// A 挂失 the platform did not answer in time waits in the outbox: its
// receipt says so, with what to do meanwhile; an enterprise's receipt
// names it as 申请单位.
func TestReceiptOfQueuedAndLegalApplications(t *testing.T) {
	loss := []Event{Start{}, CardRead{Person: samplePerson()}, ChooseItemEvent{Code: sampleLoss}, Proceed{},
		SetField{Key: "phone", Value: "13812345678"}, SetField{Key: "kind", Value: "正式挂失"}, Proceed{}, SetConsent{Agreed: true}, Confirm{},
		Submitted{RequestID: "r1", CaseNumber: "Q-F47EA32667D4", Queued: true, TrackCode: "https://zwfw.example/track/request/r1"}}
	s, _ := run(t, sampleIdle(t), loss...)
	doc := s.Result.Receipt
	if doc.Find("本机受理号") != "Q-F47EA32667D4" || !strings.Contains(doc.Find("状态"), "尚未提交") {
		t.Errorf("queued receipt rows: %+v", doc.Blocks)
	}
	found := false
	for _, b := range doc.Blocks {
		found = found || b.Text == "在此期间：请到人工窗口办理，或拨打12333电话挂失"
	}
	if !found {
		t.Errorf("queued receipt does not say what to do meanwhile: %+v", doc.Blocks)
	}

	staff := []Event{Start{}, CodeScanned{Text: "x"}, CodeVerified{Person: business()}, ChooseItemEvent{Code: sampleStaff}, Proceed{},
		SetField{Key: "phone", Value: "13812345678"}, SetField{Key: "staff", Value: "3"}, Proceed{}, SetConsent{Agreed: true}, Confirm{},
		Submitted{RequestID: "r2", CaseNumber: "SC20261125000002"}}
	s, _ = run(t, sampleIdle(t), staff...)
	if d := s.Result.Receipt; d.Find("申请单位") != "成*********" || d.Find("统一社会信用代码") != "9151**********1243" {
		t.Errorf("enterprise receipt rows: %+v", d.Blocks)
	}
}

// With the network down on the form of an item that must take effect at
// once, the fault panel does not say "go on, it is sent later".
func TestOfflinePanelForRefusedItems(t *testing.T) {
	offline := PlatformChanged{State: application.PlatformOffline}
	tests := []struct {
		code string
		next msg.Key
	}{
		{sampleLoss, msg.ItemNeedsPlatform},
		{sampleResident, msg.StepContinueOffline},
	}
	for _, tt := range tests {
		s, _ := run(t, sampleIdle(t), Start{}, CardRead{Person: samplePerson()}, ChooseItemEvent{Code: tt.code}, Proceed{}, offline)
		f, ok := s.Fault()
		if !ok || f.Kind != FaultPlatform || f.Next[0].Key != tt.next {
			t.Errorf("%s: fault %+v, want first step %v", tt.code, f, tt.next)
		}
	}
}
