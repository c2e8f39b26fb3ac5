package outbox

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/adapters/platform/platformsim"
	"sckiosk/kiosk/core/application"
)

// Environment of the crash child (TestCrashChild).
const (
	envCrashChild = "SCKIOSK_OUTBOX_CRASH_CHILD"
	envCrashDir   = "SCKIOSK_OUTBOX_CRASH_DIR"
	envCrashURL   = "SCKIOSK_OUTBOX_CRASH_URL"
	envCrashN     = "SCKIOSK_OUTBOX_CRASH_N"
)

// crashOptions are the child's outbox options: quick back-off and breaker
// so that a run with every fault enabled still drains in seconds.
var crashOptions = Options{
	BackoffBase: 5 * time.Millisecond, BackoffMax: 50 * time.Millisecond, Jitter: 0.5,
	PollInterval: 50 * time.Millisecond, BreakerThreshold: 5, BreakerCooldown: 50 * time.Millisecond,
	AttemptTimeout: 2 * time.Second,
}

func crashRequestID(i int) string { return fmt.Sprintf("crash-%04d", i) }

// TestCrashChild is the sending process of TestCrashKill: it enqueues the
// applications it has not stored yet, printing "queued ID" once each is
// durable, forwards them, and exits 0 when every one is delivered. It does
// nothing unless started by TestCrashKill.
func TestCrashChild(t *testing.T) {
	if os.Getenv(envCrashChild) != "1" {
		t.Skip("run by TestCrashKill")
	}
	n, _ := strconv.Atoi(os.Getenv(envCrashN))
	client, err := platform.NewClient(map[string]string{application.Sichuan: os.Getenv(envCrashURL)},
		&http.Client{Timeout: 2 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	o, err := Open(filepath.Join(os.Getenv(envCrashDir), "outbox.db"), nil, crashOptions)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go o.Run(ctx, client)

	list, err := o.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, e := range list {
		have[e.RequestID] = true
	}
	for i := range n {
		id := crashRequestID(i)
		if have[id] {
			continue
		}
		if err := o.Enqueue(ctx, testApp(t, id)); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("queued %s\n", id)
	}
	for {
		if h := o.Health(); h.Pending == 0 {
			if h.Rejected != 0 {
				list, _ := o.List(ctx)
				for _, e := range list {
					if e.State == StateRejected {
						t.Errorf("rejected %s: %s", e.RequestID, e.LastError)
					}
				}
				t.Fatalf("%d entries rejected", h.Rejected)
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCrashKill kills the sending process with SIGKILL at random moments
// while it enqueues and sends against a simulator with every fault
// enabled, restarts it, and checks that every application whose enqueue
// returned became exactly one case, and that the outbox recorded that
// case.
func TestCrashKill(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: not in -short")
	}
	if os.Getenv(envCrashChild) != "" {
		t.Skip("in the child")
	}
	n := 300
	if v, err := strconv.Atoi(os.Getenv(envCrashN)); err == nil && v > 0 {
		n = v
	}
	sim := platformsim.New(application.Sichuan, nil, platformsim.WithFaults(platformsim.Faults{
		Latency: 2 * time.Millisecond, ErrorRate: 0.1, ResetRate: 0.1, DropAfterCommitRate: 0.1,
		SlowRate: 0.05, SlowDelay: 100 * time.Millisecond,
	}))
	srv, err := sim.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()

	var (
		mu     sync.Mutex
		queued = map[string]bool{}
	)
	// start runs the child; its stdout lines are collected until it exits.
	start := func() (*exec.Cmd, chan struct{}) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), envCrashChild+"=1", envCrashDir+"="+dir, envCrashURL+"="+srv.URL(),
			envCrashN+"="+strconv.Itoa(n))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if id, ok := strings.CutPrefix(sc.Text(), "queued "); ok {
					mu.Lock()
					queued[id] = true
					mu.Unlock()
				} else if line := sc.Text(); strings.Contains(line, ".go:") || strings.HasPrefix(line, "panic") {
					t.Logf("child: %s", line)
				}
			}
		}()
		return cmd, done
	}

	kills := 0
	deadline := time.Now().Add(2 * time.Minute)
	for round := 0; ; round++ {
		cmd, out := start()
		exited := make(chan error, 1)
		go func() { <-out; exited <- cmd.Wait() }()
		if round >= 20 { // enough kills: let it finish
			select {
			case err := <-exited:
				if err != nil {
					t.Fatalf("final child run: %v", err)
				}
			case <-time.After(time.Until(deadline)):
				cmd.Process.Kill()
				t.Fatal("final child run did not finish")
			}
			break
		}
		select {
		case err := <-exited:
			if err != nil {
				t.Fatalf("child run %d: %v", round, err)
			}
		case <-time.After(time.Duration(50+rand.IntN(400)) * time.Millisecond):
			if err := cmd.Process.Signal(syscall.SIGKILL); err == nil {
				kills++
			}
			<-exited
		}
	}

	// Every case is one application, none twice, none lost.
	cases := map[string]int{}
	caseOf := map[string]string{}
	apps, statuses := sim.Applications(), sim.Cases()
	for i, a := range apps {
		cases[a.RequestID]++
		caseOf[a.RequestID] = statuses[i].CaseNumber
	}
	lost, dup := 0, 0
	for i := range n {
		id := crashRequestID(i)
		switch cases[id] {
		case 0:
			lost++
		case 1:
		default:
			dup++
		}
	}
	mu.Lock()
	acked := len(queued)
	mu.Unlock()
	if lost != 0 || dup != 0 || len(cases) != n {
		t.Errorf("over %d applications: %d lost, %d duplicated, %d distinct cases", n, lost, dup, len(cases))
	}
	o, err := Open(filepath.Join(dir, "outbox.db"), nil, crashOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	list, err := o.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	mismatch := 0
	for _, e := range list {
		if e.State != StateSent || e.CaseNumber != caseOf[e.RequestID] || e.HasPayload {
			mismatch++
		}
	}
	if len(list) != n || mismatch != 0 {
		t.Errorf("outbox holds %d entries, %d not sent with the platform's case number", len(list), mismatch)
	}
	t.Logf("%d applications, %d SIGKILLs, %d enqueues acknowledged before a kill or the end, %d POSTs received; 0 lost, 0 duplicated",
		n, kills, acked, sim.Received())
}
