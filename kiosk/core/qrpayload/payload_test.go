package qrpayload

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"

	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/msg"
)

var t0 = time.Unix(1764100000, 0)

// Test key ids and keys: fixed, so that fuzz corpora stay meaningful.
const (
	DemoPlatformKeyID = "test-p1"
	DemoKioskKeyID    = "test-k1"
)

func testKey(seed string) *sm2.PrivateKey {
	d := sm3.Sum([]byte(seed))
	for {
		if k, err := sm2.NewPrivateKey(d[:]); err == nil {
			return k
		}
		d = sm3.Sum(d[:])
	}
}

var testPK, testKK = testKey("qrpayload test platform"), testKey("qrpayload test kiosk")

func testChecker() *Checker {
	return &Checker{
		PlatformKeys: map[string]*ecdsa.PublicKey{DemoPlatformKeyID: &testPK.PublicKey},
		KioskKeys:    map[string]*ecdsa.PublicKey{DemoKioskKeyID: &testKK.PublicKey},
		TrackHosts:   []string{"127.0.0.1:8080", "platform.example.gov.cn"},
		Now:          func() time.Time { return t0 },
	}
}

func must(t *testing.T) func(string, error) string {
	return func(s string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

const licID = "1.2.156.3005.2.11100000MB0W9Y8X20001.11510100MB1A2B3CX2.2025000123.001.6"

// truncateSig cuts a signed code's signature to whole base64 groups,
// shorter than it was: it still decodes, and no longer verifies.
func truncateSig(code string) string {
	i := strings.LastIndexByte(code, ':') + 1
	n := (len(code)-i)/4*4 - 8
	return code[:i+n]
}

func TestCheck(t *testing.T) {
	pk, kk := testPK, testKK
	other, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	app := must(t)(SignAppToken(pk, DemoPlatformKeyID, AppTypeID, "u12345", t0.Add(-10*time.Second), 300*time.Second))
	health := must(t)(SignAppToken(pk, DemoPlatformKeyID, AppTypeHealth, "u12345", t0, 60*time.Second))
	expired := must(t)(SignAppToken(pk, DemoPlatformKeyID, AppTypeID, "u12345", t0.Add(-301*time.Second), 300*time.Second))
	future := must(t)(SignAppToken(pk, DemoPlatformKeyID, AppTypeID, "u12345", t0.Add(time.Hour), 300*time.Second))
	forged := must(t)(SignAppToken(other, DemoPlatformKeyID, AppTypeID, "u12345", t0, 300*time.Second))
	unknownKey := must(t)(SignAppToken(pk, "p9", AppTypeID, "u12345", t0, 300*time.Second))
	// a lifetime over 300 s, signed by hand
	long := must(t)(sign(pk, "TFTB:2:id:"+DemoPlatformKeyID+":u1:1764100000:1764100900"))
	tampered := strings.Replace(app, "u12345", "u99999", 1)
	receipt := must(t)(SignReceipt(kk, DemoKioskKeyID, "51", "SC20260301000001", t0.Add(-24*time.Hour)))
	receiptForged := must(t)(SignReceipt(other, DemoKioskKeyID, "51", "SC20260301000001", t0))
	lic := must(t)(ELicenceCode(licID, "tok12345678"))

	tests := []struct {
		name  string
		text  string
		kind  Kind
		err   error
		check func(Payload) bool
	}{
		{"app token", app, KindApp, nil, func(p Payload) bool { return p.Signed && p.Online && p.Subject == "u12345" && p.Type == AppTypeID }},
		{"health token", health, KindApp, nil, func(p Payload) bool { return p.Type == AppTypeHealth }},
		{"app token expired", expired, KindApp, ErrExpired, nil},
		{"app token from the future", future, KindApp, ErrNotYetValid, nil},
		{"app token forged", forged, KindApp, ErrForged, nil},
		{"app token tampered", tampered, KindApp, ErrForged, nil},
		{"app token unknown key", unknownKey, KindApp, ErrUnknownKey, nil},
		{"app token lifetime too long", long, KindApp, ErrLifetime, nil},
		{"app token truncated", truncateSig(app), KindApp, ErrForged, nil},
		{"app token bad field", "TFTB:2:id:k:u:x:1:AAAAAAAAAAAA", KindApp, ErrMalformed, nil},
		{"app online form", "TFTB:1:0123456789abcdef01234567:0011223344556677", KindApp, nil, func(p Payload) bool { return p.Online && !p.Signed }},
		{"app online form malformed", "TFTB:1:xyz:0011", KindApp, ErrMalformed, nil},
		{"receipt", receipt, KindReceipt, nil, func(p Payload) bool { return p.Case == "SC20260301000001" && p.Province == "51" && p.Signed }},
		{"receipt forged", receiptForged, KindReceipt, ErrForged, nil},
		{"receipt malformed", "SCR:1:k:51:SC/1:1:AAAAAAAAAAAA", KindReceipt, ErrMalformed, nil},
		{"track url", "http://127.0.0.1:8080/track/SC20260301000001", KindReceipt, nil, func(p Payload) bool { return p.Case == "SC20260301000001" && p.Online }},
		{"track url bad case", "https://platform.example.gov.cn/track/../x", KindReceipt, ErrMalformed, nil},
		{"offline receipt url", "http://127.0.0.1:8080/track/request/3f2c9a8e-1b7d-4c55-9e0a-6d4b2f1e8c70", KindReceipt, nil, func(p Payload) bool {
			return p.Request == "3f2c9a8e-1b7d-4c55-9e0a-6d4b2f1e8c70" && p.Case == "" && p.Online
		}},
		{"offline receipt url bad id", "http://127.0.0.1:8080/track/request/a%2Fb", KindReceipt, ErrMalformed, nil},
		{"e-licence", lic, KindELicence, nil, func(p Payload) bool { return p.LicID == licID && p.Token == "tok12345678" }},
		{"e-licence bare id", licID, KindELicence, ErrMalformed, nil},
		{"e-licence check char", "ELIC:1:" + licID[:len(licID)-1] + "7:tok12345678", KindELicence, ErrCheckChar, nil},
		{"e-licence short token", "ELIC:1:" + licID + ":t", KindELicence, ErrMalformed, nil},
		{"business", "http://www.gsxt.gov.cn/%7BABCDEF0123-1700000000000%7D", KindBusiness, nil, func(p Payload) bool { return p.Online }},
		{"business provincial", "https://sc.gsxt.gov.cn/x?id=1", KindBusiness, nil, nil},
		{"business with uscc", "https://zzlz.gsxt.gov.cn/businessCheck/verifKey.do?showType=p&serial=91510100MA6CXY1243-SAIC_SHOW_1&signData=MEQ", KindBusiness, nil, func(p Payload) bool { return p.USCC == "91510100MA6CXY1243" }},
		{"business bad uscc", "https://zzlz.gsxt.gov.cn/businessCheck/verifKey.do?serial=91510100MA6CXY1244-SAIC_SHOW_1", KindBusiness, ErrUSCC, nil},
		{"lookalike host", "http://gsxt.gov.cn.evil.example/x", KindUnknown, ErrWrongHost, nil},
		{"suffix host", "http://evilgsxt.gov.cn/x", KindUnknown, ErrWrongHost, nil},
		{"userinfo", "http://gsxt.gov.cn@evil.example/x", KindUnknown, ErrUnrecognized, nil},
		{"port", "http://www.gsxt.gov.cn:8443/x", KindUnknown, ErrWrongHost, nil},
		{"other site", "https://example.com/pay", KindUnknown, ErrWrongHost, nil},
		{"javascript", "javascript:alert(1)", KindUnknown, ErrUnrecognized, nil},
		{"plain text", "hello", KindUnknown, ErrUnrecognized, nil},
		{"empty", "", KindUnknown, ErrUnrecognized, nil},
		{"not utf-8", "\xff\xfe", KindUnknown, ErrUnrecognized, nil},
		{"too long", strings.Repeat("a", MaxTextLen+1), KindUnknown, ErrUnrecognized, nil},
	}
	c := testChecker()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := c.Check(tt.text)
			if p.Kind != tt.kind {
				t.Errorf("kind = %s, want %s", p.Kind, tt.kind)
			}
			if tt.err == nil {
				if !p.Valid || p.Err != nil || !p.Reason().IsZero() {
					t.Fatalf("want valid, got %v (%s)", p.Err, zh(p.Reason()))
				}
				if tt.check != nil && !tt.check(p) {
					t.Fatalf("fields: %+v", p)
				}
				return
			}
			if p.Valid || !errors.Is(p.Err, tt.err) {
				t.Fatalf("err = %v (valid %v), want %v", p.Err, p.Valid, tt.err)
			}
			if zh(p.Reason()) == "" {
				t.Fatal("no reason")
			}
		})
	}
}

