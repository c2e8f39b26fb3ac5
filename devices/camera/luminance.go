package camera

import (
	"errors"

	"github.com/makiuchi-d/gozxing"
)

// graySource is a gozxing.LuminanceSource straight over an 8-bit gray
// buffer (row-major, stride == width). It never copies: GetMatrix returns
// the buffer itself, so a Decoder can reuse one source and one buffer for
// every frame.
type graySource struct {
	gozxing.LuminanceSourceBase
	pix []byte
}

var _ gozxing.LuminanceSource = (*graySource)(nil)

// reset points the source at pix (w×h, stride w) without allocating.
func (s *graySource) reset(pix []byte, w, h int) {
	s.pix = pix[:w*h]
	s.Width, s.Height = w, h
}

// GetRow returns row y; it copies into row when row is large enough, so the
// caller's buffer is reused.
func (s *graySource) GetRow(y int, row []byte) ([]byte, error) {
	if y < 0 || y >= s.Height {
		return nil, errors.New("camera: luminance row out of range")
	}
	src := s.pix[y*s.Width : (y+1)*s.Width]
	if cap(row) < s.Width {
		row = make([]byte, s.Width)
	}
	row = row[:s.Width]
	copy(row, src)
	return row, nil
}

// GetMatrix returns the whole buffer; callers must not modify it.
func (s *graySource) GetMatrix() []byte { return s.pix }

// Invert returns a source with inverted luminance (gozxing's wrapper).
func (s *graySource) Invert() gozxing.LuminanceSource { return gozxing.NewInvertedLuminanceSource(s) }

// String renders the source as ASCII art, for debugging.
func (s *graySource) String() string { return gozxing.LuminanceSourceString(s) }
