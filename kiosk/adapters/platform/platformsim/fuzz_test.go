package platformsim

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"sckiosk/internal/apicontract"
	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/adapters/platform/internal/platformtest"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/catalog/catalogyaml"
)

// fuzzNow is the simulator's clock while fuzzing: fixed, so that the seed
// requests, signed at it, stay within the clock window.
var fuzzNow = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// fuzzSeed is a request as the fuzzer varies it.
type fuzzSeed struct {
	method, target, appID, ts, nonce, sig, contentType string
	body                                               []byte
	resign                                             bool
}

// signedSeed is a real request of the protocol, signed by the demo kiosk at
// fuzzNow.
func signedSeed(t testing.TB, method, target string, body []byte, nonce string) fuzzSeed {
	t.Helper()
	ts := strconv.FormatInt(fuzzNow.Unix(), 10)
	sig, err := platform.DemoKioskKey().Sign(rand.Reader, platform.RequestString(method, target, ts, nonce, body), sm2.DefaultSM2SignerOpts)
	if err != nil {
		t.Fatal(err)
	}
	ct := ""
	if body != nil {
		ct = "application/json; charset=utf-8"
	}
	return fuzzSeed{method, target, platform.DemoAppID, ts, nonce, base64.StdEncoding.EncodeToString(sig), ct, body, false}
}

