// Command qrbench measures the camera QR pipeline on a degraded,
// camera-like corpus it generates from its own codes, and runs two
// reference decoders on the same JPEG files: zbarimg (Debian zbar-tools)
// and ZXing-C++ (npm's zxing-wasm under node, tools/qrbench/zxing).
//
// Categories: plain, rotation, perspective, gauss-blur, motion-blur,
// noise, low-contrast, uneven-light, small-modules (2 px), inverted and
// empty frames, each at 640×480 and 1280×720. Every image also goes
// through a camera model: slight defocus, sensor noise and a JPEG round
// trip. The report gives the success count per category and the median
// decode time per frame; on empty frames "success" means no false
// positive. A false positive (a text on an empty frame, or a text other
// than the one drawn) is counted apart: the goal is none.
//
// The corpus is pinned: -seed and -n (frames per category and size) fix
// every image, and the report's first line names them with the
// categories, so two reports of the same line measured the same frames.
//
// Usage: qrbench [-seed 0] [-n 9] [-out DIR] [-zbar=true] [-zxing=true]
package main

import (
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"sckiosk/devices/camera"
)

var categories = []string{"plain", "rotation", "perspective", "gauss-blur", "motion-blur", "noise",
	"low-contrast", "uneven-light", "small-modules", "inverted", "empty"}

var sizes = [][2]int{{640, 480}, {1280, 720}}

// verbose names the pipeline's misses (-v).
var verbose bool

type sample struct {
	file, want, cat string
	w, h            int
}

func main() {
	seed := flag.Uint64("seed", 0, "corpus seed: the same seed and -n make the same images")
	n := flag.Int("n", 9, "images per category and size")
	out := flag.String("out", "", "corpus directory (default: a temporary one, removed at the end)")
	useZbar := flag.Bool("zbar", true, "also run zbarimg as a reference")
	flag.BoolVar(&verbose, "v", false, "name every frame the pipeline misses, with the pass that read it or not")
	useZXing := flag.Bool("zxing", true, "also run ZXing-C++ (zxing-wasm under node, installed by make bench-qr) as a reference")
	flag.Parse()
	dir := *out
	if dir == "" {
		d, err := os.MkdirTemp("", "qrbench")
		if err != nil {
			fail(err)
		}
		defer os.RemoveAll(d)
		dir = d
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		fail(err)
	}
	var samples []sample
	for _, sz := range sizes {
		for ci, cat := range categories {
			for i := 0; i < *n; i++ {
				r := rand.New(rand.NewPCG(*seed<<32+uint64(ci*1000+i), uint64(sz[0])))
				s, err := generate(r, dir, cat, i, sz[0], sz[1])
				if err != nil {
					fail(err)
				}
				samples = append(samples, s)
			}
		}
	}
	zbarOK := *useZbar
	if _, err := exec.LookPath("zbarimg"); err != nil && zbarOK {
		fmt.Fprintln(os.Stderr, "qrbench: zbarimg not found (apt-get install zbar-tools); reference skipped")
		zbarOK = false
	}
	var zx *zxingRef
	if *useZXing {
		z, err := startZXing()
		if err != nil {
			fmt.Fprintln(os.Stderr, "qrbench: ZXing-C++ reference skipped:", err)
		} else {
			zx = z
			defer zx.close()
		}
	}
	fmt.Printf("corpus: seed %d, %d frames per category and size, %d images in %s\n", *seed, *n, len(samples), dir)
	fmt.Printf("categories: %s\n", strings.Join(categories, ", "))
	fmt.Printf("decoder on one goroutine (make bench-qr runs it with GOMAXPROCS=1: one core)\n")
	if zx != nil {
		fmt.Printf("ZXing-C++: zxing-wasm %s, zxing-cpp commit %s, under node %s\n", zx.version, zx.commit, zx.node)
	}
	fmt.Println()
	for _, sz := range sizes {
		report(samples, sz[0], sz[1], zbarOK, zx)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "qrbench:", err)
	os.Exit(1)
}

// tally counts one decoder's results over a set of frames. fp counts
// false positives: a text on an empty frame, or a text other than the one
// drawn.
type tally struct {
	ok, n, fp int
	ms        []float64
}

func (t *tally) add(o *tally) {
	t.ok += o.ok
	t.n += o.n
	t.fp += o.fp
	t.ms = append(t.ms, o.ms...)
}

