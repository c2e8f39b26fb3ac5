package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sckiosk/internal/logbuf"
	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/adapters/platform/platformsim"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/catalog/catalogyaml"
	"sckiosk/kiosk/core/identity"
)

// failAfter bounds every wait in these tests; it is a failure timeout, not a
// speed requirement.
const failAfter = 20 * time.Second

const testName = "李四"

func testNumber(t testing.TB) string {
	t.Helper()
	first := "51010419851231002"
	c, err := identity.CheckDigit(first)
	if err != nil {
		t.Fatal(err)
	}
	return first + string(c)
}

func testApp(t testing.TB, requestID string) application.Application {
	return application.Application{
		RequestID:      requestID,
		ItemCode:       "11510100MB0000001K3510100001001",
		ItemName:       "居住证办理",
		Province:       application.Sichuan,
		Applicant:      application.Applicant{IDType: "111", Number: testNumber(t), Name: testName},
		Fields:         map[string]string{"address": "成都市武侯区"},
		AcceptDivision: "510107",
		HandleDivision: "510107",
		Mode:           "全程网办",
		KioskID:        "K-510107-002",
		SubmittedAt:    time.Now(),
	}
}

// env is one test's platform simulator, client and log.
type env struct {
	t      *testing.T
	sim    *platformsim.Sim
	srv    *platformsim.Server
	simURL string
	client *platform.Client
	log    *slog.Logger
	logBuf *logbuf.Buffer
	dir    string
}

func newEnv(t *testing.T, clientTimeout time.Duration) *env {
	t.Helper()
	buf := &logbuf.Buffer{}
	log := slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sim := platformsim.New(application.Sichuan, log)
	srv, err := sim.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	client, err := platform.NewClient(map[string]string{application.Sichuan: srv.URL()},
		&http.Client{Timeout: clientTimeout}, log)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, sim: sim, srv: srv, simURL: srv.URL(), client: client, log: log, logBuf: buf, dir: t.TempDir()}
	t.Cleanup(func() {
		s := buf.String()
		if strings.Contains(s, testName) || strings.Contains(s, testNumber(t)) {
			t.Errorf("log carries personal data:\n%s", s)
		}
	})
	return e
}

// fast are options for tests: short back-off, no jitter.
var fast = Options{BackoffBase: 10 * time.Millisecond, BackoffMax: 40 * time.Millisecond, Jitter: -1, PollInterval: 50 * time.Millisecond}

func (e *env) open(name string, opt Options) *Outbox {
	e.t.Helper()
	o, err := Open(filepath.Join(e.dir, name), e.log, opt)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { o.Close() })
	return o
}

// run starts the forwarder; the returned stop cancels it and waits.
func (e *env) run(o *Outbox) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx, e.client) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				e.t.Errorf("Run: %v", err)
			}
		})
	}
	e.t.Cleanup(stop)
	return stop
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(failAfter)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func waitReceipt(t *testing.T, o *Outbox, requestID string) application.Receipt {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), failAfter)
	defer cancel()
	rc, err := o.Wait(ctx, requestID)
	if err != nil {
		t.Fatalf("Wait(%s): %v", requestID, err)
	}
	return rc
}

func entry(t *testing.T, o *Outbox, requestID string) Entry {
	t.Helper()
	list, err := o.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range list {
		if e.RequestID == requestID {
			return e
		}
	}
	t.Fatalf("no entry %s", requestID)
	return Entry{}
}

func stats(t *testing.T, o *Outbox) [3]int {
	t.Helper()
	p, s, r, err := o.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return [3]int{p, s, r}
}

