package printer

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"sync"
	"time"

	"sckiosk/devices/serialport"
)

// PaperState is the roll sensor reading a Sim reports.
type PaperState int

// Paper states.
const (
	PaperOK      PaperState = iota // paper adequate
	PaperNearEnd                   // near-end sensor on; printing continues
	PaperOut                       // paper end; printing stops
)

// String returns "ok", "near end" or "out".
func (p PaperState) String() string {
	switch p {
	case PaperOK:
		return "ok"
	case PaperNearEnd:
		return "near end"
	case PaperOut:
		return "out"
	}
	return fmt.Sprintf("paper(%d)", int(p))
}

// SimOptions configure a Sim.
type SimOptions struct {
	Paper Paper // roll width; zero means Paper58
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
}

// maxRaw bounds Receipt.Raw.
const maxRaw = 4 << 20

// Receipt is what the Sim printed between two cuts. A sheet longer than
// about 2 m (16384 dots) is torn off as a receipt of its own.
type Receipt struct {
	Text  string      // printed text, GB18030 decoded, lines joined by "\n"
	QR    []string    // native QR contents printed, then raster images decoded as QR
	Raw   []byte      // the job's bytes since the last cut (real-time queries left out; at most 4 MiB)
	Image image.Image // the paper as rendered, Paper.Dots() wide
}

// SimStats counts what a Sim received.
type SimStats struct {
	StatusQueries int   // DLE EOT queries received
	StatusAnswers int   // of which answered
	DataBytes     int64 // bytes of print data and commands (everything but real-time queries)
	DroppedBytes  int64 // data bytes discarded because the printer could not print
	Receipts      int   // receipts cut
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

	mu        sync.Mutex
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
	parser *parser
	page   *page
	rend   *renderer
	raw    []byte
}

// NewSim returns a simulator reading and writing rw. A nil log discards.
func NewSim(rw io.ReadWriter, opts SimOptions, log *slog.Logger) (*Sim, error) {
	if opts.Paper == 0 {
		opts.Paper = Paper58
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
	rd, err := newRenderer()
	if err != nil {
		return nil, err
	}
	return newSim(rw, opts, log, rd), nil
}

// newSim builds a Sim around an existing renderer; opts must be valid.
func newSim(rw io.ReadWriter, opts SimOptions, log *slog.Logger, rd *renderer) *Sim {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sim{
		rw:        rw,
		opts:      opts,
		log:       log.With("device", "printer-sim"),
		stallLeft: -1,
		resume:    make(chan struct{}, 1),
		parser:    newParser(!opts.SingleByteAtPowerOn),
		page:      newPage(opts.Paper),
		rend:      rd,
	}
}

// SetPaper sets the roll sensor.
func (s *Sim) SetPaper(p PaperState) { s.mu.Lock(); s.paper = p; s.mu.Unlock() }

// SetCoverOpen opens or closes the paper cover.
func (s *Sim) SetCoverOpen(open bool) { s.mu.Lock(); s.coverOpen = open; s.mu.Unlock() }

// SetOffline makes the printer deaf (powered off, cable cut at the
// printer): no status answers, all data dropped.
func (s *Sim) SetOffline(off bool) { s.mu.Lock(); s.offline = off; s.mu.Unlock() }

// SetCutterError jams or frees the auto-cutter.
func (s *Sim) SetCutterError(jam bool) { s.mu.Lock(); s.cutter = jam; s.mu.Unlock() }

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
			if s.parser.pending() {
				idle.Reset(s.opts.CommandTimeout)
			} else {
				idle.Stop()
			}
		case <-idle.C:
			if n := s.parser.drop(); n > 0 {
				s.log.Debug("dropped incomplete command", "bytes", n)
			}
		}
	}
}

// readLoop reads the line and hands each chunk to Serve.
func (s *Sim) readLoop(chunks chan<- []byte, readErr chan<- error, quit <-chan struct{}) {
	for {
		b := make([]byte, readChunk)
		n, err := s.rw.Read(b)
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
	s.parser.feed(b, func(o op) {
		if o.realtime() {
			if o.kind == opStatus {
				st.StatusQueries++
				if !offline {
					if reply, ok := s.statusReply(o.n); ok {
						st.StatusAnswers++
						if _, err := s.rw.Write([]byte{reply}); err != nil {
							s.log.Debug("status reply not sent", "err", err)
						}
					}
				}
			}
			return
		}
		st.DataBytes += int64(len(o.raw))
		if !canPrint {
			st.DroppedBytes += int64(len(o.raw))
			return
		}
		if len(s.raw)+len(o.raw) <= maxRaw {
			s.raw = append(s.raw, o.raw...)
		}
		cut := s.page.apply(o)
		if cut || len(s.page.torn) > 0 {
			for _, sh := range s.page.sheets(cut) {
				finished = append(finished, s.finish(sh))
				st.Receipts++
			}
		}
	})

	s.mu.Lock()
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

// statusReply is the byte answering DLE EOT n, from the switches. A printer
// that cannot print reports itself off line (n = 1 bit 3).
func (s *Sim) statusReply(n int) (byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.paper == PaperOut
	b := byte(0x12)
	switch n {
	case 1:
		if out || s.coverOpen || s.cutter {
			b |= 0x08
		}
	case 2:
		if s.coverOpen {
			b |= 0x04
		}
		if out {
			b |= 0x20
		}
		if s.cutter {
			b |= 0x40
		}
	case 3:
		if s.cutter {
			b |= 0x08
		}
	case 4:
		if out || s.paper == PaperNearEnd {
			b |= 0x0C
		}
		if out {
			b |= 0x60
		}
	default:
		return 0, false
	}
	return b, true
}

// finish turns a cut (or torn) sheet into a Receipt with the job bytes
// received since the last one.
func (s *Sim) finish(sh sheet) Receipt {
	items, height, lines := sh.items, sh.height, sh.lines
	r := Receipt{Text: pageText(lines), Raw: s.raw}
	s.raw = nil
	for _, it := range items {
		if it.kind == itemImage && it.qr != "" {
			r.QR = append(r.QR, it.qr)
		}
	}
	for _, it := range items {
		if it.kind == itemImage && it.decQR {
			if text, err := decodeQR(it.img); err == nil {
				r.QR = append(r.QR, text)
			}
		}
	}
	img, err := s.rend.render(s.opts.Paper.Dots(), items, height)
	if err != nil {
		s.log.Error("render receipt", "err", err)
	} else {
		r.Image = img
	}
	s.log.Debug("receipt cut", "lines", len(lines), "qr", len(r.QR), "bytes", len(r.Raw))
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
