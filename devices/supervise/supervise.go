// Package supervise keeps a device connection alive: it runs a driver's
// Session again and again, reports the device Offline between tries and
// waits with exponential backoff before it reopens the port.
package supervise

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"sckiosk/devices/device"
)

// Session is one life of a device connection: it opens the port, reports
// statuses while it works and returns when the port fails or ctx ends.
// A nil error with ctx still live counts as a failure too (the device went
// away without saying why).
type Session func(ctx context.Context, report func(device.Status)) error

// Backoff bounds the delay between reopen attempts.
type Backoff struct {
	Min, Max time.Duration
	// Stable is how long a session must have lasted for the next failure to
	// start again from Min.
	Stable time.Duration
}

// DefaultBackoff suits serial devices: quick first retry, at most 10 s apart.
var DefaultBackoff = Backoff{Min: 250 * time.Millisecond, Max: 10 * time.Second, Stable: 30 * time.Second}

// Run calls session again and again until ctx ends. Between sessions it
// reports the device Offline with the failure's reason and the
// Disconnected cause, and waits with exponential backoff. It returns when
// ctx is done.
func Run(ctx context.Context, kind device.Kind, b Backoff, log *slog.Logger, report func(device.Status), session Session) {
	if b.Min <= 0 {
		b = DefaultBackoff
	}
	delay := b.Min
	report(device.Status{Kind: kind, State: device.Starting, Since: time.Now()})
	for {
		start := time.Now()
		err := session(ctx, report)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("device session ended")
		}
		if time.Since(start) >= b.Stable {
			delay = b.Min
		}
		log.Warn("device offline, will reopen", "device", kind, "err", err, "retry_in", delay)
		report(device.Status{Kind: kind, State: device.Offline, Reason: err.Error(), Cause: device.Disconnected, Since: time.Now()})
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		delay *= 2
		if delay > b.Max {
			delay = b.Max
		}
	}
}
