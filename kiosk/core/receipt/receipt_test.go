package receipt

import (
	"strings"
	"testing"
	"time"
)

func TestNewCarriesCaseNumberAndQR(t *testing.T) {
	tests := []struct {
		name   string
		c      Case
		status string
	}{
		{"submitted", Case{CaseNumber: "SC20261125000001", TrackCode: "https://t/x", Submitted: time.Now()}, "已提交"},
		{"queued", Case{CaseNumber: "Q-7F3A", Queued: true, Submitted: time.Now()}, "已保存在本机，尚未提交，提交前不生效（联网后自动提交）"},
	}
	for _, tt := range tests {
		d := New(tt.c)
		if got := d.CaseNumber(); got != tt.c.CaseNumber {
			t.Errorf("%s: case number %q, want %q", tt.name, got, tt.c.CaseNumber)
		}
		if got := d.Find("状态"); got != tt.status {
			t.Errorf("%s: status %q, want %q", tt.name, got, tt.status)
		}
		hasQR := false
		for _, b := range d.Blocks {
			if b.Kind == QR && b.Data == tt.c.TrackCode {
				hasQR = true
			}
		}
		if hasQR != (tt.c.TrackCode != "") {
			t.Errorf("%s: QR present = %v", tt.name, hasQR)
		}
	}
}

func TestTimeIsChinaTime(t *testing.T) {
	d := New(Case{Submitted: time.Date(2026, 11, 25, 21, 53, 0, 0, time.UTC)})
	if got := d.Find("申请时间"); got != "2026-11-26 05:53" {
		t.Fatalf("申请时间 = %q, want China time", got)
	}
}

func TestQRData(t *testing.T) {
	tests := []struct {
		name string
		doc  Document
		want string
	}{
		{"standard receipt", New(Case{TrackCode: "https://t/SC1", Submitted: time.Now()}), "https://t/SC1"},
		{"no tracking code", New(Case{Submitted: time.Now()}), ""},
		{"first QR wins", Document{Blocks: []Block{{Kind: Text, Data: "x"}, {Kind: QR, Data: "a"}, {Kind: QR, Data: "b"}}}, "a"},
	}
	for _, tt := range tests {
		if got := tt.doc.QRData(); got != tt.want {
			t.Errorf("%s: QRData() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestBundleAndLicencesOnTheReceipt(t *testing.T) {
	d := New(Case{CaseNumber: "SC1", Linked: []string{"SC1-1", "SC1-2"}, Licences: []string{"居民户口簿", "结婚证"}, Submitted: time.Now()})
	if d.Find("关联办件1") != "SC1-1" || d.Find("关联办件2") != "SC1-2" || d.Find("免交材料") != "居民户口簿、结婚证（已调取电子证照）" {
		t.Fatalf("rows: %+v", d.Blocks)
	}
}

// A queued application's receipt says it is saved, not in effect: the
// kiosk's reference is labelled as such and explained, the item's promise
// (挂失即时生效) is said to hold once the platform has it, and what to do
// meanwhile is printed.
func TestQueuedReceiptPromisesNothingYet(t *testing.T) {
	c := Case{CaseNumber: "Q-F47EA32667D4", Queued: true, Submitted: time.Now(), Next: "挂失即时生效，金融功能需另到发卡银行挂失。",
		Meanwhile: "请到人工窗口办理，或拨打12333电话挂失", TrackCode: "https://zwfw.example/track/request/x"}
	d := New(c)
	if d.Find("办件编号") != "" || d.Find("本机受理号") != "Q-F47EA32667D4" {
		t.Errorf("case rows: 办件编号 %q, 本机受理号 %q", d.Find("办件编号"), d.Find("本机受理号"))
	}
	var texts []string
	for _, b := range d.Blocks {
		if b.Kind == Text {
			texts = append(texts, b.Text)
			if strings.HasPrefix(b.Text, "挂失即时生效") {
				t.Errorf("promise printed as if in effect: %q", b.Text)
			}
		}
	}
	all := strings.Join(texts, "\n")
	for _, want := range []string{"本机受理号不是办件编号", "在此期间：请到人工窗口办理，或拨打12333电话挂失", "平台收到申请后：挂失即时生效"} {
		if !strings.Contains(all, want) {
			t.Errorf("receipt text lacks %q:\n%s", want, all)
		}
	}
}

// An enterprise's receipt names it as 申请单位 with its credit code.
func TestLegalApplicantRows(t *testing.T) {
	d := New(Case{CaseNumber: "SC1", Legal: true, ApplicantMasked: "成*********", NumberMasked: "9151**********1243", Submitted: time.Now()})
	if d.Find("申请单位") != "成*********" || d.Find("统一社会信用代码") != "9151**********1243" || d.Find("证件号码") != "" {
		t.Errorf("rows: %+v", d.Blocks)
	}
}