// score adds one frame: texts is what a decoder read in it.
func (t *tally) score(s sample, texts []string, ms float64) {
	t.n++
	t.ms = append(t.ms, ms)
	if s.want == "" {
		if len(texts) == 0 {
			t.ok++
		} else {
			t.fp++
		}
		return
	}
	if slices.Contains(texts, s.want) {
		t.ok++
	}
	for _, x := range texts {
		if x != s.want {
			t.fp++
			break
		}
	}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func report(samples []sample, w, h int, useZbar bool, zx *zxingRef) {
	dec := camera.NewDecoder(camera.DecoderOptions{})
	ours, zb, zc := map[string]*tally{}, map[string]*tally{}, map[string]*tally{}
	var all, allZ, allC tally
	for _, cat := range categories {
		var files []sample
		for _, s := range samples {
			if s.cat == cat && s.w == w && s.h == h {
				files = append(files, s)
			}
		}
		t := &tally{}
		for _, s := range files {
			f, err := camera.LoadGray(s.file)
			if err != nil {
				fail(err)
			}
			start := time.Now()
			res, err := dec.Decode(f)
			ms := float64(time.Since(start).Microseconds()) / 1000
			var texts []string
			if err == nil {
				texts = []string{res.Text}
			}
			ok0 := t.ok
			t.score(s, texts, ms)
			if verbose && t.ok == ok0 {
				fmt.Printf("miss: %s (%s)\n", s.file, res.Attempt)
			}
		}
		ours[cat] = t
		all.add(t)
		if useZbar {
			z := runZbar(files)
			zb[cat] = z
			allZ.add(z)
		}
		if zx != nil {
			z := zx.run(files)
			zc[cat] = z
			allC.add(z)
		}
	}
	fmt.Printf("%d×%d\n%-14s %10s %9s", w, h, "category", "pipeline", "median ms")
	if useZbar {
		fmt.Printf(" %10s %9s", "zbarimg", "ms/frame")
	}
	if zx != nil {
		fmt.Printf(" %10s %9s", "ZXing-C++", "median ms")
	}
	fmt.Println()
	cell := func(t *tally) {
		fmt.Printf(" %6d/%-3d %9.2f", t.ok, t.n, median(t.ms))
	}
	line := func(name string, t, z, c *tally) {
		fmt.Printf("%-14s", name)
		cell(t)
		if useZbar && z != nil {
			cell(z)
		}
		if zx != nil && c != nil {
			cell(c)
		}
		fmt.Println()
	}
	for _, cat := range categories {
		line(cat, ours[cat], zb[cat], zc[cat])
	}
	line("all", &all, &allZ, &allC)
	pct := func(t *tally) string {
		return fmt.Sprintf("%.1f %% (%d false positives)", 100*float64(t.ok)/float64(max(1, t.n)), t.fp)
	}
	fmt.Printf("success: pipeline %s", pct(&all))
	if useZbar {
		fmt.Printf(", zbarimg %s", pct(&allZ))
	}
	if zx != nil {
		fmt.Printf(", ZXing-C++ %s", pct(&allC))
	}
	fmt.Print("\n\n")
}

type zbarXML struct {
	Sources []struct {
		Href    string `xml:"href,attr"`
		Symbols []struct {
			Data string `xml:"data"`
		} `xml:"index>symbol"`
	} `xml:"source"`
}

// runZbar runs zbarimg once over the files of a category (inverted codes
// enabled with -Stest-inverted) and times it per file; the time includes
// zbarimg's JPEG decoding, divided over the files.
func runZbar(files []sample) *tally {
	t := &tally{}
	if len(files) == 0 {
		return t
	}
	args := []string{"--xml", "-q", "-Stest-inverted"}
	for _, s := range files {
		args = append(args, s.file)
	}
	start := time.Now()
	outb, _ := exec.Command("zbarimg", args...).Output() // exit 4 when nothing found
	per := float64(time.Since(start).Microseconds()) / 1000 / float64(len(files))
	var x zbarXML
	_ = xml.Unmarshal(bytes.TrimSpace(outb), &x)
	got := map[string][]string{}
	for _, src := range x.Sources {
		for _, sym := range src.Symbols {
			got[src.Href] = append(got[src.Href], sym.Data)
		}
	}
	for _, s := range files {
		t.score(s, got[s.file], per)
	}
	return t
}

// payload returns a code text like the ones citizens show.
func payload(r *rand.Rand, i int) string {
	const hex = "0123456789abcdef"
	h := func(n int) string {
		b := make([]byte, n)
		for j := range b {
			b[j] = hex[r.IntN(16)]
		}
		return string(b)
	}
	switch i % 3 {
	case 0:
		return "TFTB:1:" + h(24) + ":" + h(16)
	case 1:
		return "ELIC:1:1.2.156.3005.2.11100000MB0W9Y8X20001.11510100MB1A2B3CX2.2025000123.001.6:" + h(12)
	}
	return "http://127.0.0.1:8080/track/SC2026" + h(12)
}

// scene is a float gray image.
type scene struct {
	w, h int
	p    []float64
}

func generate(r *rand.Rand, dir, cat string, i, w, h int) (sample, error) {
	s := sample{cat: cat, w: w, h: h, file: filepath.Join(dir, fmt.Sprintf("%s-%dx%d-%02d.jpg", cat, w, h, i))}
	sc := &scene{w: w, h: h, p: make([]float64, w*h)}
	// background: light, slightly graded
	g0, g1 := 170+r.Float64()*40, 170+r.Float64()*40
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sc.p[y*w+x] = g0 + (g1-g0)*float64(x)/float64(w)
		}
	}
	dark, light := 25.0, 230.0
	if cat == "empty" {
		clutter(r, sc)
	} else {
		s.want = payload(r, i)
		q, err := qrcode.New(s.want, qrcode.Medium)
		if err != nil {
			return s, err
		}
		bm := q.Bitmap()
		n := float64(len(bm))
		mod := 3.5 + r.Float64()*3
		if w > 1000 {
			mod *= 1.5
		}
		if cat == "small-modules" {
			mod = 2
		}
		side := n * mod
		cx := side/2 + r.Float64()*(float64(w)-side)
		cy := side/2 + r.Float64()*(float64(h)-side)
		cx = math.Max(side/2+2, math.Min(float64(w)-side/2-2, cx))
		cy = math.Max(side/2+2, math.Min(float64(h)-side/2-2, cy))
		angle := (r.Float64()*2 - 1) * 4 * math.Pi / 180
		if cat == "rotation" {
			angle = (10 + r.Float64()*70) * math.Pi / 180
		}
		sin, cos := math.Sincos(angle)
		var quad [4][2]float64
		for k, c := range [4][2]float64{{-1, -1}, {1, -1}, {1, 1}, {-1, 1}} {
			dx, dy := c[0]*side/2, c[1]*side/2
			quad[k] = [2]float64{cx + cos*dx - sin*dy, cy + sin*dx + cos*dy}
		}
		if cat == "perspective" {
			// keystone: one edge shorter, corners pulled by up to 20 %
			k := 0.10 + r.Float64()*0.12
			switch i % 4 {
			case 0:
				quad[0][0] += k * side
				quad[1][0] -= k * side
			case 1:
				quad[1][1] += k * side
				quad[2][1] -= k * side
			case 2:
				quad[2][0] -= k * side
				quad[3][0] += k * side
			case 3:
				quad[0][1] += k * side
				quad[3][1] -= k * side
			}
			for c := range quad {
				quad[c][0] += (r.Float64()*2 - 1) * 0.04 * side
				quad[c][1] += (r.Float64()*2 - 1) * 0.04 * side
			}
		}
		if cat == "inverted" {
			dark, light = light, dark
		}
		if cat == "low-contrast" {
			dark, light = 95+r.Float64()*15, 150+r.Float64()*15
		}
		draw(sc, bm, quad, dark, light)
	}
	// category degradations
	switch cat {
	case "gauss-blur":
		gauss(sc, 1.4+r.Float64()*1.2*float64(w)/640)
	case "motion-blur":
		motion(sc, 5+r.IntN(5)*w/640, r.Float64()*math.Pi)
	case "noise":
		addNoise(r, sc, 12+r.Float64()*12)
	case "uneven-light":
		ax, ay := r.Float64()*float64(w), r.Float64()*float64(h)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				d := math.Hypot(float64(x)-ax, float64(y)-ay) / math.Hypot(float64(w), float64(h))
				sc.p[y*w+x] *= 1.1 - 0.8*d
			}
		}
	}
	// camera model: slight defocus, sensor noise, JPEG round trip
	gauss(sc, 0.7)
	addNoise(r, sc, 3)
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i, v := range sc.p {
		img.Pix[i] = uint8(math.Max(0, math.Min(255, math.Round(v))))
	}
	f, err := os.Create(s.file)
	if err != nil {
		return s, err
	}
	defer f.Close()
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 80}); err != nil {
		return s, err
	}
	return s, f.Close()
}

