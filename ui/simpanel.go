package ui

import (
	"image"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// SimControls is what the simulator control panel drives: the device and
// platform simulators behind a kiosk started with --sim.
type SimControls interface {
	PlaceCard() error
	RemoveCard() error
	// ShowCode presents a sample code to the scanner: "app" (a valid
	// 天府通办 code), "health", "licence" (亮证), "business" (营业执照) or
	// "forged" (a code whose signature does not verify).
	ShowCode(kind string) error
	// ShowToCamera holds a sample code of the same kinds in front of the
	// camera.
	ShowToCamera(kind string) error
	SetPaperOut(out bool)
	SetNetworkDown(down bool)
}

// SimPanel is the second window of a --sim kiosk: buttons that play the
// citizen's card and phone, the printer's paper and the network, and the
// last receipt the printer simulator rendered.
type SimPanel struct {
	ctrl    SimControls
	status  *widget.Label
	receipt *canvas.Image
	root    fyne.CanvasObject
}

// NewSimPanel builds the panel.
func NewSimPanel(ctrl SimControls) *SimPanel {
	p := &SimPanel{ctrl: ctrl, status: widget.NewLabel("模拟器就绪")}
	p.status.Wrapping = fyne.TextWrapWord
	p.receipt = canvas.NewImageFromImage(nil)
	p.receipt.FillMode = canvas.ImageFillContain
	p.receipt.SetMinSize(fyne.NewSize(300, 520))
	do := func(what string, f func() error) func() {
		return func() {
			if err := f(); err != nil {
				p.status.SetText(what + "失败：" + err.Error())
				return
			}
			p.status.SetText(what)
		}
	}
	paper := toggle("打印机缺纸", "打印机装纸", func(b bool) {
		ctrl.SetPaperOut(b)
		p.status.SetText(map[bool]string{true: "打印机已缺纸", false: "已装纸"}[b])
	})
	net := toggle("断开网络", "恢复网络", func(b bool) {
		ctrl.SetNetworkDown(b)
		p.status.SetText(map[bool]string{true: "平台网络已断开", false: "平台网络已恢复"}[b])
	})
	buttons := container.NewVBox(
		widget.NewLabelWithStyle("模拟器控制面板", fyne.TextAlignCenter, fyne.TextStyle{}),
		NewButton("放置身份证", do("已放置样例身份证", ctrl.PlaceCard)),
		NewButton("取走身份证", do("已取走身份证", ctrl.RemoveCard)),
		NewButton("出示天府通办码", do("已出示天府通办码", func() error { return ctrl.ShowCode("app") })),
		NewButton("出示健康码", do("已出示天府健康通码", func() error { return ctrl.ShowCode("health") })),
		NewButton("出示电子户口簿（亮证）", do("已亮证", func() error { return ctrl.ShowCode("licence") })),
		NewButton("出示营业执照二维码", do("已出示营业执照二维码", func() error { return ctrl.ShowCode("business") })),
		NewButton("向摄像头出示天府通办码", do("已向摄像头出示天府通办码", func() error { return ctrl.ShowToCamera("app") })),
		NewButton("出示伪造二维码", do("已出示伪造二维码", func() error { return ctrl.ShowCode("forged") })),
		paper, net, p.status,
		widget.NewLabel("最近打印的回执："),
	)
	p.root = container.NewBorder(buttons, nil, nil, nil, container.NewScroll(p.receipt))
	return p
}

// Content is the panel's canvas object.
func (p *SimPanel) Content() fyne.CanvasObject { return p.root }

// ShowReceipt displays the printer simulator's rendering of the last
// receipt. It must run on Fyne's goroutine.
func (p *SimPanel) ShowReceipt(img image.Image) {
	p.receipt.Image = img
	p.receipt.Refresh()
	p.status.SetText("打印机输出了一张回执")
}

// toggle is a button that switches between two actions, showing the one a
// tap will do next.
func toggle(onLabel, offLabel string, f func(on bool)) *Button {
	on := false
	var b *Button
	b = NewButton(onLabel, func() {
		on = !on
		f(on)
		if on {
			b.SetText(offLabel)
			b.Importance = widget.WarningImportance
		} else {
			b.SetText(onLabel)
			b.Importance = widget.MediumImportance
		}
		b.Refresh()
	})
	return b
}
