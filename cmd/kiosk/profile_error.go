package main

import (
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"sckiosk/ui"
)

// showProfileError tells the hall, on the kiosk's own screen, why it does
// not start: every problem of the profile with its file, line and column.
// The window closes after a minute (systemd then starts the kiosk again,
// so a corrected profile is picked up) or when a technician taps 关闭.
func showProfileError(err error) {
	a := app.NewWithID("cn.gov.sc.kiosk.profile-error")
	a.Settings().SetTheme(ui.NewTheme())
	w, winErr := newWindow(a, "政务服务自助终端")
	if winErr != nil {
		return // no display after all; the problems are on stderr already
	}
	title := canvas.NewText("终端配置有误，暂停服务", color.NRGBA{0xC6, 0x28, 0x28, 0xFF})
	title.TextSize = 48
	lines := container.NewVBox(container.NewCenter(title),
		widget.NewLabel("请联系工作人员。技术人员：请用 kioskctl profile check 检查配置文件。"))
	for _, p := range strings.Split(err.Error(), "; ") {
		l := widget.NewLabel(p)
		l.Wrapping = fyne.TextWrapWord
		lines.Add(l)
	}
	lines.Add(widget.NewButton("关闭", a.Quit))
	w.SetContent(container.NewPadded(lines))
	w.Resize(ui.Portrait)
	w.SetFullScreen(true)
	go func() {
		time.Sleep(time.Minute)
		fyne.Do(a.Quit)
	}()
	w.ShowAndRun()
}
