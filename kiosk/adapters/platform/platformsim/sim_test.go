package platformsim

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"sckiosk/kiosk/adapters/platform/internal/platformtest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"sckiosk/internal/logbuf"
	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/identity"
)

// The shared fictitious applicant and application.
const (
	testName = platformtest.Name
	testItem = platformtest.Item
)

var (
	testNumber = platformtest.Number
	testApp    = platformtest.App
)

func testLogger(t testing.TB) (*slog.Logger, *logbuf.Buffer) {
	buf := &logbuf.Buffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// assertNoPersonalData fails when a log holds the applicant's name or full
// ID number.
func assertNoPersonalData(t *testing.T, log string) {
	t.Helper()
	if strings.Contains(log, testName) || strings.Contains(log, testNumber(t)) {
		t.Errorf("log carries personal data:\n%s", log)
	}
}

// demoSigner signs as the demo kiosk with the clock now (nil: real time).
func demoSigner(t testing.TB, now func() time.Time) platform.Signer {
	t.Helper()
	if now == nil {
		return clockSigner{appID: platform.DemoAppID, key: platform.DemoKioskKey(), now: time.Now}
	}
	return clockSigner{appID: platform.DemoAppID, key: platform.DemoKioskKey(), now: now}
}

// clockSigner signs requests as platform.SM2Signer does, with its own
// clock, so that requests are in time for a simulator on a fixed clock:
// X-Signature is the SM2 signature of platform.RequestString.
type clockSigner struct {
	appID string
	key   *sm2.PrivateKey
	now   func() time.Time
}

func (s clockSigner) Sign(req *http.Request, body []byte) error {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	nonce := hex.EncodeToString(b[:])
	ts := strconv.FormatInt(s.now().Unix(), 10)
	path := req.URL.EscapedPath()
	if req.URL.RawQuery != "" {
		path += "?" + req.URL.RawQuery
	}
	sig, err := s.key.Sign(rand.Reader, platform.RequestString(req.Method, path, ts, nonce, body), sm2.DefaultSM2SignerOpts)
	if err != nil {
		return err
	}
	req.Header.Set(platform.HeaderAppID, s.appID)
	req.Header.Set(platform.HeaderTimestamp, ts)
	req.Header.Set(platform.HeaderNonce, nonce)
	req.Header.Set(platform.HeaderSignature, base64.StdEncoding.EncodeToString(sig))
	return nil
}

func newSimClient(t *testing.T, sims ...*Sim) *platform.Client {
	return newSimClientWith(t, sims)
}

func newSimClientWith(t *testing.T, sims []*Sim, opts ...platform.ClientOption) *platform.Client {
	t.Helper()
	endpoints := map[string]string{}
	for _, s := range sims {
		srv := httptest.NewServer(s)
		t.Cleanup(srv.Close)
		endpoints[s.Province()] = srv.URL
	}
	log, buf := testLogger(t)
	t.Cleanup(func() { assertNoPersonalData(t, buf.String()) })
	c, err := platform.NewClient(endpoints, &http.Client{Timeout: 10 * time.Second}, log, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClientRoutesByProvince(t *testing.T) {
	sc, cq := New(application.Sichuan, nil), New(application.Chongqing, nil)
	c := newSimClient(t, sc, cq)
	ctx := context.Background()

	rc, err := c.Submit(ctx, testApp(t, "to-cq", application.Chongqing))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(rc.CaseNumber, "CQ") || len(cq.Applications()) != 1 || len(sc.Applications()) != 0 {
		t.Errorf("case %s, sc holds %d, cq holds %d", rc.CaseNumber, len(sc.Applications()), len(cq.Applications()))
	}
	if _, err := c.Submit(ctx, testApp(t, "to-gd", "44")); !errors.Is(err, platform.ErrUnknownProvince) {
		t.Errorf("unknown province: err = %v", err)
	}
	if err := c.Health(ctx, "44"); !errors.Is(err, platform.ErrUnknownProvince) {
		t.Errorf("unknown province health: err = %v", err)
	}
}

func TestClientTransportFailuresAreRetryable(t *testing.T) {
	// A port nobody listens on: listen, note it, close.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close()

	slow := New(application.Sichuan, nil)
	slow.SetDelay(time.Hour)
	slowSrv := httptest.NewServer(slow)
	defer slowSrv.Close()

	tests := []struct {
		name    string
		url     string
		timeout time.Duration
	}{
		{"connection refused", refused, 10 * time.Second},
		{"timeout", slowSrv.URL, 200 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := platform.NewClient(map[string]string{application.Sichuan: tt.url}, &http.Client{Timeout: tt.timeout}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Submit(context.Background(), testApp(t, "r-"+tt.name, application.Sichuan)); !errors.Is(err, platform.ErrUnavailable) {
				t.Errorf("submit err = %v, want ErrUnavailable", err)
			}
			if err := c.Health(context.Background(), application.Sichuan); !errors.Is(err, platform.ErrUnavailable) {
				t.Errorf("health err = %v, want ErrUnavailable", err)
			}
		})
	}

	t.Run("caller cancels", func(t *testing.T) {
		c, err := platform.NewClient(map[string]string{application.Sichuan: slowSrv.URL}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err = c.Submit(ctx, testApp(t, "r-cancel", application.Sichuan))
		if !errors.Is(err, context.Canceled) || !errors.Is(err, platform.ErrUnavailable) {
			t.Errorf("err = %v, want context.Canceled and ErrUnavailable", err)
		}
	})
}

func TestSimValidates(t *testing.T) {
	tests := []struct {
		name        string
		mutate      func(*application.Application)
		key         string // Idempotency-Key override, "" = request_id
		wantCode    int
		wantMsg     string
		contentType string              // "" = application/json; charset=utf-8, "-" = none
		body        func(string) string // rewrites the JSON body
	}{
		{"no request_id", func(a *application.Application) { a.RequestID = "" }, "-", platform.CodeMissingField, "missing request_id", "", nil},
		{"key mismatch", func(*application.Application) {}, "other", platform.CodeMissingField, "Idempotency-Key", "", nil},
		{"no item", func(a *application.Application) { a.ItemCode = " " }, "", platform.CodeMissingField, "item_code", "", nil},
		{"short id", func(a *application.Application) { a.Applicant.Number = "5101041990" }, "", platform.CodeMissingField, "18 characters", "", nil},
		{"no name", func(a *application.Application) { a.Applicant.Name = "" }, "", platform.CodeMissingField, "name", "", nil},
		{"wrong province", func(a *application.Application) { a.Province = application.Chongqing }, "", platform.CodeWrongProvince, "province", "", nil},
		{"item of the other province", func(a *application.Application) { a.ItemCode = platformtest.ItemChongqing }, "", platform.CodeWrongProvince, "handled by the platform of province 50", "", nil},
		{"no id_type", func(a *application.Application) { a.Applicant.IDType = "" }, "", platform.CodeMissingField, "missing applicant id_type", "", nil},
		{"unknown id_type", func(a *application.Application) { a.Applicant.IDType = "999" }, "", platform.CodeMissingField, "unknown applicant id_type", "", nil},
		{"GB 11643 check digit", func(a *application.Application) { a.Applicant.Number = flipCheck(a.Applicant.Number) }, "", platform.CodeMissingField, "check digit is wrong", "", nil},
		{"GB 11643 birth date", func(a *application.Application) { a.Applicant.Number = "510104199013011234" }, "", platform.CodeMissingField, "birth date", "", nil},
		{"USCC check", func(a *application.Application) { a.Applicant.IDType, a.Applicant.Number = "001", "91510100MA61R5XK7Y" }, "", platform.CodeMissingField, "id_type 001", "", nil},
		{"PR number", func(a *application.Application) { a.Applicant.IDType = "553" }, "", platform.CodeMissingField, "id_type 553", "", nil},
		{"no content type", func(*application.Application) {}, "", platform.CodeContentType, "application/json", "-", nil},
		{"form content type", func(*application.Application) {}, "", platform.CodeContentType, "application/json", "application/x-www-form-urlencoded", nil},
		{"text content type", func(*application.Application) {}, "", platform.CodeContentType, "application/json", "text/plain", nil},
		{"latin-1 json", func(*application.Application) {}, "", platform.CodeContentType, "application/json", "application/json; charset=iso-8859-1", nil},
		{"unknown field", func(*application.Application) {}, "", platform.CodeUnknownField, `unknown field "applicant_note"`, "", func(b string) string {
			return `{"applicant_note":"x",` + b[1:]
		}},
		{"unknown nested field", func(*application.Application) {}, "", platform.CodeUnknownField, `unknown field "nickname"`, "", func(b string) string {
			return strings.Replace(b, `"applicant":{`, `"applicant":{"nickname":"x",`, 1)
		}},
		{"trailing data", func(*application.Application) {}, "", platform.CodeBadRequest, "not a valid JSON", "", func(b string) string { return b + "{}" }},
	}
	sim := New(application.Sichuan, nil)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := testApp(t, "v-"+tt.name, application.Sichuan)
			tt.mutate(&app)
			body, _ := json.Marshal(app)
			if tt.body != nil {
				body = []byte(tt.body(string(body)))
			}
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/applications", bytes.NewReader(body))
			ct := "application/json; charset=utf-8"
			if tt.contentType != "" {
				ct = tt.contentType
			}
			if ct != "-" {
				req.Header.Set("Content-Type", ct)
			}
			if err := demoSigner(t, nil).Sign(req, body); err != nil {
				t.Fatal(err)
			}
			switch tt.key {
			case "":
				req.Header.Set("Idempotency-Key", app.RequestID)
			case "-":
			default:
				req.Header.Set("Idempotency-Key", tt.key)
			}
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var env platform.Envelope
			if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusBadRequest || env.Code != tt.wantCode || !strings.Contains(env.Message, tt.wantMsg) {
				t.Errorf("got %d %+v, want 400 code %d message with %q", resp.StatusCode, env, tt.wantCode, tt.wantMsg)
			}
			if !strings.Contains(env.Message, " / ") {
				t.Errorf("message %q is not Chinese / English", env.Message)
			}
		})
	}
	if n := len(sim.Applications()); n != 0 {
		t.Errorf("sim holds %d applications after rejections", n)
	}
}

// An item_code in no catalogue of the platform is 422 42203, not a case.
func TestSimRefusesUnknownItem(t *testing.T) {
	sim := New(application.Sichuan, nil)
	c := newSimClient(t, sim)
	for i, code := range []string{"ITEM-1", "11510000MB1234567X2510100000001", "户口迁移"} {
		app := testApp(t, fmt.Sprintf("u-%d", i), application.Sichuan)
		app.ItemCode = code
		_, err := c.Submit(context.Background(), app)
		var ae *platform.APIError
		if !errors.As(err, &ae) || ae.Status != http.StatusUnprocessableEntity || ae.Code != platform.CodeUnknownItem || !errors.Is(err, platform.ErrRejected) {
			t.Errorf("item %q: err = %v, want 422 %d", code, err, platform.CodeUnknownItem)
		}
	}
	if n := len(sim.Applications()); n != 0 {
		t.Errorf("sim holds %d applications", n)
	}
}

// flipCheck changes the check character of an 18-character ID number.
func flipCheck(n string) string {
	last := byte('0')
	if n[17] == '0' {
		last = '1'
	}
	return n[:17] + string(last)
}

// Valid numbers of each document type are accepted.
func TestSimAcceptsEachIDType(t *testing.T) {
	c := newSimClient(t, New(application.Sichuan, nil))
	tests := []struct{ name, idType, number string }{
		{"resident", "111", testNumber(t)},
		{"residence permit", "154", "810000199408230021"},
		{"foreign 2017", "553", "USA510104900101"},
		{"foreign 2023", "553", "93268219861205002X"},
		{"enterprise", "001", platformsimUSCC()},
	}
	for _, tt := range tests {
		app := testApp(t, "ok-"+tt.name, application.Sichuan)
		app.Applicant.IDType, app.Applicant.Number = tt.idType, tt.number
		if tt.idType == "001" {
			app.ItemCode = bothKindsItem
		}
		if _, err := c.Submit(context.Background(), app); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

// bothKindsItem is 个体工商户年度报告 of the built-in catalogue: a person
// or an enterprise applies for it.
const bothKindsItem = "11510100MB0000008J3510100008001"

// An item is applied for by the kinds of applicant it is for: an
// enterprise's application for a personal item is refused, and a
// person's for an enterprise's item.
func TestSimRefusesTheWrongKindOfApplicant(t *testing.T) {
	c := newSimClient(t, New(application.Sichuan, nil))
	tests := []struct {
		name, idType, number, item string
		ok                         bool
	}{
		{"enterprise on a personal item", "001", platformsimUSCC(), testItem, false},
		{"enterprise on an item for both", "001", platformsimUSCC(), bothKindsItem, true},
		{"enterprise on an enterprise's item", "001", platformsimUSCC(), "12510100MB2B00039G3510100102006", true},
		{"person on an enterprise's item", "111", testNumber(t), "12510100MB2B00039G3510100102006", false},
	}
	for _, tt := range tests {
		app := testApp(t, "kind-"+tt.name, application.Sichuan)
		app.Applicant.IDType, app.Applicant.Number, app.ItemCode = tt.idType, tt.number, tt.item
		_, err := c.Submit(context.Background(), app)
		var apiErr *platform.APIError
		switch {
		case tt.ok && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case !tt.ok && (!errors.As(err, &apiErr) || apiErr.Code != platform.CodeWrongApplicant || !errors.Is(err, platform.ErrRejected)):
			t.Errorf("%s: %v, want a rejection with code %d", tt.name, err, platform.CodeWrongApplicant)
		}
	}
}

// platformsimUSCC is a valid credit code of the demo business registry.
func platformsimUSCC() string { return DemoBusinesses()[0].USCC }

func TestSimIdempotency(t *testing.T) {
	sim := New(application.Sichuan, nil)
	c := newSimClient(t, sim)
	ctx := context.Background()

	first, err := c.Submit(ctx, testApp(t, "same", application.Sichuan))
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.Submit(ctx, testApp(t, "same", application.Sichuan))
	if err != nil {
		t.Fatal(err)
	}
	if first.Duplicate || !second.Duplicate || first.CaseNumber != second.CaseNumber || !first.AcceptedAt.Equal(second.AcceptedAt) {
		t.Errorf("first %+v, second %+v", first, second)
	}
	if n, r := len(sim.Applications()), sim.Received(); n != 1 || r != 2 {
		t.Errorf("applications %d, received %d; want 1, 2", n, r)
	}

	// Any change under the same request_id is another application: 422
	// 42201, and the case keeps the first content.
	changes := []struct {
		name   string
		mutate func(*application.Application)
	}{
		{"item", func(a *application.Application) { a.ItemCode = "11510100MB0000002H3510100002001" }},
		{"applicant name", func(a *application.Application) { a.Applicant.Name = "李四" }},
		{"phone", func(a *application.Application) { a.Applicant.Phone = "13900139000" }},
		{"form field", func(a *application.Application) { a.Fields["reason"] = "结婚" }},
		{"new form field", func(a *application.Application) { a.Fields["note"] = "x" }},
		{"submitted at", func(a *application.Application) { a.SubmittedAt = a.SubmittedAt.Add(time.Second) }},
		{"mode", func(a *application.Application) { a.Mode = "窗口办理" }},
	}
	for _, ch := range changes {
		other := testApp(t, "same", application.Sichuan)
		ch.mutate(&other)
		_, err := c.Submit(ctx, other)
		var ae *platform.APIError
		if !errors.Is(err, platform.ErrRejected) || !errors.As(err, &ae) || ae.Status != http.StatusUnprocessableEntity || ae.Code != platform.CodeKeyReused {
			t.Errorf("%s changed under the same request_id: err = %v, want 422 %d", ch.name, err, platform.CodeKeyReused)
		}
	}
	apps := sim.Applications()
	if len(apps) != 1 || !reflect.DeepEqual(apps[0], testApp(t, "same", application.Sichuan)) {
		t.Errorf("applications after key reuse: %+v", apps)
	}
	// The same application with its time in another zone is a resend.
	same := testApp(t, "same", application.Sichuan)
	same.SubmittedAt = same.SubmittedAt.In(time.FixedZone("CST", 8*3600))
	if rc, err := c.Submit(ctx, same); err != nil || !rc.Duplicate {
		t.Errorf("resend with the time in China time: %+v, %v", rc, err)
	}
}

func TestSimCaseNumbers(t *testing.T) {
	tests := []struct {
		province string
		now      time.Time
		want     []string
	}{
		{application.Sichuan, time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), []string{"SC20260301000001", "SC20260301000002"}},
		// 23:30 UTC is the next morning in China.
		{application.Chongqing, time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC), []string{"CQ20260302000001", "CQ20260302000002"}},
	}
	for _, tt := range tests {
		t.Run(tt.province, func(t *testing.T) {
			sim := New(tt.province, nil)
			sim.now = func() time.Time { return tt.now }
			c := newSimClientWith(t, []*Sim{sim}, platform.WithSigner(demoSigner(t, sim.now)))
			for i, want := range tt.want {
				rc, err := c.Submit(context.Background(), testApp(t, want+"-req", tt.province))
				if err != nil {
					t.Fatal(err)
				}
				if rc.CaseNumber != want || rc.Status != "已受理" || !strings.HasSuffix(rc.TrackURL, "/track/"+want) {
					t.Errorf("case %d = %+v, want %s", i, rc, want)
				}
				if !regexp.MustCompile(`^(SC|CQ)\d{14}$`).MatchString(rc.CaseNumber) {
					t.Errorf("case number %q has the wrong shape", rc.CaseNumber)
				}
			}
		})
	}
}

func TestCaseStatusHealthAndFaults(t *testing.T) {
	sim := New(application.Sichuan, nil)
	c := newSimClient(t, sim)
	ctx := context.Background()

	rc, err := c.Submit(ctx, testApp(t, "st", application.Sichuan))
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.CaseStatus(ctx, application.Sichuan, rc.CaseNumber)
	if err != nil || st.Code != platform.StatusAccepted || st.Status != "已受理" || st.ItemCode != testItem {
		t.Fatalf("status = %+v, %v", st, err)
	}
	if err := sim.SetCaseStatus(rc.CaseNumber, platform.StatusDone); err != nil {
		t.Fatal(err)
	}
	if st, err = c.CaseStatus(ctx, application.Sichuan, rc.CaseNumber); err != nil || st.Status != "已办结" {
		t.Errorf("after SetCaseStatus: %+v, %v", st, err)
	}
	if _, err := c.CaseStatus(ctx, application.Sichuan, "SC20990101999999"); !errors.Is(err, platform.ErrNotFound) {
		t.Errorf("unknown case: err = %v, want ErrNotFound", err)
	}
	for _, bad := range []string{"", "../health", "SC 1", strings.Repeat("9", 51)} {
		if _, err := c.CaseStatus(ctx, application.Sichuan, bad); err == nil || errors.Is(err, platform.ErrUnavailable) {
			t.Errorf("case number %q: err = %v, want a caller error", bad, err)
		}
	}
	if err := c.Health(ctx, application.Sichuan); err != nil {
		t.Errorf("health: %v", err)
	}

	sim.SetDown(true)
	if err := c.Health(ctx, application.Sichuan); !errors.Is(err, platform.ErrUnavailable) {
		t.Errorf("down health: err = %v", err)
	}
	if _, err := c.Submit(ctx, testApp(t, "while-down", application.Sichuan)); !errors.Is(err, platform.ErrUnavailable) {
		t.Errorf("down submit: err = %v", err)
	}
	sim.SetDown(false)

	sim.FailNext(2, http.StatusBadGateway)
	for i := range 2 {
		var apiErr *platform.APIError
		if err := c.Health(ctx, application.Sichuan); !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadGateway {
			t.Errorf("injected failure %d: err = %v", i, err)
		}
	}
	if err := c.Health(ctx, application.Sichuan); err != nil {
		t.Errorf("after injected failures: %v", err)
	}
	if n := len(sim.Applications()); n != 1 {
		t.Errorf("sim holds %d applications, want 1", n)
	}
}

// TestLostAnswer: the sim stores the case but the client gives up while the
// answer is held back; the resend gets the same case.
func TestLostAnswer(t *testing.T) {
	sim := New(application.Sichuan, nil)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c, err := platform.NewClient(map[string]string{application.Sichuan: srv.URL}, &http.Client{Timeout: 200 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sim.SetDelay(time.Hour)
	if _, err := c.Submit(context.Background(), testApp(t, "lost", application.Sichuan)); !errors.Is(err, platform.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if n := len(sim.Applications()); n != 1 {
		t.Fatalf("sim holds %d applications, want 1", n)
	}
	sim.SetDelay(0)
	rc, err := c.Submit(context.Background(), testApp(t, "lost", application.Sichuan))
	if err != nil || !rc.Duplicate {
		t.Fatalf("resend: %+v, %v", rc, err)
	}
	if n := len(sim.Applications()); n != 1 {
		t.Errorf("sim holds %d applications after resend, want 1", n)
	}
}

type headerSigner struct {
	n     int
	inner platform.Signer
}

func (s *headerSigner) Sign(req *http.Request, body []byte) error {
	s.n++
	req.Header.Set("X-Test-Signature", strings.Repeat("s", len(body)%7+1))
	return s.inner.Sign(req, body)
}

func TestSignerSeesEveryRequest(t *testing.T) {
	var sigs []string
	var mu sync.Mutex
	sim := New(application.Sichuan, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sigs = append(sigs, r.Header.Get("X-Test-Signature"))
		mu.Unlock()
		sim.ServeHTTP(w, r)
	}))
	defer srv.Close()
	signer := &headerSigner{inner: demoSigner(t, nil)}
	c, err := platform.NewClient(map[string]string{application.Sichuan: srv.URL}, nil, nil, platform.WithSigner(signer), platform.WithUserAgent("test"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Submit(ctx, testApp(t, "signed", application.Sichuan)); err != nil {
		t.Fatal(err)
	}
	if err := c.Health(ctx, application.Sichuan); err != nil {
		t.Fatal(err)
	}
	if signer.n != 2 || len(sigs) != 2 || sigs[0] == "" || sigs[1] == "" {
		t.Errorf("signer called %d times, server saw %q", signer.n, sigs)
	}
}

func TestSimServerStartAndShutdown(t *testing.T) {
	log, buf := testLogger(t)
	sim := New(application.Sichuan, log)
	ss, err := sim.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := platform.NewClient(map[string]string{application.Sichuan: ss.URL()}, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Health(ctx, application.Sichuan); err != nil {
		t.Fatal(err)
	}
	rc, err := c.Submit(ctx, testApp(t, "served", application.Sichuan))
	if err != nil {
		t.Fatal(err)
	}

	// The track page the receipt QR points to.
	resp, err := http.Get(rc.TrackURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), rc.CaseNumber) {
		t.Errorf("track page %d: %s", resp.StatusCode, page)
	}

	// An answer held back by the delay does not hold up shutdown.
	sim.SetDelay(time.Hour)
	errc := make(chan error, 1)
	go func() {
		_, err := c.Submit(ctx, testApp(t, "held-back", application.Sichuan))
		errc <- err
	}()
	for sim.Received() < 2 {
		time.Sleep(5 * time.Millisecond)
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := ss.Shutdown(sctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	<-ss.Done()
	if ss.Err() != nil {
		t.Errorf("Err = %v", ss.Err())
	}
	if err := <-errc; !errors.Is(err, platform.ErrUnavailable) {
		t.Errorf("held-back request: err = %v, want ErrUnavailable", err)
	}
	assertNoPersonalData(t, buf.String())
	if !strings.Contains(buf.String(), identity.MaskNumber(testNumber(t))) {
		t.Errorf("log lacks the masked number:\n%s", buf)
	}
}
