// Package camera reads QR codes from a camera: frame sources (V4L2 through
// github.com/blackjack/webcam, image files for simulation and tests), a
// decoder on gozxing that works straight over the camera's gray bytes, and
// a pipeline that drops frames while busy and turns one code into one event.
package camera

import (
	"errors"
	"fmt"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
)

// ErrNoCode is returned by Decoder.Decode when a frame holds no readable QR
// code. It is the normal answer for most frames.
var ErrNoCode = errors.New("camera: no QR code in frame")

// Frame is one 8-bit gray (luminance, Y) image: Width×Height pixels, row
// y starting at Pix[y*Stride]. The pipeline and decoder never keep Pix.
type Frame struct {
	Pix           []byte
	Width, Height int
	Stride        int
}

// valid reports whether f's geometry matches its buffer.
func (f Frame) valid() bool {
	return f.Width > 0 && f.Height > 0 && f.Stride >= f.Width && len(f.Pix) >= (f.Height-1)*f.Stride+f.Width
}

// Result is a decoded code.
type Result struct {
	Text string
	// Attempt names the pass that found the code (e.g. "s2/hybrid",
	// "s2/hybrid/inv"), for measurements.
	Attempt string
}

// DecoderOptions tune a Decoder. The zero value is the default.
type DecoderOptions struct {
	// WorkSize is the longest side of the primary pass: bigger frames are
	// box-downscaled by an integer factor to at most this size. 0 means 640.
	WorkSize int
	// NoFullRes skips the full-resolution centre pass for small modules.
	NoFullRes bool
	// NoSmallROI skips the last pass: busy, code-sized regions decoded
	// from the full-resolution frame upscaled 2×.
	NoSmallROI bool
}

// Decoder finds QR codes in gray frames. It keeps its buffers from frame
// to frame (no per-frame allocations of its own in the steady state; the
// gozxing detector still allocates small objects). A Decoder is not safe
// for concurrent use.
type Decoder struct {
	opt    DecoderOptions
	reader gozxing.Reader
	// qrDecoder decodes sampled bits for the keystone detector.
	qrDecoder *decoder.Decoder
	hints     map[gozxing.DecodeHintType]interface{}
	pure      map[gozxing.DecodeHintType]interface{} // hints for tryPure
	bufs      [3][]byte                              // scaled images: primary, half of primary, full
	src       graySource
	hyb       hybridBinarizer
	inv       []byte
	invSrc    graySource
	// smallROI buffers
	up       []byte
	roiMark  []int32
	roiStack []int32
	// perspective buffers: the ring fill's seen marks and stack
	seen []bool
	fill []int32
	str  []byte // the stretched primary image
	mean meanBinarizer
	// finders is where the primary pass saw finder patterns.
	finders finderBox
}

// NewDecoder returns a Decoder with opt.
func NewDecoder(opt DecoderOptions) *Decoder {
	if opt.WorkSize <= 0 {
		opt.WorkSize = 640
	}
	return &Decoder{
		opt:       opt,
		reader:    qrcode.NewQRCodeReader(),
		qrDecoder: decoder.NewDecoder(),
		hints:     map[gozxing.DecodeHintType]interface{}{},
		pure:      map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_PURE_BARCODE: true},
	}
}

// minContrast is the dynamic range below which a frame is taken as empty
// without running the detector.
const minContrast = 24

