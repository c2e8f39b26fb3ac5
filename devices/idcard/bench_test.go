package idcard_test

import (
	"context"
	"testing"
	"time"

	"sckiosk/devices/idcard"
	"sckiosk/devices/idcard/idcardsim"
)

// BenchmarkCardPlacedToRead measures card placed → CardRead event with the
// simulator pacing bytes at 115200 8N1 over a pty. ms/read is the mean
// time; overhead-ms is what it adds to the 112 ms wire time of the 1295-byte
// 30 01 answer: the wait for the next find poll, find, select and 30 03 on
// the wire, and the host's own work. The poll interval is the benchmark's
// parameter; the driver's default is 300 ms.
func BenchmarkCardPlacedToRead(b *testing.B) {
	for _, poll := range []time.Duration{time.Millisecond, 10 * time.Millisecond, 300 * time.Millisecond} {
		b.Run("poll="+poll.String(), func(b *testing.B) { benchRead(b, poll) })
	}
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
		b.StartTimer()
	}
	wire := time.Duration(1295) * idcardsim.ByteTime(baud)
	mean := total / time.Duration(b.N)
	b.ReportMetric(float64(mean)/float64(time.Millisecond), "ms/read")
	b.ReportMetric(float64(mean-wire)/float64(time.Millisecond), "overhead-ms")
	b.ReportMetric(0, "ns/op")
}
