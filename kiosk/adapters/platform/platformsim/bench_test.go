package platformsim

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"sckiosk/internal/apicontract"
	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/core/application"
)

// BenchmarkSignedHealth is one signed GET /api/v1/health through the
// simulator without a network: the kiosk's signature made, checked, the
// nonce recorded and the answer signed. It bounds what the fuzzer and the
// contract-checked tests can do per second.
func BenchmarkSignedHealth(b *testing.B) {
	sim := New(application.Sichuan, nil, WithClock(func() time.Time { return fuzzNow }))
	ts := strconv.FormatInt(fuzzNow.Unix(), 10)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/health", nil)
		nonce := fmt.Sprintf("bench-nonce-%016d", i)
		sig, err := platform.DemoKioskKey().Sign(fixedRand{}, platform.RequestString("GET", "/api/v1/health", ts, nonce, nil), sm2.DefaultSM2SignerOpts)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set(platform.HeaderAppID, platform.DemoAppID)
		req.Header.Set(platform.HeaderTimestamp, ts)
		req.Header.Set(platform.HeaderNonce, nonce)
		req.Header.Set(platform.HeaderSignature, base64.StdEncoding.EncodeToString(sig))
		rec := httptest.NewRecorder()
		sim.route(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkContractCheck is the cost the contract check adds to each
// exchange of the tests: a 201 application, request and answer validated
// against docs/platform-api.yaml.
func BenchmarkContractCheck(b *testing.B) {
	c, err := apicontract.LoadFromModule()
	if err != nil {
		b.Fatal(err)
	}
	req := http.Header{"X-App-Id": {"a"}, "X-Timestamp": {"1"}, "X-Nonce": {"00112233445566778899aabbccddeeff"},
		"X-Signature": {"MEUCIQ=="}, "Content-Type": {"application/json"}}
	x := apicontract.Exchange{Method: "POST", URL: "/api/v1/applications", Header: req,
		Body:   []byte(`{"request_id":"r","item_code":"i","province":"51","applicant":{"id_type":"111","id_number":"510104199001011232","name":"张三丰"},"fields":{"reason":"工作调动"}}`),
		Status: 201, Answer: http.Header{"Content-Type": {"application/json; charset=utf-8"}, "X-Signature": {"MEUCIQ=="}, "X-Timestamp": {"1"}, "X-Nonce": {"n"}},
		AnswerBody: []byte(`{"code":0,"message":"ok","data":{"request_id":"r","case_number":"SC1","status":"已受理","accepted_at":"2026-03-01T10:00:00Z"}}`)}
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Check(x); err != nil {
			b.Fatal(err)
		}
	}
}
