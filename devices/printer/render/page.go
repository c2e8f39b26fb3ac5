package render

import (
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
}

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
	sx, sy := 1, 1
	if o.N&1 != 0 {
		sx = 2
	}
	if o.N&2 != 0 {
		sy = 2
	}
	w := min(o.W*8*sx, pg.dots)
	h := min(o.H*sy, MaxPageDots) // a longer image is cut short
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
func (pg *Page) cutMark() {
	pg.room(16)
	pg.cur.items = append(pg.cur.items, item{kind: itemCutMark, y: pg.cur.height, h: 16})
	pg.cur.height += 16
}

// Sheet is a piece of paper: what was printed between two cuts.
type Sheet struct {
	items  []item
	height int
	lines  []string
}

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
