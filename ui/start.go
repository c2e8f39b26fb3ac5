package ui

import (
	"image/color"
	_ "image/png" // QR codes are decoded from PNG

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"

	"sckiosk/devices/device"
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/msg"
	"sckiosk/kiosk/core/receipt"
	"sckiosk/kiosk/core/session"
)

// howToIdentify is the instruction for the identify methods that work now.
func howToIdentify(s session.State) string {
	card, code := s.DeviceUsable(device.IDCard), s.CodeReaderUsable()
	switch {
	case card && code:
		return "请将身份证放在读卡区，或出示天府通办二维码"
	case card:
		return "请将身份证放在读卡区"
	case code:
		return "读卡器暂停服务，请出示天府通办二维码"
	}
	return "身份核验设备暂停服务，请联系工作人员"
}

func (v view) idleScreen() fyne.CanvasObject {
	s, send := v.s, v.send
	if !s.CardLeft.IsZero() { // a card left on the reader: nothing else matters until it is lifted
		return container.NewVBox(
			layout.NewSpacer(),
			container.NewCenter(v.text(v.tr(s.CardLeft), 80, true, red)),
			para("证件还在读卡区上，请取走。"),
			layout.NewSpacer(),
			tall(bigButton("开始办理", false, func() { send(session.Start{}) }), 160),
			layout.NewSpacer(),
		)
	}
	track := fyne.CanvasObject(layout.NewSpacer())
	if s.CodeReaderUsable() { // 办件查询 needs no button: the scanner reads a receipt here
		track = container.NewCenter(v.text("查询办理进度：请将回执上的二维码对准扫码窗口", 30, false, blue))
	}
	return container.NewVBox(
		layout.NewSpacer(),
		container.NewCenter(v.text("欢迎使用", 72, true, blue)),
		container.NewCenter(v.text("政务服务自助终端", 72, true, blue)),
		container.NewCenter(v.text("一证一照一码 · 川渝通办", 40, false, grey)),
		layout.NewSpacer(),
		tall(bigButton("开始办理", true, func() { send(session.Start{}) }), 160),
		container.NewCenter(v.text(howToIdentify(s), 34, false, grey)),
		layout.NewSpacer(),
		track,
		layout.NewSpacer(),
	)
}

func (v view) identifyingScreen() fyne.CanvasObject {
	s, send := v.s, v.send
	lines := []fyne.CanvasObject{v.heading("请验证身份")}
	if s.DeviceUsable(device.IDCard) {
		lines = append(lines, para("请将第二代居民身份证平放在下方读卡区，读卡时请勿移动。"))
	}
	if s.CodeReaderUsable() {
		also := "也可"
		if !s.DeviceUsable(device.IDCard) {
			also = "请"
		}
		lines = append(lines, para(also+"出示二维码，对准扫码窗口："), para("天府通办亮码 · 电子证照亮证 · 营业执照"))
	}
	if f, ok := s.Fault(); ok && !f.Blocking {
		lines = append(lines, v.faultPanel(f, false))
	}
	if s.Notice.Key != msg.ReaderUnusable { // the fault panel says it
		lines = append(lines, notice(v.tr(s.Notice)))
	}
	lines = append(lines, layout.NewSpacer(),
		tall(bigButton("返回首页", false, func() { send(session.Cancel{}) }), v.touch))
	return container.NewVBox(lines...)
}

func greeting(p *identity.Person) string {
	if p == nil {
		return ""
	}
	if p.Source == identity.SourceBusiness {
		// An enterprise's registered name is public; the greeting says
		// the visit acts for it (一照通办).
		return "企业办事：" + p.Name
	}
	// A card may hold a 60-character English name and no Chinese one:
	// the greeting masks it too, and at most four characters long.
	masked := []rune(identity.MaskName(p.DisplayName()))
	return "您好，" + string(masked[:min(len(masked), 4)])
}

// photoPlaceholder stands where the card's photo would be.
func photoPlaceholder() fyne.CanvasObject {
	bg := canvas.NewRectangle(color.NRGBA{0xE1, 0xE8, 0xF0, 0xFF})
	bg.SetMinSize(fyne.NewSize(72, 90))
	bg.CornerRadius = 6
	return container.NewStack(bg, container.NewCenter(text("证件照", 18, false, grey)))
}

// caseScreen shows the status of the case whose receipt was scanned.
func (v view) caseScreen() fyne.CanvasObject {
	c := v.s.Case
	if c == nil {
		return v.message("办件进度", "", nil)
	}
	rows := container.NewVBox(v.heading("办件进度"),
		container.NewCenter(v.text(c.CaseNumber, 48, true, color.Black)),
		para("事项："+c.ItemName),
		container.NewCenter(v.text(v.lang.CaseState(c.Status), 64, true, green)))
	if !c.Updated.IsZero() {
		rows.Add(para("更新时间：" + c.Updated.In(receipt.ChinaTime).Format("2006-01-02 15:04")))
	}
	rows.Add(para("办结后将以短信通知，也可随时扫描回执二维码查询。"))
	return container.NewBorder(nil, tall(bigButton("返回首页", true, func() { v.send(session.Cancel{}) }), v.touch), nil, nil, touchScroll(rows))
}
