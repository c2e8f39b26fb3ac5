package camera

import (
	"github.com/makiuchi-d/gozxing"
)

// Block geometry of the hybrid (local-threshold) binarizer; the same as
// ZXing's HybridBinarizer.
const (
	blockPow      = 3
	blockSize     = 1 << blockPow
	minDynRange   = 24
	minHybridSide = blockSize * 5
)

// hybridBinarizer is ZXing's HybridBinarizer re-implemented to reuse its
// black-point table and bit matrix from frame to frame (gozxing's allocates
// both per call). It satisfies gozxing.Binarizer; GetBlackRow falls back to
// the global histogram binarizer, which the QR reader never calls.
type hybridBinarizer struct {
	src    *graySource
	points []int
	matrix *gozxing.BitMatrix
	valid  bool
}

var _ gozxing.Binarizer = (*hybridBinarizer)(nil)

// reset prepares the binarizer for a new image in src.
func (b *hybridBinarizer) reset(src *graySource) {
	b.src = src
	b.valid = false
}

func (b *hybridBinarizer) GetLuminanceSource() gozxing.LuminanceSource { return b.src }
func (b *hybridBinarizer) GetWidth() int                               { return b.src.Width }
func (b *hybridBinarizer) GetHeight() int                              { return b.src.Height }

// CreateBinarizer returns a fresh binarizer for source (used by gozxing for
// crops and rotations, which the QR reader does not do).
func (b *hybridBinarizer) CreateBinarizer(source gozxing.LuminanceSource) gozxing.Binarizer {
	return gozxing.NewHybridBinarizer(source)
}

// GetBlackRow binarizes one row with a global threshold.
func (b *hybridBinarizer) GetBlackRow(y int, row *gozxing.BitArray) (*gozxing.BitArray, error) {
	return gozxing.NewGlobalHistgramBinarizer(b.src).GetBlackRow(y, row)
}

// GetBlackMatrix binarizes the whole image with local thresholds, reusing
// the previous frame's buffers when the size is unchanged.
func (b *hybridBinarizer) GetBlackMatrix() (*gozxing.BitMatrix, error) {
	if b.valid {
		return b.matrix, nil
	}
	w, h := b.src.Width, b.src.Height
	if w < minHybridSide || h < minHybridSide {
		m, err := gozxing.NewGlobalHistgramBinarizer(b.src).GetBlackMatrix()
		if err != nil {
			return nil, err
		}
		b.matrix, b.valid = m, true
		return m, nil
	}
	if b.matrix == nil || b.matrix.GetWidth() != w || b.matrix.GetHeight() != h {
		m, err := gozxing.NewBitMatrix(w, h)
		if err != nil {
			return nil, err
		}
		b.matrix = m
	} else {
		b.matrix.Clear()
	}
	sw, sh := (w+blockSize-1)>>blockPow, (h+blockSize-1)>>blockPow
	if cap(b.points) < sw*sh {
		b.points = make([]int, sw*sh)
	}
	bp := b.points[:sw*sh]
	lum := b.src.pix
	b.blackPoints(lum, bp, sw, sh, w, h)
	b.threshold(lum, bp, sw, sh, w, h)
	b.valid = true
	return b.matrix, nil
}

func (b *hybridBinarizer) blackPoints(lum []byte, bp []int, sw, sh, w, h int) {
	maxY, maxX := h-blockSize, w-blockSize
	for y := 0; y < sh; y++ {
		yo := min(y<<blockPow, maxY)
		for x := 0; x < sw; x++ {
			xo := min(x<<blockPow, maxX)
			sum, lo, hi := 0, 255, 0
			for yy := 0; yy < blockSize; yy++ {
				row := lum[(yo+yy)*w+xo : (yo+yy)*w+xo+blockSize]
				for _, p := range row {
					v := int(p)
					sum += v
					lo = min(lo, v)
					hi = max(hi, v)
				}
			}
			avg := sum >> (2 * blockPow)
			if hi-lo <= minDynRange {
				avg = lo / 2
				if y > 0 && x > 0 {
					nb := (bp[(y-1)*sw+x] + 2*bp[y*sw+x-1] + bp[(y-1)*sw+x-1]) / 4
					if lo < nb {
						avg = nb
					}
				}
			}
			bp[y*sw+x] = avg
		}
	}
}

func clampInt(v, lo, hi int) int { return max(lo, min(v, hi)) }

func (b *hybridBinarizer) threshold(lum []byte, bp []int, sw, sh, w, h int) {
	maxY, maxX := h-blockSize, w-blockSize
	m := b.matrix
	for y := 0; y < sh; y++ {
		yo := min(y<<blockPow, maxY)
		top := clampInt(y, 2, sh-3)
		for x := 0; x < sw; x++ {
			xo := min(x<<blockPow, maxX)
			left := clampInt(x, 2, sw-3)
			sum := 0
			for z := -2; z <= 2; z++ {
				r := bp[(top+z)*sw:]
				sum += r[left-2] + r[left-1] + r[left] + r[left+1] + r[left+2]
			}
			t := sum / 25
			for yy := 0; yy < blockSize; yy++ {
				row := lum[(yo+yy)*w+xo : (yo+yy)*w+xo+blockSize]
				for xx, p := range row {
					if int(p) <= t {
						m.Set(xo+xx, yo+yy)
					}
				}
			}
		}
	}
}
