// Package render draws what a receipt printer prints: it reads an ESC/POS
// stream with escpos.Parser, runs it through a model of the printer's
// mechanism (Page: print modes, line buffer, paper, cuts) and draws the
// paper with the embedded Noto Sans CJK SC at 203 dpi: text, QR codes, 1D
// barcodes (GS k: UPC-A, UPC-E, EAN-13, EAN-8, CODE39, ITF, CODABAR,
// CODE93 and CODE128 with its code sets, GS w/h/H/f) and raster and bit images (GS v 0,
// GS ( L, ESC *), dot for dot. What it does not draw (PDF417, unknown
// commands, bad barcode data) a Page reports by name. The printer
// simulator prints its receipts this way, and the kiosk's Done screen shows
// the on-screen copy of a receipt rendered through the same encoder and
// renderer as the paper one.
package render

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"sync"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"sckiosk/assets/fonts"
	"sckiosk/devices/printer/escpos"
	"sckiosk/kiosk/core/receipt"
)

// glyphKey identifies a glyph mask scaled to its cell.
type glyphKey struct {
	r    rune
	w, h int
}

// renderer draws pages with the embedded Noto Sans CJK SC. It caches faces
// and glyph masks and is not safe for concurrent use.
type renderer struct {
	font   *opentype.Font
	faces  map[int]font.Face
	glyphs map[glyphKey]*image.Alpha
}

func newRenderer() (*renderer, error) {
	f, err := opentype.Parse(fonts.NotoSansCJKSC)
	if err != nil {
		return nil, fmt.Errorf("printer: parse CJK font: %w", err)
	}
	return &renderer{font: f, faces: map[int]font.Face{}, glyphs: map[glyphKey]*image.Alpha{}}, nil
}

// maxGlyphCache bounds the glyph cache; it is emptied when full.
const maxGlyphCache = 4096