// draw renders the module bitmap bm into quad (corners TL, TR, BR, BL)
// through a homography, with 3×3 supersampling.
func draw(sc *scene, bm [][]bool, quad [4][2]float64, dark, light float64) {
	n := float64(len(bm))
	hinv := homography(quad, n) // image → module coordinates
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, q := range quad {
		minX, maxX = math.Min(minX, q[0]), math.Max(maxX, q[0])
		minY, maxY = math.Min(minY, q[1]), math.Max(maxY, q[1])
	}
	for y := max(0, int(minY)-1); y < min(sc.h, int(maxY)+2); y++ {
		for x := max(0, int(minX)-1); x < min(sc.w, int(maxX)+2); x++ {
			in, sum := 0, 0.0
			for sy := 0; sy < 3; sy++ {
				for sx := 0; sx < 3; sx++ {
					px, py := float64(x)+(float64(sx)+0.5)/3, float64(y)+(float64(sy)+0.5)/3
					u, v := apply(hinv, px, py)
					if u < 0 || v < 0 || u >= n || v >= n {
						continue
					}
					in++
					if bm[int(v)][int(u)] {
						sum += dark
					} else {
						sum += light
					}
				}
			}
			if in > 0 {
				sc.p[y*sc.w+x] = (sum + float64(9-in)*sc.p[y*sc.w+x]) / 9
			}
		}
	}
}

