// Package scanner drives serial QR scanners in raw output mode: the decoded
// bytes of a symbol followed by a terminator (CR, LF or CRLF). The
// simulator that "shows" codes to the kiosk over a pseudo-terminal is
// package scannersim.
package scanner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"sckiosk/devices/device"
	"sckiosk/devices/serialport"
	"sckiosk/devices/supervise"
)

// Options configure the driver.
type Options struct {
	Port    string
	Baud    int           // default 9600, the GM65 family's default
	MaxLine int           // longest accepted code in bytes, default 4096
	Dedup   time.Duration // the same code again within this window is dropped; default 2 s
	// Trigger is the engine family for command-trigger mode (TriggerGM65,
	// TriggerHoneywell, TriggerNewland); "" is continuous (sense) mode.
	Trigger string
	// Rearm is how often a command-mode engine is triggered again when no
	// code came; default 5 s, the GM65's default single-read time.
	Rearm time.Duration
}

// ErrTooLong is reported when more than MaxLine bytes arrive without a
// terminator; the partial line is dropped.
var ErrTooLong = errors.New("scanner: code longer than the limit without a terminator")

// Event is one decoded code, or a problem with the input.
type Event struct {
	Text string
	Err  error
}

// Driver reads codes from a serial scanner.
type Driver struct {
	opts Options
	log  *slog.Logger

	mu     sync.Mutex
	last   string // the last code, for duplicate suppression
	lastAt time.Time
}

// New returns a driver for opts, filling defaults.
func New(opts Options, log *slog.Logger) *Driver {
	if opts.Baud == 0 {
		opts.Baud = 9600
	}
	if opts.MaxLine == 0 {
		opts.MaxLine = 4096
	}
	if opts.Dedup == 0 {
		opts.Dedup = 2 * time.Second
	}
	if opts.Rearm == 0 {
		opts.Rearm = 5 * time.Second
	}
	return &Driver{opts: opts, log: log}
}

// Session opens the port and sends one Event per code until the port fails.
func (d *Driver) Session(events chan<- Event) supervise.Session {
	return func(ctx context.Context, report func(device.Status)) error {
		port, err := serialport.Open(d.opts.Port, d.opts.Baud)
		if err != nil {
			return fmt.Errorf("scanner: %w", err)
		}
		defer port.Close()
		if err := port.SetReadTimeout(200 * time.Millisecond); err != nil {
			return fmt.Errorf("scanner: set timeout: %w", err)
		}
		var arm *armer
		if d.opts.Trigger != "" {
			cmd, ok := TriggerCommand(d.opts.Trigger)
			if !ok {
				return fmt.Errorf("scanner: unknown trigger mode %q", d.opts.Trigger)
			}
			arm = &armer{w: port, cmd: cmd, every: d.opts.Rearm}
			if err := arm.arm(); err != nil {
				return err
			}
		}
		report(device.Status{Kind: device.Scanner, State: device.Online, Since: time.Now()})
		lines := NewLineReader(d.opts.MaxLine)
		buf := make([]byte, 512)
		for ctx.Err() == nil {
			n, err := port.Read(buf)
			if err != nil {
				return fmt.Errorf("scanner: read: %w", err)
			}
			chunk := buf[:n]
			if arm != nil {
				chunk = stripReplies(d.opts.Trigger, chunk)
			}
			evs := lines.Feed(chunk)
			if arm != nil && (len(evs) > 0 || arm.due()) {
				if err := arm.arm(); err != nil {
					return err
				}
			}
			for _, ev := range evs {
				if ev.Err == nil && d.repeat(ev.Text) {
					continue
				}
				if ev.Err != nil {
					d.log.Warn("scanner input dropped", "err", ev.Err)
				}
				select {
				case events <- ev:
				case <-ctx.Done():
					return nil
				}
			}
		}
		return nil
	}
}

// repeat reports whether text is the code just seen (within the dedup
// window), and remembers it otherwise.
func (d *Driver) repeat(text string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if text == d.last && time.Since(d.lastAt) < d.opts.Dedup {
		return true
	}
	d.last, d.lastAt = text, time.Now()
	return false
}

// Forget drops the last code the driver remembers for duplicate
// suppression: a code is personal (it names who showed it) and must not
// outlive the visit.
func (d *Driver) Forget() {
	d.mu.Lock()
	d.last, d.lastAt = "", time.Time{}
	d.mu.Unlock()
}

// LineReader splits raw scanner output into codes. It never holds more
// than max bytes.
type LineReader struct {
	max      int
	buf      []byte
	dropping bool // discarding an over-long line until its terminator
}

// NewLineReader returns a reader that accepts codes up to max bytes.
func NewLineReader(max int) *LineReader { return &LineReader{max: max} }

// Feed consumes bytes and returns the codes they complete.
func (l *LineReader) Feed(p []byte) []Event {
	var out []Event
	for _, b := range p {
		if b == '\r' || b == '\n' {
			if l.dropping {
				l.dropping = false
			} else if len(l.buf) > 0 {
				out = append(out, Event{Text: decode(l.buf)})
			}
			l.buf = l.buf[:0]
			continue
		}
		if l.dropping {
			continue
		}
		if len(l.buf) >= l.max {
			l.buf = l.buf[:0]
			l.dropping = true
			out = append(out, Event{Err: ErrTooLong})
			continue
		}
		l.buf = append(l.buf, b)
	}
	return out
}

// decode reads UTF-8 when the bytes are valid UTF-8, else GB18030 (Chinese
// generators that write GBK without an ECI).
func decode(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	s, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	if err != nil {
		return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
	}
	return string(s)
}
