package outbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"sckiosk/kiosk/core/application"
)

// countingPlatform accepts every application, making one case per
// request_id as the platform does (a resend gets the same case), and
// remembers when each submission arrived.
type countingPlatform struct {
	mu    sync.Mutex
	order []string               // request ids, in the order submitted
	at    map[string][]time.Time // request id -> submission times
}

func (p *countingPlatform) Submit(_ context.Context, app application.Application) (application.Receipt, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.at == nil {
		p.at = map[string][]time.Time{}
	}
	p.order = append(p.order, app.RequestID)
	p.at[app.RequestID] = append(p.at[app.RequestID], time.Now())
	return application.Receipt{RequestID: app.RequestID, CaseNumber: "SC-" + app.RequestID, Status: "已受理",
		AcceptedAt: time.Now(), Duplicate: len(p.at[app.RequestID]) > 1}, nil
}

func (p *countingPlatform) times(requestID string) []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.at[requestID]...)
}

func (p *countingPlatform) firsts() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for _, id := range p.order {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

var errDiskFull = errors.New("database or disk is full (SQLITE_FULL)")

// An entry whose outcome cannot be recorded (a full disk) does not block
// the queue: the entries behind it are delivered in order, it is sent
// again only after a growing back-off, and once it can be recorded it is
// delivered too. Nothing is lost, and no entry gets a second case.
func TestUnrecordableEntryIsHeldBackNotBlocking(t *testing.T) {
	e := newEnv(t, 10*time.Second)
	base := 40 * time.Millisecond
	o := e.open("outbox.db", Options{BackoffBase: base, BackoffMax: time.Second, Jitter: -1, PollInterval: 50 * time.Millisecond, ProbeInterval: -1})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ids := []string{"req-a", "req-b", "req-c"}
	for _, id := range ids {
		if err := o.Enqueue(ctx, testApp(t, id)); err != nil {
			t.Fatal(err)
		}
	}
	stuckID := entry(t, o, "req-a").ID
	var full atomic.Bool
	full.Store(true)
	o.recordFault = func(id int64) error {
		if id == stuckID && full.Load() {
			return errDiskFull
		}
		return nil
	}
	p := &countingPlatform{}
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx, p) }()
	defer func() { cancel(); <-done }()

	waitFor(t, "the entries behind the stuck one to be delivered", func() bool {
		return entry(t, o, "req-b").State == StateSent && entry(t, o, "req-c").State == StateSent
	})
	waitFor(t, "the stuck entry to be sent four times", func() bool { return len(p.times("req-a")) >= 4 })
	full.Store(false)
	waitReceipt(t, o, "req-a")

	if got := p.firsts(); fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Errorf("first submissions in order %v, want %v", got, ids)
	}
	at := p.times("req-a")
	for k := 1; k < len(at) && k <= 4; k++ {
		want := base << (k - 1) // the back-off after the k-th failure
		if gap := at[k].Sub(at[k-1]); gap < want {
			t.Errorf("stuck entry resent %v after its failure %d, want at least %v", gap, k, want)
		}
	}
	for _, id := range ids {
		got := entry(t, o, id)
		if got.State != StateSent || got.CaseNumber != "SC-"+id || got.HasPayload {
			t.Errorf("entry %s = %+v, want sent with its one case", id, got)
		}
	}
	for _, id := range ids[1:] {
		if n := len(p.times(id)); n != 1 {
			t.Errorf("%s submitted %d times, want once", id, n)
		}
	}
	if s := stats(t, o); s != [3]int{0, 3, 0} {
		t.Errorf("stats = %v", s)
	}
}