func TestNoticesDistinct(t *testing.T) {
	seen := map[string]error{}
	for _, n := range notices {
		notice := zh(msg.New(n.notice))
		if prev, ok := seen[notice]; ok {
			t.Errorf("%v and %v share the notice %q", prev, n.err, notice)
		}
		seen[notice] = n.err
		if got := Notice(n.err); got.Key != n.notice {
			t.Errorf("Notice(%v) = %q", n.err, zh(got))
		}
	}
	if zh(Notice(ErrUnrecognized)) != "无法识别的二维码" {
		t.Error("unknown code notice changed")
	}
}

func TestLogMasks(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	secret := "https://example.com/secret-token-12345"
	log.Info("scanned", "code", testChecker().Check(secret))
	if strings.Contains(buf.String(), "secret") || !strings.Contains(buf.String(), "****") {
		t.Fatalf("log not masked: %s", buf.String())
	}
}

type fakeOnline struct{ calls int }

func (f *fakeOnline) Verify(ctx context.Context, code string) (identity.Person, error) {
	f.calls++
	return identity.Person{Name: "张三"}, nil
}

func TestGate(t *testing.T) {
	pk := testPK
	c := testChecker()
	on := &fakeOnline{}
	g := Gate{Checker: c, Online: on}
	app := must(t)(SignAppToken(pk, DemoPlatformKeyID, AppTypeID, "u1", t0, 300*time.Second))
	if p, err := g.Verify(context.Background(), app); err != nil || p.Name != "张三" || on.calls != 1 {
		t.Fatalf("Verify(app) = %+v, %v (calls %d)", p, err, on.calls)
	}
	// 亮证 and business-licence codes are resolved online too.
	for _, code := range []string{"ELIC:1:" + licID + ":tok12345678", "https://www.gsxt.gov.cn/%7Babcdef0123456789-1700000000000%7D"} {
		if _, err := g.Verify(context.Background(), code); err != nil {
			t.Errorf("Verify(%s) = %v", Mask(code), err)
		}
	}
	if on.calls != 3 {
		t.Fatalf("online calls = %d, want 3", on.calls)
	}
	rc := must(t)(SignReceipt(testKK, DemoKioskKeyID, "51", "SC1", t0))
	forged := must(t)(SignAppToken(testKK, DemoPlatformKeyID, AppTypeID, "u1", t0, 300*time.Second))
	for _, code := range []string{"https://example.com/", "hello", rc, forged, "ELIC:1:" + licID[:len(licID)-1] + "7:tok12345678"} {
		_, err := g.Verify(context.Background(), code)
		var n interface{ Message() msg.Text }
		if !errors.As(err, &n) || zh(n.Message()) == "" {
			t.Errorf("Verify(%s) = %v, want a notice", Mask(code), err)
		}
	}
	if on.calls != 3 {
		t.Fatalf("refused codes reached the platform: %d calls", on.calls)
	}
}

