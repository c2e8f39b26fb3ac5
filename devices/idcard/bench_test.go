package idcard_test

import (
	"cmp"
	"context"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"sckiosk/devices/idcard"
	"sckiosk/devices/idcard/idcardsim"
)

// BenchmarkCardPlacedToRead measures card placed → CardRead event with the
// simulator pacing bytes at 115200 8N1 over a pty. ms/read is the mean
// time; overhead-ms is what it adds to the 112 ms wire time of the 1295-byte
// 30 01 answer: the wait for the next find poll, find, select and 30 03 on
// the wire, and the host's own work. Each card is placed at a random
// moment of the poll period. The poll interval is the benchmark's
// parameter; "default" is what a hall gets (Options.PollInterval zero:
// the driver's DefaultPollInterval, which no profile key overrides).
func BenchmarkCardPlacedToRead(b *testing.B) {
	b.Run("poll=default", func(b *testing.B) { benchRead(b, 0) })
	for _, poll := range []time.Duration{time.Millisecond, 10 * time.Millisecond, 50 * time.Millisecond, 300 * time.Millisecond} {
		b.Run("poll="+poll.String(), func(b *testing.B) { benchRead(b, poll) })
	}
}

// BenchmarkIdlePoll measures what find-card polling costs while no card
// is on the reader, per second: the process's CPU time (the driver and the
// simulator answering it, both in this process: an upper bound for the
// driver alone) and the bytes on the serial line (a 10-byte find out, an
// 11-byte "no card" answer back, at 86.8 µs a byte at 115200 8N1).
func BenchmarkIdlePoll(b *testing.B) {
	for _, poll := range []time.Duration{idcard.DefaultPollInterval, 50 * time.Millisecond, 300 * time.Millisecond} {
		b.Run("poll="+poll.String(), func(b *testing.B) { benchIdle(b, poll) })
	}
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchIdle(b *testing.B, poll time.Duration) {
	const baud = 115200
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sim, p, err := idcardsim.StartPtyWith(ctx, idcardsim.SimOptions{Baud: baud}, nil)
	if err != nil {
		b.Fatal(err)
	}
	drv := idcard.New(idcard.Options{Port: p.SlavePath, Baud: baud, PollInterval: poll}, nil)
	go func() { _ = drv.Session(nil)(ctx, nil) }()
	for sim.Served(idcard.OpFind) < 2 { // past the start-up status check
		time.Sleep(poll / 4)
	}
	const window = time.Second
	var cpu time.Duration
	finds := 0
	b.ResetTimer()
	for range b.N {
		c0, f0 := cpuTime(b), sim.Served(idcard.OpFind)
		time.Sleep(window)
		cpu += cpuTime(b) - c0
		finds += sim.Served(idcard.OpFind) - f0
	}
	secs := float64(b.N) * window.Seconds()
	b.ReportMetric(float64(finds)/secs, "polls/s")
	b.ReportMetric(float64(cpu)/float64(time.Millisecond)/secs, "cpu-ms/s")
	b.ReportMetric(float64(finds)*21/secs, "line-B/s")
	b.ReportMetric(0, "ns/op")
}

func benchRead(b *testing.B, poll time.Duration) {
	const baud = 115200
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sim, p, err := idcardsim.StartPtyWith(ctx, idcardsim.SimOptions{Baud: baud}, nil)
	if err != nil {
		b.Fatal(err)
	}
	events := make(chan idcard.Event, 4)
	drv := idcard.New(idcard.Options{Port: p.SlavePath, Baud: baud, PollInterval: poll}, nil)
	done := make(chan error, 1)
	go func() { done <- drv.Session(events)(ctx, nil) }()
	next := func(want idcard.EventKind) {
		select {
		case ev := <-events:
			if ev.Kind != want {
				b.Fatalf("event %v (%v), want %v", ev.Kind, ev.Err, want)
			}
			ev.Card.Wipe()
		case err := <-done:
			b.Fatalf("session ended: %v", err)
		case <-time.After(10 * time.Second):
			b.Fatalf("no %v", want)
		}
	}
	card := idcard.SampleCard()
	// Warm up: the first read also waits for the status check.
	if err := sim.Place(card); err != nil {
		b.Fatal(err)
	}
	next(idcard.CardRead)
	sim.Remove()
	next(idcard.CardRemoved)

	period := cmp.Or(poll, idcard.DefaultPollInterval)
	var total time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if err := sim.Place(card); err != nil {
			b.Fatal(err)
		}
		next(idcard.CardRead)
		total += time.Since(start)
		b.StopTimer()
		sim.Remove()
		next(idcard.CardRemoved)
		// A citizen places a card at any moment of the poll period; placed
		// right after the poll that saw the removal, every card would wait
		// a whole period.
		time.Sleep(rand.N(period))
		b.StartTimer()
	}
	wire := time.Duration(1295) * idcardsim.ByteTime(baud)
	mean := total / time.Duration(b.N)
	b.ReportMetric(float64(mean)/float64(time.Millisecond), "ms/read")
	b.ReportMetric(float64(mean-wire)/float64(time.Millisecond), "overhead-ms")
	b.ReportMetric(0, "ns/op")
}
