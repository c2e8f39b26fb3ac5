package scanner

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"sync"
	"time"
)

// Trigger modes: an empty Options.Trigger means continuous (sense) mode,
// where the engine reads whenever a code is shown. The others name the
// engine family whose serial trigger command the driver sends.
const (
	TriggerGM65      = "gm65"      // HZGrow GM65/GM812/GM805: 7E 00 08 01 00 02 01 AB CD
	TriggerHoneywell = "honeywell" // SYN T CR: 16 54 0D
	TriggerNewland   = "newland"   // ~<SOH>0000#SCNTRG1;<ETX> (temporary storage)
)

var triggerCommands = map[string][]byte{
	TriggerGM65:      {0x7E, 0x00, 0x08, 0x01, 0x00, 0x02, 0x01, 0xAB, 0xCD},
	TriggerHoneywell: {0x16, 0x54, 0x0D},
	TriggerNewland:   append(append([]byte{0x7E, 0x01}, "0000#SCNTRG1"...), 0x3B, 0x03),
}

// TriggerCommand returns the bytes that make an engine of family read
// once, and whether the family is known.
func TriggerCommand(family string) ([]byte, bool) {
	b, ok := triggerCommands[family]
	return b, ok
}

// gm65Ack is the GM65's answer to a trigger command; newlandReply matches
// Newland's ACK/NAK frames. Neither is a code: both are removed from the
// stream before it is split into codes. (An answer split across two reads
// is not recognised; engines send it in one piece.)
var (
	gm65Ack      = []byte{0x02, 0x00, 0x00, 0x01, 0x00, 0x33, 0x31}
	newlandReply = regexp.MustCompile(`\x02\x01\x30\x30\x30\x30[^\x03]{0,64}\x3B\x03`)
)

// stripReplies removes the engine's answers to commands from p.
func stripReplies(family string, p []byte) []byte {
	switch family {
	case TriggerGM65:
		return bytes.ReplaceAll(p, gm65Ack, nil)
	case TriggerNewland:
		return newlandReply.ReplaceAll(p, nil)
	}
	return p
}

// armer sends the trigger command at start, after every code and whenever
// Rearm passes without one, so an engine in command mode keeps reading.
type armer struct {
	w       io.Writer
	cmd     []byte
	every   time.Duration
	mu      sync.Mutex
	lastArm time.Time
}

func (a *armer) arm() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.lastArm = time.Now()
	if _, err := a.w.Write(a.cmd); err != nil {
		return fmt.Errorf("scanner: send trigger: %w", err)
	}
	return nil
}

func (a *armer) due() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return time.Since(a.lastArm) >= a.every
}

// SimOptions make a Sim behave like a particular engine.
type SimOptions struct {
	// Trigger is the engine family whose trigger command the simulator
	// waits for before it sends a code; "" is continuous mode.
	Trigger    string
	Terminator string // "\r" (default), "\n" or "\r\n"
}

// ServeCommands reads what the driver sends (in command mode: trigger
// commands) until ctx ends or r fails. Each trigger answers with the
// engine's reply and releases the oldest code waiting.
func (s *Sim) ServeCommands(ctx context.Context, r io.Reader) error {
	cmd, ok := TriggerCommand(s.opts.Trigger)
	buf := make([]byte, 256)
	var pending []byte
	for ctx.Err() == nil {
		n, err := r.Read(buf)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		pending = append(pending, buf[:n]...)
		for {
			i := bytes.Index(pending, cmd)
			if i < 0 {
				if len(pending) > 1024 {
					pending = pending[len(pending)-len(cmd):]
				}
				break
			}
			pending = pending[i+len(cmd):]
			s.triggered()
		}
	}
	return ctx.Err()
}

func (s *Sim) triggered() {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.opts.Trigger {
	case TriggerGM65:
		s.w.Write(gm65Ack)
	case TriggerNewland:
		s.w.Write(append(append([]byte{0x02, 0x01}, "0000\x06"...), 0x3B, 0x03))
	}
	if len(s.queue) > 0 {
		s.w.Write(s.queue[0])
		s.queue = s.queue[1:]
	} else {
		s.armed = true
	}
}
