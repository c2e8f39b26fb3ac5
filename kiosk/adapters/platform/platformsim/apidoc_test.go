package platformsim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"sckiosk/internal/apicontract"
	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/catalog/catalogyaml"
)

// The tests of this file hold the simulator to docs/platform-api.md and
// .yaml where they used to disagree (platform trust issue, defect 8); the
// contract check of TestMain then holds every answer to the .yaml.

// rawExchange sends a request built by hand, signed by the demo kiosk at
// now when sign is true, and returns the answer, its body and whether the
// platform's signature on it verifies over the bytes received.
func rawExchange(t *testing.T, base, method, target string, body []byte, sign bool, now time.Time, edit func(*http.Request)) (*http.Response, []byte, bool) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, base+target, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if sign {
		signAt(t, req, body, now)
	}
	if edit != nil {
		edit(req)
	}
	resp, err := http.DefaultTransport.RoundTrip(req) // no redirect is followed
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	msg := platform.ResponseString(resp.StatusCode, req.Method, signedPath(req.URL), resp.Header.Get(platform.HeaderTimestamp),
		req.Header.Get(platform.HeaderNonce), got)
	sig, _ := base64Decode(resp.Header.Get(platform.HeaderSignature))
	ok := sig != nil && sm2.VerifyASN1WithSM2(&platform.DemoPlatformKey().PublicKey, nil, msg, sig)
	return resp, got, ok
}

func base64Decode(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }

func signAt(t *testing.T, req *http.Request, body []byte, now time.Time) {
	t.Helper()
	sign(t, req, body, platform.DemoAppID, platform.DemoKioskKey(), now)
}

func envelopeOf(t *testing.T, body []byte) platform.Envelope {
	t.Helper()
	var env platform.Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("answer is not an envelope: %v: %q", err, body)
	}
	return env
}

// TestMalformedTimestampIs40100: a timestamp that is not Unix seconds is a
// malformed signature header (40100), not a skewed clock (40102).
func TestMalformedTimestampIs40100(t *testing.T) {
	now := time.Now()
	srv := httptest.NewServer(New(application.Sichuan, nil))
	defer srv.Close()
	secs := strconv.FormatInt(now.Unix(), 10)
	tests := []struct {
		name, ts string
		want     int
	}{
		{"letters", "yesterday", platform.CodeUnsigned},
		{"plus sign", "+" + secs, platform.CodeUnsigned},
		{"hexadecimal", "0x" + strconv.FormatInt(now.Unix(), 16), platform.CodeUnsigned},
		{"RFC 3339", now.UTC().Format(time.RFC3339), platform.CodeUnsigned},
		{"fraction", secs + ".5", platform.CodeUnsigned},
		{"milliseconds overflow", strings.Repeat("9", 20), platform.CodeUnsigned},
		{"negative", "-" + secs, platform.CodeUnsigned},
		{"well formed but old", strconv.FormatInt(now.Add(-time.Hour).Unix(), 10), platform.CodeClockSkew},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body, signed := rawExchange(t, srv.URL, http.MethodGet, "/api/v1/health", nil, true, now, func(r *http.Request) {
				r.Header.Set(platform.HeaderTimestamp, tt.ts)
			})
			if env := envelopeOf(t, body); resp.StatusCode != http.StatusUnauthorized || env.Code != tt.want {
				t.Errorf("X-Timestamp %q: %d %+v, want 401 / %d", tt.ts, resp.StatusCode, env, tt.want)
			}
			if !signed {
				t.Error("refusal not signed by the platform")
			}
		})
	}
}

