package render

import (
	"fmt"
	"image"
	"strings"

	"sckiosk/devices/printer/escpos"
)

// Geometry of the simulated print head (203 dpi, Font A 12×24, Font B
// 9×17, CJK 24×24, default line spacing 30 dots).
const (
	glyphH         = 24
	fontBW, fontBH = 9, 17
	defaultSpacing = 30
	tabStop        = 8 * escpos.CellDots
	// MaxPageDots bounds one receipt's length (about 2 m of paper): a
	// Page tears off a longer one there, as if it had been cut.
	MaxPageDots = 16384
	// PageMargin is the white border above and below the rendered paper.
	PageMargin = 12
)

// cell is one printed character, placed on its line.
type cell struct {
	r         rune
	x, w, h   int
	bold      bool
	underline int
	ascii     bool
	bm        *bitmap // an ESC * bit image in the line, instead of r
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
	img   *image.Gray // itemImage from a native QR
	bm    *bitmap     // itemImage from a raster, graphics or barcode
	x     int         // itemImage left edge
	qr    string      // itemImage from a native QR: its content
	decQR bool        // itemImage from a raster: try to decode it as a QR
}

// Page is the simulated printer's mechanism: print modes, the line buffer
// and the paper printed since the last cut. Apply feeds it parsed ops;
// Sheets takes the paper off. It is not safe for concurrent use.
type Page struct {
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

	cur  Sheet   // paper since the last cut
	torn []Sheet // sheets torn off at MaxPageDots, not yet collected

	// native QR state (GS ( k)
	qrData   []byte
	qrModule int
	qrEC     escpos.ECLevel

	// 1D barcode settings: bar height (GS h), module (GS w), where the
	// human-readable text goes (GS H: bit 0 above, bit 1 below) and its
	// font (GS f)
	bcHeight, bcModule, bcHRI int
	bcFontB                   bool

	// graphics stored in the print buffer by GS ( L fn 112, and the NV
	// and download graphics the stream defined (fn 67, 83) by key
	graphics *bitmap
	defined  map[int]*bitmap
	definedN int // bytes held in defined

	// Report, when set, is told each command the paper does not show as
	// a real printer's would (unknown commands, PDF417, bad barcode
	// data…): a name, never the command's data.
	Report func(what string)
}

// Barcode defaults at power on: 162 dots high, module 3, no text, font A.
const (
	defaultBarHeight = 162
	defaultModule    = 3
	maxReports       = 32 // per sheet
	// Graphics a stream may define (GS ( L fn 67, 83): a printer's NV
	// memory holds a few hundred KB.
	maxDefined      = 64
	maxDefinedBytes = 1 << 20
)

// NewPage returns the mechanism of a printer with paper p, in its power-on
// print modes.
func NewPage(p escpos.Paper) *Page {
	pg := &Page{dots: p.Dots()}
	pg.reset()
	return pg
}

// reset restores the power-on print modes and clears the line buffer
// (ESC @). Paper already printed stays.
func (pg *Page) reset() {
	pg.align, pg.bold, pg.underline, pg.fontB = escpos.AlignLeft, false, 0, false
	pg.wmul, pg.hmul = 1, 1
	pg.spacing = defaultSpacing
	pg.line, pg.lineW = pg.line[:0], 0
	pg.text.Reset()
	pg.qrData, pg.qrModule, pg.qrEC = nil, 3, escpos.ECLevelL
	pg.bcHeight, pg.bcModule, pg.bcHRI, pg.bcFontB = defaultBarHeight, defaultModule, 0, false
	pg.graphics = nil
}

