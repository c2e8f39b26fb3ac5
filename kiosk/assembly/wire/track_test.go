package wire

import (
	"context"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/adapters/platform/platformsim"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/msg"
	"sckiosk/kiosk/core/qrpayload"
	"sckiosk/kiosk/core/session"
)

// An offline receipt's QR code, shown to the kiosk, is recognised as a
// receipt: before its application reaches the platform the kiosk says it
// is still kept on the kiosk, afterwards it shows the case.
func TestOfflineReceiptCodeResolves(t *testing.T) {
	srv := httptest.NewServer(platformsim.New(application.Sichuan, nil))
	defer srv.Close()
	client, err := platform.NewClient(map[string]string{application.Sichuan: srv.URL}, srv.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(srv.URL)
	f := caseFinder{checker: &qrpayload.Checker{TrackHosts: []string{u.Host}}, client: client, hosts: map[string]string{u.Host: application.Sichuan}}
	ctx := context.Background()
	const id = "6a1e3c52-8f0d-4b7a-9c21-0e5d4f3b2a19"
	code := client.RequestTrackURL(application.Sichuan, id)

	ev, ok := f.FindCase(ctx, code)
	if rej, isRej := ev.(session.CodeRejected); !ok || !isRej || rej.Notice.Key != msg.CaseNotYetReceived {
		t.Fatalf("before it arrived: %#v %v, want CaseNotYetReceived", ev, ok)
	}
	app := application.Application{
		RequestID: id, ItemCode: "11510100MB0000001K3510100001001", ItemName: "居住证签注", Province: application.Sichuan,
		Applicant: application.Applicant{IDType: "111", Number: "11010519491231002X", Name: "张三", Phone: "13800138000"},
		Fields:    map[string]string{"reason": "居住"}, AcceptDivision: "510107", HandleDivision: "510107",
		Mode: "全程网办", KioskID: "SIM-0001", SubmittedAt: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC),
	}
	rc, err := client.Submit(ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	ev, ok = f.FindCase(ctx, code)
	if found, isFound := ev.(session.CaseFound); !ok || !isFound || found.Case.CaseNumber != rc.CaseNumber {
		t.Fatalf("after it arrived: %#v %v, want case %s", ev, ok, rc.CaseNumber)
	}
}