func TestSignRejectsBadFields(t *testing.T) {
	pk := testPK
	if _, err := SignAppToken(pk, DemoPlatformKeyID, AppTypeID, "u:1", t0, time.Minute); err == nil {
		t.Error("subject with ':' accepted")
	}
	if _, err := SignAppToken(pk, DemoPlatformKeyID, AppTypeID, "u1", t0, 301*time.Second); err == nil {
		t.Error("ttl over 300 s accepted")
	}
	if _, err := SignReceipt(pk, "k", "51", "SC-1", t0); err == nil {
		t.Error("bad case number accepted")
	}
	if _, err := ELicenceCode(licID[:len(licID)-1]+"7", "tok12345678"); err == nil {
		t.Error("bad identifier accepted")
	}
}

func FuzzCheck(f *testing.F) {
	pk := testPK
	app, _ := SignAppToken(pk, DemoPlatformKeyID, AppTypeID, "u1", t0, 300*time.Second)
	rc, _ := SignReceipt(testKK, DemoKioskKeyID, "51", "SC1", t0)
	for _, s := range []string{app, rc, "TFTB:1:0123456789abcdef01234567:0011223344556677",
		"ELIC:1:" + licID + ":tok12345678", "https://zzlz.gsxt.gov.cn/a?serial=91510100MA6CXY1243-X",
		"http://127.0.0.1:8080/track/SC1", "hello", ""} {
		f.Add(s)
	}
	c := testChecker()
	f.Fuzz(func(t *testing.T, s string) {
		p := c.Check(s)
		if p.Valid == (p.Err != nil) {
			t.Fatalf("valid %v with err %v", p.Valid, p.Err)
		}
		if !p.Valid && zh(p.Reason()) == "" {
			t.Fatal("refusal without a reason")
		}
		if p.Kind == KindUnknown && p.Valid {
			t.Fatal("unknown code accepted")
		}
		if p.Valid && p.Kind == KindApp && strings.HasPrefix(s, "TFTB:2:") && !p.Signed {
			t.Fatal("unsigned token accepted")
		}
		if m := Mask(s); len(s) > 8 && strings.Contains(m, s) {
			t.Fatal("mask leaks the text")
		}
	})
}
