package platformsim

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/qrpayload"
	"sckiosk/ui/text"
)

// flipLast breaks a code's signature: it changes a character inside the
// signature (the last character may hold only base64 padding bits).
func flipLast(code string) string {
	i := strings.LastIndexByte(code, ':') + 6
	c := "A"
	if code[i] == 'A' {
		c = "B"
	}
	return code[:i] + c + code[i+1:]
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func TestVerifyCode(t *testing.T) {
	// Old codes are issued a TTL ago; the clock then catches up with the
	// real one, which signs the client's requests.
	clock := &fakeClock{t: time.Now().Add(-platform.AppCodeTTL - time.Second)}
	sim := New(application.Sichuan, nil, WithClock(clock.now))
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c, err := platform.NewClient(map[string]string{application.Sichuan: srv.URL}, srv.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	zhang := platform.Identity{IDType: "111", Name: "张三"}
	for n := range sim.licences {
		if strings.HasPrefix(n, "51010719900307123") {
			zhang.Number = n
		}
	}
	li := platform.Identity{IDType: "111", Number: "11010519491231002X", Name: "李四"}

	old := sim.IssueAppCode(li)
	oldLic, err := sim.IssueLicenceCode(zhang, "结婚证")
	if err != nil {
		t.Fatal(err)
	}
	clock.set(time.Now())

	app := sim.IssueAppCode(li)
	health := sim.IssueHealthCode(li, "green")
	legacy := sim.IssueLegacyAppCode(li)
	lic, err := sim.IssueLicenceCode(zhang, "结婚证")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.IssueLicenceCode(li, "不动产权证书"); !errors.Is(err, platform.ErrNoLicence) {
		t.Errorf("licence li does not hold: %v", err)
	}
	biz := DemoBusinesses()
	bizCode, err := sim.IssueBusinessCode(biz[0].USCC)
	if err != nil {
		t.Fatal(err)
	}
	closed, err := sim.IssueBusinessCode(biz[2].USCC)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := sm2.GenerateKey(rand.Reader)
	foreign, _ := qrpayload.SignAppToken(other, platform.DemoCodeKeyID, qrpayload.AppTypeID, "abcdef", clock.now(), time.Minute)
	unissued, _ := qrpayload.SignAppToken(platform.DemoPlatformKey(), platform.DemoCodeKeyID, qrpayload.AppTypeID, "abcdef", clock.now(), time.Minute)
	// A licence token shown with another licence's identifier.
	licID, token, _ := strings.Cut(strings.TrimPrefix(lic, "ELIC:1:"), ":")
	var otherID string
	for _, l := range sim.licences[zhang.Number] {
		if l.ID != licID {
			otherID = l.ID
		}
	}
	swapped := "ELIC:1:" + otherID + ":" + token

	tests := []struct {
		name, code string
		kind       string
		holder     string // name of the holder, "" when refused
		notice     string
	}{
		{"app code", app, platform.CodeKindApp, "李四", ""},
		{"health code", health, platform.CodeKindHealth, "李四", ""},
		{"legacy app code", legacy, platform.CodeKindApp, "李四", ""},
		{"licence", lic, platform.CodeKindLicence, "张三", ""},
		{"business licence", bizCode, platform.CodeKindBusiness, biz[0].Name, ""},
		{"forged app code", flipLast(app), "", "", "二维码无效，请在天府通办App中刷新后重新出示"},
		{"app code of another platform key", foreign, "", "", "二维码无效，请在天府通办App中刷新后重新出示"},
		{"app code never issued", unissued, "", "", "二维码已过期，请在天府通办App中刷新后重新出示"},
		{"expired app code", old, "", "", "二维码已过期，请在天府通办App中刷新后重新出示"},
		{"expired licence code", oldLic, "", "", "亮证码已过期，请在App中重新亮证"},
		{"licence token of another licence", swapped, "", "", "亮证码未通过核验，请在App中重新亮证"},
		{"closed enterprise", closed, "", "", "该营业执照对应的企业已注销或吊销，无法办理"},
		{"unknown business token", "http://www.gsxt.gov.cn/%7Bdeadbeefdeadbeef-1700000000000%7D", "", "", "营业执照二维码未通过核验，请使用电子营业执照重新出示"},
		{"not a gsxt url", "https://example.com/x", "", "", "营业执照二维码未通过核验，请使用电子营业执照重新出示"},
		{"legacy with a wrong mac", "TFTB:1:abcd:" + strings.Repeat("0", 16), "", "", "二维码无效，请在天府通办App中刷新后重新出示"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := c.VerifyCode(context.Background(), tt.code)
			if tt.notice == "" {
				if err != nil || res.Kind != tt.kind || res.Holder == nil || res.Holder.Name != tt.holder {
					t.Fatalf("VerifyCode = %+v, %v; want kind %s holder %s", res, err, tt.kind, tt.holder)
				}
				return
			}
			var ce *platform.CodeError
			if !errors.As(err, &ce) || text.Chinese.Render(ce.Notice) != tt.notice || !errors.Is(err, platform.ErrRejected) {
				t.Fatalf("err = %v, want notice %q", err, tt.notice)
			}
		})
	}
	if res, _ := c.VerifyCode(context.Background(), health); res.Health != "green" {
		t.Errorf("health state = %q, want green", res.Health)
	}
	if res, _ := c.VerifyCode(context.Background(), lic); res.Licence == nil || res.Licence.Type != "结婚证" {
		t.Errorf("licence = %+v, want the 结婚证", res.Licence)
	}
	if res, _ := c.VerifyCode(context.Background(), bizCode); res.Holder.IDType != "001" || res.Holder.Number != biz[0].USCC {
		t.Errorf("business holder = %+v, want the enterprise by its USCC", res.Holder)
	}
	sim.SetDown(true)
	if _, err := c.VerifyCode(context.Background(), app); !errors.Is(err, platform.ErrUnavailable) {
		t.Errorf("platform down: err = %v, want ErrUnavailable", err)
	}
}

// The codes the simulator issues pass the kiosk's offline checks with the
// demo keys.
func TestIssuedCodesPassOfflineChecks(t *testing.T) {
	sim := New(application.Sichuan, nil)
	chk := platform.DemoCodeChecker()
	li := platform.Identity{IDType: "111", Number: "11010519491231002X", Name: "李四"}
	lic, err := sim.IssueLicenceCode(platform.Identity{Number: firstHolder(sim)}, "居民户口簿")
	if err != nil {
		t.Fatal(err)
	}
	biz, err := sim.IssueBusinessCode(DemoBusinesses()[1].USCC)
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{sim.IssueAppCode(li), sim.IssueHealthCode(li, "yellow"), lic, biz} {
		if p := chk.Check(code); !p.Valid || !p.Online {
			t.Errorf("%s: %+v", qrpayload.Mask(code), p)
		}
	}
}

func firstHolder(s *Sim) string {
	for n := range s.licences {
		return n
	}
	return ""
}

func TestDemoBusinessesValid(t *testing.T) {
	for _, b := range DemoBusinesses() {
		if !qrpayload.ValidUSCC(b.USCC) {
			t.Errorf("%s: %s fails GB 32100", b.Name, b.USCC)
		}
	}
}

func TestSampleCodeEndpoint(t *testing.T) {
	sim := New(application.Sichuan, nil)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c, err := platform.NewClient(map[string]string{application.Sichuan: srv.URL}, srv.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ path, kind string }{
		{"app", platform.CodeKindApp}, {"health", platform.CodeKindHealth}, {"licence?type=结婚证", platform.CodeKindLicence}, {"business", platform.CodeKindBusiness},
	} {
		resp, err := srv.Client().Get(srv.URL + "/sim/codes/" + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		res, err := c.VerifyCode(context.Background(), strings.TrimSpace(string(b)))
		if resp.StatusCode != 200 || err != nil || res.Kind != tt.kind {
			t.Errorf("%s: HTTP %d, %+v, %v", tt.path, resp.StatusCode, res, err)
		}
	}
	resp, err := srv.Client().Get(srv.URL + "/sim/codes/licence?type=护照")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("licence the holder lacks: HTTP %d, want 404", resp.StatusCode)
	}
}
