package printer

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
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

// Geometry of the simulated print head (203 dpi, Font A 12×24, Font B
// 9×17, CJK 24×24, default line spacing 30 dots).
const (
	glyphH         = 24
	fontBW, fontBH = 9, 17
	defaultSpacing = 30
	tabStop        = 8 * escpos.CellDots
	// maxPageDots bounds one receipt's length (about 2 m of paper): the
	// simulator tears off a longer one there, as if it had been cut.
	maxPageDots = 16384
	// pageMargin is the white border above and below the rendered paper.
	pageMargin = 12
)

// cell is one printed character, placed on its line.
type cell struct {
	r         rune
	x, w, h   int
	bold      bool
	underline int
	ascii     bool
}

// itemKind is the kind of a thing on the paper.
type itemKind uint8

const (
	itemText itemKind = iota
	itemImage
	itemCutMark
)

// item is one printed line, image or cut mark, y dots from the paper top.
type item struct {
	kind  itemKind
	y, h  int
	cells []cell
	img   *image.Gray // itemImage
	x     int         // itemImage left edge
	qr    string      // itemImage from a native QR: its content
	decQR bool        // itemImage from a raster: try to decode it as a QR
}

// page is the simulated printer's mechanism: print modes, the line buffer
// and the paper printed since the last cut.
type page struct {
	dots int

	// print modes
	align      escpos.Align
	bold       bool
	underline  int
	wmul, hmul int
	fontB      bool
	spacing    int

	// line buffer (not printed yet)
	line  []cell
	lineW int
	text  strings.Builder

	cur  sheet   // paper since the last cut
	torn []sheet // sheets torn off at maxPageDots, not yet collected

	// native QR state (GS ( k)
	qrData   []byte
	qrModule int
	qrEC     escpos.ECLevel
}

func newPage(p escpos.Paper) *page {
	pg := &page{dots: p.Dots()}
	pg.reset()
	return pg
}

// reset restores the power-on print modes and clears the line buffer
// (ESC @). Paper already printed stays.
func (pg *page) reset() {
	pg.align, pg.bold, pg.underline, pg.fontB = escpos.AlignLeft, false, 0, false
	pg.wmul, pg.hmul = 1, 1
	pg.spacing = defaultSpacing
	pg.line, pg.lineW = pg.line[:0], 0
	pg.text.Reset()
	pg.qrData, pg.qrModule, pg.qrEC = nil, 3, escpos.ECLevelL
}

// apply performs one parsed op on the paper. It reports whether the op
// was a cut.
func (pg *page) apply(o escpos.Op) (cut bool) {
	switch o.Kind {
	case escpos.OpText:
		pg.char(o.R)
	case escpos.OpLF:
		pg.printLine()
	case escpos.OpTab:
		next := (pg.lineW/tabStop + 1) * tabStop
		if next > pg.dots {
			pg.printLine()
		} else {
			pg.line = append(pg.line, cell{r: ' ', x: pg.lineW, w: next - pg.lineW, h: glyphH * pg.hmul, ascii: true})
			pg.lineW = next
			pg.text.WriteByte(' ')
		}
	case escpos.OpFeedLines: // print the line; n line feeds in all
		k := o.N
		if len(pg.line) > 0 {
			pg.printLine()
			k--
		}
		for range max(k, 0) {
			pg.printLine()
		}
	case escpos.OpFeedDots: // print the line; n dots of feed in all
		if len(pg.line) > 0 {
			h := pg.lineHeight()
			pg.printLine()
			pg.space(o.N - h)
		} else {
			pg.space(o.N)
		}
	case escpos.OpInit:
		pg.reset()
	case escpos.OpAlign:
		if len(pg.line) == 0 { // honoured only at the beginning of a line
			if n := o.N % 48; n <= int(escpos.AlignRight) {
				pg.align = escpos.Align(n)
			}
		}
	case escpos.OpBold:
		pg.bold = o.N&1 == 1
	case escpos.OpUnderline:
		pg.underline = o.N % 48
	case escpos.OpPrintMode:
		pg.fontB = o.N&0x01 != 0
		pg.bold = o.N&0x08 != 0
		pg.hmul, pg.wmul = 1, 1
		if o.N&0x10 != 0 {
			pg.hmul = 2
		}
		if o.N&0x20 != 0 {
			pg.wmul = 2
		}
		pg.underline = 0
		if o.N&0x80 != 0 {
			pg.underline = 1
		}
	case escpos.OpSize:
		pg.wmul, pg.hmul = o.N>>4&7+1, o.N&7+1
	case escpos.OpLineSpacing:
		pg.spacing = o.N
		if o.N < 0 {
			pg.spacing = defaultSpacing
		}
	case escpos.OpQRModule:
		pg.qrModule = min(max(o.N, 1), escpos.MaxModuleSize)
	case escpos.OpQREC:
		if l := escpos.ECLevel(o.N); l.Valid() {
			pg.qrEC = l
		} else if o.N >= 0 && o.N <= 3 {
			pg.qrEC = escpos.ECLevel('0' + o.N)
		}
	case escpos.OpQRStore:
		pg.qrData = append(pg.qrData[:0], o.Data[:min(len(o.Data), escpos.MaxQRData)]...)
	case escpos.OpQRPrint:
		pg.printQR()
	case escpos.OpRaster:
		pg.raster(o)
	case escpos.OpCut:
		if len(pg.line) > 0 {
			pg.printLine()
		}
		return true
	}
	return false
}

