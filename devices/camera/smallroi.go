package camera

// Small codes (modules of about 2 px) are lost in the scaled passes and
// are too fine for the detector even at full resolution. smallROI finds
// compact, busy regions on the primary-scale image (4×4 blocks with a high
// dynamic range, joined into components of code-like size and shape) and
// decodes each from the full-resolution frame upscaled 2× (bilinear).

const (
	roiBlock    = 4
	roiRange    = 48 // min dynamic range of a busy block, in a contrasted frame
	roiMaxTries = 2
)

// roiBox is a candidate region in block coordinates.
type roiBox struct {
	x0, y0, x1, y1, n int
}

// smallROI runs the region search on the primary image pix (w×h, scale
// k of f, whose gray levels span frameRange) and decodes the candidates.
// A block is busy when its range is above roiRange, or above 40 % of the
// frame's range in a low-contrast frame.
func (d *Decoder) smallROI(f Frame, pix []byte, w, h, k, frameRange int) (Result, bool) {
	busy := roiRange
	if frameRange < stretchRange && frameRange >= minStretchRange {
		busy = max(minDynRange, frameRange*2/5)
	}
	bw, bh := w/roiBlock, h/roiBlock
	if bw < 8 || bh < 8 {
		return Result{}, false
	}
	n := bw * bh
	if cap(d.roiMark) < n {
		d.roiMark = make([]int32, n)
		d.roiStack = make([]int32, 0, 256)
	}
	mark := d.roiMark[:n]
	for by := 0; by < bh; by++ {
		for bx := 0; bx < bw; bx++ {
			lo, hi := 255, 0
			for yy := 0; yy < roiBlock; yy++ {
				row := pix[(by*roiBlock+yy)*w+bx*roiBlock:]
				for xx := 0; xx < roiBlock; xx++ {
					v := int(row[xx])
					lo, hi = min(lo, v), max(hi, v)
				}
			}
			if hi-lo >= busy {
				mark[by*bw+bx] = -1 // busy, unlabelled
			} else {
				mark[by*bw+bx] = 0
			}
		}
	}
	// Connected components (4-neighbour) of busy blocks; keep the best
	// roiMaxTries code-like ones.
	var best [roiMaxTries]roiBox
	label := int32(0)
	// Side of a 2-px-module code (21..57 modules + quiet zone) in blocks.
	minSide := max(4, 50/(k*roiBlock))
	maxSide := 260 / (k * roiBlock)
	for i := range mark {
		if mark[i] != -1 {
			continue
		}
		label++
		b := roiBox{x0: bw, y0: bh, x1: -1, y1: -1}
		stack := append(d.roiStack[:0], int32(i))
		mark[i] = label
		for len(stack) > 0 {
			j := int(stack[len(stack)-1])
			stack = stack[:len(stack)-1]
			x, y := j%bw, j/bw
			b.n++
			b.x0, b.y0, b.x1, b.y1 = min(b.x0, x), min(b.y0, y), max(b.x1, x), max(b.y1, y)
			for _, nb := range [4][2]int{{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}} {
				if nb[0] < 0 || nb[1] < 0 || nb[0] >= bw || nb[1] >= bh {
					continue
				}
				if o := nb[1]*bw + nb[0]; mark[o] == -1 {
					mark[o] = label
					stack = append(stack, int32(o))
				}
			}
		}
		d.roiStack = stack
		sw, sh := b.x1-b.x0+1, b.y1-b.y0+1
		if sw < minSide || sh < minSide || sw > maxSide || sh > maxSide || sw > 2*sh || sh > 2*sw || b.n*10 < sw*sh*5 {
			continue
		}
		for t := range best {
			if b.n > best[t].n {
				copy(best[t+1:], best[t:roiMaxTries-1])
				best[t] = b
				break
			}
		}
	}
	for _, b := range best {
		if b.n == 0 {
			break
		}
		// Full-resolution rectangle with a margin for the quiet zone.
		s := roiBlock * k
		mx, my := (b.x1-b.x0+1)*s/4+4*k, (b.y1-b.y0+1)*s/4+4*k
		x0, y0 := max(0, b.x0*s-mx), max(0, b.y0*s-my)
		x1, y1 := min(f.Width, (b.x1+1)*s+mx), min(f.Height, (b.y1+1)*s+my)
		uw, uh := d.upscale2(f, x0, y0, x1-x0, y1-y0)
		if r, ok := d.tryHybrid(d.up, uw, uh, "roi2x", true); ok {
			return r, true
		}
		if r, ok := d.tryGlobal(d.up, uw, uh, "roi2x"); ok {
			return r, true
		}
		if r, ok := d.tryMean(d.up, uw, uh, "roi2x"); ok {
			return r, true
		}
	}
	return Result{}, false
}

// upscale2 writes the w×h region of f at (x0, y0), upscaled 2× with
// bilinear interpolation (fixed point), into d.up.
func (d *Decoder) upscale2(f Frame, x0, y0, w, h int) (int, int) {
	uw, uh := 2*w, 2*h
	if cap(d.up) < uw*uh {
		d.up = make([]byte, uw*uh)
	}
	out := d.up[:uw*uh]
	at := func(x, y int) int {
		x = min(max(x, 0), w-1)
		y = min(max(y, 0), h-1)
		return int(f.Pix[(y0+y)*f.Stride+x0+x])
	}
	// Output pixel 2x+i samples source x - 1/4 (i = 0) or x + 1/4 (i = 1).
	for y := 0; y < h; y++ {
		for i := 0; i < 2; i++ {
			yn := y - 1 + 2*i // neighbour row
			for x := 0; x < w; x++ {
				c, cy := at(x, y), at(x, yn)
				for j := 0; j < 2; j++ {
					xn := x - 1 + 2*j
					cx, cxy := at(xn, y), at(xn, yn)
					// weights 3/4 own, 1/4 neighbour in each direction
					v := (9*c + 3*cx + 3*cy + cxy + 8) >> 4
					out[(2*y+i)*uw+2*x+j] = byte(v)
				}
			}
		}
	}
	return uw, uh
}