// Decode looks for one QR code in f. Passes, stopping at the first hit:
//
//   - the primary scale (at most WorkSize) with local thresholds, its
//     finder patterns read by gozxing's detector, then by the keystone
//     variants and the perspective correction from the finder rings'
//     corners (perspective.go); the same bits inverted (light code on
//     dark ground); the same bits read as a pure code (an image a program
//     drew);
//   - when the primary scale was reduced and finder patterns were seen,
//     the region around them at full resolution;
//   - half the primary scale (blur, big codes);
//   - a global histogram threshold (normal and inverted);
//   - a low-contrast frame's gray levels stretched, with local and then
//     window-mean thresholds (meanbin.go);
//   - when the primary scale was reduced, the whole frame at full
//     resolution (unless it is flat: noise alone);
//   - last, small code-like regions upscaled 2× from full resolution
//     (2-px modules), with local, global and window-mean thresholds.
//
// It returns ErrNoCode when none succeeds.
func (d *Decoder) Decode(f Frame) (Result, error) {
	if !f.valid() {
		return Result{}, fmt.Errorf("camera: decode: bad frame %dx%d stride %d len %d", f.Width, f.Height, f.Stride, len(f.Pix))
	}
	if !hasContrast(f) {
		return Result{}, ErrNoCode
	}
	k := 1
	for max(f.Width, f.Height)/k > d.opt.WorkSize {
		k++
	}
	w, h := d.scale(0, f, k)
	d.finders = finderBox{}
	if r, ok := d.tryHybrid(d.bufs[0], w, h, "s"+itoa(k), true); ok {
		return r, nil
	}
	if r, ok := d.tryPure("s" + itoa(k)); ok {
		return r, nil
	}
	if fb := d.finders; k > 1 && fb.ok {
		// Finder patterns seen at the primary scale but no code read:
		// the region around them at full resolution, where modules are
		// k times larger and perspective is measured more finely.
		m := max(fb.x1-fb.x0, fb.y1-fb.y0)*0.35 + 8*fb.ms
		rw, rh := d.crop(2, f, int((fb.x0-m)*float64(k)), int((fb.y0-m)*float64(k)), int((fb.x1+m)*float64(k)), int((fb.y1+m)*float64(k)))
		if rw >= minHybridSide && rh >= minHybridSide {
			if r, ok := d.tryHybrid(d.bufs[2], rw, rh, "s1fp", true); ok {
				return r, nil
			}
		}
	}
	if w2, h2 := f.Width/(2*k), f.Height/(2*k); min(w2, h2) >= 120 {
		w2, h2 = d.scale(1, f, 2*k)
		if r, ok := d.tryHybrid(d.bufs[1], w2, h2, "s"+itoa(2*k), false); ok {
			return r, nil
		}
	}
	if r, ok := d.tryGlobal(d.bufs[0], w, h, "s"+itoa(k)); ok {
		return r, nil
	}
	lo, hi := levels(d.bufs[0][:w*h])
	if hi-lo < stretchRange && hi-lo >= minStretchRange {
		d.str = grow(d.str, w*h)
		stretch(d.str, d.bufs[0][:w*h], lo, hi)
		if r, ok := d.tryHybrid(d.str, w, h, "s"+itoa(k)+"/stretch", true); ok {
			return r, nil
		}
		if r, ok := d.tryMean(d.str, w, h, "s"+itoa(k)+"/stretch"); ok {
			return r, nil
		}
	}
	// The whole frame at full resolution (a blurred or small code), unless
	// the primary scale is flat: a frame of sensor noise alone, whose
	// noise the full resolution binarizes into a slow, fruitless finder
	// search.
	if k > 1 && !d.opt.NoFullRes && hi-lo >= minStretchRange {
		fw, fh := d.scale(2, f, 1)
		if r, ok := d.tryHybrid(d.bufs[2], fw, fh, "s1", true); ok {
			return r, nil
		}
	}
	if !d.opt.NoSmallROI {
		if r, ok := d.smallROI(f, d.bufs[0], w, h, k, hi-lo); ok {
			return r, nil
		}
	}
	return Result{}, ErrNoCode
}

func itoa(k int) string {
	if k < 10 {
		return string(rune('0' + k))
	}
	return fmt.Sprint(k)
}

// hasContrast samples f sparsely and reports whether it has enough dynamic
// range to hold a code.
func hasContrast(f Frame) bool {
	lo, hi := 255, 0
	for y := 0; y < f.Height; y += 4 {
		row := f.Pix[y*f.Stride : y*f.Stride+f.Width]
		for x := 0; x < len(row); x += 4 {
			v := int(row[x])
			lo, hi = min(lo, v), max(hi, v)
		}
		if hi-lo >= minContrast {
			return true
		}
	}
	return false
}

