package camera

import (
	"math"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/common"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// Perspective correction from the finder patterns' corners. gozxing maps
// the three finder centres (and an alignment pattern, when it finds one
// where a parallelogram would put it) to the module grid: under a strong
// perspective the fourth corner is far from where a parallelogram puts
// it, the alignment pattern is not found and the grid drifts by modules.
// Here each finder pattern's outer ring (7×7 modules) is traced in the
// bit matrix and its corners taken as its extreme points along the
// symbol's diagonals; the symbol's corners are those of the rings, the
// fourth one where the right edge of the top-right ring meets the bottom
// edge of the bottom-left ring. The grid is sampled through that
// quadrilateral, and again through the finder centres and the alignment
// pattern searched where the quadrilateral predicts it.

// pt is a point in image coordinates.
type pt struct{ x, y float64 }

func (a pt) add(b pt) pt            { return pt{a.x + b.x, a.y + b.y} }
func (a pt) sub(b pt) pt            { return pt{a.x - b.x, a.y - b.y} }
func (a pt) mul(k float64) pt       { return pt{a.x * k, a.y * k} }
func (a pt) dot(b pt) float64       { return a.x*b.x + a.y*b.y }
func (a pt) norm() float64          { return math.Hypot(a.x, a.y) }
func (a pt) unit() pt               { return a.mul(1 / a.norm()) }
func dist(a, b pt) float64          { return a.sub(b).norm() }
func ptOf(p gozxing.ResultPoint) pt { return pt{p.GetX(), p.GetY()} }

// ringCorners are a finder pattern's outer corners, indexed by the
// diagonal they lie on: 0 top-left, 1 top-right, 2 bottom-right, 3
// bottom-left, in the symbol's own orientation.
type ringCorners [4]pt

// diagonals returns the symbol's diagonal directions (-u-v, u-v, u+v,
// -u+v) for unit vectors u (left to right) and v (top to bottom).
func diagonals(u, v pt) [4]pt {
	return [4]pt{u.mul(-1).sub(v), u.sub(v), u.add(v), v.sub(u)}
}

// traceRing finds the outer ring of the finder pattern centred at c with
// module size ms in m and returns its corners along the diagonals dg. It
// walks from the centre along the symbol's axes until it crosses the
// white ring, then flood-fills the black ring, bounded to a box the ring
// fits in; a fill that reaches the box's edge ran into the data or the
// ground and is refused.
func (d *Decoder) traceRing(m *gozxing.BitMatrix, c pt, ms float64, axes [4]pt, dg [4]pt) (ringCorners, bool) {
	r := int(math.Ceil(7 * ms))
	cx, cy := int(c.x), int(c.y)
	// The box, clipped to the image: a ring that reaches the image's edge
	// reaches the box's and is refused.
	x0, y0 := max(0, cx-r), max(0, cy-r)
	x1, y1 := min(m.GetWidth(), cx+r+1), min(m.GetHeight(), cy+r+1)
	if r < 4 || x1-x0 < r || y1-y0 < r {
		return ringCorners{}, false
	}
	for _, dir := range axes {
		sx, sy, ok := ringStart(m, c, dir, ms)
		if !ok {
			continue
		}
		if rc, ok := d.fillRing(m, sx, sy, x0, y0, x1-x0, y1-y0, ms, dg); ok {
			return rc, true
		}
	}
	return ringCorners{}, false
}

// ringStart walks from c along dir (a unit vector) over the dark core and
// the light ring and returns the first dark pixel after them.
func ringStart(m *gozxing.BitMatrix, c pt, dir pt, ms float64) (int, int, bool) {
	state := 0 // 0 core, 1 light ring
	light := 0.0
	for t := 0.0; t < 6*ms; t += 0.5 {
		x, y := int(c.x+dir.x*t), int(c.y+dir.y*t)
		if x < 0 || y < 0 || x >= m.GetWidth() || y >= m.GetHeight() {
			return 0, 0, false
		}
		black := m.Get(x, y)
		switch {
		case state == 0 && !black:
			state, light = 1, 0.5
		case state == 1 && !black:
			light += 0.5
		case state == 1 && black:
			if light < 0.3*ms {
				state = 0 // a speck in the core
				continue
			}
			return x, y, true
		}
	}
	return 0, 0, false
}

// fillRing flood-fills (4-neighbour) the dark component at (sx, sy) within
// the bw×bh box at (x0, y0) and returns its extreme points along dg.
func (d *Decoder) fillRing(m *gozxing.BitMatrix, sx, sy, x0, y0, bw, bh int, ms float64, dg [4]pt) (ringCorners, bool) {
	if sx < x0 || sy < y0 || sx >= x0+bw || sy >= y0+bh {
		return ringCorners{}, false
	}
	side := bw
	n := bw * bh
	if cap(d.seen) < n {
		d.seen = make([]bool, n)
	}
	seen := d.seen[:n]
	clear(seen)
	stack := append(d.fill[:0], int32((sy-y0)*side+sx-x0))
	seen[(sy-y0)*side+sx-x0] = true
	var best [4]float64
	var rc ringCorners
	for i := range best {
		best[i] = math.Inf(-1)
	}
	count := 0
	for len(stack) > 0 {
		j := int(stack[len(stack)-1])
		stack = stack[:len(stack)-1]
		bx, by := j%side, j/side
		if bx == 0 || by == 0 || bx == bw-1 || by == bh-1 {
			d.fill = stack
			return ringCorners{}, false // leaked out of the box
		}
		count++
		p := pt{float64(x0+bx) + 0.5, float64(y0+by) + 0.5}
		for i, e := range dg {
			if v := p.dot(e); v > best[i] {
				best[i], rc[i] = v, p
			}
		}
		for _, o := range [4]int{j - 1, j + 1, j - side, j + side} {
			if !seen[o] && m.Get(x0+o%side, y0+o/side) {
				seen[o] = true
				stack = append(stack, int32(o))
			}
		}
	}
	d.fill = stack
	// The ring is 24 modules², 49 with the core (merged by blur).
	area := float64(count) / (ms * ms)
	if area < 10 || area > 100 {
		return ringCorners{}, false
	}
	for i, e := range dg {
		// from the pixel's centre to its outer corner
		rc[i] = rc[i].add(pt{0.5 * sign(e.x), 0.5 * sign(e.y)})
	}
	return rc, true
}

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}

