package camera

import (
	"math"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/common"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
	qrcode "github.com/skip2/go-qrcode"
)

// warped renders text as a QR code drawn into quad (corners top-left,
// top-right, bottom-right, bottom-left, quiet zone included) on a w×h
// frame of level ground, with dark and light module levels, 2×2
// supersampled. It is deterministic: no noise.
func warped(t testing.TB, text string, w, h int, quad [4]pt, ground, dark, light float64) Frame {
	t.Helper()
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	bm := q.Bitmap()
	n := float64(len(bm))
	// image → module coordinates
	tf := common.PerspectiveTransform_QuadrilateralToQuadrilateral(
		quad[0].x, quad[0].y, quad[1].x, quad[1].y, quad[2].x, quad[2].y, quad[3].x, quad[3].y,
		0, 0, n, 0, n, n, 0, n)
	pix := make([]byte, w*h)
	pts := make([]float64, 8)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			for i := 0; i < 4; i++ {
				pts[2*i] = float64(x) + 0.25 + 0.5*float64(i%2)
				pts[2*i+1] = float64(y) + 0.25 + 0.5*float64(i/2)
			}
			tf.TransformPoints(pts)
			s := 0.0
			for i := 0; i < 4; i++ {
				u, v := pts[2*i], pts[2*i+1]
				switch {
				case u < 0 || v < 0 || u >= n || v >= n:
					s += ground
				case bm[int(v)][int(u)]:
					s += dark
				default:
					s += light
				}
			}
			pix[y*w+x] = byte(math.Round(s / 4))
		}
	}
	return Frame{Pix: pix, Width: w, Height: h, Stride: w}
}

// keystone is a quad seen at an angle: its right edge 40 % shorter than
// its left.
var keystone = [4]pt{{150, 60}, {470, 150}, {470, 330}, {150, 420}}

func TestPerspectiveFromRings(t *testing.T) {
	f := warped(t, sample, 640, 480, keystone, 200, 20, 230)
	d := NewDecoder(DecoderOptions{})
	d.src.reset(f.Pix, f.Width, f.Height)
	d.hyb.reset(&d.src)
	m, err := d.hyb.GetBlackMatrix()
	if err != nil {
		t.Fatal(err)
	}
	ff := detector.NewFinderPatternFinder(m, nil)
	ff.Find(d.hints) // gozxing may refuse the patterns' different sizes; the candidates stay
	var cs []*detector.FinderPattern
	for _, c := range ff.GetPossibleCenters() {
		if c.GetCount() >= 2 {
			cs = append(cs, c)
		}
	}
	if len(cs) != 3 {
		t.Fatalf("finder candidates: got %d, want 3", len(cs))
	}
	a, b, c := gozxing.ResultPoint_OrderBestPatterns(cs[0], cs[1], cs[2])
	bl, tl, tr := a.(*detector.FinderPattern), b.(*detector.FinderPattern), c.(*detector.FinderPattern)
	text, ok := d.perspective(m, tl, tr, bl)
	if !ok || text != sample {
		t.Fatalf("perspective: got %q, %v; want %q", text, ok, sample)
	}
}

func TestTraceRingRefusesLeak(t *testing.T) {
	// A dark square with no light ring inside: the walk from its centre
	// never crosses a light ring, so no ring is traced.
	w, h := 100, 100
	m, _ := gozxing.NewBitMatrix(w, h)
	m.SetRegion(20, 20, 60, 60)
	d := NewDecoder(DecoderOptions{})
	u, v := pt{1, 0}, pt{0, 1}
	if _, ok := d.traceRing(m, pt{50, 50}, 4, [4]pt{u, v, u.mul(-1), v.mul(-1)}, diagonals(u, v)); ok {
		t.Fatal("traced a ring in a solid square")
	}
	// A ring touching the box's edge (a ground darker than the quiet
	// zone) is refused.
	m.Clear()
	m.SetRegion(0, 0, w, h)
	for y := 44; y < 56; y++ {
		for x := 44; x < 56; x++ {
			m.Unset(x, y)
		}
	}
	m.SetRegion(48, 48, 4, 4)
	if _, ok := d.traceRing(m, pt{50, 50}, 2, [4]pt{u, v, u.mul(-1), v.mul(-1)}, diagonals(u, v)); ok {
		t.Fatal("traced a ring that leaks into the ground")
	}
}