// char adds r to the line buffer, printing the line first when r does not
// fit (the printer wraps by itself).
func (pg *page) char(r rune) {
	c := cell{r: r, bold: pg.bold, underline: pg.underline}
	if escpos.RuneWidth(r) == 1 {
		c.ascii = true
		c.w, c.h = escpos.CellDots*pg.wmul, glyphH*pg.hmul
		if pg.fontB {
			c.w, c.h = fontBW*pg.wmul, fontBH*pg.hmul
		}
	} else {
		c.w, c.h = glyphH*pg.wmul, glyphH*pg.hmul
	}
	if c.w > pg.dots {
		return
	}
	if pg.lineW+c.w > pg.dots {
		pg.printLine()
	}
	c.x = pg.lineW
	pg.line = append(pg.line, c)
	pg.lineW += c.w
	pg.text.WriteRune(r)
}

// printLine prints the line buffer (or feeds an empty line) at the
// current alignment; characters of different heights share the bottom.
func (pg *page) printLine() {
	h := pg.lineHeight()
	pg.room(h)
	if len(pg.line) > 0 {
		shift := pg.alignShift(pg.lineW)
		cells := make([]cell, len(pg.line))
		top := 0
		for _, c := range pg.line {
			top = max(top, c.h)
		}
		for i, c := range pg.line {
			c.x += shift
			cells[i] = c
		}
		pg.cur.items = append(pg.cur.items, item{kind: itemText, y: pg.cur.height, h: top, cells: cells})
	}
	pg.cur.lines = append(pg.cur.lines, strings.TrimRight(pg.text.String(), " "))
	pg.cur.height += h
	pg.line, pg.lineW = pg.line[:0], 0
	pg.text.Reset()
}

// lineHeight is the feed of the line buffer: the line spacing, or the
// tallest character when taller.
func (pg *page) lineHeight() int {
	h := pg.spacing
	for _, c := range pg.line {
		h = max(h, c.h)
	}
	return h
}

// room tears the sheet off when h more dots would make it longer than
// maxPageDots.
func (pg *page) room(h int) {
	if pg.cur.height > 0 && pg.cur.height+h > maxPageDots {
		pg.torn = append(pg.torn, pg.cur)
		pg.cur = sheet{}
	}
}

func (pg *page) space(h int) {
	if h <= 0 {
		return
	}
	h = min(h, maxPageDots)
	pg.room(h)
	pg.cur.height += h
}

func (pg *page) alignShift(w int) int {
	switch pg.align {
	case escpos.AlignCenter:
		return (pg.dots - w) / 2
	case escpos.AlignRight:
		return pg.dots - w
	}
	return 0
}

// printQR prints the stored native QR symbol (model 2 whatever model was
// selected). A symbol wider than the paper is not printed, as on a real
// printer.
func (pg *page) printQR() {
	if len(pg.line) > 0 {
		pg.printLine()
	}
	if len(pg.qrData) == 0 {
		return
	}
	bm, err := escpos.QRModules(pg.qrData, pg.qrEC)
	if err != nil || len(bm)*pg.qrModule > pg.dots {
		return
	}
	m := pg.qrModule
	n := len(bm) * m
	pg.room(n)
	img := image.NewGray(image.Rect(0, 0, n, n))
	for y := range n {
		row := img.Pix[y*img.Stride : y*img.Stride+n]
		for x := range n {
			if bm[y/m][x/m] {
				row[x] = 0
			} else {
				row[x] = 0xFF
			}
		}
	}
	pg.cur.items = append(pg.cur.items, item{kind: itemImage, y: pg.cur.height, h: n, img: img, x: pg.alignShift(n), qr: string(pg.qrData)})
	pg.cur.height += n
}

