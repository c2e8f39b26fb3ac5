package platformsim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/core/application"
)

// submitRaw posts app signed as the demo kiosk, with the Host header host
// ("" leaves it), and returns the receipt.
func submitRaw(t *testing.T, url, host string, app application.Application) application.Receipt {
	t.Helper()
	body, err := json.Marshal(app)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url+"/api/v1/applications", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if host != "" {
		req.Host = host
	}
	if err := demoSigner(t, nil).Sign(req, body); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env platform.Envelope
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatal(err)
	}
	var rc application.Receipt
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(env.Data, &rc) != nil {
		t.Fatalf("submit: HTTP %d %+v", resp.StatusCode, env)
	}
	return rc
}

// The receipt's track_url is signed output: it is built from the
// simulator's public URL, or the address it listens on, never from the
// request's unsigned Host header.
func TestTrackURLIgnoresHostHeader(t *testing.T) {
	tests := []struct {
		name, public, host string
		want               func(srvURL string) string
	}{
		{"public url", "https://zwfw.sc.example/gw/", "evil.example", func(string) string { return "https://zwfw.sc.example/gw/track/" }},
		{"listen address", "", "evil.example", func(u string) string { return u + "/track/" }},
		{"no host header trick", "", "", func(u string) string { return u + "/track/" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []Option
			if tt.public != "" {
				opts = append(opts, WithPublicURL(tt.public))
			}
			srv := httptest.NewServer(New(application.Sichuan, nil, opts...))
			defer srv.Close()
			rc := submitRaw(t, srv.URL, tt.host, testApp(t, "t-"+tt.name, application.Sichuan))
			if want := tt.want(srv.URL) + rc.CaseNumber; rc.TrackURL != want {
				t.Errorf("track_url %q, want %q", rc.TrackURL, want)
			}
		})
	}
}

// The public track page shows no personal data, whatever the kiosk put
// into item_name or the other free text.
func TestTrackPageShowsNoPersonalData(t *testing.T) {
	srv := httptest.NewServer(New(application.Sichuan, nil))
	defer srv.Close()
	number := testNumber(t)
	tests := []struct {
		name   string
		mutate func(*application.Application)
	}{
		{"name and number in item_name", func(a *application.Application) { a.ItemName = testName + " " + number }},
		{"phone in item_name", func(a *application.Application) { a.ItemName = "户口迁移 13800138000" }},
		{"free text fields", func(a *application.Application) {
			a.Fields = map[string]string{"reason": testName + number, "address": "成都市武侯区某街1号"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := testApp(t, "p-"+tt.name, application.Sichuan)
			tt.mutate(&app)
			rc := submitRaw(t, srv.URL, "", app)
			resp, err := http.Get(rc.TrackURL)
			if err != nil {
				t.Fatal(err)
			}
			page, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(page), rc.CaseNumber) {
				t.Fatalf("track page %d: %s", resp.StatusCode, page)
			}
			for _, secret := range []string{testName, number, number[len(number)-4:], "13800138000", "成都市武侯区某街", app.ItemName} {
				if strings.Contains(string(page), secret) {
					t.Errorf("track page shows %q:\n%s", secret, page)
				}
			}
		})
	}
}

// An offline receipt's QR code names the application by its request_id:
// the platform answers it (signed, to the kiosk; as a public page, to a
// phone) once the application has arrived, and says plainly when it has
// not yet.
func TestCaseByRequestID(t *testing.T) {
	sim := New(application.Sichuan, nil)
	c := newSimClient(t, sim)
	ctx := context.Background()
	const id = "3f2c9a8e-1b7d-4c55-9e0a-6d4b2f1e8c70"
	track := c.RequestTrackURL(application.Sichuan, id)
	if !strings.HasSuffix(track, "/track/request/"+id) || !strings.HasPrefix(track, "http://127.0.0.1:") {
		t.Fatalf("track URL %q", track)
	}
	if _, err := c.CaseByRequest(ctx, application.Sichuan, id); !errors.Is(err, platform.ErrNotFound) {
		t.Fatalf("before the application arrived: %v, want ErrNotFound", err)
	}
	if status, body := get(t, track); status != http.StatusNotFound || !strings.Contains(body, "尚未到达政务服务平台") {
		t.Fatalf("track page before: HTTP %d %q", status, body)
	}
	rc, err := c.Submit(ctx, testApp(t, id, application.Sichuan))
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.CaseByRequest(ctx, application.Sichuan, id)
	if err != nil || st.CaseNumber != rc.CaseNumber {
		t.Fatalf("after: %+v %v, want case %s", st, err, rc.CaseNumber)
	}
	if status, body := get(t, track); status != http.StatusOK || !strings.Contains(body, "办件编号 "+rc.CaseNumber) {
		t.Fatalf("track page after: HTTP %d %q", status, body)
	}
	if _, err := c.CaseByRequest(ctx, application.Sichuan, "../cases/x"); err == nil {
		t.Error("a request id with a path in it was sent")
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