func TestIntersect(t *testing.T) {
	tests := []struct {
		name           string
		a1, a2, b1, b2 pt
		want           pt
		ok             bool
	}{
		{"axes", pt{0, 0}, pt{10, 0}, pt{5, -5}, pt{5, 5}, pt{5, 0}, true},
		{"beyond the segments", pt{0, 0}, pt{1, 1}, pt{10, 0}, pt{9, 1}, pt{5, 5}, true},
		{"parallel", pt{0, 0}, pt{1, 0}, pt{0, 1}, pt{1, 1}, pt{}, false},
	}
	for _, tt := range tests {
		got, ok := intersect(tt.a1, tt.a2, tt.b1, tt.b2)
		if ok != tt.ok || ok && dist(got, tt.want) > 1e-9 {
			t.Errorf("%s: got %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestLevelsAndStretch(t *testing.T) {
	tests := []struct {
		name   string
		lo, hi byte // the image: half lo, half hi
		wantLo int
		wantHi int
	}{
		{"low contrast", 100, 160, 100, 160},
		{"full range", 0, 255, 0, 255},
		{"flat", 128, 128, 128, 128},
	}
	for _, tt := range tests {
		src := make([]byte, 1000)
		for i := range src {
			src[i] = tt.lo
			if i%2 == 1 {
				src[i] = tt.hi
			}
		}
		lo, hi := levels(src)
		if lo != tt.wantLo || hi != tt.wantHi {
			t.Errorf("%s: levels %d, %d; want %d, %d", tt.name, lo, hi, tt.wantLo, tt.wantHi)
			continue
		}
		dst := make([]byte, len(src))
		stretch(dst, src, lo, hi)
		if hi > lo && (dst[0] != 0 || dst[1] != 255) {
			t.Errorf("%s: stretched %d, %d; want 0, 255", tt.name, dst[0], dst[1])
		}
	}
}

func TestMeanBinarizer(t *testing.T) {
	// A low-contrast dark square (100) inside a lighter square (150) on a
	// still lighter ground (190): the dark square is dark, the flat
	// ground light, whatever the ground's level.
	w, h := 120, 120
	pix := make([]byte, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			switch {
			case x >= 50 && x < 70 && y >= 50 && y < 70:
				pix[y*w+x] = 100
			case x >= 30 && x < 90 && y >= 30 && y < 90:
				pix[y*w+x] = 150
			default:
				pix[y*w+x] = 190
			}
		}
	}
	var b meanBinarizer
	for range 2 { // the second run reuses the buffers
		m, err := b.binarize(pix, w, h, 12)
		if err != nil {
			t.Fatal(err)
		}
		checks := []struct {
			x, y int
			dark bool
		}{{60, 60, true}, {52, 52, true}, {5, 5, false}, {110, 60, false}, {40, 60, false}}
		for _, c := range checks {
			if m.Get(c.x, c.y) != c.dark {
				t.Errorf("(%d,%d): dark %v, want %v", c.x, c.y, m.Get(c.x, c.y), c.dark)
			}
		}
	}
}

// TestDecodeNewStages decodes frames that only the new stages read and
// checks which pass read them.
func TestDecodeNewStages(t *testing.T) {
	tests := []struct {
		name     string
		frame    func(t *testing.T) Frame
		wantPass string
	}{
		{"keystone, 640×480", func(t *testing.T) Frame {
			return warped(t, sample, 640, 480, keystone, 200, 20, 230)
		}, "s1/hybrid"},
		{"low contrast on a lighter ground", func(t *testing.T) Frame {
			sq := [4]pt{{200, 120}, {420, 120}, {420, 340}, {200, 340}}
			return warped(t, sample, 640, 480, sq, 195, 100, 150)
		}, "stretch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(DecoderOptions{})
			r, err := d.Decode(tt.frame(t))
			if err != nil || r.Text != sample {
				t.Fatalf("got %q (%s), %v; want %q", r.Text, r.Attempt, err, sample)
			}
			if !strings.Contains(r.Attempt, tt.wantPass) {
				t.Errorf("read by %q, want a pass named %q", r.Attempt, tt.wantPass)
			}
		})
	}
}