// homography returns H mapping image points to module coordinates, for
// the module square [0,n]² drawn onto quad.
func homography(quad [4][2]float64, n float64) [9]float64 {
	src := quad
	dst := [4][2]float64{{0, 0}, {n, 0}, {n, n}, {0, n}}
	var a [8][9]float64
	for i := 0; i < 4; i++ {
		x, y, u, v := src[i][0], src[i][1], dst[i][0], dst[i][1]
		a[2*i] = [9]float64{x, y, 1, 0, 0, 0, -u * x, -u * y, u}
		a[2*i+1] = [9]float64{0, 0, 0, x, y, 1, -v * x, -v * y, v}
	}
	for c := 0; c < 8; c++ {
		p := c
		for r := c + 1; r < 8; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		a[c], a[p] = a[p], a[c]
		for r := 0; r < 8; r++ {
			if r == c {
				continue
			}
			f := a[r][c] / a[c][c]
			for k := c; k < 9; k++ {
				a[r][k] -= f * a[c][k]
			}
		}
	}
	var h [9]float64
	for i := 0; i < 8; i++ {
		h[i] = a[i][8] / a[i][i]
	}
	h[8] = 1
	return h
}

func apply(h [9]float64, x, y float64) (float64, float64) {
	d := h[6]*x + h[7]*y + h[8]
	return (h[0]*x + h[1]*y + h[2]) / d, (h[3]*x + h[4]*y + h[5]) / d
}

// clutter draws a scene without a code: rectangles, stripes and text-like
// blocks.
func clutter(r *rand.Rand, sc *scene) {
	for k := 0; k < 25; k++ {
		x0, y0 := r.IntN(sc.w), r.IntN(sc.h)
		bw, bh := 5+r.IntN(sc.w/4), 5+r.IntN(sc.h/4)
		v := r.Float64() * 255
		stripes := r.IntN(3) == 0
		for y := y0; y < min(sc.h, y0+bh); y++ {
			for x := x0; x < min(sc.w, x0+bw); x++ {
				if stripes && (x/4)%2 == 0 {
					continue
				}
				sc.p[y*sc.w+x] = v
			}
		}
	}
	addNoise(r, sc, 10)
}

func addNoise(r *rand.Rand, sc *scene, sigma float64) {
	for i := range sc.p {
		sc.p[i] += r.NormFloat64() * sigma
	}
}

func gauss(sc *scene, sigma float64) {
	rad := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*rad+1)
	sum := 0.0
	for i := range k {
		d := float64(i - rad)
		k[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	conv(sc, k, 1, 0)
	conv(sc, k, 0, 1)
}

// conv convolves sc with the 1-D kernel k along (dx, dy), clamping at the
// borders.
func conv(sc *scene, k []float64, dx, dy int) {
	rad := len(k) / 2
	out := make([]float64, len(sc.p))
	for y := 0; y < sc.h; y++ {
		for x := 0; x < sc.w; x++ {
			s := 0.0
			for i, kv := range k {
				xx := min(sc.w-1, max(0, x+(i-rad)*dx))
				yy := min(sc.h-1, max(0, y+(i-rad)*dy))
				s += kv * sc.p[yy*sc.w+xx]
			}
			out[y*sc.w+x] = s
		}
	}
	sc.p = out
}

// motion blurs along angle over length pixels.
func motion(sc *scene, length int, angle float64) {
	sin, cos := math.Sincos(angle)
	out := make([]float64, len(sc.p))
	for y := 0; y < sc.h; y++ {
		for x := 0; x < sc.w; x++ {
			s := 0.0
			for i := 0; i < length; i++ {
				t := float64(i) - float64(length-1)/2
				xx := min(sc.w-1, max(0, x+int(math.Round(t*cos))))
				yy := min(sc.h-1, max(0, y+int(math.Round(t*sin))))
				s += sc.p[yy*sc.w+xx]
			}
			out[y*sc.w+x] = s / float64(length)
		}
	}
	sc.p = out
}
