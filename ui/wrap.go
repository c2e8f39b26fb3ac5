package ui

import (
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The kiosk's screen has a fixed width and nothing on it may need more:
// a minimum width over the screen's is cut off full screen and grows the
// window otherwise. Text whose length the kiosk does not choose (names,
// addresses, item names, field labels with their errors, option labels)
// wraps onto more lines instead, and rows of buttons wrap onto more rows.

// wrapText is canvas text that breaks onto more lines when its width is
// too small for it: at any character (Chinese has no spaces), preferring
// a space in Latin text. On one line it draws exactly like canvas.Text.
//
// Its minimum width is that of its widest character, so it must sit where
// its container stretches it (a VBox, a Border's centre, a Stack), never
// in an HBox or a Center.
type wrapText struct {
	widget.BaseWidget
	Text      string
	TextSize  float32
	Color     color.Color
	Alignment fyne.TextAlign
}

func newWrapText(s string, size float32, c color.Color) *wrapText {
	t := &wrapText{Text: s, TextSize: size, Color: c}
	t.ExtendBaseWidget(t)
	return t
}

// CreateRenderer implements fyne.Widget.
func (t *wrapText) CreateRenderer() fyne.WidgetRenderer {
	return &wrapRenderer{t: t}
}

type wrapRenderer struct {
	t     *wrapText
	lines []*canvas.Text
	width float32 // the width the lines were broken for; 0 before the first layout
}

func (r *wrapRenderer) Destroy() {}

func (r *wrapRenderer) Objects() []fyne.CanvasObject {
	out := make([]fyne.CanvasObject, len(r.lines))
	for i, l := range r.lines {
		out[i] = l
	}
	return out
}

func (r *wrapRenderer) measure(s string) fyne.Size {
	return fyne.MeasureText(s, r.t.TextSize, fyne.TextStyle{})
}

// MinSize is the widest character wide and as many lines high as the
// text takes at its current width (one line before it has a width).
func (r *wrapRenderer) MinSize() fyne.Size {
	widest := float32(0)
	for _, c := range r.t.Text {
		widest = max(widest, r.measure(string(c)).Width)
	}
	lineH := r.measure("国").Height
	n := 1
	if r.width > 0 {
		n = max(1, len(breakLines(r.t.Text, r.width, r.measure)))
	}
	return fyne.NewSize(widest, lineH*float32(n))
}

func (r *wrapRenderer) Layout(size fyne.Size) {
	r.width = size.Width
	lines := breakLines(r.t.Text, size.Width, r.measure)
	for len(r.lines) < len(lines) {
		r.lines = append(r.lines, canvas.NewText("", r.t.Color))
	}
	r.lines = r.lines[:len(lines)]
	lineH := r.measure("国").Height
	y := max(0, (size.Height-lineH*float32(len(lines)))/2) // centred when given more height
	for i, s := range lines {
		l := r.lines[i]
		l.Text, l.Color, l.TextSize, l.Alignment = s, r.t.Color, r.t.TextSize, r.t.Alignment
		h := l.MinSize().Height
		l.Move(fyne.NewPos(0, y))
		l.Resize(fyne.NewSize(size.Width, h))
		y += h
	}
}

func (r *wrapRenderer) Refresh() {
	r.Layout(r.t.Size())
	for _, l := range r.lines {
		l.Refresh()
	}
}

// noLineStart are the characters a Chinese line must not start with
// (GB/T 15834 and the W3C's clreq): closing brackets and quotes, and the
// marks that follow what they punctuate.
const noLineStart = "）)】」』》〉］]｝}〕”’，,。.、；;：:？?！!…·～%％"

// noLineEnd are the characters a line must not end with: opening
// brackets and quotes.
const noLineEnd = "（(【「『《〈［[｛{〔“‘"

// breakLines splits s into lines no wider than width: at the last space
// that fits when there is one on the line, else at the last character
// that fits, following Chinese line-breaking rules: no line starts with a
// closing mark (）、，。…) or ends with an opening one (（“…), and the
// last line is not a single character alone. A line always takes at
// least one character.
func breakLines(s string, width float32, measure func(string) fyne.Size) []string {
	if s == "" {
		return []string{""}
	}
	if width <= 0 || measure(s).Width <= width {
		return []string{s}
	}
	var out []string
	rest := []rune(s)
	for len(rest) > 0 {
		// the longest prefix that fits, by binary search
		lo, hi := 1, len(rest)
		for lo < hi {
			mid := (lo + hi + 1) / 2
			if measure(string(rest[:mid])).Width <= width {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		n := lo
		if n < len(rest) {
			if sp := strings.LastIndex(string(rest[:n]), " "); sp > 0 {
				n = len([]rune(string(rest[:n])[:sp])) + 1
			} else {
				n = cjkBreak(rest, n)
			}
		}
		out = append(out, strings.TrimRight(string(rest[:n]), " "))
		rest = []rune(strings.TrimLeft(string(rest[n:]), " "))
	}
	return out
}

// cjkBreak moves a break before rest[n] back until the next line does not
// start with a closing mark, this line does not end with an opening one,
// and what is left is not one character alone; it gives up (keeps n)
// rather than leave an empty line.
func cjkBreak(rest []rune, n int) int {
	bad := func(n int) bool {
		switch {
		case strings.ContainsRune(noLineStart, rest[n]):
			return true
		case strings.ContainsRune(noLineEnd, rest[n-1]):
			return true
		case len(rest)-n == 1: // an orphan on the last line
			return true
		}
		return false
	}
	for m := n; m > 1; m-- {
		if !bad(m) {
			return m
		}
	}
	return n
}

// natural is the size of the text on one line.
func (t *wrapText) natural() fyne.Size {
	return fyne.MeasureText(t.Text, t.TextSize, fyne.TextStyle{})
}

// besideOrBelow lays out two texts on one line when they fit side by
// side, the second under the first otherwise (a field's label and what is
// wrong with its value).
type besideOrBelow struct {
	pad   float32
	width float32
}

func beside(a, b *wrapText) *fyne.Container {
	return &fyne.Container{Layout: &besideOrBelow{pad: theme.Padding()}, Objects: []fyne.CanvasObject{a, b}}
}

func (l *besideOrBelow) fits(objects []fyne.CanvasObject, width float32) bool {
	a, b := objects[0].(*wrapText).natural(), objects[1].(*wrapText).natural()
	return width <= 0 || a.Width+l.pad+b.Width <= width
}

func (l *besideOrBelow) MinSize(objects []fyne.CanvasObject) fyne.Size {
	a, b := objects[0].MinSize(), objects[1].MinSize()
	if l.fits(objects, l.width) {
		return fyne.NewSize(max(a.Width, b.Width), max(a.Height, b.Height))
	}
	return fyne.NewSize(max(a.Width, b.Width), a.Height+b.Height)
}

func (l *besideOrBelow) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	l.width = size.Width
	a, b := objects[0], objects[1]
	if l.fits(objects, size.Width) {
		aw := a.(*wrapText).natural().Width
		a.Move(fyne.NewPos(0, 0))
		a.Resize(fyne.NewSize(aw, size.Height))
		b.Move(fyne.NewPos(aw+l.pad, 0))
		b.Resize(fyne.NewSize(size.Width-aw-l.pad, size.Height))
		return
	}
	a.Move(fyne.NewPos(0, 0))
	a.Resize(fyne.NewSize(size.Width, a.MinSize().Height))
	a.Resize(fyne.NewSize(size.Width, a.MinSize().Height)) // its height at this width
	b.Move(fyne.NewPos(0, a.Size().Height))
	b.Resize(fyne.NewSize(size.Width, b.MinSize().Height))
	b.Resize(fyne.NewSize(size.Width, b.MinSize().Height))
}

// flowGrid lays out cells of equal width in as many columns as fit, at
// most cols, and wraps the rest onto more rows: a row of options or tabs
// that is too wide for the screen (elder mode, long labels) takes more
// rows instead. Cells fill the row's width like a grid's.
type flowGrid struct {
	cols  int
	width float32 // the width of the last layout; 0 before the first
}

func newFlowGrid(cols int, objects ...fyne.CanvasObject) *fyne.Container {
	return &fyne.Container{Layout: &flowGrid{cols: cols}, Objects: objects}
}

func (g *flowGrid) cell(objects []fyne.CanvasObject) (fyne.Size, int) {
	var cell fyne.Size
	n := 0
	for _, o := range objects {
		if !o.Visible() {
			continue
		}
		n++
		cell = cell.Max(o.MinSize())
	}
	return cell, n
}

// columns is how many cells of width cell fit in width, at most g.cols;
// at least one.
func (g *flowGrid) columns(cell fyne.Size, n int, width float32) int {
	pad := gridPadding()
	c := max(1, g.cols) // like a grid, a short row keeps its columns' width
	for c > 1 && width > 0 && float32(c)*cell.Width+float32(c-1)*pad > width {
		c--
	}
	return c
}

func gridPadding() float32 { return theme.Padding() }

// MinSize is one cell wide and as many rows high as the last layout's
// width needed (all columns before the first layout).
func (g *flowGrid) MinSize(objects []fyne.CanvasObject) fyne.Size {
	cell, n := g.cell(objects)
	if n == 0 {
		return fyne.Size{}
	}
	cols := g.columns(cell, n, g.width)
	rows := (n + cols - 1) / cols
	pad := gridPadding()
	if g.width == 0 {
		rows = 1 // before the first layout: one row, as a grid would
	}
	return fyne.NewSize(cell.Width, float32(rows)*cell.Height+float32(rows-1)*pad)
}

func (g *flowGrid) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	g.width = size.Width
	cell, n := g.cell(objects)
	if n == 0 {
		return
	}
	pad := gridPadding()
	cols := g.columns(cell, n, size.Width)
	rows := (n + cols - 1) / cols
	w := (size.Width - float32(cols-1)*pad) / float32(cols)
	h := (size.Height - float32(rows-1)*pad) / float32(rows)
	i := 0
	for _, o := range objects {
		if !o.Visible() {
			continue
		}
		r, c := i/cols, i%cols
		o.Move(fyne.NewPos(float32(c)*(w+pad), float32(r)*(h+pad)))
		o.Resize(fyne.NewSize(w, h))
		i++
	}
}

// tapCover is an invisible tap target over what it is stacked on.
type tapCover struct {
	widget.BaseWidget
	tap func()
}

func newTapCover(tap func()) *tapCover {
	t := &tapCover{tap: tap}
	t.ExtendBaseWidget(t)
	return t
}

// Tapped implements fyne.Tappable.
func (t *tapCover) Tapped(*fyne.PointEvent) {
	if t.tap != nil {
		t.tap()
	}
}

// CreateRenderer implements fyne.Widget.
func (t *tapCover) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}