// TestMethodsAndPaths: another method on an endpoint is 405 with Allow,
// an unknown path 404, a path not in canonical form 404 instead of the
// mux's unsigned redirect; every one of them signed, like every API answer.
func TestMethodsAndPaths(t *testing.T) {
	now := time.Now()
	srv := httptest.NewServer(New(application.Sichuan, nil))
	defer srv.Close()
	tests := []struct {
		method, target string
		status, code   int
		allow          string
	}{
		{http.MethodPut, "/api/v1/applications", 405, platform.CodeMethod, "POST"},
		{http.MethodGet, "/api/v1/applications", 405, platform.CodeMethod, "POST"},
		{http.MethodDelete, "/api/v1/health", 405, platform.CodeMethod, "GET, HEAD"},
		{http.MethodPost, "/api/v1/cases/SC20260301000001", 405, platform.CodeMethod, "GET, HEAD"},
		{http.MethodGet, "/api/v1/nothing", 404, platform.CodeNotFound, ""},
		{http.MethodGet, "//api/v1/health", 404, platform.CodeNotFound, ""},
		{http.MethodGet, "/api//v1/health", 404, platform.CodeNotFound, ""},
		{http.MethodGet, "/api/v1/./health", 404, platform.CodeNotFound, ""},
		{http.MethodGet, "/api/v1/x/../health", 404, platform.CodeNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			resp, body, signed := rawExchange(t, srv.URL, tt.method, tt.target, nil, true, now, nil)
			env := envelopeOf(t, body)
			if resp.StatusCode != tt.status || env.Code != tt.code {
				t.Errorf("%d %+v, want %d / %d", resp.StatusCode, env, tt.status, tt.code)
			}
			if got := resp.Header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow %q, want %q", got, tt.allow)
			}
			if loc := resp.Header.Get("Location"); loc != "" {
				t.Errorf("redirected to %s", loc)
			}
			if !signed {
				t.Error("answer not signed over what was received")
			}
		})
	}
}

// TestHeadSignsWhatItSends: a HEAD answer carries no body, so its
// signature covers zero bytes, and verifies.
func TestHeadSignsWhatItSends(t *testing.T) {
	srv := httptest.NewServer(New(application.Sichuan, nil))
	defer srv.Close()
	for _, target := range []string{"/api/v1/health", "/api/v1/catalog", "/api/v1/cases/SC20260301999999"} {
		resp, body, signed := rawExchange(t, srv.URL, http.MethodHead, target, nil, true, time.Now(), nil)
		if len(body) != 0 {
			t.Errorf("HEAD %s sent %d bytes of body", target, len(body))
		}
		if !signed || resp.Header.Get(platform.HeaderSignature) == "" {
			t.Errorf("HEAD %s: %d, signature does not verify over the empty body", target, resp.StatusCode)
		}
	}
}

// TestVerifiedHolderHasItsKind: the holder of a verified code says how it
// was shown, one of the document's Identity.kind values, never "".
func TestVerifiedHolderHasItsKind(t *testing.T) {
	sim := New(application.Sichuan, nil)
	c := newSimClient(t, sim)
	lic, err := sim.IssueLicenceCode(DemoHolder(), "居民户口簿")
	if err != nil {
		t.Fatal(err)
	}
	biz, err := sim.IssueBusinessCode(sim.businesses[0].USCC)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]string{
		platform.CodeKindApp:      sim.IssueAppCode(DemoHolder()),
		platform.CodeKindHealth:   sim.IssueHealthCode(DemoHolder(), "green"),
		platform.CodeKindLicence:  lic,
		platform.CodeKindBusiness: biz,
	}
	for kind, code := range codes {
		res, err := c.VerifyCode(t.Context(), code)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if res.Kind != kind || res.Holder == nil || res.Holder.Kind != kind {
			t.Errorf("%s code: result kind %q, holder %+v", kind, res.Kind, res.Holder)
		}
	}
}

// TestSimListsEvaluations: GET /sim/evaluations is what the document says.
func TestSimListsEvaluations(t *testing.T) {
	srv := httptest.NewServer(New(application.Sichuan, nil))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/sim/evaluations")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []platform.Evaluation
	if err := json.NewDecoder(resp.Body).Decode(&list); resp.StatusCode != 200 || err != nil {
		t.Fatalf("%d %v", resp.StatusCode, err)
	}
}

