package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/identity"
)

// otherNumber is a valid ID number that is not the applicant's.
func otherNumber(t testing.TB) string {
	t.Helper()
	first := "11010519491231002"
	c, err := identity.CheckDigit(first)
	if err != nil {
		t.Fatal(err)
	}
	return first + string(c)
}

func TestErrorTextMasksWhatThePlatformEchoes(t *testing.T) {
	app := testApp(t, "req-mask")
	app.Applicant.Phone = "13800138000"
	app.Fields["count"] = "400"
	num := testNumber(t)
	mask := personalMasker(app)
	tests := []struct {
		name      string
		err       string
		mask      bool
		want      []string
		forbidden []string
	}{
		{"name and number", "platform 51: submit: rejected (HTTP 400, code 40001): 申请人" + testName + "（" + num + "）证件号码与姓名不符", true,
			[]string{"李*", identity.MaskNumber(num), "HTTP 400, code 40001", "证件号码与姓名不符"}, []string{testName, num}},
		{"phone and address", "platform 51: submit: rejected: 联系电话13800138000与住址成都市武侯区不符", true,
			[]string{"138****8000", "成*****"}, []string{"13800138000", "成都市武侯区"}},
		{"someone else's number", "rejected: 证件号码" + otherNumber(t) + "已有在办件", true,
			[]string{identity.MaskNumber(otherNumber(t))}, []string{otherNumber(t)}},
		{"no application", "platform 51: health: unavailable: " + num, false,
			[]string{identity.MaskNumber(num)}, []string{num}},
		{"nothing personal", "platform 51: submit: unavailable (HTTP 503, code 50301): busy", true,
			[]string{"platform 51: submit: unavailable (HTTP 503, code 50301): busy"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mask
			if !tt.mask {
				m = nil
			}
			got := errorText(errors.New(tt.err), m)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("errorText = %q, want it to contain %q", got, w)
				}
			}
			for _, f := range tt.forbidden {
				if strings.Contains(got, f) {
					t.Errorf("errorText = %q still holds %q", got, f)
				}
			}
		})
	}
}

// echoingPlatform is a platform that answers every request with status
// and a message that echoes the test applicant's name and ID number, as
// a real platform's validation errors do; the answer is signed with the
// demo platform key, so the client believes it.
func echoingPlatform(t *testing.T, status int, code int) *platform.Client {
	t.Helper()
	msg := fmt.Sprintf("申请人%s（身份证号%s）证件号码与姓名不符", testName, testNumber(t))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		body, _ := json.Marshal(platform.Envelope{Code: code, Message: msg})
		if err := platform.SignResponse(platform.DemoPlatformKey(), w.Header(), r, status, body, time.Now()); err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	client, err := platform.NewClient(map[string]string{application.Sichuan: srv.URL}, &http.Client{Timeout: 5 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// What the platform echoes of the applicant is masked in last_error, in
// the health's last error, in Wait's error and in the log (newEnv checks
// the log when the test ends).
func TestPlatformEchoIsMasked(t *testing.T) {
	tests := []struct {
		name   string
		status int
		code   int
		state  State
	}{
		{"rejected", http.StatusBadRequest, 40001, StateRejected},
		{"unavailable", http.StatusServiceUnavailable, 50301, StatePending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, 10*time.Second)
			o := e.open("outbox.db", Options{BackoffBase: time.Hour, Jitter: -1, ProbeInterval: -1})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if err := o.Enqueue(ctx, testApp(t, "req-echo")); err != nil {
				t.Fatal(err)
			}
			client := echoingPlatform(t, tt.status, tt.code)
			done := make(chan error, 1)
			go func() { done <- o.Run(ctx, client) }()
			defer func() { cancel(); <-done }()
			waitFor(t, "the attempt to be recorded", func() bool { return entry(t, o, "req-echo").Attempts == 1 })
			if tt.state == StatePending {
				// The health is set after the attempt is stored.
				waitFor(t, "the health to say the error", func() bool { return o.Health().LastError != "" })
			}

			got := entry(t, o, "req-echo")
			texts := map[string]string{"last_error": got.LastError}
			if tt.state == StatePending {
				texts["health"] = o.Health().LastError
			} else {
				wctx, wcancel := context.WithTimeout(ctx, failAfter)
				_, err := o.Wait(wctx, "req-echo")
				wcancel()
				texts["wait"] = fmt.Sprint(err)
			}
			if got.State != tt.state {
				t.Errorf("state = %s, want %s", got.State, tt.state)
			}
			for where, s := range texts {
				if strings.Contains(s, testName) || strings.Contains(s, testNumber(t)) {
					t.Errorf("%s holds personal data: %q", where, s)
				}
				if !strings.Contains(s, "李*") || !strings.Contains(s, identity.MaskNumber(testNumber(t))) ||
					!strings.Contains(s, fmt.Sprintf("code %d", tt.code)) {
					t.Errorf("%s = %q, want the code and the masked echo", where, s)
				}
			}
		})
	}
}