// touchScroll is a vertical scroll region a finger drags: Fyne scrolls
// by dragging only on mobile, and a kiosk's touch screen reaches X11 as a
// mouse. A transparent surface under the content takes the drags (the
// buttons on it take taps, not drags), and moves the region.
func touchScroll(content fyne.CanvasObject) *container.Scroll {
	var s *container.Scroll
	surface := &dragSurface{drag: func(dy float32) {
		s.ScrollToOffset(fyne.NewPos(0, s.Offset.Y-dy))
	}}
	surface.ExtendBaseWidget(surface)
	// A few units each side: a region clips what it holds, and an input
	// box's border is drawn over its edge.
	inset := layout.NewCustomPaddedLayout(0, 0, scrollInset, scrollInset)
	s = container.NewVScroll(container.NewStack(surface, container.New(inset, content)))
	return s
}

// scrollInset keeps what a scroll region holds off its clipped edges.
const scrollInset = 4

// dragSurface turns drags into scrolling.
type dragSurface struct {
	widget.BaseWidget
	drag func(dy float32)
}

// Dragged implements fyne.Draggable.
func (d *dragSurface) Dragged(e *fyne.DragEvent) { d.drag(e.Dragged.DY) }

// DragEnd implements fyne.Draggable.
func (d *dragSurface) DragEnd() {}

// CreateRenderer implements fyne.Widget.
func (d *dragSurface) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}
