package ui

import (
	"fmt"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"

	"sckiosk/kiosk/core/session"
)

// amber marks faults the citizen can work around; red those that stop the
// visit.
var (
	amber     = color.NRGBA{0xB2, 0x5E, 0x00, 0xFF}
	faultFill = color.NRGBA{0xFF, 0xF4, 0xE5, 0xFF}
)

// faultScreen is the error screen of a blocking fault: a title, what
// happened, and numbered steps the citizen can take next, then action
// (nil for none).
func (v view) faultScreen(f session.Fault, action fyne.CanvasObject) fyne.CanvasObject {
	steps := container.New(layout.NewCustomPaddedVBoxLayout(12*v.k), v.text("您可以：", 36, true, color.Black))
	for i, step := range f.Next {
		steps.Add(v.text(fmt.Sprintf("%d. %s", i+1, v.tr(step)), 32, false, color.Black))
	}
	items := []fyne.CanvasObject{
		layout.NewSpacer(),
		container.NewCenter(v.text("！ "+v.tr(f.Title), 60, true, red)),
		para(v.tr(f.Cause)),
		container.NewPadded(steps),
		layout.NewSpacer(),
	}
	if action != nil {
		items = append(items, tall(action, v.touch))
	}
	return container.NewVBox(items...)
}

// faultPanel shows a fault the visit can go on with on a tinted card:
// title, cause (unless brief) and steps in tight lines.
func (v view) faultPanel(f session.Fault, brief bool) fyne.CanvasObject {
	lines := container.New(layout.NewCustomPaddedVBoxLayout(6*v.k), v.text(v.tr(f.Title), 34, true, amber))
	if !brief {
		lines.Add(v.text(v.tr(f.Cause), 28, false, color.Black))
	}
	for _, step := range f.Next {
		lines.Add(v.text("· "+v.tr(step), 28, false, color.Black))
	}
	bg := canvas.NewRectangle(faultFill)
	bg.StrokeColor, bg.StrokeWidth, bg.CornerRadius = amber, 2, 8
	return container.NewStack(bg, container.NewPadded(lines))
}

// faultBanner is one line for a fault that does not change what the
// citizen does on this screen (the platform offline before submitting).
func (v view) faultBanner(f session.Fault) fyne.CanvasObject {
	msg := v.tr(f.Title)
	if len(f.Next) > 0 {
		msg += "：" + v.tr(f.Next[0])
	}
	bg := canvas.NewRectangle(faultFill)
	bg.StrokeColor, bg.StrokeWidth, bg.CornerRadius = amber, 2, 8
	return container.NewStack(bg, container.NewPadded(v.text(msg, 28, true, amber)))
}