func (rd *renderer) face(px int) (font.Face, error) {
	if f, ok := rd.faces[px]; ok {
		return f, nil
	}
	f, err := opentype.NewFace(rd.font, &opentype.FaceOptions{Size: float64(px), DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, fmt.Errorf("printer: font face %d px: %w", px, err)
	}
	rd.faces[px] = f
	return f, nil
}

// glyph returns r's coverage mask for a w×h cell: drawn at h pixels, ASCII
// squeezed (never stretched beyond its proportion) to fit its column, CJK
// stretched to the cell, a quarter of the height below the cell for
// descenders.
func (rd *renderer) glyph(r rune, w, h int, ascii bool) (*image.Alpha, error) {
	key := glyphKey{r, w, h}
	if m, ok := rd.glyphs[key]; ok {
		return m, nil
	}
	face, err := rd.face(h)
	if err != nil {
		return nil, err
	}
	natW, unit := h, h // natural glyph width, natural cell width at this height
	if ascii {
		adv, ok := face.GlyphAdvance(r)
		if !ok {
			adv = fixed.I(h / 2)
		}
		natW = max(adv.Ceil(), 1)
		unit = h / 2
		if h == fontBH {
			unit = fontBW
		}
	}
	mh := h + h/4
	src := image.NewAlpha(image.Rect(0, 0, natW, mh))
	d := font.Drawer{Dst: src, Src: image.Opaque, Face: face, Dot: fixed.P(0, int(math.Round(float64(h)*0.88)))}
	d.DrawString(string(r))
	dw := min(int(math.Round(float64(natW)*float64(w)/float64(unit))), w)
	if !ascii {
		dw = w
	}
	dst := src
	if dw != natW {
		dst = image.NewAlpha(image.Rect(0, 0, max(dw, 1), mh))
		draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	}
	if len(rd.glyphs) >= maxGlyphCache {
		clear(rd.glyphs)
	}
	rd.glyphs[key] = dst
	return dst, nil
}

// render draws items on a white strip of paper dots wide.
func (rd *renderer) render(dots int, items []item, height int) (*image.Gray, error) {
	img := image.NewGray(image.Rect(0, 0, dots, height+2*PageMargin))
	fillWhite(img.Pix)
	for _, it := range items {
		y := it.y + PageMargin
		switch it.kind {
		case itemText:
			for _, c := range it.cells {
				top := y + it.h - c.h
				if c.bm != nil {
					g := c.bm.gray()
					draw.Draw(img, g.Bounds().Add(image.Pt(c.x, top)), g, image.Point{}, draw.Src)
					continue
				}
				if c.r != ' ' {
					m, err := rd.glyph(c.r, c.w, c.h, c.ascii)
					if err != nil {
						return nil, err
					}
					x := c.x + (c.w-m.Bounds().Dx())/2
					r := image.Rect(x, top, x+m.Bounds().Dx(), top+m.Bounds().Dy())
					draw.DrawMask(img, r, image.Black, image.Point{}, m, image.Point{}, draw.Over)
					if c.bold {
						draw.DrawMask(img, r.Add(image.Pt(1, 0)), image.Black, image.Point{}, m, image.Point{}, draw.Over)
					}
				}
				if c.underline > 0 {
					ul := image.Rect(c.x, top+c.h-c.underline, c.x+c.w, top+c.h)
					draw.Draw(img, ul, image.Black, image.Point{}, draw.Src)
				}
			}
		case itemImage:
			src := it.img
			if it.bm != nil {
				src = it.bm.gray()
			}
			b := src.Bounds()
			draw.Draw(img, b.Add(image.Pt(it.x, y)), src, b.Min, draw.Src)
		case itemCutMark:
			mid := y + it.h/2
			for x := 0; x < dots; x += 8 {
				for dx := 0; dx < 4 && x+dx < dots; dx++ {
					img.SetGray(x+dx, mid, color.Gray{Y: 0x80})
				}
			}
		}
	}
	return img, nil
}

// Renderer draws ESC/POS streams and receipt documents the way the
// simulator prints them. It parses the embedded CJK font once and caches
// faces and glyphs, so a caller that renders more than once (the kiosk's
// Done screen) keeps one. It is safe for concurrent use.
type Renderer struct {
	mu sync.Mutex
	rd *renderer
}

// New parses the embedded Noto Sans CJK SC font (about 16 MB; do it once)
// and returns a renderer.
func New() (*Renderer, error) {
	rd, err := newRenderer()
	if err != nil {
		return nil, err
	}
	return &Renderer{rd: rd}, nil
}

// Render draws what a printer with paper p would print for the ESC/POS
// stream raw, the way the simulator does: white paper p.Dots() wide, text
// in Noto Sans CJK SC, QR codes and raster images as sent. Several cuts
// show as dashed lines on one strip, at most about 2 m of it; the trailing
// cut is not shown. Text in the stream is read in Chinese mode, as
// printers start. A zero p means Paper58.
func (r *Renderer) Render(raw []byte, p escpos.Paper) (image.Image, error) {
	if p == 0 {
		p = escpos.Paper58
	}
	if !p.Valid() {
		return nil, fmt.Errorf("printer: render: unsupported paper %d mm", int(p))
	}
	ps := escpos.NewParser(true)
	pg := NewPage(p)
	pendingCut := false
	ps.Feed(raw, func(o escpos.Op) {
		if o.Realtime() || len(pg.torn) > 0 {
			return // a strip longer than MaxPageDots is not drawn further
		}
		if pendingCut && o.Prints() {
			pg.cutMark()
			pendingCut = false
		}
		if pg.Apply(o) {
			pendingCut = true
		}
	})
	if len(pg.line) > 0 && len(pg.torn) == 0 {
		pg.printLine()
	}
	sh := pg.cur
	if len(pg.torn) > 0 {
		sh = pg.torn[0]
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	img, err := r.rd.render(p.Dots(), sh.items, sh.height)
	if err != nil {
		return nil, fmt.Errorf("printer: render: %w", err)
	}
	return img, nil
}

// RenderSheet draws a sheet a Page printed with paper p: the image of a
// simulator's receipt.
func (r *Renderer) RenderSheet(sh Sheet, p escpos.Paper) (*image.Gray, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rd.render(p.Dots(), sh.items, sh.height)
}

// RenderDocument lays doc out with escpos.EncodeReceipt and draws the
// result: the on-screen copy of a receipt is the very paper the printer
// would give, QR code included. opt.Paper picks the width (zero means
// Paper58).
func (r *Renderer) RenderDocument(doc receipt.Document, opt escpos.EncodeOptions) (image.Image, error) {
	job, err := escpos.EncodeReceipt(doc, opt)
	if err != nil {
		return nil, fmt.Errorf("printer: render document: %w", err)
	}
	return r.Render(job, opt.Paper)
}

// RenderDocumentPNG is RenderDocument encoded as PNG.
func (r *Renderer) RenderDocumentPNG(doc receipt.Document, opt escpos.EncodeOptions) ([]byte, error) {
	img, err := r.RenderDocument(doc, opt)
	if err != nil {
		return nil, err
	}
	return encodePNG(img)
}

// Stream is Renderer.Render with a renderer made for this call only: it
// parses the font every time, so call it for one-offs.
func Stream(raw []byte, p escpos.Paper) (image.Image, error) {
	r, err := New()
	if err != nil {
		return nil, err
	}
	return r.Render(raw, p)
}

// StreamPNG is Stream encoded as PNG, for technicians' one-offs.
func StreamPNG(raw []byte, p escpos.Paper) ([]byte, error) {
	img, err := Stream(raw, p)
	if err != nil {
		return nil, err
	}
	return encodePNG(img)
}

// Document is Renderer.RenderDocument with a renderer made for this call
// only; a caller that renders often keeps a Renderer instead.
func Document(doc receipt.Document, opt escpos.EncodeOptions) (image.Image, error) {
	r, err := New()
	if err != nil {
		return nil, err
	}
	return r.RenderDocument(doc, opt)
}

func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("printer: encode PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// fillWhite sets every byte of pix to 0xFF.
func fillWhite(pix []byte) {
	if len(pix) == 0 {
		return
	}
	pix[0] = 0xFF
	for n := 1; n < len(pix); n *= 2 {
		copy(pix[n:], pix[:n])
	}
}

// QR returns the contents of the QR codes printed on the sheet: the native
// ones (GS ( k) as stored, then the raster images that decode as a QR.
func (sh Sheet) QR() []string {
	var qr []string
	for _, it := range sh.items {
		if it.kind == itemImage && it.qr != "" {
			qr = append(qr, it.qr)
		}
	}
	for _, it := range sh.items {
		if it.kind == itemImage && it.decQR && it.bm != nil {
			if text, err := decodeQR(it.bm.gray()); err == nil {
				qr = append(qr, text)
			}
		}
	}
	return qr
}

// decodeQR reads a QR code in img with gozxing, adding a white quiet zone
// first (printers print symbols without one).
func decodeQR(img image.Image) (string, error) {
	b := img.Bounds()
	const quiet = 16
	padded := image.NewGray(image.Rect(0, 0, b.Dx()+2*quiet, b.Dy()+2*quiet))
	fillWhite(padded.Pix)
	draw.Draw(padded, b.Sub(b.Min).Add(image.Pt(quiet, quiet)), img, b.Min, draw.Src)
	bmp, err := gozxing.NewBinaryBitmapFromImage(padded)
	if err != nil {
		return "", fmt.Errorf("printer: QR bitmap: %w", err)
	}
	hints := map[gozxing.DecodeHintType]any{
		gozxing.DecodeHintType_TRY_HARDER:    true,
		gozxing.DecodeHintType_CHARACTER_SET: "UTF-8",
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		return "", fmt.Errorf("printer: decode QR: %w", err)
	}
	return res.GetText(), nil
}
