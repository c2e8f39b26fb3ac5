// Package printersim plays an ESC/POS receipt printer on a
// pseudo-terminal, byte for byte: it answers DLE EOT and sends automatic
// status back from switches a test or a technician sets (paper, cover,
// cutter, offline), paces the line at a baud rate, and prints what it
// receives into Receipts, text, QR contents and an image drawn by package
// render. It does not use the driver it is there to test.
package printersim

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"sync"
	"time"

	"sckiosk/devices/printer/escpos"
	"sckiosk/devices/printer/render"
	"sckiosk/devices/serialport"
)

// SimOptions configure a Sim.
type SimOptions struct {
	Paper escpos.Paper // roll width; zero means Paper58
	// SingleByteAtPowerOn starts (and resets with ESC @) in single-byte
	// mode (code page 437). By default the sim is in Chinese mode at power
	// on, like most Chinese printers.
	SingleByteAtPowerOn bool
	// Keep is how many finished receipts Receipts returns; zero means 32.
	Keep int
	// CommandTimeout drops an incomplete command when no byte has arrived
	// for this long, so a job cut off halfway does not swallow the next
	// status query. Zero means 2 s.
	CommandTimeout time.Duration
	// Baud paces the line: the sim takes in at most Baud/10 bytes a
	// second (8N1: 10 bits a byte), like a real serial printer, so the
	// host's writes block when they run ahead. Zero reads as fast as the
	// pty delivers.
	Baud int
}

// maxRaw bounds Receipt.Raw.
const maxRaw = 4 << 20

// readChunk is the most the simulator reads at once.
const readChunk = 4096

// Receipt is what the Sim printed between two cuts. A sheet longer than
// about 2 m (16384 dots) is torn off as a receipt of its own.
type Receipt struct {
	Text  string      // printed text, GB18030 decoded, lines joined by "\n"
	QR    []string    // native QR contents printed, then raster images decoded as QR
	Raw   []byte      // the job's bytes since the last cut (real-time queries left out; at most 4 MiB)
	Image image.Image // the paper as rendered, Paper.Dots() wide
	// Barcodes are the 1D barcodes printed (GS k), with their text.
	Barcodes []render.Barcode
	// Unrendered says what the job asked for that this paper does not
	// show as a real printer's would: PDF417, unknown commands, bad
	// barcode data… (names only, at most 32).
	Unrendered []string
}

// SimStats counts what a Sim received.
type SimStats struct {
	StatusQueries int   // DLE EOT queries received
	StatusAnswers int   // of which answered
	DataBytes     int64 // bytes of print data and commands (all but real-time queries and GS a)
	DroppedBytes  int64 // data bytes discarded because the printer could not print
	Receipts      int   // receipts cut
	ASBSent       int   // automatic status back blocks sent
	// Unrendered counts the commands the simulated paper does not show
	// (see Receipt.Unrendered); LastUnrendered names the latest.
	Unrendered     int
	LastUnrendered string
}

// Sim plays an ESC/POS receipt printer on one end of a line (normally a pty
// master). It answers DLE EOT from its switches, prints what it receives
// and cuts it into Receipts with a rendering of the paper.
//
// A printer that cannot print (paper out, cover open, cutter error) answers
// status but drops every data byte it receives, counting them, so a test
// can prove that the driver sent nothing. An offline printer answers
// nothing and drops everything.
type Sim struct {
	rw   io.ReadWriter
	opts SimOptions
	log  *slog.Logger
	wmu  sync.Mutex // serialises writes to rw (status replies, ASB)

	mu        sync.Mutex
	asb       byte    // GS a enable bits; 0 = off
	lastASB   [4]byte // the last block sent, to send only changes
	paper     PaperState
	coverOpen bool
	offline   bool
	cutter    bool
	stallLeft int           // bytes until the sim stops reading; <0 never
	resume    chan struct{} // signalled by Resume
	receipts  []Receipt
	onReceipt func(Receipt)
	stats     SimStats

	// Owned by the goroutine running Serve (or consume in tests).
	parser *escpos.Parser
	page   *render.Page
	rend   *render.Renderer
	raw    []byte
	notes  []string // reported by page while consume runs
}

// NewSim returns a simulator reading and writing rw. A nil log discards.
func NewSim(rw io.ReadWriter, opts SimOptions, log *slog.Logger) (*Sim, error) {
	if opts.Paper == 0 {
		opts.Paper = escpos.Paper58
	}
	if !opts.Paper.Valid() {
		return nil, fmt.Errorf("printer: sim: unsupported paper %d mm", int(opts.Paper))
	}
	if opts.Keep <= 0 {
		opts.Keep = 32
	}
	if opts.CommandTimeout <= 0 {
		opts.CommandTimeout = 2 * time.Second
	}
	rd, err := render.New()
	if err != nil {
		return nil, err
	}
	return newSim(rw, opts, log, rd), nil
}