// Apply performs one parsed op on the paper. It reports whether the op
// was a cut.
func (pg *Page) Apply(o escpos.Op) (cut bool) {
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
	case escpos.OpFont:
		if n := o.N % 48; n <= 1 {
			pg.fontB = n == 1
		}
	case escpos.OpBarcodeHeight:
		if o.N >= 1 {
			pg.bcHeight = o.N
		}
	case escpos.OpBarcodeWidth:
		if o.N >= 2 && o.N <= 6 {
			pg.bcModule = o.N
		}
	case escpos.OpBarcodeHRI:
		if o.N <= 3 || o.N >= 48 && o.N <= 51 {
			pg.bcHRI = o.N % 48
		}
	case escpos.OpBarcodeFont:
		if o.N <= 1 || o.N == 48 || o.N == 49 {
			pg.bcFontB = o.N%48 == 1
		}
	case escpos.OpBarcode:
		pg.barcode(o)
	case escpos.OpBitImage:
		pg.bitImage(o)
	case escpos.OpGraphicsStore:
		w := o.W
		pg.graphics = &bitmap{w: w, h: o.H, stride: (w + 7) / 8, bits: append([]byte(nil), o.Data...), sx: o.N & 0xF, sy: o.N >> 4}
	case escpos.OpGraphicsPrint:
		if len(pg.line) > 0 {
			pg.printLine()
		}
		if pg.graphics != nil {
			pg.image(pg.graphics, true)
			pg.graphics = nil
		}
	case escpos.OpGraphicsDefine:
		if old := pg.defined[o.N]; old != nil {
			pg.definedN -= len(old.bits)
		}
		if len(pg.defined) >= maxDefined || pg.definedN+len(o.Data) > maxDefinedBytes {
			pg.report("GS ( L: no room for more graphics")
			return false
		}
		if pg.defined == nil {
			pg.defined = map[int]*bitmap{}
		}
		pg.defined[o.N] = &bitmap{w: o.W, h: o.H, stride: (o.W + 7) / 8, bits: append([]byte(nil), o.Data...), sx: 1, sy: 1}
		pg.definedN += len(o.Data)
	case escpos.OpGraphicsPrintKey:
		if len(pg.line) > 0 {
			pg.printLine()
		}
		g := pg.defined[o.N]
		if g == nil {
			pg.report(fmt.Sprintf("GS ( L: graphics %q not defined in this stream", string([]byte{byte(o.N >> 8), byte(o.N)})))
			return false
		}
		b := *g // the definition stays; this print is scaled and cropped
		b.sx, b.sy = o.W, o.H
		pg.image(&b, true)
	case escpos.OpUnrendered:
		pg.report(o.Name)
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
func (pg *Page) char(r rune) {
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
func (pg *Page) printLine() {
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
func (pg *Page) lineHeight() int {
	h := pg.spacing
	for _, c := range pg.line {
		h = max(h, c.h)
	}
	return h
}

// room tears the sheet off when h more dots would make it longer than
// MaxPageDots.
func (pg *Page) room(h int) {
	if pg.cur.height > 0 && pg.cur.height+h > MaxPageDots {
		pg.torn = append(pg.torn, pg.cur)
		pg.cur = Sheet{}
	}
}

func (pg *Page) space(h int) {
	if h <= 0 {
		return
	}
	h = min(h, MaxPageDots)
	pg.room(h)
	pg.cur.height += h
}

func (pg *Page) alignShift(w int) int {
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
func (pg *Page) printQR() {
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
func (pg *Page) raster(o escpos.Op) {
	if len(pg.line) > 0 {
		pg.printLine()
	}
	b := &bitmap{w: o.W * 8, h: o.H, stride: o.W, bits: append([]byte(nil), o.Data...), sx: 1, sy: 1}
	if o.N&1 != 0 {
		b.sx = 2
	}
	if o.N&2 != 0 {
		b.sy = 2
	}
	pg.image(b, true)
}

// image prints b at the current alignment, cropped to the paper width; a
// longer image than MaxPageDots is cut short. decQR says whether it may
// be a QR code.
func (pg *Page) image(b *bitmap, decQR bool) {
	b.crop(pg.dots, MaxPageDots)
	w, h := b.dotsW(), b.dotsH()
	if w == 0 || h == 0 {
		return
	}
	pg.room(h)
	pg.cur.items = append(pg.cur.items, item{kind: itemImage, y: pg.cur.height, h: h, bm: b, x: pg.alignShift(w), decQR: decQR})
	pg.cur.height += h
}

// bitImage puts an ESC * image into the line buffer, as a printer does:
// it is printed with the line, which feeds at least its height; what
// does not fit on the line is left out. On a 203-dpi head one bit is
// 2×3 dots (mode 0), 1×3 (1), 2×1 (32) or 1×1 (33).
func (pg *Page) bitImage(o escpos.Op) {
	bpc, sx, sy := 1, 2, 3
	switch o.N {
	case 1:
		sx = 1
	case 32:
		bpc, sy = 3, 1
	case 33:
		bpc, sx, sy = 3, 1, 1
	}
	b := columnBitmap(o.Data, o.W, bpc)
	b.sx, b.sy = sx, sy
	b.crop(pg.dots-pg.lineW, MaxPageDots)
	if b.w == 0 {
		return
	}
	c := cell{bm: b, x: pg.lineW, w: b.dotsW(), h: b.dotsH()}
	pg.line = append(pg.line, c)
	pg.lineW += c.w
}

// hriFont is the size of the human-readable text of barcodes.
func (pg *Page) hriFont() (w, h int) {
	if pg.bcFontB {
		return fontBW, fontBH
	}
	return escpos.CellDots, glyphH
}

// barcode prints a GS k symbol at the current alignment, with its text
// above or below as GS H says. Not at the start of a line, the bytes after
// m are printed as text, as printers do; bad data prints nothing; a symbol
// wider than the paper only feeds. Each is reported.
func (pg *Page) barcode(o escpos.Op) {
	name := SymbologyName(o.N)
	if len(pg.line) > 0 {
		pg.report("GS k " + name + " not at the start of a line: its bytes printed as text")
		for _, c := range o.Raw[3:] {
			if c >= ' ' && c < 0x7F {
				pg.char(rune(c))
			}
		}
		return
	}
	sym, err := encodeBarcode(o.N, o.Data, pg.bcModule, o.W == 1)
	if err != nil {
		pg.report(fmt.Sprintf("GS k %s: %v", name, err))
		return
	}
	_, th := pg.hriFont()
	h := pg.bcHeight
	if pg.bcHRI&1 != 0 {
		h += th
	}
	if pg.bcHRI&2 != 0 {
		h += th
	}
	w := sym.width()
	if w > pg.dots {
		pg.report(fmt.Sprintf("GS k %s: %d dots wide, wider than the paper", name, w))
		pg.space(h)
		return
	}
	x := pg.alignShift(w)
	pg.room(h)
	if pg.bcHRI&1 != 0 {
		pg.hriLine(sym.hri, x, w)
	}
	pg.cur.items = append(pg.cur.items, item{kind: itemImage, y: pg.cur.height, h: pg.bcHeight, bm: barsBitmap(sym, pg.bcHeight), x: x})
	pg.cur.height += pg.bcHeight
	if pg.bcHRI&2 != 0 {
		pg.hriLine(sym.hri, x, w)
	}
	pg.cur.barcodes = append(pg.cur.barcodes, Barcode{Symbology: name, Text: sym.hri})
}

// hriLine prints a barcode's text centred on the symbol at x, w dots wide,
// kept on the paper.
func (pg *Page) hriLine(s string, x, w int) {
	cw, ch := pg.hriFont()
	tw := len(s) * cw
	left := min(max(x+(w-tw)/2, 0), max(pg.dots-tw, 0))
	var cells []cell
	for i := range len(s) {
		if cx := left + i*cw; cx+cw <= pg.dots {
			cells = append(cells, cell{r: rune(s[i]), x: cx, w: cw, h: ch, ascii: true})
		}
	}
	pg.cur.items = append(pg.cur.items, item{kind: itemText, y: pg.cur.height, h: ch, cells: cells})
	pg.cur.lines = append(pg.cur.lines, strings.TrimSpace(s))
	pg.cur.height += ch
}

// report notes a command the paper does not show.
func (pg *Page) report(what string) {
	if len(pg.cur.unrendered) < maxReports {
		pg.cur.unrendered = append(pg.cur.unrendered, what)
	}
	if pg.Report != nil {
		pg.Report(what)
	}
}

// cutMark records a cut inside a rendering that spans several receipts.
func (pg *Page) cutMark() {
	pg.room(16)
	pg.cur.items = append(pg.cur.items, item{kind: itemCutMark, y: pg.cur.height, h: 16})
	pg.cur.height += 16
}

// Sheet is a piece of paper: what was printed between two cuts.
type Sheet struct {
	items      []item
	height     int
	lines      []string
	barcodes   []Barcode
	unrendered []string
}

// Barcode is a 1D barcode printed on a sheet.
type Barcode struct {
	Symbology string // "CODE128", "EAN-13", …
	Text      string // its human-readable text, printed or not
}

// Barcodes returns the 1D barcodes printed on the sheet, in order.
func (sh Sheet) Barcodes() []Barcode { return sh.barcodes }

// Unrendered returns what the sheet's commands asked for that the paper
// does not show (at most 32 notes), in order.
func (sh Sheet) Unrendered() []string { return sh.unrendered }

// Torn reports whether a sheet was torn off at MaxPageDots and waits to
// be collected by Sheets.
func (pg *Page) Torn() bool { return len(pg.torn) > 0 }

// Height returns the length in dots of the paper printed since the last
// cut.
func (pg *Page) Height() int { return pg.cur.height }

// Sheets returns the sheets finished since the last call: the torn ones
// and, when cut is true, the current one. Print modes and the stored QR
// stay.
func (pg *Page) Sheets(cut bool) []Sheet {
	out := pg.torn
	pg.torn = nil
	if cut {
		out = append(out, pg.cur)
		pg.cur = Sheet{}
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

// Text returns the sheet's printed text, GB18030 decoded, lines joined by
// "\n", trailing empty lines dropped.
func (sh Sheet) Text() string { return pageText(sh.lines) }

// Lines returns how many lines were printed or fed on the sheet.
func (sh Sheet) Lines() int { return len(sh.lines) }
