package platform

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sckiosk/kiosk/adapters/platform/internal/platformtest"
	"strings"
	"testing"
	"time"

	"sckiosk/kiosk/core/application"
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

// TestSubmitClassifiesAnswers drives the client against canned answers.
func TestSubmitClassifiesAnswers(t *testing.T) {
	rcJSON := `{"request_id":"r1","case_number":"SC20260301000001","status":"已受理","accepted_at":"2026-03-01T10:00:00+08:00","track_url":"http://x/track/SC20260301000001"`
	tests := []struct {
		name      string
		status    int
		body      string
		wantErr   error // nil for success
		wantDup   bool
		wantInMsg string
	}{
		{"created", 201, `{"code":0,"message":"ok","data":` + rcJSON + `}}`, nil, false, ""},
		{"ok", 200, `{"code":0,"message":"ok","data":` + rcJSON + `}}`, nil, false, ""},
		{"duplicate flag", 200, `{"code":0,"message":"ok","data":` + rcJSON + `,"duplicate":true}}`, nil, true, ""},
		{"409 with receipt", 409, `{"code":40900,"message":"dup","data":` + rcJSON + `}}`, nil, true, ""},
		{"409 in flight", 409, `{"code":40901,"message":"in progress"}`, ErrUnavailable, false, "in progress"},
		{"400", 400, `{"code":40001,"message":"缺少姓名 / missing name"}`, ErrRejected, false, "missing name"},
		{"422", 422, `{"code":42201,"message":"key reused"}`, ErrRejected, false, "key reused"},
		{"401 replay", 401, `{"code":40103,"message":"replay"}`, ErrUnavailable, false, "replay"},
		{"401 bad signature", 401, `{"code":40104,"message":"bad sig"}`, ErrRejected, false, "bad sig"},
		{"429", 429, `{"code":42900,"message":"slow down"}`, ErrUnavailable, false, "slow down"},
		{"503", 503, `{"code":50300,"message":"down"}`, ErrUnavailable, false, "down"},
		{"502 html", 502, `<html>Bad Gateway</html>`, ErrUnavailable, false, "Bad Gateway"},
		{"200 with error code 4xx", 200, `{"code":40001,"message":"bad field"}`, ErrRejected, false, "bad field"},
		{"200 with error code 5xx", 200, `{"code":50300,"message":"busy"}`, ErrUnavailable, false, "busy"},
		{"200 not json", 200, `hello`, ErrUnavailable, false, "not a JSON envelope"},
		{"200 without case", 200, `{"code":0,"message":"ok","data":{}}`, ErrUnavailable, false, "without a case number"},
		{"200 other request", 200, `{"code":0,"message":"ok","data":{"request_id":"other","case_number":"SC1"}}`, ErrUnavailable, false, "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *http.Request
			var gotBody []byte
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = r
				gotBody, _ = io.ReadAll(r.Body)
				if err := SignResponse(DemoPlatformKey(), w.Header(), r, tt.status, []byte(tt.body), time.Now()); err != nil {
					t.Error(err)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			c, err := NewClient(map[string]string{application.Sichuan: srv.URL + "/gw"}, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			rc, err := c.Submit(context.Background(), testApp(t, "r1", application.Sichuan))
			if got.Method != http.MethodPost || got.URL.Path != "/gw/api/v1/applications" ||
				got.Header.Get("Idempotency-Key") != "r1" || !strings.HasPrefix(got.Header.Get("Content-Type"), "application/json") {
				t.Errorf("request = %s %s key=%q type=%q", got.Method, got.URL.Path, got.Header.Get("Idempotency-Key"), got.Header.Get("Content-Type"))
			}
			var sent application.Application
			if json.Unmarshal(gotBody, &sent) != nil || sent.RequestID != "r1" || sent.Applicant.Name != testName {
				t.Errorf("body = %s", gotBody)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantInMsg) {
					t.Errorf("err = %q, want it to contain %q", err, tt.wantInMsg)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if rc.CaseNumber != "SC20260301000001" || rc.RequestID != "r1" || rc.Duplicate != tt.wantDup {
				t.Errorf("receipt = %+v", rc)
			}
		})
	}
}

func TestNewClientRejectsBadEndpoints(t *testing.T) {
	tests := []struct {
		name      string
		endpoints map[string]string
	}{
		{"none", nil},
		{"no scheme", map[string]string{application.Sichuan: "127.0.0.1:8451"}},
		{"ftp", map[string]string{application.Sichuan: "ftp://host/"}},
		{"no host", map[string]string{application.Sichuan: "http:///x"}},
		{"unparsable", map[string]string{application.Sichuan: "http://[::1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewClient(tt.endpoints, nil, nil); err == nil {
				t.Error("want an error")
			}
		})
	}
}

// The kiosk shows a case's state by its status code, never the
// platform's own text for it.
func TestCaseStatusState(t *testing.T) {
	for code, want := range map[int]application.CaseState{
		StatusWaiting: application.CaseWaiting, StatusAccepted: application.CaseAccepted,
		StatusProcessing: application.CaseProcessing, StatusDone: application.CaseDone,
		0: application.CaseUnknown, 9: application.CaseUnknown,
	} {
		if got := (CaseStatus{Code: code, Status: "随便"}).State(); got != want {
			t.Errorf("code %d: state %v, want %v", code, got, want)
		}
	}
}
