package scanner_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"sckiosk/devices/device"
	"sckiosk/devices/scanner"
	"sckiosk/devices/scanner/scannersim"
	"sckiosk/devices/serialport"
)

func TestDriverOverPty(t *testing.T) {
	p, err := serialport.NewPty()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := make(chan scanner.Event, 4)
	statuses := make(chan device.Status, 4)
	d := scanner.New(scanner.Options{Port: p.SlavePath, Dedup: time.Hour}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	go d.Session(events)(ctx, func(s device.Status) { statuses <- s })
	if s := <-statuses; s.State != device.Online {
		t.Fatalf("status %v", s)
	}
	sim := scannersim.NewSim(p.Master)
	for _, code := range []string{"TFTB:abc", "TFTB:abc", "TFTB:def"} { // the repeat is suppressed
		if err := sim.Show(code); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"TFTB:abc", "TFTB:def"} {
		select {
		case ev := <-events:
			if ev.Text != want {
				t.Fatalf("got %+v, want %q", ev, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no event for %q", want)
		}
	}
}

// In command-trigger mode the engine reads only when the driver sends its
// trigger; the engine's reply to the command never becomes a code.
func TestCommandTriggerModes(t *testing.T) {
	for _, family := range []string{scanner.TriggerGM65, scanner.TriggerHoneywell, scanner.TriggerNewland} {
		t.Run(family, func(t *testing.T) {
			p, err := serialport.NewPty()
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sim := scannersim.NewSimWith(p.Master, scannersim.SimOptions{Trigger: family})
			go sim.ServeCommands(ctx, p.Master)
			// Shown before any trigger: held by the engine.
			if err := sim.Show("TFTB:1:first"); err != nil {
				t.Fatal(err)
			}
			events := make(chan scanner.Event, 4)
			d := scanner.New(scanner.Options{Port: p.SlavePath, Trigger: family, Rearm: 50 * time.Millisecond, Dedup: time.Hour},
				slog.New(slog.NewTextHandler(io.Discard, nil)))
			go d.Session(events)(ctx, func(device.Status) {})
			for _, want := range []string{"TFTB:1:first", "TFTB:1:second"} {
				if want == "TFTB:1:second" {
					sim.Show(want)
				}
				select {
				case ev := <-events:
					if ev.Err != nil || ev.Text != want {
						t.Fatalf("got %+v, want %q", ev, want)
					}
				case <-time.After(5 * time.Second):
					t.Fatalf("no code %q", want)
				}
			}
		})
	}
}