// newSim builds a Sim around an existing renderer; opts must be valid. A
// nil rd makes a Sim that keeps each receipt's text and bytes but neither
// draws it nor reads its QR codes: the state machine alone, fast enough to
// fuzz (drawing a receipt costs milliseconds, parsing it microseconds).
func newSim(rw io.ReadWriter, opts SimOptions, log *slog.Logger, rd *render.Renderer) *Sim {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Sim{
		rw:        rw,
		opts:      opts,
		log:       log.With("device", "printer-sim"),
		stallLeft: -1,
		resume:    make(chan struct{}, 1),
		parser:    escpos.NewParser(!opts.SingleByteAtPowerOn),
		page:      render.NewPage(opts.Paper),
		rend:      rd,
	}
	s.page.Report = func(what string) { s.notes = append(s.notes, what) }
	return s
}

// send writes b to the line.
func (s *Sim) send(b []byte) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if _, err := s.rw.Write(b); err != nil {
		s.log.Debug("reply not sent", "err", err)
	}
}

// Stall makes the sim stop reading the line after n more bytes, as a
// printer whose receive buffer is full: the host's writes then block once
// the line's buffers fill. Resume reads again.
func (s *Sim) Stall(n int) { s.mu.Lock(); s.stallLeft = max(n, 0); s.mu.Unlock() }

// Resume ends a Stall.
func (s *Sim) Resume() {
	s.mu.Lock()
	s.stallLeft = -1
	s.mu.Unlock()
	select {
	case s.resume <- struct{}{}:
	default:
	}
}

// OnReceipt sets a function called with every receipt as it is cut, on the
// goroutine running Serve.
func (s *Sim) OnReceipt(f func(Receipt)) { s.mu.Lock(); s.onReceipt = f; s.mu.Unlock() }

// Receipts returns the most recent receipts (at most SimOptions.Keep),
// oldest first.
func (s *Sim) Receipts() []Receipt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Receipt(nil), s.receipts...)
}

// Stats returns the counters.
func (s *Sim) Stats() SimStats { s.mu.Lock(); defer s.mu.Unlock(); return s.stats }

// Serve plays the printer until ctx ends or the line fails. It returns nil
// when ctx ends, else the read error. If rw has SetReadDeadline (an
// *os.File pty master has) its pending read is interrupted when Serve
// returns; otherwise the reading goroutine ends when rw is closed.
func (s *Sim) Serve(ctx context.Context) error {
	quit := make(chan struct{})
	defer close(quit)
	chunks := make(chan []byte)
	readErr := make(chan error, 1)
	go s.readLoop(chunks, readErr, quit)
	defer func() {
		if d, ok := s.rw.(interface{ SetReadDeadline(time.Time) error }); ok {
			_ = d.SetReadDeadline(time.Now())
		}
	}()

	idle := time.NewTimer(time.Hour)
	idle.Stop()
	var held []byte // read but not yet consumed because of a stall
	for {
		if len(held) > 0 || s.stalled() {
			if n := s.allowance(len(held)); n > 0 {
				s.consume(held[:n])
				held = held[n:]
				continue
			}
			if len(held) > 0 || s.stalled() {
				select {
				case <-ctx.Done():
					return nil
				case <-s.resume:
				}
				continue
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case err := <-readErr:
			return fmt.Errorf("printer: sim read: %w", err)
		case b := <-chunks:
			n := s.allowance(len(b))
			s.consume(b[:n])
			held = b[n:]
			if s.parser.Pending() {
				idle.Reset(s.opts.CommandTimeout)
			} else {
				idle.Stop()
			}
		case <-idle.C:
			if n := s.parser.Drop(); n > 0 {
				s.log.Debug("dropped incomplete command", "bytes", n)
			}
		}
	}
}

// readLoop reads the line and hands each chunk to Serve. With a Baud it
// reads small chunks and holds each for the time it takes on the wire.
func (s *Sim) readLoop(chunks chan<- []byte, readErr chan<- error, quit <-chan struct{}) {
	size := readChunk
	if s.opts.Baud > 0 {
		size = min(max(s.opts.Baud/100, 1), readChunk) // about 10 ms of line
	}
	var due time.Time // when the bytes read so far have crossed the wire
	for {
		b := make([]byte, size)
		n, err := s.rw.Read(b)
		if n > 0 && s.opts.Baud > 0 {
			if now := time.Now(); due.Before(now) {
				due = now
			}
			due = due.Add(WireTime(n, s.opts.Baud))
			if wait := time.Until(due); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-t.C:
				case <-quit:
					t.Stop()
					return
				}
			}
		}
		if n > 0 {
			select {
			case chunks <- b[:n]:
			case <-quit:
				return
			}
		}
		if err != nil {
			readErr <- err
			return
		}
	}
}

