package scanner

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"sckiosk/devices/device"
	"sckiosk/devices/serialport"
)

func TestLineReader(t *testing.T) {
	gbk, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("四川省"))
	tests := []struct {
		name string
		in   [][]byte
		want []Event
	}{
		{"cr", [][]byte{[]byte("abc\r")}, []Event{{Text: "abc"}}},
		{"crlf", [][]byte{[]byte("abc\r\n")}, []Event{{Text: "abc"}}},
		{"split across reads", [][]byte{[]byte("ab"), []byte("c\ndef\n")}, []Event{{Text: "abc"}, {Text: "def"}}},
		{"utf8", [][]byte{[]byte("四川省\r")}, []Event{{Text: "四川省"}}},
		{"gbk", [][]byte{append(gbk, '\r')}, []Event{{Text: "四川省"}}},
		{"too long then recovers", [][]byte{bytes.Repeat([]byte("x"), 20), []byte("yy\rok\r")}, []Event{{Err: ErrTooLong}, {Text: "ok"}}},
		{"empty lines skipped", [][]byte{[]byte("\r\n\r\n")}, nil},
	}
	for _, tt := range tests {
		l := NewLineReader(16)
		var got []Event
		for _, p := range tt.in {
			got = append(got, l.Feed(p)...)
		}
		if len(got) != len(tt.want) {
			t.Fatalf("%s: got %v, want %v", tt.name, got, tt.want)
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Fatalf("%s: got %v, want %v", tt.name, got, tt.want)
			}
		}
	}
}

func TestDriverOverPty(t *testing.T) {
	p, err := serialport.NewPty()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := make(chan Event, 4)
	statuses := make(chan device.Status, 4)
	d := New(Options{Port: p.SlavePath, Dedup: time.Hour}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	go d.Session(events)(ctx, func(s device.Status) { statuses <- s })
	if s := <-statuses; s.State != device.Online {
		t.Fatalf("status %v", s)
	}
	sim := NewSim(p.Master)
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

func FuzzLineReader(f *testing.F) {
	f.Add([]byte("abc\r\n"))
	f.Add(bytes.Repeat([]byte{0xff}, 100))
	f.Fuzz(func(t *testing.T, b []byte) {
		l := NewLineReader(64)
		for _, ev := range l.Feed(b) {
			if len(ev.Text) > 64*3 {
				t.Fatalf("code longer than the limit: %d", len(ev.Text))
			}
		}
		if cap(l.buf) > 128 {
			t.Fatalf("buffer grew to %d", cap(l.buf))
		}
	})
}

func TestForgetDropsTheLastCode(t *testing.T) {
	d := New(Options{Dedup: time.Hour}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if d.repeat("TFTB:1:x") || !d.repeat("TFTB:1:x") {
		t.Fatal("dedup does not work")
	}
	d.Forget()
	if d.last != "" || d.repeat("TFTB:1:x") {
		t.Fatal("the code outlives Forget")
	}
}

// In command-trigger mode the engine reads only when the driver sends its
// trigger; the engine's reply to the command never becomes a code.
func TestCommandTriggerModes(t *testing.T) {
	for _, family := range []string{TriggerGM65, TriggerHoneywell, TriggerNewland} {
		t.Run(family, func(t *testing.T) {
			p, err := serialport.NewPty()
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sim := NewSimWith(p.Master, SimOptions{Trigger: family})
			go sim.ServeCommands(ctx, p.Master)
			// Shown before any trigger: held by the engine.
			if err := sim.Show("TFTB:1:first"); err != nil {
				t.Fatal(err)
			}
			events := make(chan Event, 4)
			d := New(Options{Port: p.SlavePath, Trigger: family, Rearm: 50 * time.Millisecond, Dedup: time.Hour},
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

func TestSimFaults(t *testing.T) {
	p, err := serialport.NewPty()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := make(chan Event, 8)
	d := New(Options{Port: p.SlavePath, MaxLine: 64, Dedup: time.Hour}, slog.New(slog.NewTextHandler(io.Discard, nil)))
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
				if !errors.Is(ev.Err, ErrTooLong) {
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
