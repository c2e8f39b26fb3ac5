package ui

import (
	"fmt"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"

	"sckiosk/kiosk/core/session"
)

// The frame is the same on every screen: a header with the kiosk's name
// and the hall's, a row of controls that never move — 首页, two places kept
// for 求助 and the language switch (later), 长辈模式 — the screen's own
// content in the middle, and the status strip at the bottom. Questions
// the kiosk asks over a screen (the countdown, leaving with data) are
// centred dialogs that take every tap while they are shown, so nothing a
// citizen was about to tap can change under the finger.

// frameSlots are the header's control places, left to right.
const (
	slotHome     = iota
	slotHelp     // 求助, kept free for a later issue
	slotLanguage // the language switch, kept free for a later issue
	slotElder
	frameSlots
)

// controlHeight is the height of the frame's controls: a touch target in
// every mode.
const controlHeight = 90

// landscapeControlsWidth is the width of the row of controls beside the
// names in landscape: four places wide enough for 长辈模式 in elder type.
const landscapeControlsWidth = 4*240 + 3*12

// header is the frame's top: names, then the row of controls.
func (v view) header() fyne.CanvasObject {
	s, send := v.s, v.send
	title := v.text("四川政务服务 · 自助终端", 36, true, color.White)
	hall := newWrapText(s.Config.Hall, 26*v.k, color.White)
	names := container.NewVBox(title, hall)
	slots := make([]fyne.CanvasObject, frameSlots)
	for i := range slots {
		slots[i] = emptySlot()
	}
	if v.homeShown() {
		slots[slotHome] = tall(bigButton("首页", false, func() { send(session.Home{}) }), controlHeight)
	}
	if v.elderShown() {
		label := "长辈模式"
		if s.Elder {
			label = "标准模式"
		}
		slots[slotElder] = tall(bigButton(label, s.Elder, func() { send(session.ToggleElder{}) }), controlHeight)
	}
	controls := container.NewGridWithColumns(frameSlots, slots...)
	band := container.NewVBox(names, controls)
	if v.landscape { // one row: 1080 rows are scarce, columns are not
		band = container.NewBorder(nil, nil, nil, wide(controls, landscapeControlsWidth), names)
	}
	top := container.NewStack(canvas.NewRectangle(blue), container.NewPadded(band))
	if s.Screen == session.Idle { // the hidden corner for technicians
		return container.NewStack(top, container.NewHBox(newTapArea(func() { send(session.CornerTap{}) })))
	}
	return top
}

// emptySlot keeps a control's place in the header.
func emptySlot() fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(0, controlHeight))
	return r
}

// homeShown reports whether 首页 has somewhere to go: not on the start
// screen itself, and not while an application is being stored.
func (v view) homeShown() bool {
	return v.s.Screen != session.Idle && v.s.Screen != session.Submitting
}

// elderShown reports whether 长辈模式 is offered: to citizens, not on the
// technician's screens.
func (v view) elderShown() bool {
	return v.s.Screen != session.TechPIN && v.s.Screen != session.TechMenu
}

// dialog is a centred card over a dimmed screen that takes every tap
// outside its own buttons.
func (v view) dialog(lines []fyne.CanvasObject, buttons fyne.CanvasObject) fyne.CanvasObject {
	return modal(v.k, v.landscape, lines, buttons, nil)
}

// modal is dialog for a type scale k (the countdown is drawn outside a
// view); a tap outside the card calls outside (nil: nothing).
func modal(k float32, landscape bool, lines []fyne.CanvasObject, buttons fyne.CanvasObject, outside func()) fyne.CanvasObject {
	scrim := canvas.NewRectangle(color.NRGBA{0, 0, 0, 0x99})
	card := canvas.NewRectangle(color.White)
	card.CornerRadius, card.StrokeColor, card.StrokeWidth = 16, blue, 4
	width := float32(920)
	if landscape {
		width = 1100
	}
	body := container.New(layout.NewCustomPaddedVBoxLayout(24*k), append(lines, buttons)...)
	inner := container.New(layout.NewCustomPaddedLayout(40, 40, 40, 40), body)
	return container.NewStack(scrim, newTapCover(outside),
		container.NewCenter(wide(container.NewStack(card, inner), width)))
}

// countdownSize is the countdown's type: larger than elder body text.
const countdownSize = 64

// countdown is the dialog shown in the last seconds before a screen times
// out; label shows the seconds and is updated every tick.
type countdown struct {
	box    *fyne.Container
	label  *wrapText
	detail *wrapText
	button *Button
	// guarded is set while the cover after the dialog takes taps.
	guarded bool
}

func newCountdown(send func(session.Event)) *countdown {
	c := &countdown{}
	c.label = newWrapText("", countdownSize, red)
	c.label.Alignment = fyne.TextAlignCenter
	c.detail = newWrapText("如需继续，请点击“继续办理”", 40, color.Black)
	c.detail.Alignment = fyne.TextAlignCenter
	c.button = bigButton("继续办理", true, func() { send(session.Continue{}) })
	c.box = container.NewStack()
	c.box.Hide()
	return c
}

// show draws the dialog for s in the type scale k.
func (c *countdown) show(s session.State, k float32, landscape bool) {
	c.label.Text = fmt.Sprintf("%d 秒后将返回首页", max(1, s.SecondsLeft()))
	c.label.TextSize, c.detail.TextSize, c.button.TextSize = countdownSize*k, 40*k, 48*k
	// Any tap says the citizen is there: outside the card it continues too.
	c.box.Objects = []fyne.CanvasObject{modal(k, landscape, []fyne.CanvasObject{c.label, c.detail},
		tall(c.button, 140*k), c.button.OnTapped)}
	c.guarded = false
	c.box.Show()
	c.box.Refresh()
}

// hide takes the dialog away. For a moment after, a cover still takes
// taps: a second tap on 继续办理 must not land on what lay under it.
func (c *countdown) hide() {
	guard := newTapCover(func() {})
	c.box.Objects = []fyne.CanvasObject{guard}
	c.box.Refresh()
	c.guarded = true
	time.AfterFunc(dialogGuard, func() {
		fyne.Do(func() {
			if len(c.box.Objects) == 1 && c.box.Objects[0] == guard {
				c.box.Hide()
				c.box.Objects = nil
				c.box.Refresh()
			}
			c.guarded = false
		})
	})
}

// dialogGuard is how long taps are held after a dialog closes (a
// variable so a test on a loaded machine can make it longer than its two
// taps take).
var dialogGuard = 700 * time.Millisecond

// tick updates the seconds only.
func (c *countdown) tick(s session.State) {
	c.label.Text = fmt.Sprintf("%d 秒后将返回首页", max(1, s.SecondsLeft()))
	c.label.Refresh()
}

// confirmLeave is the question 首页 asks when leaving loses what the
// citizen did.
func (v view) confirmLeave() fyne.CanvasObject {
	q := newWrapText("确定返回首页吗？", 56*v.k, blue)
	q.Alignment = fyne.TextAlignCenter
	d := newWrapText("返回首页后，您选择和填写的内容将被清除。", 36*v.k, color.Black)
	buttons := container.NewGridWithColumns(2,
		tall(bigButton("继续办理", true, func() { v.send(session.Stay{}) }), v.touch),
		tall(bigButton("返回首页", false, func() { v.send(session.Cancel{}) }), v.touch))
	return v.dialog([]fyne.CanvasObject{q, d}, buttons)
}
