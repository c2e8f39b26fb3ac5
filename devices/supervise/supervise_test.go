package supervise

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"sckiosk/devices/device"
)

func TestRunReopensWithBackoff(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var states []device.State
	var starts []time.Time
	report := func(s device.Status) {
		mu.Lock()
		states = append(states, s.State)
		mu.Unlock()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run(ctx, device.Scanner, Backoff{Min: 10 * time.Millisecond, Max: 40 * time.Millisecond, Stable: time.Hour},
			slog.New(slog.NewTextHandler(io.Discard, nil)), report,
			func(ctx context.Context, report func(device.Status)) error {
				mu.Lock()
				starts = append(starts, time.Now())
				n := len(starts)
				mu.Unlock()
				if n < 4 {
					return errors.New("port gone")
				}
				report(device.Status{Kind: device.Scanner, State: device.Online})
				<-ctx.Done()
				return nil
			})
	}()
	deadline := time.After(5 * time.Second)
	for {
		mu.Lock()
		n := len(starts)
		last := device.State(-1)
		if len(states) > 0 {
			last = states[len(states)-1]
		}
		mu.Unlock()
		if n == 4 && last == device.Online {
			break
		}
		select {
		case <-deadline:
			t.Fatalf("supervisor did not reach the fourth session: %d starts", n)
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	want := []device.State{device.Starting, device.Offline, device.Offline, device.Offline, device.Online}
	if len(states) != len(want) {
		t.Fatalf("states = %v, want %v", states, want)
	}
	for i := range want {
		if states[i] != want[i] {
			t.Fatalf("states = %v, want %v", states, want)
		}
	}
	// Gaps grow: 10, 20, 40 ms (at least).
	for i, min := range []time.Duration{10, 20, 40} {
		if gap := starts[i+1].Sub(starts[i]); gap < min*time.Millisecond {
			t.Errorf("gap %d = %v, want >= %v ms", i, gap, min)
		}
	}
}
