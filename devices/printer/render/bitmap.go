package render

import "image"

// bitmap is a 1-bit image as a printer receives it: rows of stride bytes,
// most significant bit leftmost, 1 a black dot, w×h of them; printed with
// each dot sx wide and sy high. The page keeps images this way and draws
// them only when a receipt is rendered, so parsing a stream stays cheap.
type bitmap struct {
	w, h, stride int
	bits         []byte
	sx, sy       int
}

// dotsW and dotsH are the printed size.
func (b *bitmap) dotsW() int { return b.w * b.sx }
func (b *bitmap) dotsH() int { return b.h * b.sy }

// black reports whether the dot at column x, row y (unscaled) is black.
func (b *bitmap) black(x, y int) bool {
	return b.bits[y*b.stride+x/8]&(0x80>>(x%8)) != 0
}

// crop keeps at most w printed dots of each row and h printed rows, and
// keeps only their bits: a 64 KB-wide row on 576-dot paper holds 72
// bytes afterwards, so a page of such rows stays small.
func (b *bitmap) crop(w, h int) {
	nw, nh := b.w, b.h
	if b.dotsW() > w {
		nw = max(w, 0) / b.sx
	}
	if b.dotsH() > h {
		nh = max(h, 0) / b.sy
	}
	stride := (nw + 7) / 8
	if stride == b.stride && nh == b.h {
		return
	}
	bits := make([]byte, stride*nh)
	for y := range nh {
		copy(bits[y*stride:(y+1)*stride], b.bits[y*b.stride:])
	}
	b.w, b.h, b.stride, b.bits = nw, nh, stride, bits
}

// gray draws the bitmap at its printed size, black on white.
func (b *bitmap) gray() *image.Gray {
	w, h := b.dotsW(), b.dotsH()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		row := img.Pix[y*img.Stride : y*img.Stride+w]
		for x := range w {
			if b.black(x/b.sx, y/b.sy) {
				row[x] = 0
			} else {
				row[x] = 0xFF
			}
		}
	}
	return img
}

// barsBitmap is a one-row bitmap of a symbol's bars, printed h dots high.
func barsBitmap(s symbol, h int) *bitmap {
	w := s.width()
	b := &bitmap{w: w, h: 1, stride: (w + 7) / 8, sx: 1, sy: h}
	b.bits = make([]byte, b.stride)
	x := 0
	for i, e := range s.widths {
		if i%2 == 0 { // a bar
			for d := x; d < x+e; d++ {
				b.bits[d/8] |= 0x80 >> (d % 8)
			}
		}
		x += e
	}
	return b
}

// columnBitmap turns ESC * column data (cols columns of 1 or 3 bytes, most
// significant bit at the top) into rows.
func columnBitmap(data []byte, cols, bytesPerCol int) *bitmap {
	h := 8 * bytesPerCol
	b := &bitmap{w: cols, h: h, stride: (cols + 7) / 8, sx: 1, sy: 1}
	b.bits = make([]byte, b.stride*h)
	for c := range cols {
		for k := range bytesPerCol {
			v := data[c*bytesPerCol+k]
			for bit := range 8 {
				if v&(0x80>>bit) != 0 {
					y := 8*k + bit
					b.bits[y*b.stride+c/8] |= 0x80 >> (c % 8)
				}
			}
		}
	}
	return b
}
