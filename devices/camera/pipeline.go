package camera

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Event is one code seen by the camera.
type Event struct {
	Text string
	At   time.Time
}

// PipelineOptions tune a Pipeline.
type PipelineOptions struct {
	// Dedup is how long the same text is suppressed after it was reported.
	// 0 means 3 s.
	Dedup time.Duration
	// Decoder options.
	Decoder DecoderOptions
	// Logger gets decode statistics; codes are logged masked. nil: discard.
	Logger *slog.Logger
	// Now is the clock (tests). nil: time.Now.
	Now func() time.Time
}

// Pipeline decodes frames on one goroutine. Offer hands it a frame without
// ever blocking: the frame is copied into a one-slot mailbox, replacing a
// frame that was not picked up yet (counted as dropped). So the decoder
// always works on the newest frame and never on a queue of stale ones.
// The same code seen again within the dedup window is one event.
type Pipeline struct {
	opt     PipelineOptions
	dec     *Decoder
	events  chan Event
	wake    chan struct{}
	mu      sync.Mutex
	pending []byte // owned by the mailbox
	pf      Frame  // geometry of pending when full
	full    bool
	work    []byte // owned by the decoder goroutine
	stats   Stats
	last    string
	lastAt  time.Time
}

// Stats counts what a pipeline did.
type Stats struct {
	Offered, Dropped, Decoded, Events uint64
}

// NewPipeline returns a pipeline; call Run to start decoding.
func NewPipeline(opt PipelineOptions) *Pipeline {
	if opt.Dedup <= 0 {
		opt.Dedup = 3 * time.Second
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Pipeline{
		opt:    opt,
		dec:    NewDecoder(opt.Decoder),
		events: make(chan Event, 4),
		wake:   make(chan struct{}, 1),
	}
}

// Events delivers one Event per code (after dedup). It is closed when Run
// returns.
func (p *Pipeline) Events() <-chan Event { return p.events }

// Stats returns the counters so far.
func (p *Pipeline) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// Forget drops the last code remembered for de-duplication, so the same
// code shown again is a new event (the next citizen) and no code outlives
// the visit in memory.
func (p *Pipeline) Forget() {
	p.mu.Lock()
	p.last, p.lastAt = "", time.Time{}
	p.mu.Unlock()
}

// Offer copies f into the mailbox, replacing any frame still waiting. It
// never blocks and reports whether an older frame was dropped.
func (p *Pipeline) Offer(f Frame) (dropped bool) {
	if !f.valid() {
		return false
	}
	p.mu.Lock()
	n := f.Width * f.Height
	if cap(p.pending) < n {
		p.pending = make([]byte, n)
	}
	buf := p.pending[:n]
	for y := 0; y < f.Height; y++ {
		copy(buf[y*f.Width:(y+1)*f.Width], f.Pix[y*f.Stride:y*f.Stride+f.Width])
	}
	dropped = p.full
	p.full = true
	p.pf = Frame{Pix: buf, Width: f.Width, Height: f.Height, Stride: f.Width}
	p.stats.Offered++
	if dropped {
		p.stats.Dropped++
	}
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	return dropped
}

// take swaps the pending buffer with the work buffer.
func (p *Pipeline) take() (Frame, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.full {
		return Frame{}, false
	}
	f := p.pf
	p.pending, p.work = p.work, p.pending
	p.full = false
	return f, true
}

// Run decodes offered frames until ctx ends, then closes Events.
func (p *Pipeline) Run(ctx context.Context) error {
	defer close(p.events)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.wake:
		}
		f, ok := p.take()
		if !ok {
			continue
		}
		res, err := p.dec.Decode(f)
		if err != nil {
			continue
		}
		now := p.opt.Now()
		p.mu.Lock()
		p.stats.Decoded++
		dup := res.Text == p.last && now.Sub(p.lastAt) < p.opt.Dedup
		p.lastAt = now
		p.last = res.Text
		if !dup {
			p.stats.Events++
		}
		p.mu.Unlock()
		if dup {
			continue
		}
		p.opt.Logger.Debug("camera: code", "text", Mask(res.Text), "pass", res.Attempt)
		select {
		case p.events <- Event{Text: res.Text, At: now}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Feed reads src and offers every frame to p until src ends (nil) or ctx
// ends. It is what a capture goroutine runs.
func (p *Pipeline) Feed(ctx context.Context, src Source) error {
	for {
		f, err := src.Next(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("camera: feed: %w", err)
		}
		p.Offer(f)
	}
}

// Mask shortens a decoded text for logs: its length and first 4 runes.
func Mask(s string) string {
	r := []rune(s)
	if len(r) <= 4 {
		return fmt.Sprintf("[%d]****", len(s))
	}
	return fmt.Sprintf("[%d]%s****", len(s), string(r[:4]))
}