// intersect returns where the line through a1, a2 meets the line through
// b1, b2.
func intersect(a1, a2, b1, b2 pt) (pt, bool) {
	da, db := a2.sub(a1), b2.sub(b1)
	den := da.x*db.y - da.y*db.x
	if math.Abs(den) < 1e-9 {
		return pt{}, false
	}
	t := ((b1.x-a1.x)*db.y - (b1.y-a1.y)*db.x) / den
	return a1.add(da.mul(t)), true
}

// perspective decodes the symbol whose finder patterns are tl, tr and bl
// through the corners of their rings.
func (d *Decoder) perspective(m *gozxing.BitMatrix, tl, tr, bl *detector.FinderPattern) (string, bool) {
	ctl, ctr, cbl := ptOf(tl), ptOf(tr), ptOf(bl)
	if dist(ctl, ctr) < 1 || dist(ctl, cbl) < 1 {
		return "", false
	}
	u, v := ctr.sub(ctl).unit(), cbl.sub(ctl).unit()
	axes := [4]pt{u, v, u.mul(-1), v.mul(-1)}
	dg := diagonals(u, v)
	var rings [3]ringCorners
	for i, f := range [3]*detector.FinderPattern{tl, tr, bl} {
		rc, ok := d.traceRing(m, ptOf(f), f.GetEstimatedModuleSize(), axes, dg)
		if !ok {
			return "", false
		}
		rings[i] = rc
	}
	rTL, rTR, rBL := rings[0], rings[1], rings[2]
	pTL, pTR, pBL := rTL[0], rTR[1], rBL[3]
	var brs [2]pt
	nbr := 0
	if p, ok := intersect(rTR[1], rTR[2], rBL[3], rBL[2]); ok {
		brs[nbr] = p
		nbr++
	}
	brs[nbr] = pTR.add(pBL).sub(pTL) // the parallelogram's
	nbr++
	// Module counts: each ring is 7 modules wide.
	msTop := (dist(rTL[0], rTL[1]) + dist(rTR[0], rTR[1])) / 14
	msLeft := (dist(rTL[0], rTL[3]) + dist(rBL[0], rBL[3])) / 14
	if msTop < 0.8 || msLeft < 0.8 {
		return "", false
	}
	dimA, dimB := dist(pTL, pTR)/msTop, dist(pTL, pBL)/msLeft
	var dims [5]int
	nd := 0
	for _, est := range []float64{(dimA + dimB) / 2, dimA, dimB, (dimA+dimB)/2 - 4, (dimA+dimB)/2 + 4} {
		dim := int(math.Round((est-1)/4))*4 + 1
		if dim < 21 || dim > 177 {
			continue
		}
		seen := false
		for _, x := range dims[:nd] {
			seen = seen || x == dim
		}
		if !seen {
			dims[nd] = dim
			nd++
		}
	}
	ms := (msTop + msLeft) / 2
	for _, dim := range dims[:nd] {
		fd := float64(dim)
		for _, br := range brs[:nbr] {
			if br.x < -fd*ms || br.y < -fd*ms || br.x > float64(m.GetWidth())+fd*ms || br.y > float64(m.GetHeight())+fd*ms {
				continue
			}
			tf := common.PerspectiveTransform_QuadrilateralToQuadrilateral(
				0, 0, fd, 0, fd, fd, 0, fd,
				pTL.x, pTL.y, pTR.x, pTR.y, br.x, br.y, pBL.x, pBL.y)
			if text, ok := d.sampleDecode(m, tf, dim); ok {
				return text, true
			}
			if dim < 25 {
				continue // version 1 has no alignment pattern
			}
			pts := []float64{fd - 6.5, fd - 6.5}
			tf.TransformPoints(pts)
			if ap := findAlignment(m, ms, pts[0], pts[1], 4); ap != nil {
				tf2 := detector.Detector_createTransform(tl, tr, bl, ap, dim)
				if text, ok := d.sampleDecode(m, tf2, dim); ok {
					return text, true
				}
			}
		}
	}
	return "", false
}

// sampleDecode samples a dim×dim grid of m through tf and decodes it.
func (d *Decoder) sampleDecode(m *gozxing.BitMatrix, tf *common.PerspectiveTransform, dim int) (string, bool) {
	bits, err := detector.Detector_sampleGrid(m, tf, dim)
	if err != nil {
		return "", false
	}
	res, err := d.qrDecoder.Decode(bits, d.hints)
	if err != nil {
		return "", false
	}
	return res.GetText(), true
}
