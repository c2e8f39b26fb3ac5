// Package scannersim plays a serial QR scanner on the master side of a
// pseudo-terminal: in continuous mode it sends a code as soon as it is
// shown; in command-trigger mode it waits for the engine's trigger command,
// answers it as the engine does and then sends the code. Its fault methods
// play a slow bridge, a missing terminator and line noise. The driver in
// package scanner does not link it.
package scannersim

import (
	"bytes"
	"context"
	"io"
	"sync"
	"time"

	"sckiosk/devices/scanner"
)

// Sim plays a scanner on the master side of a pty: in continuous mode it
// sends a code as soon as it is shown; in command-trigger mode it holds it
// until the driver sends the engine's trigger command (see ServeCommands).
type Sim struct {
	w    io.Writer
	opts SimOptions

	mu    sync.Mutex
	queue [][]byte // codes shown but not yet triggered
	armed bool     // a trigger came while nothing was shown
}

// NewSim returns a continuous-mode simulator writing to w with a CR
// terminator.
func NewSim(w io.Writer) *Sim { return NewSimWith(w, SimOptions{}) }

// NewSimWith returns a simulator behaving as opts says.
func NewSimWith(w io.Writer, opts SimOptions) *Sim {
	if opts.Terminator == "" {
		opts.Terminator = "\r"
	}
	return &Sim{w: w, opts: opts}
}

// Show presents a code as the scanner would send it.
func (s *Sim) Show(text string) error { return s.ShowBytes([]byte(text)) }

// ShowBytes sends raw bytes (for GB18030 or garbage tests), terminator added.
func (s *Sim) ShowBytes(b []byte) error {
	return s.send(append(append([]byte{}, b...), s.opts.Terminator...))
}

// ShowUnterminated sends a code with no terminator: a scanner configured
// without a suffix, or a cable pulled mid-code.
func (s *Sim) ShowUnterminated(text string) error { return s.send([]byte(text)) }

// ShowPartial sends a code in two pieces with a pause between them, as a
// slow USB-serial bridge does.
func (s *Sim) ShowPartial(text string, pause time.Duration) error {
	b := append([]byte(text), s.opts.Terminator...)
	half := len(b) / 2
	if _, err := s.w.Write(b[:half]); err != nil {
		return err
	}
	time.Sleep(pause)
	_, err := s.w.Write(b[half:])
	return err
}

// ShowGarbage sends n bytes of noise followed by a terminator.
func (s *Sim) ShowGarbage(n int) error {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(0x80 + i%0x7F)
	}
	return s.ShowBytes(b)
}

func (s *Sim) send(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.Trigger == "" || s.armed {
		s.armed = false
		_, err := s.w.Write(b)
		return err
	}
	s.queue = append(s.queue, b)
	return nil
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
	cmd, ok := scanner.TriggerCommand(s.opts.Trigger)
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

// gm65Ack is the GM65's answer to a trigger command. The driver removes it
// from the stream with its own copy; the sim does not use the driver's.
var gm65Ack = []byte{0x02, 0x00, 0x00, 0x01, 0x00, 0x33, 0x31}

func (s *Sim) triggered() {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.opts.Trigger {
	case scanner.TriggerGM65:
		s.w.Write(gm65Ack)
	case scanner.TriggerNewland:
		s.w.Write(append(append([]byte{0x02, 0x01}, "0000\x06"...), 0x3B, 0x03))
	}
	if len(s.queue) > 0 {
		s.w.Write(s.queue[0])
		s.queue = s.queue[1:]
	} else {
		s.armed = true
	}
}
