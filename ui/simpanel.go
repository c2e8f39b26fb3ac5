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
	// PlaceCardOf places a sample card of a kind: "expired" (a 居民身份证
	// past its validity) or "foreign" (a 外国人永久居留身份证).
	PlaceCardOf(kind string) error
	RemoveCard() error
	// ShowReceiptCode presents to the scanner the QR code of the last
	// receipt printed.
	ShowReceiptCode() error
	// SetReaderFault breaks the ID-card reader (its SAM fails) or mends it.
	SetReaderFault(fail bool)
	// SetScannerUnplugged pulls the scanner's cable out or puts it back.
	SetScannerUnplugged(out bool) error
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

// SimPanel is the simulator control panel of a --sim kiosk, shown beside
// the kiosk in the same window (SimWindow): buttons that play the
// citizen's cards and phone, the devices' faults, the printer's paper and
// the network, and the last receipt the printer simulator rendered.
type SimPanel struct {
	ctrl    SimControls
	status  *widget.Label
	receipt *canvas.Image
	root    fyne.CanvasObject
}

// SimPanelWidth is the panel's width beside the kiosk, in the kiosk's
// units (two columns of buttons).
const SimPanelWidth = 800

// NewSimPanel builds the panel.
func NewSimPanel(ctrl SimControls) *SimPanel {
	p := &SimPanel{ctrl: ctrl, status: widget.NewLabel("模拟器就绪")}
	p.status.Wrapping = fyne.TextWrapWord
	p.receipt = canvas.NewImageFromImage(nil)
	p.receipt.FillMode = canvas.ImageFillContain
	p.receipt.SetMinSize(fyne.NewSize(300, 600))
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
	reader := toggle("读卡器故障", "修复读卡器", func(b bool) {
		ctrl.SetReaderFault(b)
		p.status.SetText(map[bool]string{true: "读卡器已故障（安全模块自检失败）", false: "读卡器已修复"}[b])
	})
	scanner := toggle("拔下扫码器", "插回扫码器", func(b bool) {
		what := map[bool]string{true: "扫码器已拔下", false: "扫码器已插回"}[b]
		do(what, func() error { return ctrl.SetScannerUnplugged(b) })()
	})
	show := func(label, done, kind string) fyne.CanvasObject {
		return NewButton(label, do(done, func() error { return ctrl.ShowCode(kind) }))
	}
	buttons := container.NewGridWithColumns(2,
		NewButton("放置身份证", do("已放置样例身份证", ctrl.PlaceCard)),
		NewButton("取走身份证", do("已取走身份证", ctrl.RemoveCard)),
		NewButton("放置过期身份证", do("已放置过期身份证", func() error { return ctrl.PlaceCardOf("expired") })),
		NewButton("放置外国人永居证", do("已放置外国人永久居留身份证", func() error { return ctrl.PlaceCardOf("foreign") })),
		show("出示天府通办码", "已出示天府通办码", "app"),
		show("出示健康码", "已出示天府健康通码", "health"),
		show("出示亮证码", "已出示电子户口簿（亮证）", "licence"),
		show("出示营业执照码", "已出示营业执照二维码", "business"),
		NewButton("摄像头出示通办码", do("已向摄像头出示天府通办码", func() error { return ctrl.ShowToCamera("app") })),
		show("出示伪造二维码", "已出示伪造二维码", "forged"),
		NewButton("扫描回执二维码", do("已扫描最近一张回执的二维码", ctrl.ShowReceiptCode)),
		paper, net, reader, scanner,
	)
	top := container.NewVBox(
		widget.NewLabelWithStyle("模拟器控制面板", fyne.TextAlignCenter, fyne.TextStyle{}),
		buttons, p.status,
		widget.NewLabel("最近打印的回执："),
	)
	// The receipt takes the height left under the buttons; where there
	// is none left (beside a landscape kiosk) the panel scrolls to it.
	p.root = container.NewVScroll(container.NewBorder(top, nil, nil, nil, p.receipt))
	return p
}

// SimWindow lays the kiosk and the simulator panel side by side in one
// window: the kiosk at its own size (Portrait or Landscape, in the
// kiosk's units, as on its real screen), the panel in the width to its
// right. Without a window manager a second window would open on top of
// the kiosk; one window shows both. The panel is added later with
// SetPanel, so it does not delay the kiosk's first frame.
type SimWindow struct {
	kiosk fyne.Size
	slot  *fyne.Container
	root  *fyne.Container
}

// NewSimWindow returns the content of a --sim window for the kiosk's
// content, drawn at size.
func NewSimWindow(kiosk fyne.CanvasObject, size fyne.Size) *SimWindow {
	w := &SimWindow{kiosk: size, slot: container.NewStack()}
	w.root = container.New(sideBySide{left: size}, kiosk, w.slot)
	return w
}

// Content is the window's content.
func (w *SimWindow) Content() fyne.CanvasObject { return w.root }

// Size is the window size that shows the kiosk whole and the panel
// beside it.
func (w *SimWindow) Size() fyne.Size {
	return fyne.NewSize(w.kiosk.Width+SimPanelWidth, w.kiosk.Height)
}

// SetPanel shows the panel to the right of the kiosk. It must run on
// Fyne's goroutine.
func (w *SimWindow) SetPanel(p *SimPanel) {
	w.slot.Objects = []fyne.CanvasObject{p.Content()}
	w.slot.Refresh()
}

// sideBySide gives its first object the left size (or less, if the window
// is smaller) and the second the rest of the width. Its minimum size is
// fixed, so what the kiosk shows never widens the window.
type sideBySide struct{ left fyne.Size }

func (l sideBySide) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	w := min(l.left.Width, size.Width)
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(w, min(l.left.Height, size.Height)))
	objs[1].Move(fyne.NewPos(w, 0))
	objs[1].Resize(fyne.NewSize(size.Width-w, size.Height))
}

func (l sideBySide) MinSize([]fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(l.left.Width+SimPanelWidth/2, l.left.Height/2)
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
