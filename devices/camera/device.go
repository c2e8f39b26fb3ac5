package camera

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"sckiosk/devices/device"
	"sckiosk/devices/supervise"
)

// DeviceName is the camera's Kind in device statuses.
const DeviceName = device.Camera

// Opener opens the frame source of one device session.
type Opener func(ctx context.Context) (Source, error)

// Device is the camera as the kiosk runs it: a source, a decode pipeline
// and one event per code, under the device supervisor.
type Device struct {
	open Opener
	opt  PipelineOptions

	mu   sync.Mutex
	pipe *Pipeline // of the running session; nil between sessions
}

// NewDevice returns a camera device whose sessions read from open.
func NewDevice(open Opener, opt PipelineOptions) *Device {
	return &Device{open: open, opt: opt}
}

// Forget drops the last code the running pipeline remembers for
// de-duplication: a code names who showed it, so it goes when the visit
// ends.
func (d *Device) Forget() {
	d.mu.Lock()
	p := d.pipe
	d.mu.Unlock()
	if p != nil {
		p.Forget()
	}
}

// Session opens the source, reports the camera online and sends one event
// per decoded code to events until the source fails or ctx ends.
func (d *Device) Session(events chan<- Event) supervise.Session {
	return func(ctx context.Context, report func(device.Status)) error {
		src, err := d.open(ctx)
		if err != nil {
			return fmt.Errorf("camera: open source: %w", err)
		}
		defer src.Close()
		if ds, ok := src.(*DirSource); ok && ds.Logger == nil {
			ds.Logger = d.opt.Logger
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		p := NewPipeline(d.opt)
		d.mu.Lock()
		d.pipe = p
		d.mu.Unlock()
		defer func() {
			d.mu.Lock()
			d.pipe = nil
			d.mu.Unlock()
		}()
		report(device.Status{Kind: DeviceName, State: device.Online, Since: time.Now()})
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = p.Run(ctx)
		}()
		go func() {
			for ev := range p.Events() {
				select {
				case events <- ev:
				case <-ctx.Done():
				}
			}
		}()
		err = p.Feed(ctx, src)
		cancel()
		<-done
		if err == nil {
			err = errors.New("camera: source ended")
		}
		return err
	}
}

// DirSource is a camera for simulation: it watches a directory, and an
// image file written there (.png, .jpg) is "held in front of the camera":
// Next yields it as frames for Hold at Interval, like a phone shown to a
// real camera, then waits for the next file. Files are read once and
// removed, as a shown code must not linger.
type DirSource struct {
	dir      string
	Hold     time.Duration // how long a shown image stays in view; 0 means 1 s
	Interval time.Duration // frame interval while an image is in view; 0 means 1/15 s
	Poll     time.Duration // how often the directory is looked at; 0 means 100 ms
	// Logger hears of files refused (broken, or above MaxImagePixels);
	// nil: the device's PipelineOptions.Logger, or none.
	Logger *slog.Logger

	cur   Frame
	until time.Time
	buf   []byte
}

var _ Source = (*DirSource)(nil)

// NewDirSource watches dir, which must exist.
func NewDirSource(dir string) (*DirSource, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("camera: dir source: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("camera: dir source: %s is not a directory", dir)
	}
	return &DirSource{dir: dir}, nil
}

// Next returns a frame of the image in view, waiting for one to be shown.
// It fails when the directory goes away (an unplugged camera).
func (s *DirSource) Next(ctx context.Context) (Frame, error) {
	hold, every, poll := or(s.Hold, time.Second), or(s.Interval, time.Second/15), or(s.Poll, 100*time.Millisecond)
	for {
		if time.Now().Before(s.until) {
			if err := sleep(ctx, every); err != nil {
				return Frame{}, err
			}
			return s.cur, nil
		}
		f, ok, err := s.take()
		if err != nil {
			return Frame{}, err
		}
		if ok {
			s.cur, s.until = f, time.Now().Add(hold)
			return s.cur, nil
		}
		if err := sleep(ctx, poll); err != nil {
			return Frame{}, err
		}
	}
}

// take loads and removes the oldest image in the directory.
func (s *DirSource) take() (Frame, bool, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return Frame{}, false, fmt.Errorf("camera: dir source: %w", err)
	}
	for _, e := range ents { // ReadDir sorts by name: writers name files by time
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.IsDir() || (ext != ".png" && ext != ".jpg" && ext != ".jpeg") {
			continue
		}
		path := filepath.Join(s.dir, e.Name())
		img, err := loadImage(path)
		_ = os.Remove(path)
		if err != nil { // a broken or oversized file: nothing in view
			s.logger().Warn("camera: image refused and removed", "file", e.Name(), "err", err)
			continue
		}
		f := GrayFromImage(img, s.buf)
		s.buf = f.Pix
		return f, true, nil
	}
	return Frame{}, false, nil
}

func (s *DirSource) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// Close does nothing.
func (s *DirSource) Close() error { return nil }

func or(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
