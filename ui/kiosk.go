package ui

import (
	"image"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"sckiosk/kiosk/core/ime"
	"sckiosk/kiosk/core/receipt"
	"sckiosk/kiosk/core/session"
)

// Size is the design size of the kiosk screen in Fyne units.
type Size = fyne.Size

// Portrait and Landscape are the two supported screen layouts.
var (
	Portrait  = fyne.NewSize(1080, 1920)
	Landscape = fyne.NewSize(1920, 1080)
)

// Kiosk is the citizen-facing window's content: it projects session states
// and sends taps back as events.
type Kiosk struct {
	// Landscape lays screens out for a 1920×1080 screen (keypad beside
	// the form, items in two columns); set it before the first Show.
	Landscape bool
	// Dict gives the keyboard its pinyin candidates; nil until loaded.
	Dict *ime.Dict
	// RenderReceipt draws a receipt as the printer would print it, for the
	// on-screen copy when printing fails; nil shows the QR code only.
	RenderReceipt func(receipt.Document) (image.Image, error)
	// Version is shown on the technician screen (ui.Version()).
	Version string

	send    func(session.Event)
	root    *fyne.Container
	body    *fyne.Container
	count   *countdown // the countdown dialog over the screen
	later   []func()   // what the screen being drawn does once laid out
	lastRev int
	shown   bool
	elder   bool
	current session.State
}

// NewKiosk returns the kiosk content; send delivers events to the runtime.
func NewKiosk(send func(session.Event)) *Kiosk {
	k := &Kiosk{send: send, lastRev: -1}
	k.count = newCountdown(func(e session.Event) { k.send(e) })
	k.body = container.NewStack()
	k.root = container.NewStack(k.body, k.count.box)
	return k
}

// Content is the canvas object to put in the window.
func (k *Kiosk) Content() fyne.CanvasObject { return k.root }

// Show renders s. It must run on Fyne's goroutine (wrap it in fyne.Do).
// Only the countdown is refreshed when nothing but the clock changed.
func (k *Kiosk) Show(s session.State) {
	if s.Elder != k.elder {
		k.elder = s.Elder
		applyElder(s.Elder, k.Landscape)
	}
	redrawn := !k.shown || s.Rev != k.lastRev
	if redrawn {
		k.later = nil
		k.body.Objects = []fyne.CanvasObject{screen(s, k.send, k)}
		k.body.Refresh()
		// Wrapped text and wrapped rows learn how many lines they take
		// from the first layout; the second lays the screen out with
		// those heights (the window's driver would on its next frame).
		k.body.Refresh()
		for _, f := range k.later {
			f()
		}
		k.later = nil
		k.lastRev, k.shown = s.Rev, true
	}
	wasCounting := k.count.box.Visible() && !k.count.guarded
	k.current = s
	switch {
	case s.CountingDown() && (!wasCounting || redrawn):
		k.count.show(s, k.scale(), k.Landscape)
	case s.CountingDown():
		k.count.tick(s)
	case wasCounting:
		k.count.hide()
	}
}

// scale is the type scale of the screen shown: larger in elder mode.
func (k *Kiosk) scale() float32 {
	if k.elder {
		return elderScale(k.Landscape)
	}
	return 1
}

// applyElder switches the app's theme to elder-mode type sizes and back.
func applyElder(on, landscape bool) {
	app := fyne.CurrentApp()
	if app == nil {
		return
	}
	t := NewTheme()
	if on {
		t.Scale, t.HighContrast = elderScale(landscape), true
	}
	app.Settings().SetTheme(t)
}

// Redraw draws s even when its revision equals the one shown. It must run
// on Fyne's goroutine.
func (k *Kiosk) Redraw(s session.State) {
	k.shown = false
	k.Show(s)
}

// SetDict hands the keyboard its pinyin dictionary once loaded and redraws
// the screen. It must run on Fyne's goroutine.
func (k *Kiosk) SetDict(d *ime.Dict) {
	k.Dict = d
	if k.shown {
		k.Redraw(k.current)
	}
}

// elderScale is the elder-mode type scale: 1080 rows of a landscape
// screen leave less room than 1920.
func elderScale(landscape bool) float32 {
	if landscape {
		return ElderScaleLandscape
	}
	return ElderScale
}

// Current is the state last shown.
func (k *Kiosk) Current() session.State { return k.current }

// bigButton is a touch target at least 90 units high.
func bigButton(label string, primary bool, tap func()) *Button {
	b := NewButton(label, tap)
	if primary {
		b.Importance = widget.HighImportance
	}
	return b
}

// tall wraps o so it is at least h units high.
func tall(o fyne.CanvasObject, h float32) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(0, h))
	return container.NewStack(r, o)
}

// wide wraps o so it is at least w units wide.
func wide(o fyne.CanvasObject, w float32) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(w, 0))
	return container.NewStack(r, o)
}

// text is a line of canvas text. bold states the intent only: the
// embedded CJK face has one weight, so Fyne would draw bold with the same
// glyphs, and asking for it makes Fyne parse the 16 MB font a second time
// (about 20 MB more RSS). Emphasis comes from size and colour instead.
func text(s string, size float32, bold bool, c color.Color) *canvas.Text {
	_ = bold
	t := canvas.NewText(s, c)
	t.TextSize = size
	return t
}

// para is a paragraph in the theme's text: it wraps by the Chinese
// line-breaking rules (breakLines), with a label's padding around it.
func para(s string) fyne.CanvasObject {
	return padText(newWrapText(s, theme.TextSize(), theme.Color(theme.ColorNameForeground)))
}

// padText gives wrapped text the room a label leaves around its text.
func padText(t *wrapText) fyne.CanvasObject {
	in := theme.InnerPadding()
	return container.New(layout.NewCustomPaddedLayout(in/2, in/2, in, in), t)
}
