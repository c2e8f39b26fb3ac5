package webdriver

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// fakeDriver answers like a WebDriver server and records the requests.
type fakeDriver struct {
	mu   sync.Mutex
	reqs []string // "METHOD path body"
}

func (f *fakeDriver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, r.Method+" "+r.URL.Path+" "+string(b))
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	answer := func(v any) { _ = json.NewEncoder(w).Encode(map[string]any{"value": v}) }
	switch r.Method + " " + r.URL.Path {
	case "GET /status":
		answer(map[string]any{"ready": true})
	case "POST /session":
		answer(map[string]any{"sessionId": "s1", "capabilities": map[string]any{"browserName": "chrome"}})
	case "POST /session/s1/element":
		var q struct{ Using, Value string }
		_ = json.Unmarshal(b, &q)
		if q.Value == "#missing" {
			w.WriteHeader(http.StatusNotFound)
			answer(map[string]any{"error": "no such element", "message": "no element #missing"})
			return
		}
		answer(map[string]string{elementKey: "e1"})
	case "POST /session/s1/elements":
		answer([]map[string]string{{elementKey: "e1"}, {elementKey: "e2"}})
	case "GET /session/s1/element/e1/text":
		answer("在线")
	case "POST /session/s1/execute/sync":
		answer(42)
	default:
		answer(nil)
	}
}

func TestClientSpeaksW3C(t *testing.T) {
	f := &fakeDriver{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	ctx := context.Background()
	c := &Client{URL: srv.URL}
	if ok, err := c.Ready(ctx); err != nil || !ok {
		t.Fatalf("Ready = %v, %v", ok, err)
	}
	s, err := c.NewSession(ctx, map[string]any{"browserName": "chrome"})
	if err != nil || s.ID != "s1" {
		t.Fatalf("NewSession = %+v, %v", s, err)
	}
	if err := s.Navigate(ctx, "http://example.test/"); err != nil {
		t.Fatal(err)
	}
	el, err := s.FindElement(ctx, "td.status")
	if err != nil || el.ID != "e1" {
		t.Fatalf("FindElement = %+v, %v", el, err)
	}
	if txt, err := el.Text(ctx); err != nil || txt != "在线" {
		t.Fatalf("Text = %q, %v", txt, err)
	}
	if _, err := s.FindElement(ctx, "#missing"); !IsCode(err, CodeNoSuchElement) {
		t.Fatalf("missing element: err = %v", err)
	}
	els, err := s.FindElements(ctx, "tr")
	if err != nil || len(els) != 2 {
		t.Fatalf("FindElements = %d, %v", len(els), err)
	}
	if err := el.Click(ctx); err != nil {
		t.Fatal(err)
	}
	if err := el.SendKeys(ctx, "a\nb"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.ExecuteScript(ctx, "return arguments.length", []any{el, 1}, &n); err != nil || n != 42 {
		t.Fatalf("ExecuteScript = %d, %v", n, err)
	}
	if err := s.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"GET /status ",
		`POST /session {"capabilities":{"alwaysMatch":{"browserName":"chrome"}}}`,
		`POST /session/s1/url {"url":"http://example.test/"}`,
		`POST /session/s1/element {"using":"css selector","value":"td.status"}`,
		"GET /session/s1/element/e1/text ",
		`POST /session/s1/element {"using":"css selector","value":"#missing"}`,
		`POST /session/s1/elements {"using":"css selector","value":"tr"}`,
		"POST /session/s1/element/e1/click {}",
		`POST /session/s1/element/e1/value {"text":"a\nb"}`,
		`POST /session/s1/execute/sync {"args":[{"` + elementKey + `":"e1"},1],"script":"return arguments.length"}`,
		"DELETE /session/s1 ",
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) != len(want) {
		t.Fatalf("requests:\n%q\nwant\n%q", f.reqs, want)
	}
	for i := range want {
		if f.reqs[i] != want[i] {
			t.Errorf("request %d = %q, want %q", i, f.reqs[i], want[i])
		}
	}
}

// Screenshot asks GET /session/{id}/screenshot and decodes the base64 PNG.
func TestScreenshot(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\nnot really")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method+" "+r.URL.Path != "GET /session/s1/screenshot" {
			w.WriteHeader(http.StatusNotFound)
			_ = json.NewEncoder(w).Encode(map[string]any{"value": map[string]string{"error": "unknown command"}})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"value": base64.StdEncoding.EncodeToString(png)})
	}))
	defer srv.Close()
	s := &Session{c: &Client{URL: srv.URL}, ID: "s1"}
	got, err := s.Screenshot(context.Background())
	if err != nil || string(got) != string(png) {
		t.Fatalf("Screenshot = %q, %v", got, err)
	}
	s.ID = "gone"
	if _, err := s.Screenshot(context.Background()); !IsCode(err, "unknown command") {
		t.Fatalf("screenshot of a gone session: %v", err)
	}
}