// FuzzSimRequest sends the simulator requests whose method, path, signed
// headers, Content-Type and body the fuzzer varies, starting from real
// signed requests of every endpoint. With resign set the harness signs
// the varied request afresh, so that the body reaches the parsers behind
// the signature check. Whatever comes in, the simulator must not panic
// and must answer so:
//
//   - an answer under /api/ is an envelope whose code is its HTTP status
//     × 100 + n (0 for 2xx), signed by the platform over the bytes sent;
//   - a request whose signature does not verify with the demo kiosk's key
//     gets no 2xx, and a request the harness signed gets no 401;
//   - a case is made only with a 201, and a 2xx only for a request and with
//     an answer that docs/platform-api.yaml allows.
func FuzzSimRequest(f *testing.F) {
	app, err := json.Marshal(platformtest.App(f, "fuzz-seed-1", application.Sichuan))
	if err != nil {
		f.Fatal(err)
	}
	seeds := []fuzzSeed{
		signedSeed(f, "POST", "/api/v1/applications", app, "00112233445566778899aabbccddeef0"),
		signedSeed(f, "GET", "/api/v1/health", nil, "00112233445566778899aabbccddeef1"),
		signedSeed(f, "GET", "/api/v1/cases/SC20260301000001", nil, "00112233445566778899aabbccddeef2"),
		signedSeed(f, "POST", "/api/v1/codes/verify", []byte(`{"code":"TFTB:1:abc:def"}`), "00112233445566778899aabbccddeef3"),
		signedSeed(f, "POST", "/api/v1/evaluations", []byte(`{"case_number":"SC20260301000001","grade":1,"channel":"自助终端"}`), "00112233445566778899aabbccddeef4"),
		signedSeed(f, "POST", "/api/v1/elicences/query", []byte(`{"id_number":"510104199001011232","licence_type":"居民户口簿","consent":true}`), "00112233445566778899aabbccddeef5"),
		signedSeed(f, "GET", "/api/v1/catalog", nil, "00112233445566778899aabbccddeef6"),
	}
	resigned := signedSeed(f, "POST", "/api/v1/applications", app, "00112233445566778899aabbccddeef7")
	resigned.resign = true
	seeds = append(seeds, resigned, fuzzSeed{"GET", "/track/SC20260301000001", "", "", "", "", "", nil, false})
	for _, s := range seeds {
		f.Add(s.method, s.target, s.appID, s.ts, s.nonce, s.sig, s.contentType, s.body, s.resign)
	}
	contract, err := apicontract.LoadFromModule()
	if err != nil {
		f.Fatal(err)
	}
	cat, err := catalogyaml.Sample()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, target, appID, ts, nonce, sig, contentType string, body []byte, resign bool) {
		// A simulator of its own for each input, and no randomness, so
		// that an input always takes the same path: the fuzzer then only
		// keeps (and minimises) inputs that reach new code.
		sim := New(application.Sichuan, nil, WithClock(func() time.Time { return fuzzNow }), WithCatalog(cat))
		req, err := http.NewRequest(method, "http://platform.test"+target, bytes.NewReader(body))
		if err != nil || req.URL.Host != "platform.test" || req.URL.Opaque != "" {
			return // not a request line net/http would hand the simulator
		}
		req.RequestURI = req.URL.RequestURI()
		for k, v := range map[string]string{platform.HeaderAppID: appID, platform.HeaderTimestamp: ts,
			platform.HeaderNonce: nonce, platform.HeaderSignature: sig, "Content-Type": contentType} {
			if v != "" {
				req.Header.Set(k, v)
			}
		}
		if resign {
			// Signed by the harness at the simulator's time with a nonce
			// this simulator has not seen, so only the body and the path
			// are the fuzzer's.
			nonce = "fuzz-harness-nonce-0001"
			ts = strconv.FormatInt(fuzzNow.Unix(), 10)
			s, err := platform.DemoKioskKey().Sign(fixedRand{}, platform.RequestString(req.Method, signedPath(req.URL), ts, nonce, body), sm2.DefaultSM2SignerOpts)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set(platform.HeaderAppID, platform.DemoAppID)
			req.Header.Set(platform.HeaderTimestamp, ts)
			req.Header.Set(platform.HeaderNonce, nonce)
			req.Header.Set(platform.HeaderSignature, base64.StdEncoding.EncodeToString(s))
		}
		sent := req.Header.Clone()
		before := len(sim.Cases())
		rec := httptest.NewRecorder()
		unsupported := sim.route(rec, req)
		res := rec.Result()
		got := rec.Body.Bytes()
		made := len(sim.Cases()) - before

		if made > 0 && res.StatusCode != http.StatusCreated {
			t.Fatalf("%s %s: %d made %d case(s)", method, target, res.StatusCode, made)
		}
		if !strings.HasPrefix(path.Clean(req.URL.Path), "/api/") {
			return
		}
		var env platform.Envelope
		if err := json.Unmarshal(got, &env); err != nil {
			t.Fatalf("%s %s: %d answer is no envelope: %v: %q", method, target, res.StatusCode, err, got)
		}
		if ok := res.StatusCode/100 == 2; (env.Code == 0) != ok || (!ok && env.Code/100 != res.StatusCode) {
			t.Fatalf("%s %s: HTTP %d with code %d", method, target, res.StatusCode, env.Code)
		}
		signed := got
		if method == http.MethodHead {
			signed = nil
		}
		msg := platform.ResponseString(res.StatusCode, req.Method, signedPath(req.URL), res.Header.Get(platform.HeaderTimestamp), sent.Get(platform.HeaderNonce), signed)
		if raw, err := base64.StdEncoding.DecodeString(res.Header.Get(platform.HeaderSignature)); err != nil ||
			!sm2.VerifyASN1WithSM2(&platform.DemoPlatformKey().PublicKey, nil, msg, raw) {
			t.Fatalf("%s %s: %d answer not signed over what was sent", method, target, res.StatusCode)
		}
		authentic := sent.Get(platform.HeaderAppID) == platform.DemoAppID && platform.VerifyRequest(&platform.DemoKioskKey().PublicKey, req, body)
		if res.StatusCode/100 == 2 && !authentic {
			t.Fatalf("%s %s: %d to a request whose signature does not verify", method, target, res.StatusCode)
		}
		if resign && res.StatusCode == http.StatusUnauthorized {
			t.Fatalf("%s %s: 401 %+v to a request the harness signed", method, target, env)
		}
		if res.StatusCode/100 == 2 {
			x := apicontract.Exchange{Method: method, URL: req.URL.RequestURI(), Header: sent, Body: body,
				Status: res.StatusCode, Answer: res.Header, AnswerBody: got, Unsupported: unsupported}
			if err := contract.Check(x); err != nil {
				t.Fatalf("%s %s: %d breaks docs/platform-api.yaml: %v", method, target, res.StatusCode, err)
			}
		}
	})
}

// fixedRand is a constant "random" source: the harness's signatures are
// then the same for the same input (SM2 signing stays correct with any k
// in range; a fixed k is only ever unsafe for a real key).
type fixedRand struct{}

func (fixedRand) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(i*7 + 1)
	}
	return len(p), nil
}

// signedPath is the PATH of the canonical strings as platform-api.md
// defines it: the escaped path, and "?query" when there is a query (a
// bare "?" is none).
func signedPath(u *url.URL) string {
	if u.RawQuery != "" {
		return u.EscapedPath() + "?" + u.RawQuery
	}
	return u.EscapedPath()
}
