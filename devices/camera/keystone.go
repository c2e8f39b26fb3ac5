package camera

import (
	"math"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// maxKeystoneCentres bounds the finder-pattern candidates for which the
// keystone variants are tried: noise makes many, real codes a few.
const maxKeystoneCentres = 8

// keystone is a second detector for codes seen at an angle (perspective,
// keystone). gozxing's detector estimates the symbol's dimension from one
// module size for both sides and looks for the alignment pattern where a
// parallelogram would put it; under perspective both guesses fail. Here
// the dimension is estimated per side from the finder patterns' own module
// sizes, the neighbouring dimensions are tried too, and the alignment
// pattern is searched in a wider region or done without.
//
// detect runs gozxing's finder and detector on m once; with keystone it
// then tries the perspective variants on the same finder patterns.
func (d *Decoder) detect(m *gozxing.BitMatrix, keystone bool) (string, bool) {
	ff := detector.NewFinderPatternFinder(m, nil)
	info, err := ff.Find(d.hints)
	if err == nil {
		if dr, err := detector.NewDetector(m).ProcessFinderPatternInfo(info); err == nil {
			if res, err := d.qrDecoder.Decode(dr.GetBits(), d.hints); err == nil {
				return res.GetText(), true
			}
		}
	}
	if !keystone || len(ff.GetPossibleCenters()) > maxKeystoneCentres {
		return "", false
	}
	d.noteFinders(ff.GetPossibleCenters())
	var tl, tr, bl *detector.FinderPattern
	if err == nil {
		tl, tr, bl = info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft()
	} else {
		// gozxing refuses finder patterns of too different module sizes,
		// which is what perspective makes: take the three most confirmed
		// centres instead.
		var best [3]*detector.FinderPattern
		for _, c := range ff.GetPossibleCenters() {
			if c.GetCount() < 2 {
				continue
			}
			for i := range best {
				if best[i] == nil || c.GetCount() > best[i].GetCount() {
					copy(best[i+1:], best[i:2])
					best[i] = c
					break
				}
			}
		}
		if best[2] == nil {
			return "", false
		}
		a, b, c := gozxing.ResultPoint_OrderBestPatterns(best[0], best[1], best[2])
		bl, tl, tr = a.(*detector.FinderPattern), b.(*detector.FinderPattern), c.(*detector.FinderPattern)
	}
	msTL, msTR, msBL := tl.GetEstimatedModuleSize(), tr.GetEstimatedModuleSize(), bl.GetEstimatedModuleSize()
	if msTL < 1 || msTR < 1 || msBL < 1 {
		return "", false
	}
	dimA := gozxing.ResultPoint_Distance(tl, tr)/((msTL+msTR)/2) + 7
	dimB := gozxing.ResultPoint_Distance(tl, bl)/((msTL+msBL)/2) + 7
	var dims [6]int
	nd := 0
	lo, hi := min(dimA, dimB), max(dimA, dimB)
	for _, est := range []float64{(dimA + dimB) / 2, dimA, dimB, lo - 4, hi + 4, hi + 8} {
		dim := int(math.Round((est-1)/4))*4 + 1 // nearest 4k+1
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
	dec := d.qrDecoder
	ms := (msTL + msTR + msBL) / 3
	for _, dim := range dims[:nd] {
		ver, err := decoder.Version_GetProvisionalVersionForDimension(dim)
		if err != nil {
			continue
		}
		var aligns []*detector.AlignmentPattern
		if len(ver.GetAlignmentPatternCenters()) > 0 {
			brX := tr.GetX() - tl.GetX() + bl.GetX()
			brY := tr.GetY() - tl.GetY() + bl.GetY()
			corr := 1 - 3/float64(dim-7)
			ex := tl.GetX() + corr*(brX-tl.GetX())
			ey := tl.GetY() + corr*(brY-tl.GetY())
			for _, allow := range []float64{8, 20} {
				if ap := findAlignment(m, ms, ex, ey, allow); ap != nil {
					aligns = append(aligns, ap)
					break
				}
			}
		}
		aligns = append(aligns, nil)
		for _, ap := range aligns {
			tf := detector.Detector_createTransform(tl, tr, bl, ap, dim)
			bits, err := detector.Detector_sampleGrid(m, tf, dim)
			if err != nil {
				continue
			}
			res, err := dec.Decode(bits, d.hints)
			if err == nil {
				return res.GetText(), true
			}
		}
	}
	return d.perspective(m, tl, tr, bl)
}

// findAlignment looks for an alignment pattern within allow modules of
// (x, y).
func findAlignment(m *gozxing.BitMatrix, ms, x, y, allow float64) *detector.AlignmentPattern {
	a := int(allow * ms)
	l, r := max(0, int(x)-a), min(m.GetWidth()-1, int(x)+a)
	t, b := max(0, int(y)-a), min(m.GetHeight()-1, int(y)+a)
	if float64(r-l) < 3*ms || float64(b-t) < 3*ms {
		return nil
	}
	ap, err := detector.NewAlignmentPatternFinder(m, l, t, r-l, b-t, ms, nil).Find()
	if err != nil {
		return nil
	}
	return ap
}

// finderBox is the region around the finder-pattern candidates of the last
// keystone detection, in the coordinates of its bit matrix.
type finderBox struct {
	ok                 bool
	x0, y0, x1, y1, ms float64
}

// noteFinders records the box around cs when there are at least three
// confirmed candidates: where a code is, for the full-resolution pass.
func (d *Decoder) noteFinders(cs []*detector.FinderPattern) {
	b := finderBox{x0: math.Inf(1), y0: math.Inf(1), x1: math.Inf(-1), y1: math.Inf(-1)}
	n := 0
	for _, c := range cs {
		if c.GetCount() < 2 {
			continue
		}
		n++
		b.x0, b.x1 = min(b.x0, c.GetX()), max(b.x1, c.GetX())
		b.y0, b.y1 = min(b.y0, c.GetY()), max(b.y1, c.GetY())
		b.ms = max(b.ms, c.GetEstimatedModuleSize())
	}
	b.ok = n >= 3
	d.finders = b
}