// rawPayload reads the payload column straight from the file.
func rawPayload(t *testing.T, o *Outbox, requestID string) []byte {
	t.Helper()
	var p []byte
	if err := o.db.QueryRow(`SELECT payload FROM entries WHERE request_id = ?`, requestID).Scan(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

// plainPayload is the decrypted payload of an entry.
func plainPayload(t *testing.T, o *Outbox, requestID string) []byte {
	t.Helper()
	p, err := o.seal.open(requestID, rawPayload(t, o, requestID))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDeliveredOnceAndPurged(t *testing.T) {
	e := newEnv(t, 10*time.Second)
	o := e.open("outbox.db", fast)
	ctx := context.Background()
	if err := o.Enqueue(ctx, testApp(t, "req-1")); err != nil {
		t.Fatal(err)
	}
	if p := rawPayload(t, o, "req-1"); bytes.Contains(p, []byte(testName)) || bytes.Contains(p, []byte(testNumber(t))) || p[0] != sealVersion {
		t.Fatalf("queued payload is not encrypted: %q", p)
	}
	if p := plainPayload(t, o, "req-1"); !bytes.Contains(p, []byte(testName)) {
		t.Fatalf("queued payload lacks the application: %s", p)
	}
	e.run(o)

	rc := waitReceipt(t, o, "req-1")
	if !strings.HasPrefix(rc.CaseNumber, "SC") || rc.Status != "已受理" || rc.TrackURL == "" || rc.AcceptedAt.IsZero() {
		t.Errorf("receipt = %+v", rc)
	}
	got := entry(t, o, "req-1")
	if got.State != StateSent || got.CaseNumber != rc.CaseNumber || got.Attempts != 1 || got.HasPayload || got.SentAt.IsZero() || got.LastError != "" {
		t.Errorf("entry = %+v", got)
	}
	if p := rawPayload(t, o, "req-1"); p != nil {
		t.Errorf("payload not purged: %q", p)
	}
	if s := stats(t, o); s != [3]int{0, 1, 0} {
		t.Errorf("stats = %v", s)
	}
	apps := e.sim.Applications()
	if len(apps) != 1 || e.sim.Received() != 1 || apps[0].Applicant.Name != testName {
		t.Errorf("sim holds %d applications, received %d", len(apps), e.sim.Received())
	}
	// Nothing personal is left in the files once the checkpoint that
	// follows the purge has run.
	waitFor(t, "no personal data in the files", func() bool {
		for _, suffix := range []string{"", "-wal"} {
			b, err := os.ReadFile(filepath.Join(e.dir, "outbox.db"+suffix))
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
			if bytes.Contains(b, []byte(testNumber(t))) || bytes.Contains(b, []byte(testName)) {
				return false
			}
		}
		return true
	})
}

func TestPlatformDownThenKick(t *testing.T) {
	e := newEnv(t, 10*time.Second)
	// A back-off far longer than the test: only Kick can bring the entry back.
	o := e.open("outbox.db", Options{BackoffBase: time.Hour, BackoffMax: time.Hour, Jitter: -1})
	e.sim.SetDown(true)
	e.run(o)
	if err := o.Enqueue(context.Background(), testApp(t, "req-down")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a failed attempt", func() bool { return entry(t, o, "req-down").Attempts == 1 })
	got := entry(t, o, "req-down")
	if got.State != StatePending || !got.HasPayload || !strings.Contains(got.LastError, "unavailable") ||
		time.Until(got.NextAttemptAt) < 30*time.Minute {
		t.Errorf("entry while down = %+v", got)
	}
	if strings.Contains(got.LastError, testName) || strings.Contains(got.LastError, testNumber(t)) {
		t.Errorf("last_error carries personal data: %q", got.LastError)
	}

	e.sim.SetDown(false)
	o.Kick()
	rc := waitReceipt(t, o, "req-down")
	got = entry(t, o, "req-down")
	if got.State != StateSent || got.Attempts != 2 || got.CaseNumber != rc.CaseNumber || got.HasPayload {
		t.Errorf("entry after kick = %+v", got)
	}
	if n := len(e.sim.Applications()); n != 1 {
		t.Errorf("sim holds %d applications, want 1", n)
	}
}

func TestRetriesWithBackoffUntilDelivered(t *testing.T) {
	e := newEnv(t, 10*time.Second)
	o := e.open("outbox.db", fast)
	e.sim.FailNext(3, http.StatusServiceUnavailable)
	e.run(o)
	if err := o.Enqueue(context.Background(), testApp(t, "req-flaky")); err != nil {
		t.Fatal(err)
	}
	rc := waitReceipt(t, o, "req-flaky")
	got := entry(t, o, "req-flaky")
	if got.Attempts != 4 || got.State != StateSent || got.CaseNumber != rc.CaseNumber {
		t.Errorf("entry = %+v, want sent after 4 attempts", got)
	}
	if n, r := len(e.sim.Applications()), e.sim.Received(); n != 1 || r != 4 {
		t.Errorf("sim holds %d applications after %d posts, want 1 after 4", n, r)
	}
}

// TestLostResponse: the platform stores the case but its answer never
// reaches the kiosk; the resend with the same request_id gets the same case.
func TestLostResponse(t *testing.T) {
	e := newEnv(t, 300*time.Millisecond)
	o := e.open("outbox.db", fast)
	e.sim.SetDelay(time.Hour)
	e.run(o)
	if err := o.Enqueue(context.Background(), testApp(t, "req-lost")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a timed-out attempt", func() bool { return entry(t, o, "req-lost").Attempts >= 1 })
	if n := len(e.sim.Applications()); n != 1 {
		t.Fatalf("sim holds %d applications, want 1", n)
	}
	if got := entry(t, o, "req-lost"); got.State != StatePending || got.CaseNumber != "" {
		t.Fatalf("entry after lost answer = %+v", got)
	}
	e.sim.SetDelay(0)
	rc := waitReceipt(t, o, "req-lost")
	cases := e.sim.Cases()
	if len(cases) != 1 || len(e.sim.Applications()) != 1 {
		t.Fatalf("sim holds %d cases, want 1", len(cases))
	}
	if rc.CaseNumber != cases[0].CaseNumber || entry(t, o, "req-lost").CaseNumber != cases[0].CaseNumber {
		t.Errorf("outbox case %s, platform case %s", rc.CaseNumber, cases[0].CaseNumber)
	}
	if e.sim.Received() < 2 {
		t.Errorf("received %d posts, want a resend", e.sim.Received())
	}
}

func TestPowerCut(t *testing.T) {
	t.Run("close and reopen", func(t *testing.T) {
		e := newEnv(t, 10*time.Second)
		path := filepath.Join(e.dir, "outbox.db")
		o, err := Open(path, e.log, fast)
		if err != nil {
			t.Fatal(err)
		}
		if err := o.Enqueue(context.Background(), testApp(t, "req-cut")); err != nil {
			t.Fatal(err)
		}
		if err := o.Close(); err != nil {
			t.Fatal(err)
		}
		o2 := e.open("outbox.db", fast)
		e.run(o2)
		rc := waitReceipt(t, o2, "req-cut")
		if rc.CaseNumber == "" || len(e.sim.Applications()) != 1 {
			t.Errorf("receipt %+v, sim holds %d", rc, len(e.sim.Applications()))
		}
	})

	// The files as they are on disk while the process still runs: copying
	// them without closing is what a power cut leaves behind.
	t.Run("files of a running outbox", func(t *testing.T) {
		e := newEnv(t, 10*time.Second)
		o := e.open("live.db", fast)
		if err := o.Enqueue(context.Background(), testApp(t, "req-live")); err != nil {
			t.Fatal(err)
		}
		copyDB(t, filepath.Join(e.dir, "live.db"), filepath.Join(e.dir, "after-cut.db"))
		o2 := e.open("after-cut.db", fast)
		e.run(o2)
		if rc := waitReceipt(t, o2, "req-live"); rc.CaseNumber == "" {
			t.Errorf("receipt %+v", rc)
		}
	})

	// The process dies while a submission is in flight and the platform
	// has stored the case: at start-up the entry is sent again and gets the
	// same case.
	t.Run("during a send", func(t *testing.T) {
		e := newEnv(t, 10*time.Second)
		o := e.open("live.db", fast)
		e.sim.SetDelay(time.Hour)
		stop := e.run(o)
		if err := o.Enqueue(context.Background(), testApp(t, "req-inflight")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the platform to store the case", func() bool { return len(e.sim.Applications()) == 1 })
		copyDB(t, filepath.Join(e.dir, "live.db"), filepath.Join(e.dir, "after-cut.db"))
		stop()
		if got := entry(t, o, "req-inflight"); got.State != StatePending || got.Attempts != 0 {
			t.Errorf("entry cut short by shutdown = %+v, want pending with no attempt counted", got)
		}

		e.sim.SetDelay(0)
		o2 := e.open("after-cut.db", fast)
		e.run(o2)
		rc := waitReceipt(t, o2, "req-inflight")
		if cases := e.sim.Cases(); len(cases) != 1 || rc.CaseNumber != cases[0].CaseNumber {
			t.Errorf("receipt %s, sim cases %+v", rc.CaseNumber, cases)
		}
	})
}

// copyDB copies a SQLite database and its WAL.
func copyDB(t *testing.T, from, to string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(from + suffix)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestEnqueueIsIdempotent(t *testing.T) {
	e := newEnv(t, 10*time.Second)
	o := e.open("outbox.db", fast)
	ctx := context.Background()
	first := testApp(t, "req-twice")
	second := testApp(t, "req-twice")
	second.ItemName = "another name"
	for _, app := range []application.Application{first, second, first} {
		if err := o.Enqueue(ctx, app); err != nil {
			t.Fatal(err)
		}
	}
	list, err := o.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || stats(t, o) != [3]int{1, 0, 0} {
		t.Fatalf("list = %+v", list)
	}
	if p := plainPayload(t, o, "req-twice"); !bytes.Contains(p, []byte(first.ItemName)) {
		t.Errorf("payload was replaced: %s", p)
	}

	// Enqueuing after delivery is still a no-op: no second send.
	e.run(o)
	waitReceipt(t, o, "req-twice")
	if err := o.Enqueue(ctx, first); err != nil {
		t.Fatal(err)
	}
	if s := stats(t, o); s != [3]int{0, 1, 0} {
		t.Errorf("stats after re-enqueue of a sent request = %v", s)
	}
}

func TestEnqueueValidates(t *testing.T) {
	e := newEnv(t, 10*time.Second)
	o := e.open("outbox.db", fast)
	tests := []struct {
		name   string
		mutate func(*application.Application)
	}{
		{"no request id", func(a *application.Application) { a.RequestID = "" }},
		{"blank request id", func(a *application.Application) { a.RequestID = "  " }},
		{"no province", func(a *application.Application) { a.Province = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := testApp(t, "req-invalid")
			tt.mutate(&app)
			if err := o.Enqueue(context.Background(), app); err == nil {
				t.Error("want an error")
			}
		})
	}
	if s := stats(t, o); s != [3]int{} {
		t.Errorf("stats = %v, want empty", s)
	}
}

func TestRejectedIsKeptAndNotResent(t *testing.T) {
	e := newEnv(t, 10*time.Second)
	o := e.open("outbox.db", fast)
	ctx := context.Background()
	bad := testApp(t, "req-bad")
	bad.Applicant.Number = "5101041985"
	if err := o.Enqueue(ctx, bad); err != nil {
		t.Fatal(err)
	}
	e.run(o)

	wctx, cancel := context.WithTimeout(ctx, failAfter)
	defer cancel()
	if _, err := o.Wait(wctx, "req-bad"); !errors.Is(err, platform.ErrRejected) {
		t.Fatalf("Wait: err = %v, want ErrRejected", err)
	}
	got := entry(t, o, "req-bad")
	if got.State != StateRejected || got.Attempts != 1 || !got.HasPayload || !strings.Contains(got.LastError, "18 characters") {
		t.Errorf("rejected entry = %+v", got)
	}

	// Kick, then deliver another application: the loop has run again and
	// the rejected entry was not resent.
	o.Kick()
	if err := o.Enqueue(ctx, testApp(t, "req-good")); err != nil {
		t.Fatal(err)
	}
	waitReceipt(t, o, "req-good")
	if r := e.sim.Received(); r != 2 {
		t.Errorf("sim received %d posts, want 2 (the rejected one once)", r)
	}
	if s := stats(t, o); s != [3]int{0, 1, 1} {
		t.Errorf("stats = %v", s)
	}

	// A technician retries: it is sent once more (and rejected again).
	if err := o.Retry(ctx, got.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the retried entry to be rejected again", func() bool { return e.sim.Received() == 3 && entry(t, o, "req-bad").State == StateRejected })
	if got := entry(t, o, "req-bad"); got.Attempts != 1 {
		t.Errorf("retried entry = %+v, want attempts restarted", got)
	}

	tests := []struct {
		name string
		id   int64
		want error
	}{
		{"sent", entry(t, o, "req-good").ID, ErrNotRetryable},
		{"unknown", 9999, ErrNotFound},
	}
	for _, tt := range tests {
		if err := o.Retry(ctx, tt.id); !errors.Is(err, tt.want) {
			t.Errorf("Retry(%s): err = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestWait(t *testing.T) {
	e := newEnv(t, 10*time.Second)
	o := e.open("outbox.db", fast)
	ctx := context.Background()
	if _, err := o.Wait(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown: err = %v", err)
	}
	if err := o.Enqueue(ctx, testApp(t, "req-wait")); err != nil {
		t.Fatal(err)
	}
	// No forwarder: the kiosk's short wait ends with "queued".
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := o.Wait(short, "req-wait"); !errors.Is(err, ErrQueued) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("queued: err = %v", err)
	}
	// A Wait started before delivery sees it.
	done := make(chan error, 1)
	go func() {
		_, err := o.Wait(context.Background(), "req-wait")
		done <- err
	}()
	e.run(o)
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(failAfter):
		t.Fatal("Wait did not return after delivery")
	}
}

func TestRunOnlyOnce(t *testing.T) {
	e := newEnv(t, 10*time.Second)
	o := e.open("outbox.db", fast)
	e.run(o)
	waitFor(t, "the forwarder to start", o.running.Load)
	if err := o.Run(context.Background(), e.client); !errors.Is(err, ErrRunning) {
		t.Errorf("second Run: err = %v", err)
	}
}

func TestOpen(t *testing.T) {
	e := newEnv(t, 10*time.Second)
	o := e.open("outbox.db", Options{})
	pragma := func(name string) string {
		var v string
		if err := o.db.QueryRow("PRAGMA " + name).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"synchronous", "2"},
		{"secure_delete", "1"},
		{"busy_timeout", "5000"},
		{"user_version", fmt.Sprint(len(migrations))},
	}
	for _, tt := range tests {
		if got := pragma(tt.pragma); got != tt.want {
			t.Errorf("PRAGMA %s = %s, want %s", tt.pragma, got, tt.want)
		}
	}

	// Reopening an up-to-date file is fine; a newer schema is refused.
	if _, err := o.db.Exec(fmt.Sprintf("PRAGMA user_version = %d", len(migrations)+1)); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(filepath.Join(e.dir, "outbox.db"), nil, Options{}); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("open newer schema: err = %v", err)
	}
	if _, err := Open(filepath.Join(e.dir, "no-such-dir", "outbox.db"), nil, Options{}); err == nil {
		t.Error("open in a missing directory: want an error")
	}
}

func TestBackoff(t *testing.T) {
	o := &Outbox{opt: Options{Jitter: -1}.withDefaults()}
	tests := []struct {
		attempts int
		want     time.Duration
	}{
		{1, 2 * time.Second},
		{2, 4 * time.Second},
		{3, 8 * time.Second},
		{8, 256 * time.Second},
		{9, 5 * time.Minute},
		{1000, 5 * time.Minute},
	}
	for _, tt := range tests {
		if got := o.backoff(tt.attempts); got != tt.want {
			t.Errorf("backoff(%d) = %v, want %v", tt.attempts, got, tt.want)
		}
	}
	j := &Outbox{opt: Options{}.withDefaults()}
	for range 100 {
		if d := j.backoff(3); d > 8*time.Second || d < 6400*time.Millisecond {
			t.Fatalf("jittered backoff(3) = %v, want within [6.4s, 8s]", d)
		}
	}
}

func TestErrorText(t *testing.T) {
	long := strings.Repeat("错", 400)
	tests := []struct {
		in   string
		want string
	}{
		{"platform 51: submit:\n  down", "platform 51: submit: down"},
		{long, strings.Repeat("错", maxErrorLen/3) + "…"},
	}
	for _, tt := range tests {
		if got := errorText(errors.New(tt.in), nil); got != tt.want {
			t.Errorf("errorText(%.20q) = %.40q, want %.40q", tt.in, got, tt.want)
		}
	}
}

func TestPurge(t *testing.T) {
	e := newEnv(t, 10*time.Second)
	o := e.open("outbox.db", fast)
	ctx := context.Background()
	bad := testApp(t, "purge-bad")
	bad.Applicant.Number = "5101041985"
	for _, app := range []application.Application{testApp(t, "purge-good"), bad} {
		if err := o.Enqueue(ctx, app); err != nil {
			t.Fatal(err)
		}
	}
	stop := e.run(o)
	waitFor(t, "one sent and one rejected", func() bool { return stats(t, o) == [3]int{0, 1, 1} })
	stop()
	e.sim.SetDown(true) // the pending one below stays pending
	if err := o.Enqueue(ctx, testApp(t, "purge-pending")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		rejected bool
		deleted  int
		after    [3]int
	}{
		{false, 1, [3]int{1, 0, 1}},
		{false, 0, [3]int{1, 0, 1}},
		{true, 1, [3]int{1, 0, 0}},
	}
	for _, tt := range tests {
		n, err := o.Purge(ctx, tt.rejected)
		if err != nil || n != tt.deleted {
			t.Errorf("Purge(%v) = %d, %v; want %d", tt.rejected, n, err, tt.deleted)
		}
		if s := stats(t, o); s != tt.after {
			t.Errorf("after Purge(%v): stats %v, want %v", tt.rejected, s, tt.after)
		}
	}
}

// TestBundleReceiptKeepsLinkedCases sends a 一件事一次办 application: the
// receipt from the outbox lists the member cases, and so does List.
func TestBundleReceiptKeepsLinkedCases(t *testing.T) {
	e := newEnv(t, 10*time.Second)
	o := e.open("outbox.db", fast)
	cat, err := catalogyaml.Sample()
	if err != nil {
		t.Fatal(err)
	}
	var bundle catalog.Item
	for _, it := range cat.Items {
		if len(it.Bundle) > 0 {
			bundle = it
			break
		}
	}
	app := testApp(t, "bundle-1")
	app.ItemCode, app.ItemName = bundle.Code, bundle.Name
	if err := o.Enqueue(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	e.run(o)
	rc := waitReceipt(t, o, "bundle-1")
	if len(rc.Linked) != len(bundle.Bundle) {
		t.Fatalf("receipt %+v: %d linked cases, want %d", rc, len(rc.Linked), len(bundle.Bundle))
	}
	if got := entry(t, o, "bundle-1").Linked; strings.Join(got, " ") != strings.Join(rc.Linked, " ") {
		t.Errorf("List linked %v, receipt %v", got, rc.Linked)
	}
	if n := len(e.sim.Cases()); n != 1+len(bundle.Bundle) {
		t.Errorf("simulator has %d cases, want %d", n, 1+len(bundle.Bundle))
	}
}
