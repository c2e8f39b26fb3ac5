package scannersim

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"sckiosk/devices/device"
	"sckiosk/devices/scanner"
	"sckiosk/devices/serialport"
)

func TestSimFaults(t *testing.T) {
	p, err := serialport.NewPty()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := make(chan scanner.Event, 8)
	d := scanner.New(scanner.Options{Port: p.SlavePath, MaxLine: 64, Dedup: time.Hour}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	go d.Session(events)(ctx, func(device.Status) {})
	sim := NewSim(p.Master)
	time.Sleep(100 * time.Millisecond)
	sim.ShowGarbage(200) // too long: dropped with an error
	sim.ShowPartial("TFTB:1:split", 50*time.Millisecond)
	sim.ShowUnterminated("never-ends") // held until a terminator comes
	sim.Show("")                       // the terminator: "never-ends" completes
	want := []string{"!toolong", "TFTB:1:split", "never-ends"}
	for _, w := range want {
		select {
		case ev := <-events:
			if w == "!toolong" {
				if !errors.Is(ev.Err, scanner.ErrTooLong) {
					t.Fatalf("got %+v, want ErrTooLong", ev)
				}
				continue
			}
			if ev.Text != w {
				t.Fatalf("got %+v, want %q", ev, w)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no event for %q", w)
		}
	}
}