// TestDocsCountTheSampleCatalogue: platform-api.md says how many items the
// sample catalogue has, how many of them 川渝通办, and how many bundles.
func TestDocsCountTheSampleCatalogue(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "docs", "platform-api.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(\d+)\s+Chengdu items, (\d+) of them 川渝通办, and (\w+) bundles`).FindSubmatch(bytes.ReplaceAll(doc, []byte("\n"), []byte(" ")))
	if m == nil {
		t.Fatal("platform-api.md no longer counts the sample catalogue's items")
	}
	cat, err := catalogyaml.Sample()
	if err != nil {
		t.Fatal(err)
	}
	var items, cy, bundles int
	for _, it := range cat.Items {
		switch {
		case len(it.Bundle) > 0:
			bundles++
		default:
			items++
			if strings.Contains(it.Mode, "川渝通办") {
				cy++
			}
		}
	}
	words := map[string]int{"two": 2, "three": 3, "four": 4, "five": 5}
	if got := [3]string{string(m[1]), string(m[2]), string(m[3])}; got != [3]string{strconv.Itoa(items), strconv.Itoa(cy), wordFor(words, bundles)} {
		t.Errorf("docs say %s items, %s 川渝通办, %s bundles; the catalogue has %d, %d, %d", got[0], got[1], got[2], items, cy, bundles)
	}
}

func wordFor(words map[string]int, n int) string {
	for w, v := range words {
		if v == n {
			return w
		}
	}
	return strconv.Itoa(n)
}

// TestEveryOperationDocumentsItsFailures: every API operation can be
// refused unsigned (401), with a body over the limit (413), by the error
// rate (500) and while the platform is down (503), every POST with a
// malformed body (400), and the document says so for each: each such
// answer passes the contract check.
func TestEveryOperationDocumentsItsFailures(t *testing.T) {
	contract, err := apicontract.LoadFromModule()
	if err != nil {
		t.Fatal(err)
	}
	ops := []struct{ method, target string }{
		{"POST", "/api/v1/applications"}, {"GET", "/api/v1/cases/SC20260301000001"}, {"POST", "/api/v1/codes/verify"},
		{"GET", "/api/v1/health"}, {"GET", "/api/v1/catalog"}, {"POST", "/api/v1/elicences/query"}, {"POST", "/api/v1/evaluations"},
		{"GET", "/api/v1/requests/0f8e2b7c-1d2a-4c3b-9e8f-7a6b5c4d3e2f"},
	}
	var documented int
	for _, op := range contract.Operations() {
		if strings.Contains(op, " /api/") {
			documented++
		}
	}
	if documented != len(ops) {
		t.Fatalf("the document has %d API operations, this test knows %d: add the new one", documented, len(ops))
	}
	cat, err := catalogyaml.Sample()
	if err != nil {
		t.Fatal(err)
	}
	huge := bytes.Repeat([]byte("x"), maxApplication+1)
	failures := []struct {
		name   string
		status int
		setup  func(*Sim)
		body   []byte
		sign   bool
	}{
		{"unsigned", 401, func(*Sim) {}, nil, false},
		{"too large", 413, func(*Sim) {}, huge, true},
		{"error rate", 500, func(s *Sim) { s.SetFaults(Faults{ErrorRate: 1}) }, nil, true},
		{"down", 503, func(s *Sim) { s.SetDown(true) }, nil, true},
		{"malformed JSON", 400, func(*Sim) {}, []byte(`{"`), true},
	}
	for _, op := range ops {
		for _, f := range failures {
			if f.status == 400 && op.method != "POST" {
				continue // a GET has no body to be malformed
			}
			t.Run(op.method+" "+op.target+" "+f.name, func(t *testing.T) {
				sim := New(application.Sichuan, nil, WithCatalog(cat))
				f.setup(sim)
				body := f.body
				if body == nil && op.method == "POST" {
					body = []byte(`{}`)
				}
				req := httptest.NewRequest(op.method, op.target, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				if f.sign {
					signAt(t, req, body, time.Now())
				}
				rec := httptest.NewRecorder()
				unsupported := sim.route(rec, req)
				if rec.Code != f.status {
					t.Fatalf("HTTP %d, want %d: %s", rec.Code, f.status, rec.Body)
				}
				x := apicontract.Exchange{Method: op.method, URL: op.target, Header: req.Header, Body: body, Status: rec.Code,
					Answer: rec.Result().Header, AnswerBody: rec.Body.Bytes(), Unsupported: unsupported}
				if err := contract.Check(x); err != nil {
					t.Errorf("not documented: %v", err)
				}
			})
		}
	}
}
