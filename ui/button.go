package ui

import (
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Button is the kiosk's touch button: a one-line label on a rounded
// background coloured by importance, with a short flash when tapped.
//
// It replaces widget.Button because that one draws its label in the bold
// style, and the embedded CJK face has a single weight: Fyne keys its font
// cache by style, so a bold label made it parse the 16 MB font a second
// time (about 20 MB of memory and 0.3 s before the first frame) for the
// very same glyphs.
type Button struct {
	widget.DisableableWidget
	Text       string
	Importance widget.Importance
	Alignment  widget.ButtonAlign
	OnTapped   func()
	// TextSize is the label's size; 0 for the theme's text size.
	TextSize float32

	flash bool // drawn pressed for a moment after a tap
}

var _ fyne.Tappable = (*Button)(nil)

// NewButton returns a button labelled text that calls tap when tapped.
func NewButton(text string, tap func()) *Button {
	b := &Button{Text: text, OnTapped: tap}
	b.ExtendBaseWidget(b)
	return b
}

// SetText changes the label.
func (b *Button) SetText(text string) {
	b.Text = text
	b.Refresh()
}

// Tapped calls OnTapped unless the button is disabled.
func (b *Button) Tapped(*fyne.PointEvent) {
	if b.Disabled() {
		return
	}
	b.flash = true
	b.Refresh()
	time.AfterFunc(150*time.Millisecond, func() {
		fyne.Do(func() {
			b.flash = false
			b.Refresh()
		})
	})
	if b.OnTapped != nil {
		b.OnTapped()
	}
}

// CreateRenderer implements fyne.Widget.
func (b *Button) CreateRenderer() fyne.WidgetRenderer {
	r := &buttonRenderer{b: b, bg: canvas.NewRectangle(color.Transparent), label: canvas.NewText(b.Text, color.Black)}
	r.Refresh()
	return r
}

type buttonRenderer struct {
	b     *Button
	bg    *canvas.Rectangle
	label *canvas.Text
}

func (r *buttonRenderer) Destroy() {}

func (r *buttonRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.bg, r.label} }

// inset is the space around the label: as much as widget.Button leaves,
// so layouts keep their sizes.
func (r *buttonRenderer) inset() float32 { return theme.Size(theme.SizeNameInnerPadding) }

func (r *buttonRenderer) MinSize() fyne.Size {
	in := r.inset()
	return r.label.MinSize().Add(fyne.NewSquareSize(2 * in))
}

func (r *buttonRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	in := r.inset()
	ts := r.label.MinSize()
	x := (size.Width - ts.Width) / 2
	if r.b.Alignment == widget.ButtonAlignLeading {
		x = in
	}
	r.label.Move(fyne.NewPos(x, (size.Height-ts.Height)/2))
	r.label.Resize(ts)
}

func (r *buttonRenderer) Refresh() {
	bg, fg := r.colors()
	r.bg.FillColor = bg
	r.bg.CornerRadius = theme.Size(theme.SizeNameInputRadius)
	r.label.Text, r.label.Color = r.b.Text, fg
	r.label.TextSize = theme.Size(theme.SizeNameText)
	if r.b.TextSize > 0 {
		r.label.TextSize = r.b.TextSize
	}
	r.Layout(r.b.Size())
	r.bg.Refresh()
	r.label.Refresh()
}

// colors picks background and label colours from the theme, as
// widget.Button does for each importance.
func (r *buttonRenderer) colors() (bg, fg color.Color) {
	b := r.b
	if b.Disabled() {
		bg = theme.Color(theme.ColorNameDisabledButton)
		if b.Importance == widget.LowImportance {
			bg = color.Transparent
		}
		return bg, theme.Color(theme.ColorNameDisabled)
	}
	bgName, fgName := theme.ColorNameButton, theme.ColorNameForeground
	switch b.Importance {
	case widget.HighImportance:
		bgName, fgName = theme.ColorNamePrimary, theme.ColorNameForegroundOnPrimary
	case widget.WarningImportance:
		bgName, fgName = theme.ColorNameWarning, theme.ColorNameForegroundOnWarning
	case widget.DangerImportance:
		bgName, fgName = theme.ColorNameError, theme.ColorNameForegroundOnError
	case widget.SuccessImportance:
		bgName, fgName = theme.ColorNameSuccess, theme.ColorNameForegroundOnSuccess
	}
	bg = theme.Color(bgName)
	if b.Importance == widget.LowImportance {
		bg = color.Transparent
	}
	if b.flash {
		bg = shade(theme.Color(bgName), 0.75)
	}
	return bg, theme.Color(fgName)
}

// shade darkens c by factor k (0..1), keeping its alpha.
func shade(c color.Color, k float64) color.Color {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	return color.NRGBA{R: uint8(float64(n.R) * k), G: uint8(float64(n.G) * k), B: uint8(float64(n.B) * k), A: max(n.A, 0x40)}
}
