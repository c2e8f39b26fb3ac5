package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // decoders for FileSource
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Source yields gray frames. Next returns io.EOF when the source is
// exhausted. The returned Frame's Pix is valid until the next call to Next.
type Source interface {
	Next(ctx context.Context) (Frame, error)
	Close() error
}

// GrayFromImage converts img to an 8-bit gray frame (ITU-R 601 luma, as
// image/color.GrayModel), laid on white where img is transparent, reusing
// buf when it is large enough.
func GrayFromImage(img image.Image, buf []byte) Frame {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if cap(buf) < w*h {
		buf = make([]byte, w*h)
	}
	g := &image.Gray{Pix: buf[:w*h], Stride: w, Rect: image.Rect(0, 0, w, h)}
	switch src := img.(type) {
	case *image.Gray:
		for y := 0; y < h; y++ {
			copy(g.Pix[y*w:(y+1)*w], src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			copy(g.Pix[y*w:(y+1)*w], src.Y[src.YOffset(b.Min.X, b.Min.Y+y):])
		}
	default:
		drawOnWhite(g, img)
	}
	return Frame{Pix: g.Pix, Width: w, Height: h, Stride: w}
}

// LoadGray reads a PNG or JPEG file as a gray frame. An image above
// MaxImagePixels is refused (ErrImageTooLarge).
func LoadGray(path string) (Frame, error) {
	img, err := loadImage(path)
	if err != nil {
		return Frame{}, fmt.Errorf("camera: load %s: %w", path, err)
	}
	return GrayFromImage(img, nil), nil
}

// FileSource yields the images of a list of files, or of every .png/.jpg
// /.jpeg in a directory (sorted by name), as gray frames: a camera for
// simulation and tests.
type FileSource struct {
	frames []Frame
	i      int
	last   time.Time
	// Loop starts over at the end instead of returning io.EOF.
	Loop bool
	// Interval paces Next like a camera (e.g. time.Second/30); 0 returns
	// frames as fast as they are asked for.
	Interval time.Duration
}

var _ Source = (*FileSource)(nil)

// NewFileSource loads paths; a directory among them contributes its images.
func NewFileSource(paths ...string) (*FileSource, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("camera: file source: %w", err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		ents, err := os.ReadDir(p)
		if err != nil {
			return nil, fmt.Errorf("camera: file source: %w", err)
		}
		var dir []string
		for _, e := range ents {
			ext := strings.ToLower(filepath.Ext(e.Name()))
			if !e.IsDir() && (ext == ".png" || ext == ".jpg" || ext == ".jpeg") {
				dir = append(dir, filepath.Join(p, e.Name()))
			}
		}
		slices.Sort(dir)
		files = append(files, dir...)
	}
	if len(files) == 0 {
		return nil, errors.New("camera: file source: no images")
	}
	s := &FileSource{}
	for _, f := range files {
		fr, err := LoadGray(f)
		if err != nil {
			return nil, err
		}
		s.frames = append(s.frames, fr)
	}
	return s, nil
}

// NewFrameSource yields the given frames (tests, generated corpora).
func NewFrameSource(frames ...Frame) *FileSource { return &FileSource{frames: frames} }

// Next returns the next frame, or io.EOF at the end unless Loop is set.
func (s *FileSource) Next(ctx context.Context) (Frame, error) {
	if err := ctx.Err(); err != nil {
		return Frame{}, err
	}
	if s.i >= len(s.frames) {
		if !s.Loop || len(s.frames) == 0 {
			return Frame{}, io.EOF
		}
		s.i = 0
	}
	if s.Interval > 0 && !s.last.IsZero() {
		if wait := s.Interval - time.Since(s.last); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return Frame{}, ctx.Err()
			case <-t.C:
			}
		}
	}
	s.last = time.Now()
	f := s.frames[s.i]
	s.i++
	return f, nil
}

// Close does nothing.
func (s *FileSource) Close() error { return nil }