// raster prints a GS v 0 image, cropped to the paper width.
func (pg *page) raster(o escpos.Op) {
	if len(pg.line) > 0 {
		pg.printLine()
	}
	sx, sy := 1, 1
	if o.N&1 != 0 {
		sx = 2
	}
	if o.N&2 != 0 {
		sy = 2
	}
	w := min(o.W*8*sx, pg.dots)
	h := min(o.H*sy, maxPageDots) // a longer image is cut short
	if w == 0 || h == 0 {
		return
	}
	pg.room(h)
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		src := o.Data[(y/sy)*o.W : (y/sy+1)*o.W]
		row := img.Pix[y*img.Stride : y*img.Stride+w]
		for x := range w {
			if src[(x/sx)/8]&(0x80>>((x/sx)%8)) != 0 {
				row[x] = 0
			} else {
				row[x] = 0xFF
			}
		}
	}
	pg.cur.items = append(pg.cur.items, item{kind: itemImage, y: pg.cur.height, h: h, img: img, x: pg.alignShift(w), decQR: true})
	pg.cur.height += h
}

// cutMark records a cut inside a rendering that spans several receipts.
func (pg *page) cutMark() {
	pg.room(16)
	pg.cur.items = append(pg.cur.items, item{kind: itemCutMark, y: pg.cur.height, h: 16})
	pg.cur.height += 16
}

// sheet is a piece of paper: what was printed between two cuts.
type sheet struct {
	items  []item
	height int
	lines  []string
}

// cut returns the sheets finished since the last call: the torn ones and,
// when cut is true, the current one. Print modes and the stored QR stay.
func (pg *page) sheets(cut bool) []sheet {
	out := pg.torn
	pg.torn = nil
	if cut {
		out = append(out, pg.cur)
		pg.cur = sheet{}
	}
	return out
}

// pageText joins printed lines, dropping trailing empty ones.
func pageText(lines []string) string {
	end := len(lines)
	for end > 0 && lines[end-1] == "" {
		end--
	}
	return strings.Join(lines[:end], "\n")
}

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
	img := image.NewGray(image.Rect(0, 0, dots, height+2*pageMargin))
	fillWhite(img.Pix)
	for _, it := range items {
		y := it.y + pageMargin
		switch it.kind {
		case itemText:
			for _, c := range it.cells {
				top := y + it.h - c.h
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
			b := it.img.Bounds()
			draw.Draw(img, b.Add(image.Pt(it.x, y)), it.img, b.Min, draw.Src)
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

// NewRenderer parses the embedded Noto Sans CJK SC font (about 16 MB; do it
// once) and returns a renderer.
func NewRenderer() (*Renderer, error) {
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
	pg := newPage(p)
	pendingCut := false
	ps.Feed(raw, func(o escpos.Op) {
		if o.Realtime() || len(pg.torn) > 0 {
			return // a strip longer than maxPageDots is not drawn further
		}
		if pendingCut && o.Prints() {
			pg.cutMark()
			pendingCut = false
		}
		if pg.apply(o) {
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

// RenderDocument lays doc out with EncodeReceipt and draws the result: the
// on-screen copy of a receipt is the very paper the printer would give,
// QR code included. opt.Paper picks the width (zero means Paper58).
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

// Render is Renderer.Render with a renderer made for this call only: it
// parses the font every time, so call it for one-offs.
func Render(raw []byte, p escpos.Paper) (image.Image, error) {
	r, err := NewRenderer()
	if err != nil {
		return nil, err
	}
	return r.Render(raw, p)
}

// RenderPNG is Render encoded as PNG, for technicians' one-offs.
func RenderPNG(raw []byte, p escpos.Paper) ([]byte, error) {
	img, err := Render(raw, p)
	if err != nil {
		return nil, err
	}
	return encodePNG(img)
}

// RenderDocument is Renderer.RenderDocument with a renderer made for this
// call only; a caller that renders often keeps a Renderer instead.
func RenderDocument(doc receipt.Document, opt escpos.EncodeOptions) (image.Image, error) {
	r, err := NewRenderer()
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
