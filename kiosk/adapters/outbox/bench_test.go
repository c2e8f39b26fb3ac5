package outbox

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/adapters/platform/platformsim"
	"sckiosk/kiosk/core/application"
)

// benchEnv is a simulator on loopback, a client and an outbox in a
// temporary directory.
func benchEnv(b *testing.B, faults platformsim.Faults) (*platformsim.Sim, *platform.Client, *Outbox) {
	b.Helper()
	sim := platformsim.New(application.Sichuan, nil, platformsim.WithFaults(faults))
	srv, err := sim.Start("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	client, err := platform.NewClient(map[string]string{application.Sichuan: srv.URL()}, &http.Client{Timeout: 10 * time.Second}, nil)
	if err != nil {
		b.Fatal(err)
	}
	o, err := Open(filepath.Join(b.TempDir(), "outbox.db"), nil, fast)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { o.Close() })
	return sim, client, o
}

// BenchmarkEnqueue measures a durable enqueue: seal, INSERT, fsync'd
// commit. It reports the median and 99th percentile.
func BenchmarkEnqueue(b *testing.B) {
	_, _, o := benchEnv(b, platformsim.Faults{})
	ctx := context.Background()
	var lat []time.Duration
	i := 0
	for b.Loop() {
		app := testApp(b, fmt.Sprintf("bench-enq-%d", i))
		i++
		start := time.Now()
		if err := o.Enqueue(ctx, app); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	reportPercentiles(b, lat)
}

// BenchmarkDrain1000 measures how fast the forwarder delivers 1,000 queued
// applications to the simulator (goal ≥ 50/s).
func BenchmarkDrain1000(b *testing.B) {
	const n = 1000
	for b.Loop() {
		b.StopTimer()
		_, client, o := benchEnv(b, platformsim.Faults{})
		ctx, cancel := context.WithCancel(context.Background())
		for i := range n {
			if err := o.Enqueue(ctx, testApp(b, fmt.Sprintf("bench-drain-%d", i))); err != nil {
				b.Fatal(err)
			}
		}
		done := make(chan struct{})
		b.StartTimer()
		start := time.Now()
		go func() { o.Run(ctx, client); close(done) }()
		for o.Health().Pending > 0 {
			time.Sleep(time.Millisecond)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		cancel()
		<-done
		b.ReportMetric(float64(n)/elapsed.Seconds(), "apps/s")
		b.StartTimer()
	}
}

// BenchmarkSubmitToAck measures Enqueue to Wait's receipt with 100 ms of
// injected platform latency.
func BenchmarkSubmitToAck(b *testing.B) {
	_, client, o := benchEnv(b, platformsim.Faults{Latency: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go o.Run(ctx, client)
	var lat []time.Duration
	i := 0
	for b.Loop() {
		id := fmt.Sprintf("bench-ack-%d", i)
		i++
		start := time.Now()
		if err := o.Enqueue(ctx, testApp(b, id)); err != nil {
			b.Fatal(err)
		}
		if _, err := o.Wait(ctx, id); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	reportPercentiles(b, lat)
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
