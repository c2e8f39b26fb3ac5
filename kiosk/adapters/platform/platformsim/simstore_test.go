package platformsim

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/adapters/platform/internal/platformtest"
	"sckiosk/kiosk/core/application"
)

func TestSimStoreSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "platform-51.db")
	st, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	sim := New(application.Sichuan, nil, WithStore(st))
	c := newSimClient(t, sim)
	ctx := context.Background()
	var first []application.Receipt
	for _, id := range []string{"keep-1", "keep-2"} {
		rc, err := c.Submit(ctx, testApp(t, id, application.Sichuan))
		if err != nil {
			t.Fatal(err)
		}
		first = append(first, rc)
	}
	if err := sim.SetCaseStatus(first[1].CaseNumber, platform.StatusDone); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st2, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	sim2 := New(application.Sichuan, nil, WithStore(st2))
	c2 := newSimClient(t, sim2)
	cases := sim2.Cases()
	if len(cases) != 2 || cases[0].CaseNumber != first[0].CaseNumber || cases[1].Status != "已办结" {
		t.Fatalf("cases after restart = %+v", cases)
	}
	if apps := sim2.Applications(); apps[0].Applicant.Name != testName || apps[0].Fields["reason"] != "工作调动" {
		t.Errorf("application after restart = %+v", apps[0])
	}
	rc, err := c2.Submit(ctx, testApp(t, "keep-1", application.Sichuan))
	if err != nil || !rc.Duplicate || rc.CaseNumber != first[0].CaseNumber {
		t.Errorf("resend after restart: %+v, %v", rc, err)
	}
	rc, err = c2.Submit(ctx, testApp(t, "keep-3", application.Sichuan))
	if err != nil || rc.CaseNumber[len(rc.CaseNumber)-6:] != "000003" {
		t.Errorf("next case after restart: %+v, %v", rc, err)
	}
}

func TestCaseStatusMovesOverTime(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	sim := New(application.Sichuan, nil, WithClock(clock), WithProgress(time.Minute, 5*time.Minute))
	c := newSimClientWith(t, []*Sim{sim}, platform.WithSigner(demoSigner(t, clock)))
	ctx := context.Background()
	rc, err := c.Submit(ctx, testApp(t, "moving", application.Sichuan))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		after time.Duration
		want  string
		code  int
	}{
		{0, "已受理", platform.StatusAccepted},
		{59 * time.Second, "已受理", platform.StatusAccepted},
		{time.Second, "办理中", platform.StatusProcessing},
		{4 * time.Minute, "已办结", platform.StatusDone},
		{time.Hour, "已办结", platform.StatusDone},
	}
	for _, tt := range tests {
		advance(tt.after)
		st, err := c.CaseStatus(ctx, application.Sichuan, rc.CaseNumber)
		if err != nil || st.Status != tt.want || st.Code != tt.code {
			t.Errorf("at %v: %+v, %v; want %s", clock().Sub(rc.AcceptedAt), st, err, tt.want)
		}
	}
}

func TestSimCasesList(t *testing.T) {
	sim := New(application.Chongqing, nil)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c, err := platform.NewClient(map[string]string{application.Chongqing: srv.URL}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := c.Submit(context.Background(), testApp(t, "listed", application.Chongqing))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(srv.URL + "/sim/cases")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("list = %v", list)
	}
	got := list[0]
	if got["case_no"] != rc.CaseNumber || got["request_id"] != "listed" || got["item_code"] != platformtest.ItemChongqing ||
		got["status"] != "已受理" || got["received_at"] == "" || len(got) != 5 {
		t.Errorf("element = %v", got)
	}
}

func TestSimFaults(t *testing.T) {
	tests := []struct {
		name     string
		faults   Faults
		timeout  time.Duration
		wantCase bool // the case exists although the client saw an error
	}{
		{"error rate", Faults{ErrorRate: 1}, 5 * time.Second, false},
		{"reset rate", Faults{ResetRate: 1}, 5 * time.Second, false},
		{"drop after commit", Faults{DropAfterCommitRate: 1}, 5 * time.Second, true},
		// The answer is held a minute, the client gives up after 2 s: long
		// enough for the sim to commit the case under -race on a loaded
		// machine (a 200 ms timeout sometimes gave up before the commit).
		{"slow", Faults{SlowRate: 1, SlowDelay: time.Minute}, 2 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := New(application.Sichuan, nil, WithFaults(tt.faults))
			srv := httptest.NewServer(sim)
			defer srv.Close()
			c, err := platform.NewClient(map[string]string{application.Sichuan: srv.URL}, &http.Client{Timeout: tt.timeout}, nil)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if _, err := c.Submit(ctx, testApp(t, "faulty", application.Sichuan)); !errors.Is(err, platform.ErrUnavailable) {
				t.Fatalf("err = %v, want ErrUnavailable", err)
			}
			if n := len(sim.Applications()); (n == 1) != tt.wantCase {
				t.Errorf("sim holds %d cases", n)
			}
			sim.SetFaults(Faults{})
			rc, err := c.Submit(ctx, testApp(t, "faulty", application.Sichuan))
			if err != nil || rc.Duplicate != tt.wantCase || len(sim.Applications()) != 1 {
				t.Errorf("resend: %+v, %v; sim holds %d", rc, err, len(sim.Applications()))
			}
		})
	}
}

func TestSimLatency(t *testing.T) {
	sim := New(application.Sichuan, nil, WithFaults(Faults{Latency: 100 * time.Millisecond}))
	c := newSimClient(t, sim)
	start := time.Now()
	if err := c.Health(context.Background(), application.Sichuan); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("answer after %v, want ≥ 100ms", d)
	}
}

// A request replayed after the simulator restarts on the same store is
// still refused while its timestamp is within the window; nonces older
// than the window are forgotten.
func TestReplayAfterRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "platform-51.db")
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	req := httptest.NewRequest(http.MethodGet, "http://sim/api/v1/health", nil)
	sign(t, req, nil, platform.DemoAppID, platform.DemoKioskKey(), now)
	serve := func(st *Store) int {
		rec := httptest.NewRecorder()
		New(application.Sichuan, nil, WithStore(st), WithClock(clock)).ServeHTTP(rec, req.Clone(context.Background()))
		var env platform.Envelope
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
			t.Fatal(err)
		}
		return env.Code
	}
	tests := []struct {
		name  string
		after time.Duration // since the request was signed
		want  int
	}{
		{"first", 0, platform.CodeOK},
		{"replay after restart", time.Minute, platform.CodeReplay},
		{"replay after another restart", 4 * time.Minute, platform.CodeReplay},
		{"too old anyway", 6 * time.Minute, platform.CodeClockSkew},
	}
	for _, tt := range tests {
		st, err := OpenStore(path) // a restart: a new simulator on the same file
		if err != nil {
			t.Fatal(err)
		}
		now = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC).Add(tt.after)
		if got := serve(st); got != tt.want {
			t.Errorf("%s: code %d, want %d", tt.name, got, tt.want)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
	st, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.pruneNonces(time.Date(2026, 3, 1, 10, 0, 1, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if err := st.loadNonces(); err != nil || len(st.nonces) != 0 {
		t.Errorf("after pruning: %d nonces, %v", len(st.nonces), err)
	}
}