// scale box-downscales f by k into d.bufs[i] and returns its size.
func (d *Decoder) scale(i int, f Frame, k int) (int, int) {
	w, h := f.Width/k, f.Height/k
	n := w * h
	if cap(d.bufs[i]) < n {
		d.bufs[i] = make([]byte, n)
	}
	dst := d.bufs[i][:n]
	if k == 1 {
		for y := 0; y < h; y++ {
			copy(dst[y*w:(y+1)*w], f.Pix[y*f.Stride:y*f.Stride+w])
		}
		return w, h
	}
	if k == 2 {
		for y := 0; y < h; y++ {
			r0 := f.Pix[2*y*f.Stride:]
			r1 := f.Pix[(2*y+1)*f.Stride:]
			out := dst[y*w : (y+1)*w]
			for x := range out {
				out[x] = byte((int(r0[2*x]) + int(r0[2*x+1]) + int(r1[2*x]) + int(r1[2*x+1]) + 2) >> 2)
			}
		}
		return w, h
	}
	kk := k * k
	for y := 0; y < h; y++ {
		out := dst[y*w : (y+1)*w]
		for x := range out {
			s := 0
			for yy := 0; yy < k; yy++ {
				row := f.Pix[(y*k+yy)*f.Stride+x*k:]
				for xx := 0; xx < k; xx++ {
					s += int(row[xx])
				}
			}
			out[x] = byte((s + kk/2) / kk)
		}
	}
	return w, h
}

// centre copies the centre region of f (half its width and height, at
// full resolution) into d.bufs[i]: the region of interest for codes with
// small modules, which a citizen holds in the middle of the scan window.
func (d *Decoder) centre(i int, f Frame) (int, int) {
	w, h := f.Width/2, f.Height/2
	x0, y0 := (f.Width-w)/2, (f.Height-h)/2
	if cap(d.bufs[i]) < w*h {
		d.bufs[i] = make([]byte, w*h)
	}
	dst := d.bufs[i][:w*h]
	for y := 0; y < h; y++ {
		o := (y0+y)*f.Stride + x0
		copy(dst[y*w:(y+1)*w], f.Pix[o:o+w])
	}
	return w, h
}

// crop copies the rectangle [x0,x1)×[y0,y1) of f, clipped to f, into
// d.bufs[i] and returns its size.
func (d *Decoder) crop(i int, f Frame, x0, y0, x1, y1 int) (int, int) {
	x0, y0 = max(0, x0), max(0, y0)
	x1, y1 = min(f.Width, x1), min(f.Height, y1)
	w, h := max(0, x1-x0), max(0, y1-y0)
	if cap(d.bufs[i]) < w*h {
		d.bufs[i] = make([]byte, w*h)
	}
	dst := d.bufs[i][:w*h]
	for y := 0; y < h; y++ {
		o := (y0+y)*f.Stride + x0
		copy(dst[y*w:(y+1)*w], f.Pix[o:o+w])
	}
	return w, h
}

// tryHybrid runs the local-threshold binarizer on pix, then the detector
// on its bits (and, with keystone, the perspective detector) and on the
// same bits flipped (inverted code).
func (d *Decoder) tryHybrid(pix []byte, w, h int, tag string, keystone bool) (Result, bool) {
	d.src.reset(pix, w, h)
	d.hyb.reset(&d.src)
	m, err := d.hyb.GetBlackMatrix()
	if err != nil {
		return Result{}, false
	}
	if text, ok := d.detect(m, keystone); ok {
		return Result{Text: text, Attempt: tag + "/hybrid"}, true
	}
	m.FlipAll()
	text, ok := d.detect(m, false)
	m.FlipAll()
	return Result{Text: text, Attempt: tag + "/hybrid/inv"}, ok
}

// tryMean runs the window-mean binarizer on pix, then the detector (with
// the perspective stages) on its bits and on the same bits flipped.
func (d *Decoder) tryMean(pix []byte, w, h int, tag string) (Result, bool) {
	m, err := d.mean.binarize(pix, w, h, max(8, max(w, h)/40))
	if err != nil {
		return Result{}, false
	}
	if text, ok := d.detect(m, true); ok {
		return Result{Text: text, Attempt: tag + "/mean"}, true
	}
	m.FlipAll()
	text, ok := d.detect(m, false)
	return Result{Text: text, Attempt: tag + "/mean/inv"}, ok
}

