package idcard

import (
	"testing"
	"time"
)

// TestDefaultPoll: the shipped find interval is 20 ms at 115200 baud and
// grows at lower rates, so finds keep to the same share of the line; a
// profile's own interval is kept.
func TestDefaultPoll(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want time.Duration
	}{
		{"defaults", Options{}, 20 * time.Millisecond},
		{"115200", Options{Baud: 115200}, 20 * time.Millisecond},
		{"230400", Options{Baud: 230400}, 20 * time.Millisecond},
		{"57600", Options{Baud: 57600}, 40 * time.Millisecond},
		{"9600", Options{Baud: 9600}, 240 * time.Millisecond},
		{"set", Options{Baud: 9600, PollInterval: 5 * time.Millisecond}, 5 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := tt.opts.withDefaults().PollInterval; got != tt.want {
			t.Errorf("%s: poll %v, want %v", tt.name, got, tt.want)
		}
	}
	// A find (10 bytes out, 11 back) at 9600 baud takes 21.9 ms of the
	// line: at the default interval, under 10 % of it.
	byteTime := 10 * time.Second / 9600
	if share := float64(21*byteTime) / float64(defaultPoll(9600)); share > 0.10 {
		t.Errorf("finds take %.0f %% of a 9600-baud line", 100*share)
	}
}