// The forwarder's own queries failing back it off exponentially, not at
// a fixed pace: the wait after n failures in a row is backoff(n).
func TestQueueReadFailureBacksOff(t *testing.T) {
	e := newEnv(t, 10*time.Second)
	o := e.open("outbox.db", Options{BackoffBase: 30 * time.Millisecond, BackoffMax: time.Second, Jitter: -1, ProbeInterval: -1})
	if err := o.Enqueue(context.Background(), testApp(t, "req-1")); err != nil {
		t.Fatal(err)
	}
	o.db.Close() // every query now fails
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	if err := o.Run(ctx, &countingPlatform{}); err != nil {
		t.Fatal(err)
	}
	// 30+60+120+240 ms = 450 ms: at most 5 reads fit in 700 ms; a fixed
	// pace of 30 ms would make about 23.
	if o.storeFails < 1 || o.storeFails > 5 {
		t.Errorf("%d failed reads in 700 ms, want at most 5 with a doubling back-off", o.storeFails)
	}
}

// mountTmpfs mounts a tmpfs of size bytes on a new directory, for the
// time of the test; it skips unless the test may mount (root).
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// fill writes a file into dir until the file system is full.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, chunk := range [][]byte{make([]byte, 64<<10), make([]byte, 4<<10), {0}} {
		for {
			if _, err := f.Write(chunk); err != nil {
				if !errors.Is(err, syscall.ENOSPC) {
					t.Fatal(err)
				}
				break
			}
		}
	}
	return path
}

// A real full disk (a tmpfs filled to the last byte), with a real platform
// simulator: while nothing can be recorded every entry is still tried
// (none blocks the others) and retried with back-off, not every poll;
// once space is freed every application becomes exactly one case.
func TestFullDisk(t *testing.T) {
	dir := mountTmpfs(t, 2<<20)
	e := newEnv(t, 10*time.Second)
	opt := Options{BackoffBase: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond, Jitter: -1,
		PollInterval: 50 * time.Millisecond, ProbeInterval: -1, BreakerThreshold: 1000}
	o, err := Open(filepath.Join(dir, "outbox.db"), e.log, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	const n = 5
	ctx := context.Background()
	for i := range n {
		if err := o.Enqueue(ctx, testApp(t, fmt.Sprintf("req-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	filler := fill(t, dir)
	if err := o.Enqueue(ctx, testApp(t, "req-too-many")); err == nil {
		t.Fatal("Enqueue on a full disk succeeded; the test cannot make the disk full")
	}
	start := time.Now()
	stop := e.run(o)
	waitFor(t, "every entry to be tried", func() bool {
		seen := map[string]bool{}
		for _, a := range e.sim.Applications() {
			seen[a.RequestID] = true
		}
		return len(seen) == n
	})
	time.Sleep(600 * time.Millisecond)
	// Each entry waits out 20, 40, 80, 160, 200, 200… ms between sends;
	// at a fixed 20 ms pace it would be sent dozens of times.
	elapsed := time.Since(start)
	most := 1
	for k, sum := 1, o.backoff(1); sum <= elapsed; k, sum = k+1, sum+o.backoff(k+1) {
		most++
	}
	if got := e.sim.Received(); got > most*n {
		t.Errorf("%d submissions of %d entries in %v on a full disk, want at most %d each with the back-off", got, n, elapsed, most)
	}
	t.Logf("%d submissions of %d entries in %v on a full disk (at most %d each)", e.sim.Received(), n, elapsed, most)
	if s := stats(t, o); s[0] != n {
		t.Errorf("stats on a full disk = %v, want all %d pending", s, n)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		waitReceipt(t, o, fmt.Sprintf("req-%d", i))
	}
	stop()
	cases := map[string]int{}
	for _, a := range e.sim.Applications() {
		cases[a.RequestID]++
	}
	for i := range n {
		id := fmt.Sprintf("req-%d", i)
		if got := entry(t, o, id); cases[id] != 1 || got.State != StateSent {
			t.Errorf("%s: %d cases, entry %+v; want one case, sent", id, cases[id], got)
		}
	}
	if len(cases) != n {
		t.Errorf("%d distinct cases, want %d", len(cases), n)
	}
}
