package privacy

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"

	"sckiosk/kiosk/core/receipt"
)

// Tail keeps the last lines of the log in memory for the technician
// screen. Put it behind a Handler, so the lines it keeps are masked. Its
// times are Beijing time, as on receipts, whatever the machine's zone.
type Tail struct {
	mu    sync.Mutex
	lines []string
	max   int
	level slog.Level
	attrs []slog.Attr
	group string
}

// NewTail keeps the last max lines at level and above.
func NewTail(max int, level slog.Level) *Tail { return &Tail{max: max, level: level} }

// Enabled implements slog.Handler.
func (t *Tail) Enabled(_ context.Context, l slog.Level) bool { return l >= t.level }

// Handle implements slog.Handler: the record becomes one text line.
func (t *Tail) Handle(_ context.Context, r slog.Record) error {
	var b bytes.Buffer
	h := slog.NewTextHandler(&b, &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 && a.Key == slog.TimeKey {
			return slog.String(slog.TimeKey, a.Value.Time().In(receipt.ChinaTime).Format("15:04:05"))
		}
		return a
	}})
	var hh slog.Handler = h
	if len(t.attrs) > 0 {
		hh = hh.WithAttrs(t.attrs)
	}
	if err := hh.Handle(context.Background(), r); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, strings.TrimSpace(b.String()))
	if len(t.lines) > t.max {
		t.lines = t.lines[len(t.lines)-t.max:]
	}
	return nil
}

// WithAttrs implements slog.Handler (sharing the line buffer).
func (t *Tail) WithAttrs(as []slog.Attr) slog.Handler {
	return &tailView{t: t, attrs: as}
}

// WithGroup implements slog.Handler; groups are flattened.
func (t *Tail) WithGroup(string) slog.Handler { return t }

// Lines returns the kept lines, oldest first.
func (t *Tail) Lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.lines...)
}

// tailView is a Tail with attributes added by WithAttrs.
type tailView struct {
	t     *Tail
	attrs []slog.Attr
}

func (v *tailView) Enabled(ctx context.Context, l slog.Level) bool { return v.t.Enabled(ctx, l) }

func (v *tailView) Handle(ctx context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(v.attrs...)
	return v.t.Handle(ctx, r)
}

func (v *tailView) WithAttrs(as []slog.Attr) slog.Handler {
	return &tailView{t: v.t, attrs: append(append([]slog.Attr(nil), v.attrs...), as...)}
}

func (v *tailView) WithGroup(string) slog.Handler { return v }

// Fanout sends every record to all handlers.
type Fanout []slog.Handler

// Enabled implements slog.Handler.
func (f Fanout) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range f {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

// Handle implements slog.Handler.
func (f Fanout) Handle(ctx context.Context, r slog.Record) error {
	for _, h := range f {
		if h.Enabled(ctx, r.Level) {
			if err := h.Handle(ctx, r.Clone()); err != nil {
				return err
			}
		}
	}
	return nil
}

// WithAttrs implements slog.Handler.
func (f Fanout) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(Fanout, len(f))
	for i, h := range f {
		out[i] = h.WithAttrs(as)
	}
	return out
}

// WithGroup implements slog.Handler.
func (f Fanout) WithGroup(name string) slog.Handler {
	out := make(Fanout, len(f))
	for i, h := range f {
		out[i] = h.WithGroup(name)
	}
	return out
}