// WireTime is how long n bytes take on a serial line at baud, 8N1 (10
// bits a byte).
func WireTime(n, baud int) time.Duration {
	if baud <= 0 {
		return 0
	}
	return time.Duration(int64(n) * 10 * int64(time.Second) / int64(baud))
}

// stalled reports whether a stall has used up its allowance.
func (s *Sim) stalled() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stallLeft == 0
}

// allowance returns how many of n bytes may be consumed before a stall,
// and counts them off.
func (s *Sim) allowance(n int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stallLeft < 0 {
		return n
	}
	n = min(n, s.stallLeft)
	s.stallLeft -= n
	return n
}

// consume parses b and acts on it. Switches are read once per call.
func (s *Sim) consume(b []byte) {
	s.mu.Lock()
	offline := s.offline
	canPrint := !offline && !s.coverOpen && !s.cutter && s.paper != PaperOut
	st := s.stats
	s.mu.Unlock()

	var finished []Receipt
	s.parser.Feed(b, func(o escpos.Op) {
		if o.Realtime() {
			if o.Kind == escpos.OpStatus {
				st.StatusQueries++
				if o.Embedded {
					s.log.Debug("status query inside a command answered", "n", o.N, "pending", s.parser.Buffered())
				}
				if !offline {
					if reply, ok := s.statusReply(o.N); ok {
						st.StatusAnswers++
						s.send([]byte{reply})
					}
				}
			}
			return
		}
		if o.Kind == escpos.OpASB {
			// A setting, not print data: taken even when the printer
			// cannot print, and not counted, so a test can still prove
			// that no job reached a printer that was not ready. On
			// enabling, the printer sends its status at once.
			if offline {
				return
			}
			s.mu.Lock()
			s.asb = byte(o.N)
			block, send := s.asbChangeLocked(true)
			s.mu.Unlock()
			if send {
				s.send(block[:])
			}
			return
		}
		st.DataBytes += int64(len(o.Raw))
		if !canPrint {
			st.DroppedBytes += int64(len(o.Raw))
			return
		}
		if len(s.raw)+len(o.Raw) <= maxRaw {
			s.raw = append(s.raw, o.Raw...)
		}
		cut := s.page.Apply(o)
		if cut || s.page.Torn() {
			for _, sh := range s.page.Sheets(cut) {
				finished = append(finished, s.finish(sh))
				st.Receipts++
			}
		}
	})

	for _, what := range s.notes {
		s.log.Info("printer command not rendered", "command", what)
		st.Unrendered++
		st.LastUnrendered = what
	}
	s.notes = s.notes[:0]

	s.mu.Lock()
	st.ASBSent = s.stats.ASBSent // counted under the lock as blocks go out
	s.stats = st
	s.receipts = append(s.receipts, finished...)
	if extra := len(s.receipts) - s.opts.Keep; extra > 0 {
		s.receipts = append(s.receipts[:0:0], s.receipts[extra:]...)
	}
	cb := s.onReceipt
	s.mu.Unlock()
	if cb != nil {
		for _, r := range finished {
			cb(r)
		}
	}
}

// finish turns a cut (or torn) sheet into a Receipt with the job bytes
// received since the last one.
func (s *Sim) finish(sh render.Sheet) Receipt {
	r := Receipt{Text: sh.Text(), Raw: s.raw, Barcodes: sh.Barcodes(), Unrendered: sh.Unrendered()}
	s.raw = nil
	if s.rend != nil {
		r.QR = sh.QR()
		img, err := s.rend.RenderSheet(sh, s.opts.Paper)
		if err != nil {
			s.log.Error("render receipt", "err", err)
		} else {
			r.Image = img
		}
	}
	s.log.Debug("receipt cut", "lines", sh.Lines(), "qr", len(r.QR), "bytes", len(r.Raw))
	return r
}

// StartPty makes a pty pair, plays the printer on its master in a new
// goroutine until ctx ends, and returns the sim and the pair: open
// Pty.SlavePath (or a LinkAt) with the Driver. The caller closes the pty.
func StartPty(ctx context.Context, opts SimOptions, log *slog.Logger) (*Sim, *serialport.Pty, error) {
	p, err := serialport.NewPty()
	if err != nil {
		return nil, nil, fmt.Errorf("printer: sim: %w", err)
	}
	s, err := NewSim(p.Master, opts, log)
	if err != nil {
		p.Close()
		return nil, nil, err
	}
	go func() {
		if err := s.Serve(ctx); err != nil && !errors.Is(err, io.EOF) && ctx.Err() == nil {
			s.log.Warn("printer sim stopped", "err", err)
		}
	}()
	return s, p, nil
}
