package camera

import "github.com/makiuchi-d/gozxing"

// meanBinarizer thresholds each pixel against the mean of the square
// window around it (an integral image makes every window one sum): a
// pixel is dark when it is more than meanOffset below that mean. It is a
// second binarizer, for frames the hybrid one gets wrong: a low-contrast
// code on a lighter ground, where the hybrid binarizer's 5×5-block
// thresholds darken the quiet zone and the modules beside it. Its buffers
// are kept from frame to frame.
type meanBinarizer struct {
	sum    []uint32
	matrix *gozxing.BitMatrix
}

// meanOffset is how far below its window's mean a pixel must be to be
// dark, so that the sensor noise of a flat ground stays light.
const meanOffset = 4

// binarize thresholds pix (w×h) with windows of side 2r+1 and returns the
// bit matrix, valid until the next call.
func (b *meanBinarizer) binarize(pix []byte, w, h, r int) (*gozxing.BitMatrix, error) {
	sw := w + 1
	n := sw * (h + 1)
	if cap(b.sum) < n {
		b.sum = make([]uint32, n)
	}
	sum := b.sum[:n]
	for x := range sw {
		sum[x] = 0
	}
	for y := 0; y < h; y++ {
		row := pix[y*w : (y+1)*w]
		var acc uint32
		above, cur := sum[y*sw:(y+1)*sw], sum[(y+1)*sw:(y+2)*sw]
		cur[0] = 0
		for x, v := range row {
			acc += uint32(v)
			cur[x+1] = above[x+1] + acc
		}
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
	m := b.matrix
	for y := 0; y < h; y++ {
		y0, y1 := max(0, y-r), min(h, y+r+1)
		top, bot := sum[y0*sw:], sum[y1*sw:]
		row := pix[y*w : (y+1)*w]
		for x, v := range row {
			x0, x1 := max(0, x-r), min(w, x+r+1)
			area := uint32((x1 - x0) * (y1 - y0))
			s := bot[x1] - bot[x0] - top[x1] + top[x0]
			if (uint32(v)+meanOffset)*area < s {
				m.Set(x, y)
			}
		}
	}
	return m, nil
}
