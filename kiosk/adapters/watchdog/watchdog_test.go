package watchdog

import (
	"context"
	"errors"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// fakeUI is a UI loop that runs posted callbacks only when told to.
type fakeUI struct {
	mu     sync.Mutex
	queue  []func()
	posted chan struct{}
}

func (u *fakeUI) Do(f func()) {
	u.mu.Lock()
	u.queue = append(u.queue, f)
	u.mu.Unlock()
	u.posted <- struct{}{}
}

func (u *fakeUI) runAll() {
	u.mu.Lock()
	q := u.queue
	u.queue = nil
	u.mu.Unlock()
	for _, f := range q {
		f()
	}
}

func (u *fakeUI) waitPosted(t *testing.T) {
	t.Helper()
	select {
	case <-u.posted:
	case <-time.After(5 * time.Second):
		t.Fatal("watchdog posted no callback to the UI loop")
	}
}

// recorder is a Notifier that records states.
type recorder struct {
	mu     sync.Mutex
	states []string
	fail   string // state whose notification fails
}

func (r *recorder) notify(s string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s == r.fail {
		return false, errors.New("socket gone")
	}
	r.states = append(r.states, s)
	return true, nil
}

func TestRun(t *testing.T) {
	tests := []struct {
		name  string
		steps []string // "ui": the UI loop runs what was posted; "tick": half an interval passes
		want  []string
	}{
		{"UI never runs: not ready, nothing sent", nil, nil},
		{"ready after the first callback", []string{"ui"}, []string{"READY=1", "STOPPING=1"}},
		{"healthy UI pings every tick", []string{"ui", "ui", "tick", "ui", "tick", "ui", "tick"},
			[]string{"READY=1", "WATCHDOG=1", "WATCHDOG=1", "WATCHDOG=1", "STOPPING=1"}},
		{"frozen UI stops the pings", []string{"ui", "ui", "tick", "tick", "tick"},
			[]string{"READY=1", "WATCHDOG=1", "STOPPING=1"}},
		{"a UI that catches up pings again", []string{"ui", "tick", "tick", "ui", "tick"},
			[]string{"READY=1", "WATCHDOG=1", "STOPPING=1"}},
		{"the ping needs a callback run since the last tick", []string{"ui", "ui", "tick", "tick", "ui", "tick"},
			[]string{"READY=1", "WATCHDOG=1", "WATCHDOG=1", "STOPPING=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ui := &fakeUI{posted: make(chan struct{}, 100)}
			rec := &recorder{}
			ticks := make(chan time.Time)
			w := New(Options{Do: ui.Do, Notify: rec.notify, Interval: 30 * time.Second})
			var gotInterval time.Duration
			w.ticker = func(d time.Duration) (<-chan time.Time, func()) { gotInterval = d; return ticks, func() {} }
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error)
			go func() { done <- w.Run(ctx) }()
			ui.waitPosted(t)
			ready := false
			for _, s := range tt.steps {
				switch s {
				case "ui":
					ui.runAll()
					if !ready {
						ui.waitPosted(t) // READY=1 sent, next callback posted
						ready = true
					}
				case "tick":
					ticks <- time.Now()
					ui.waitPosted(t)
				}
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("Run: %v", err)
			}
			if !slices.Equal(rec.states, tt.want) {
				t.Errorf("notified %q, want %q", rec.states, tt.want)
			}
			if ready && gotInterval != 15*time.Second {
				t.Errorf("ticks every %v, want half of WatchdogSec (15s)", gotInterval)
			}
		})
	}
}

func TestRunWithoutWatchdog(t *testing.T) {
	t.Setenv("WATCHDOG_USEC", "")
	ui := &fakeUI{posted: make(chan struct{}, 100)}
	rec := &recorder{}
	w := New(Options{Do: ui.Do, Notify: rec.notify})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	ui.waitPosted(t)
	ui.runAll()
	time.Sleep(10 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if want := []string{"READY=1", "STOPPING=1"}; !slices.Equal(rec.states, want) {
		t.Errorf("notified %q, want %q", rec.states, want)
	}
}

func TestRunErrors(t *testing.T) {
	tests := []struct {
		name string
		opts func(ui *fakeUI, rec *recorder) Options
	}{
		{"no Do", func(ui *fakeUI, rec *recorder) Options { return Options{Notify: rec.notify, Interval: time.Second} }},
		{"READY=1 fails", func(ui *fakeUI, rec *recorder) Options {
			rec.fail = "READY=1"
			go func() { ui.waitPosted(t); ui.runAll() }()
			return Options{Do: ui.Do, Notify: rec.notify, Interval: time.Second}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ui := &fakeUI{posted: make(chan struct{}, 100)}
			w := New(tt.opts(ui, &recorder{}))
			if err := w.Run(context.Background()); err == nil {
				t.Fatal("Run succeeded, want an error")
			}
		})
	}
}

func TestInterval(t *testing.T) {
	self := strconv.Itoa(os.Getpid())
	tests := []struct {
		usec, pid string
		want      time.Duration
		wantErr   bool
	}{
		{"", "", 0, false},
		{"30000000", "", 30 * time.Second, false},
		{"30000000", self, 30 * time.Second, false},
		{"30000000", "1", 0, false}, // another process is watched
		{"thirty", "", 0, true},
		{"-5", "", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.usec+"/"+tt.pid, func(t *testing.T) {
			t.Setenv("WATCHDOG_USEC", tt.usec)
			t.Setenv("WATCHDOG_PID", tt.pid)
			got, err := Interval()
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("Interval() = %v, %v; want %v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