// tryPure reads the bits of the last tryHybrid as a pure code: upright on
// a light ground, its module grid taken from its outermost dark modules.
// That is what a program draws (kioskctl qr make), and gozxing's finder,
// which looks for finder patterns anywhere, misses a few percent of such
// perfect codes with 3 or 4 px modules: it takes a look-alike pattern in
// the data for one. It is tried only when the frame's edges are light all
// round, as a drawn code's quiet zone is and a camera frame's rarely are.
func (d *Decoder) tryPure(tag string) (Result, bool) {
	m, err := d.hyb.GetBlackMatrix()
	if err != nil || !lightEdges(m) {
		return Result{}, false
	}
	bmp, err := gozxing.NewBinaryBitmap(&d.hyb)
	if err != nil {
		return Result{}, false
	}
	res, err := d.reader.Decode(bmp, d.pure)
	if err != nil || res == nil {
		return Result{}, false
	}
	return Result{Text: res.GetText(), Attempt: tag + "/pure"}, true
}

// lightEdges reports whether no pixel of m's outermost rows and columns
// is dark.
func lightEdges(m *gozxing.BitMatrix) bool {
	w, h := m.GetWidth(), m.GetHeight()
	for x := range w {
		if m.Get(x, 0) || m.Get(x, h-1) {
			return false
		}
	}
	for y := range h {
		if m.Get(0, y) || m.Get(w-1, y) {
			return false
		}
	}
	return true
}

// tryGlobal runs gozxing's global histogram binarizer on pix and on its
// inverse.
func (d *Decoder) tryGlobal(pix []byte, w, h int, tag string) (Result, bool) {
	d.src.reset(pix, w, h)
	if r, ok := d.read(gozxing.NewGlobalHistgramBinarizer(&d.src), tag+"/global"); ok {
		return r, true
	}
	n := w * h
	if cap(d.inv) < n {
		d.inv = make([]byte, n)
	}
	inv := d.inv[:n]
	for i, v := range pix[:n] {
		inv[i] = 255 - v
	}
	d.invSrc.reset(inv, w, h)
	return d.read(gozxing.NewGlobalHistgramBinarizer(&d.invSrc), tag+"/global/inv")
}

func (d *Decoder) read(b gozxing.Binarizer, tag string) (Result, bool) {
	bmp, err := gozxing.NewBinaryBitmap(b)
	if err != nil {
		return Result{}, false
	}
	res, err := d.reader.Decode(bmp, d.hints)
	if err != nil || res == nil {
		return Result{}, false
	}
	return Result{Text: res.GetText(), Attempt: tag}, true
}

// stretchRange is the dynamic range below which a frame is taken as low
// in contrast and its gray levels are spread for one more pass.
const stretchRange = 128

// minStretchRange is the range below which a frame is not stretched: a
// flat, noisy frame (sensor noise of ±20 spans about 40 levels) would
// make the binarizers draw noise, in which the finder search is slow and
// finds nothing.
const minStretchRange = 2 * minDynRange

// levels returns the 1st and 99th percentiles of pix's gray levels.
func levels(pix []byte) (lo, hi int) {
	var hist [256]int
	for _, v := range pix {
		hist[v]++
	}
	cut := len(pix) / 100
	lo, hi = 0, 255
	for n := 0; lo < 255 && n+hist[lo] <= cut; lo++ {
		n += hist[lo]
	}
	for n := 0; hi > 0 && n+hist[hi] <= cut; hi-- {
		n += hist[hi]
	}
	return lo, hi
}

// stretch writes into dst the gray levels of src spread from [lo, hi] to
// the full range. The hybrid binarizer takes a block with little range (a
// code's quiet zone) as light and sets its threshold at half its level; in
// a low-contrast code that threshold is below the dark modules beside the
// quiet zone, which come out light. Stretched, they are dark again.
func stretch(dst, src []byte, lo, hi int) {
	var lut [256]byte
	for i := range lut {
		lut[i] = byte(clampInt((i-lo)*255/max(1, hi-lo), 0, 255))
	}
	for i, v := range src {
		dst[i] = lut[v]
	}
}

// grow returns b with length n, reusing its array when large enough.
func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}
