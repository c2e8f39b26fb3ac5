package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"sckiosk/internal/logbuf"
	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/core/application"
)

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
		msg  string
	}{
		{"unknown flag", []string{"-bogus"}, 2, "flag provided but not defined"},
		{"bad province", []string{"-province", "44"}, 2, "-province"},
		{"remote address", []string{"-addr", "0.0.0.0:8451"}, 2, "-allow-remote"},
		{"all interfaces", []string{"-addr", ":8451"}, 2, "loopback"},
		{"bad address", []string{"-addr", "nonsense"}, 2, "--listen"},
		{"bad listen", []string{"--listen", "nonsense"}, 2, "--listen"},
		{"bad rate", []string{"--error-rate", "1.5"}, 2, "probability"},
		{"bad latency", []string{"--latency", "soon"}, 2, "latency"},
		{"stray argument", []string{"extra"}, 2, "unexpected argument"},
		{"help", []string{"-h"}, 0, "usage"},
		{"public url without scheme", []string{"--public-url", "zwfw.example/sc"}, 2, "--public-url"},
		{"public url with query", []string{"--public-url", "https://zwfw.example/?x=1"}, 2, "--public-url"},
		{"trust without app id", []string{"--trust-kiosk", "kiosk.pub"}, 2, "want APPID=FILE"},
		{"trust missing file", []string{"--trust-kiosk", "K1=/nonexistent.pem"}, 2, "kiosk key of K1"},
		{"trust not a key", []string{"--trust-kiosk", "K1=" + writeTemp(t, "not a key")}, 2, "kiosk key of K1"},
		{"missing platform key", []string{"--key", "/nonexistent.pem"}, 2, "--key: platform key"},
		{"platform key not a key", []string{"--key", writeTemp(t, "nope")}, 2, "--key: platform key"},
		{"missing catalogue", []string{"--catalog", "/nonexistent.yaml"}, 2, "--catalog"},
		{"bad catalogue", []string{"--catalog", writeTemp(t, "version: v\nitems:\n  - {code: A, name: a, province: \"44\"}\n")}, 2, "province"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if got := run(context.Background(), tt.args, &stderr); got != tt.want {
				t.Errorf("exit %d, want %d", got, tt.want)
			}
			if !strings.Contains(stderr.String(), tt.msg) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.msg)
			}
			if tt.want == 2 && strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 {
				t.Errorf("usage error is not one line: %q", stderr.String())
			}
		})
	}
}

// start runs the command with args and returns its URL and a stop
// function that checks the exit status.
func start(t *testing.T, args ...string) (url string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &logbuf.Buffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, stderr) }()
	re := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)`)
	deadline := time.Now().Add(20 * time.Second)
	for url == "" {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no url logged: %s", stderr)
		}
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			url = m[1]
		}
		time.Sleep(5 * time.Millisecond)
	}
	return url, func() {
		t.Helper()
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("exit %d: %s", code, stderr)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("did not stop")
		}
	}
}

// TestDataSurvivesRestart submits a case, restarts the command on the same
// --data and finds the case in GET /sim/cases.
func TestDataSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	url, stop := start(t, "--listen", "127.0.0.1:0", "--data", dir, "--latency", "1ms")
	c, err := platform.NewClient(map[string]string{application.Sichuan: url}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	app := application.Application{RequestID: "restart-1", ItemCode: "11510100MB0000001K3510100001001", Province: application.Sichuan,
		Applicant: application.Applicant{IDType: "111", Number: "11010519491231002X", Name: "测试"}}
	rc, err := c.Submit(context.Background(), app)
	if err != nil {
		t.Fatal(err)
	}
	stop()

	url, stop = start(t, "--listen", "127.0.0.1:0", "--data", dir)
	defer stop()
	resp, err := http.Get(url + "/sim/cases")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []struct {
		CaseNo    string `json:"case_no"`
		RequestID string `json:"request_id"`
		Status    string `json:"status"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].CaseNo != rc.CaseNumber || list[0].RequestID != "restart-1" || list[0].Status != "已受理" {
		t.Errorf("cases after restart = %+v", list)
	}
}

func TestServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &logbuf.Buffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-province", "50"}, stderr) }()

	re := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)`)
	var url string
	deadline := time.Now().Add(20 * time.Second)
	for url == "" {
		if time.Now().After(deadline) {
			t.Fatalf("no url logged: %s", stderr)
		}
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			url = m[1]
		}
		time.Sleep(5 * time.Millisecond)
	}
	c, err := platform.NewClient(map[string]string{application.Chongqing: url}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Health(ctx, application.Chongqing); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d: %s", code, stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("did not stop")
	}
}

// writeTemp writes body to a temporary file and returns its path.
func writeTemp(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "catalog.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestServesCatalog fetches the catalogue from the command, the sample or
// the one given with --catalog.
func TestServesCatalog(t *testing.T) {
	custom := writeTemp(t, `version: custom-1
applicant:
  - {key: name, label: 姓名, kind: text, required: true, prefill: name, read_only: true}
items:
  - {code: A1, name: 测试事项, province: "51", fields: []}
`)
	tests := []struct {
		args    []string
		version string
		items   int
	}{
		{nil, "", 30},
		{[]string{"--catalog", custom}, "custom-1", 1},
	}
	for _, tt := range tests {
		url, stop := start(t, append([]string{"--listen", "127.0.0.1:0"}, tt.args...)...)
		c, err := platform.NewClient(map[string]string{application.Sichuan: url}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		cat, err := c.FetchCatalog(context.Background())
		stop()
		if err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		if tt.version != "" && cat.Version != tt.version || len(cat.Items) < tt.items || len(cat.Items[0].Fields) == 0 {
			t.Errorf("%v: catalogue %s with %d items", tt.args, cat.Version, len(cat.Items))
		}
	}
}

// --public-url is where the receipts' track_url points.
func TestPublicURL(t *testing.T) {
	url, stop := start(t, "--listen", "127.0.0.1:0", "--public-url", "https://zwfw.example/sc")
	defer stop()
	c, err := platform.NewClient(map[string]string{application.Sichuan: url}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	app := application.Application{RequestID: "public-1", ItemCode: "11510100MB0000001K3510100001001", Province: application.Sichuan,
		Applicant: application.Applicant{IDType: "111", Number: "11010519491231002X", Name: "测试"}}
	rc, err := c.Submit(context.Background(), app)
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://zwfw.example/sc/track/" + rc.CaseNumber; rc.TrackURL != want {
		t.Errorf("track_url %q, want %q", rc.TrackURL, want)
	}
}
