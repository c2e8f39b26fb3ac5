package platformsim

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
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

const (
	testName = "张三丰"
	testItem = "11510000MB1234567X2510100000001"
)

// testNumber is a valid fictitious citizen identity number.
func testNumber(t testing.TB) string {
	t.Helper()
	first := "51010419900101123"
	c, err := identity.CheckDigit(first)
	if err != nil {
		t.Fatal(err)
	}
	return first + string(c)
}

func testApp(t testing.TB, requestID, province string) application.Application {
	return application.Application{
		RequestID:      requestID,
		ItemCode:       testItem,
		ItemName:       "户口迁移",
		Province:       province,
		Applicant:      application.Applicant{IDType: "111", Number: testNumber(t), Name: testName, Phone: "13800138000"},
		Fields:         map[string]string{"reason": "工作调动"},
		AcceptDivision: "510104",
		HandleDivision: "500103",
		Mode:           "全程网办",
		KioskID:        "K-510104-001",
		SubmittedAt:    time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
	}
}

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
		name     string
		mutate   func(*application.Application)
		key      string // Idempotency-Key override, "" = request_id
		wantCode int
		wantMsg  string
	}{
		{"no request_id", func(a *application.Application) { a.RequestID = "" }, "-", platform.CodeMissingField, "missing request_id"},
		{"key mismatch", func(*application.Application) {}, "other", platform.CodeMissingField, "Idempotency-Key"},
		{"no item", func(a *application.Application) { a.ItemCode = " " }, "", platform.CodeMissingField, "item_code"},
		{"short id", func(a *application.Application) { a.Applicant.Number = "5101041990" }, "", platform.CodeMissingField, "18 characters"},
		{"no name", func(a *application.Application) { a.Applicant.Name = "" }, "", platform.CodeMissingField, "name"},
		{"wrong province", func(a *application.Application) { a.Province = application.Chongqing }, "", platform.CodeWrongProvince, "province"},
	}
	sim := New(application.Sichuan, nil)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := testApp(t, "v-"+tt.name, application.Sichuan)
			tt.mutate(&app)
			body, _ := json.Marshal(app)
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/applications", bytes.NewReader(body))
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

	other := testApp(t, "same", application.Sichuan)
	other.ItemCode = "another-item"
	if _, err := c.Submit(ctx, other); !errors.Is(err, platform.ErrRejected) {
		t.Errorf("key reused for another application: err = %v, want ErrRejected", err)
	}
	if n := len(sim.Applications()); n != 1 {
		t.Errorf("applications %d after key reuse, want 1", n)
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
