package receipt

import (
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
		{"queued", Case{CaseNumber: "Q-7F3A", Queued: true, Submitted: time.Now()}, "已受理，待上报（网络恢复后自动提交）"},
	}
	for _, tt := range tests {
		d := New(tt.c)
		if got := d.Find("办件编号"); got != tt.c.CaseNumber {
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
