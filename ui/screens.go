package ui

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/png" // QR codes are decoded from PNG
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"

	"sckiosk/devices/device"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/ime"
	"sckiosk/kiosk/core/msg"
	"sckiosk/kiosk/core/receipt"
	"sckiosk/kiosk/core/session"
	words "sckiosk/ui/text"
)

var (
	blue  = color.NRGBA{0x00, 0x5B, 0xAC, 0xFF}
	red   = color.NRGBA{0xC6, 0x28, 0x28, 0xFF}
	grey  = color.NRGBA{0x55, 0x5F, 0x6B, 0xFF}
	green = color.NRGBA{0x1B, 0x7F, 0x3B, 0xFF}
)

const touch = 110 // height of the main touch targets in portrait

// view builds one screen from a state; k scales canvas text in elder mode
// (widgets scale through the theme).
type view struct {
	touch     float32 // height of the main touch targets
	s         session.State
	send      func(session.Event)
	k         float32
	landscape bool
	dict      *ime.Dict
	render    func(receipt.Document) (image.Image, error)
	version   string
	lang      *words.Language // says the core's messages and the device labels
}

// ElderScale is how much larger type is in elder mode (portrait); the
// landscape layout has less height and uses ElderScaleLandscape.
const (
	ElderScale          = 1.4
	ElderScaleLandscape = 1.2
)

func (v view) text(str string, size float32, bold bool, c color.Color) *canvas.Text {
	return text(str, size*v.k, bold, c)
}

// tr says a message of the core in the screen's language.
func (v view) tr(t msg.Text) string { return v.lang.Render(t) }

// screen builds the whole screen for s.
func screen(s session.State, send func(session.Event), k *Kiosk) fyne.CanvasObject {
	v := view{s: s, send: send, k: 1, landscape: k.Landscape, dict: k.Dict, touch: touch, render: k.RenderReceipt, version: k.Version, lang: words.Chinese}
	landscape := k.Landscape
	if landscape {
		v.touch = 90 // 1080 rows are scarce; 90 is still a comfortable target
	}
	if s.Elder {
		v.k = elderScale(landscape)
	}
	return v.screen()
}

func (v view) screen() fyne.CanvasObject {
	s, send := v.s, v.send
	var body fyne.CanvasObject
	fault, faulty := s.Fault()
	home := func() fyne.CanvasObject { return bigButton("返回首页", true, func() { send(session.Cancel{}) }) }
	switch s.Screen {
	case session.Idle:
		body = v.idleScreen()
		if faulty && fault.Blocking {
			body = v.faultScreen(fault, nil)
		}
	case session.Identifying:
		body = v.identifyingScreen()
		if faulty && fault.Blocking {
			body = v.faultScreen(fault, home())
		}
	case session.ChooseItem:
		body = v.chooseScreen()
	case session.ItemGuide:
		body = v.guideScreen()
		if faulty {
			body = container.NewBorder(v.faultBanner(fault), nil, nil, nil, body)
		}
	case session.Form:
		body = v.formScreen()
	case session.Review:
		body = v.reviewScreen()
		if faulty {
			body = container.NewBorder(v.faultBanner(fault), nil, nil, nil, body)
		}
	case session.Submitting:
		body = v.message("正在提交，请稍候…", "申请已安全保存，请勿离开", nil)
	case session.Done:
		body = v.doneScreen()
	case session.Failed:
		body = v.faultScreen(fault, home())
	case session.TechPIN:
		body = v.techPINScreen()
	case session.TechMenu:
		body = v.techMenuScreen()
	case session.CaseView:
		body = v.caseScreen()
	}
	elder := "长辈模式"
	if s.Elder {
		elder = "标准模式"
	}
	toggle := bigButton(elder, false, func() { send(session.ToggleElder{}) })
	title := container.NewVBox(text("四川政务服务 · 自助终端", 36, true, color.White), text(s.Config.Hall, 24, false, color.White))
	header := container.NewStack(canvas.NewRectangle(blue), container.NewPadded(
		container.NewBorder(nil, nil, nil, container.NewCenter(tall(toggle, 90)), title)))
	if s.Screen == session.Idle { // the hidden corner for technicians
		header = container.NewStack(header, container.NewHBox(newTapArea(func() { send(session.CornerTap{}) })))
	}
	return container.NewBorder(header, v.footer(), nil, nil, container.NewPadded(body))
}

func (v view) footer() fyne.CanvasObject {
	s := v.s
	var parts []string
	for _, k := range []device.Kind{device.IDCard, device.Scanner, device.Camera, device.Printer} {
		st, ok := s.Devices[k]
		if k == device.Camera && !ok {
			continue // a kiosk without a camera does not list one
		}
		label := v.lang.Kind(k) + "："
		switch {
		case !ok || st.State == device.Starting:
			parts = append(parts, label+v.lang.State(device.Starting))
		case st.State == device.Warning:
			parts = append(parts, label+v.lang.State(device.Warning))
		case st.State.Usable():
			parts = append(parts, label+v.lang.State(device.Online))
		default:
			parts = append(parts, label+"暂停服务")
		}
	}
	switch s.Platform {
	case application.PlatformOnline, application.PlatformDegraded, application.PlatformOffline:
		parts = append(parts, "平台："+v.lang.Platform(s.Platform))
	}
	if s.PendingUploads > 0 {
		parts = append(parts, fmt.Sprintf("待上报：%d", s.PendingUploads))
	}
	return container.NewPadded(text(strings.Join(parts, "    ")+"    终端 "+s.Config.KioskID, 22, false, grey))
}

func (v view) heading(s string) fyne.CanvasObject {
	size := 56 * v.k
	if v.landscape {
		size = 48 * v.k
	}
	return text(s, min(size, 64), true, blue)
}

func notice(s string) fyne.CanvasObject {
	if s == "" {
		return layout.NewSpacer()
	}
	t := widget.NewLabel(s)
	t.Importance = widget.DangerImportance
	t.Wrapping = fyne.TextWrapWord
	return t
}

func (v view) message(title, detail string, action fyne.CanvasObject) fyne.CanvasObject {
	items := []fyne.CanvasObject{layout.NewSpacer(), container.NewCenter(v.heading(title)), para(detail)}
	if action != nil {
		items = append(items, tall(action, v.touch))
	}
	items = append(items, layout.NewSpacer())
	return container.NewVBox(items...)
}

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
	return container.NewVBox(
		layout.NewSpacer(),
		container.NewCenter(v.text("欢迎使用", 72, true, blue)),
		container.NewCenter(v.text("政务服务自助终端", 72, true, blue)),
		container.NewCenter(v.text("一证一照一码 · 川渝通办", 40, false, grey)),
		layout.NewSpacer(),
		tall(bigButton("开始办理", true, func() { send(session.Start{}) }), 160),
		container.NewCenter(v.text(howToIdentify(s), 34, false, grey)),
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
	return "您好，" + identity.MaskName(p.Name)
}

func (v view) chooseScreen() fyne.CanvasObject {
	s, send := v.s, v.send
	items, pages := s.ItemPage()
	list := container.NewVBox()
	if v.landscape && s.Focus != session.SearchField {
		list = container.NewGridWithColumns(2)
	}
	for _, it := range items {
		code := it.Code
		label := it.Name
		if it.Province == "50" {
			label += "（川渝通办）"
		}
		b := bigButton(label, false, func() { send(session.ChooseItemEvent{Code: code}) })
		if why := s.Unavailable(it); !why.IsZero() {
			b.Disable()
			list.Add(container.NewStack(tall(b, v.touch), container.NewVBox(layout.NewSpacer(), container.NewCenter(text(v.tr(why), 22, false, red)))))
			continue
		}
		list.Add(tall(b, v.touch))
	}
	prev := bigButton("上一页", false, func() { send(session.PageTo{Page: s.Page - 1}) })
	next := bigButton("下一页", false, func() { send(session.PageTo{Page: s.Page + 1}) })
	if s.Page <= 0 {
		prev.Disable()
	}
	if s.Page >= pages-1 {
		next.Disable()
	}
	nav := container.NewGridWithColumns(3, tall(prev, v.touch),
		container.NewCenter(v.text(fmt.Sprintf("第 %d / %d 页", s.Page+1, max(pages, 1)), 34, false, grey)),
		tall(next, v.touch))
	searching := s.Focus == session.SearchField
	search := v.hintBox(s.Query, searching, "点此输入事项名称、拼音或首字母", func() { send(session.FocusField{Key: session.SearchField}) })
	top := container.NewVBox()
	if !(v.landscape && s.Elder) {
		greet := fyne.CanvasObject(v.text(greeting(s.Person), 34, false, grey))
		if s.Person != nil && s.Person.Source == identity.SourceIDCard {
			// The card's photo is WLT, which needs a licensed decoder
			// (idcard.PhotoDecoder); without one, a placeholder.
			greet = container.NewHBox(photoPlaceholder(), container.NewCenter(greet))
		}
		if v.landscape { // one row: 1080 rows are scarce
			top.Add(container.NewBorder(nil, nil, v.heading("请选择办理事项"), greet))
		} else {
			top.Add(v.heading("请选择办理事项"))
			top.Add(greet)
		}
	}
	top.Add(container.NewBorder(nil, nil, v.text("搜索", 30, true, grey), nil, search))
	if !searching {
		top.Add(v.categoryTabs())
	}
	if !s.Notice.IsZero() {
		top.Add(notice(v.tr(s.Notice)))
	}
	if len(items) == 0 {
		list.Add(v.text("没有找到相关事项，请换个词试试", 32, false, grey))
	}
	bottom := container.NewVBox(nav)
	if searching && v.landscape { // the keyboard takes the right half, beside everything
		closeKB := tall(bigButton("收起键盘", false, func() { send(session.FocusField{Key: ""}) }), v.touch)
		right := container.NewVBox(layout.NewSpacer(), container.NewGridWrap(fyne.NewSize(860, 560), v.keyboard(catalog.Text)),
			container.NewGridWrap(fyne.NewSize(860, v.touch), closeKB))
		return container.NewBorder(nil, nil, nil, right, container.NewBorder(top, nav, nil, nil, list))
	}
	if searching {
		bottom.Add(v.keyboard(catalog.Text))
		bottom.Add(tall(bigButton("收起键盘", false, func() { send(session.FocusField{Key: ""}) }), v.touch))
	} else {
		bottom.Add(tall(bigButton("退出", false, func() { send(session.Cancel{}) }), v.touch))
	}
	return container.NewBorder(top, bottom, nil, nil, list)
}

func (v view) guideScreen() fyne.CanvasObject {
	s, send := v.s, v.send
	it := s.Item
	rows := container.NewVBox(
		v.heading(it.Name),
		para("办理部门："+it.Department),
		para("办理条件："+it.Conditions),
		para("所需材料："+strings.Join(it.Materials, "、")),
	)
	if it.Flow != "" {
		rows.Add(para("办理流程：" + it.Flow))
	}
	due := "办结时限：" + it.Due
	if it.LegalDue != "" {
		due += "（法定" + it.LegalDue + "）"
	}
	rows.Add(para(due))
	if it.Fee != "" {
		rows.Add(para("收费：" + it.Fee))
	}
	rows.Add(para("办理方式：" + it.Mode))
	if v.landscape { // two columns: 1080 rows are scarce
		objs := rows.Objects[1:]
		half := (len(objs) + 1) / 2
		rows = container.NewVBox(rows.Objects[0], container.NewGridWithColumns(2,
			container.NewVBox(objs[:half]...), container.NewVBox(objs[half:]...)))
	}
	buttons := container.NewGridWithColumns(2,
		tall(bigButton("上一步", false, func() { send(session.Back{}) }), v.touch),
		tall(bigButton("开始填写", true, func() { send(session.Proceed{}) }), v.touch))
	return container.NewBorder(nil, buttons, nil, nil, rows)
}

func (v view) formScreen() fyne.CanvasObject {
	s, send := v.s, v.send
	fields := container.NewVBox()
	// With the keyboard open the item's name gives way where rows are
	// scarce (landscape, elder mode): the citizen chose it a step ago.
	if s.Focus == "" || (!v.landscape && !s.Elder) {
		fields.Add(v.heading(s.Item.Name))
	}
	var focused *catalog.Field
	var fromCard []string
	for _, f := range s.Item.Fields {
		if f.ReadOnly {
			val := s.Values[f.Key]
			if f.Prefill == catalog.FromNumber {
				val = identity.MaskNumber(val)
			}
			fromCard = append(fromCard, val)
		}
	}
	if len(fromCard) > 0 {
		fields.Add(para("申请人：" + strings.Join(fromCard, "　") + "（来自身份证）"))
	}
	for i, f := range s.Item.Fields {
		val := s.Values[f.Key]
		if f.ReadOnly {
			continue
		}
		// The label and, beside it, what is wrong with the value: one row.
		label := container.NewHBox(v.text(f.Label+fieldMark(f), 30, true, grey))
		if problem := s.FieldError[f.Key]; !problem.IsZero() {
			label.Add(v.text(v.tr(problem), 30, true, red))
		}
		fields.Add(label)
		switch {
		case f.Kind == catalog.Choice:
			row := container.NewGridWithColumns(len(f.Options))
			for _, o := range f.Options {
				key, opt := f.Key, o
				b := bigButton(o, val == o, func() { send(session.SetField{Key: key, Value: opt}) })
				row.Add(tall(b, v.touch))
			}
			fields.Add(row)
		default:
			key := f.Key
			if s.Focus == f.Key {
				focused = &s.Item.Fields[i]
			}
			fields.Add(v.inputBox(val, s.Focus == f.Key, func() { send(session.FocusField{Key: key}) }))
		}
	}
	if len(s.FieldError) == 0 { // each error stands beside its field
		fields.Add(notice(v.tr(s.Notice)))
	}
	buttons := container.NewGridWithColumns(2,
		tall(bigButton("上一步", false, func() { send(session.Back{}) }), v.touch),
		tall(bigButton("下一步", true, func() { send(session.Proceed{}) }), v.touch))
	if focused == nil {
		return container.NewBorder(nil, buttons, nil, nil, fields)
	}
	kb := v.keyboard(focused.Kind)
	if v.landscape { // the keyboard beside the form never covers a field
		pad := container.NewGridWrap(fyne.NewSize(860, 560), kb)
		right := container.NewVBox(layout.NewSpacer(), pad, container.NewGridWrap(fyne.NewSize(860, v.touch), buttons))
		return container.NewBorder(nil, nil, nil, right, fields)
	}
	return container.NewBorder(nil, container.NewVBox(kb, buttons), nil, nil, fields)
}

func fieldMark(f catalog.Field) string {
	if f.Required && !f.ReadOnly {
		return "（必填）"
	}
	return ""
}

func (v view) reviewScreen() fyne.CanvasObject {
	s, send := v.s, v.send
	rows := container.NewVBox(v.heading("请核对信息"), para("事项："+s.Item.Name))
	for _, f := range s.Item.Fields {
		val := s.Values[f.Key]
		switch f.Kind {
		case catalog.Phone:
			val = identity.MaskPhone(val)
		}
		if f.Prefill == catalog.FromNumber {
			val = identity.MaskNumber(val)
		}
		rows.Add(para(f.Label + "：" + val))
	}
	label := "□ 我已阅读并同意"
	if s.Consent {
		label = "✓ 我已阅读并同意"
	}
	consent := container.NewVBox(
		para(consentText(s.Item.ELicences)),
		tall(bigButton(label, s.Consent, func() { send(session.SetConsent{Agreed: !s.Consent}) }), v.touch),
		notice(v.tr(s.Notice)))
	buttons := container.NewGridWithColumns(2,
		tall(bigButton("返回修改", false, func() { send(session.Back{}) }), v.touch),
		tall(bigButton("确认提交", true, func() { send(session.Confirm{}) }), v.touch))
	if v.landscape {
		right := wide(container.NewVBox(layout.NewSpacer(), consent, buttons), 860)
		return container.NewBorder(nil, nil, nil, right, rows)
	}
	rows.Add(consent)
	return container.NewBorder(nil, buttons, nil, nil, rows)
}

func (v view) doneScreen() fyne.CanvasObject {
	s, send := v.s, v.send
	r := s.Result
	title := "提交成功"
	status := "您的申请已提交至政务服务平台。"
	if r.Queued {
		title = "申请已受理"
		status = "网络暂时不畅，申请已安全保存在本机，恢复后将自动上报，无需重复办理。"
	}
	printing := "请取走回执"
	var printColor color.Color = green
	switch {
	case r.Printing:
		printing, printColor = "回执正在打印，请稍候…", grey
	case !r.PrintNotice.IsZero():
		printing, printColor = v.tr(r.PrintNotice), red
	}
	items := []fyne.CanvasObject{
		container.NewCenter(v.text(title, 64, true, green)),
		para(status),
		container.NewCenter(v.text("办件编号", 32, false, grey)),
		container.NewCenter(v.text(r.CaseNumber, 52, true, color.Black)),
	}
	if len(r.Linked) > 0 {
		items = append(items, para("关联办件："+strings.Join(r.Linked, "、")))
	}
	if len(r.Licences) > 0 {
		items = append(items, para("已调取电子证照，免交："+strings.Join(r.Licences, "、")))
	}
	var qr fyne.CanvasObject
	if r.TrackCode != "" {
		side := float32(420)
		if v.landscape {
			side = 340
		}
		if !r.PrintNotice.IsZero() && v.k > 1 {
			side -= 80 // elder type needs the room; the code stays large enough to photograph
		}
		if img := qrImage(r.TrackCode, side); img != nil {
			qr = container.NewVBox(container.NewCenter(img), container.NewCenter(v.text("扫码查询办理进度", 30, false, grey)))
		}
		// No paper receipt: the on-screen copy, drawn as the printer would.
		if !r.PrintNotice.IsZero() && v.render != nil && qr != nil {
			if img, err := v.render(r.Receipt); err == nil {
				paper := canvas.NewImageFromImage(img)
				paper.FillMode = canvas.ImageFillContain
				paper.SetMinSize(fyne.NewSize(side*0.75, side*1.3))
				qr = container.NewCenter(container.NewHBox(qr, paper))
			}
		}
	}
	finish := fyne.CanvasObject(tall(bigButton("完成", true, func() { send(session.Cancel{}) }), v.touch))
	if !r.Queued {
		finish = container.NewVBox(v.rating(), finish)
	}
	printLabel := widget.NewLabel(printing)
	printLabel.Wrapping, printLabel.Alignment = fyne.TextWrapWord, fyne.TextAlignCenter
	if printColor == red {
		printLabel.Importance = widget.DangerImportance
	}
	var printed fyne.CanvasObject = printLabel
	f, printerFault := s.Fault()
	printerFault = printerFault && f.Kind == session.FaultPrinter
	if printerFault {
		printed = v.faultPanel(f, v.landscape || v.k > 1)
	}
	after := []fyne.CanvasObject{printed,
		container.NewCenter(v.text("请取回您的身份证", 36, true, blue))}
	if v.landscape && qr != nil { // the QR beside the text, and a printer fault under the QR
		if printerFault {
			qr, after = container.NewVBox(qr, printed), after[1:]
		}
		return container.NewBorder(nil, finish, nil, container.NewCenter(qr), container.NewVBox(append(items, after...)...))
	}
	if qr != nil {
		items = append(items, qr)
	}
	return container.NewBorder(nil, finish, nil, nil, container.NewVBox(append(items, after...)...))
}

// qrImage draws content as a QR code of side size.
func qrImage(content string, size float32) fyne.CanvasObject {
	png, err := qrcode.Encode(content, qrcode.Medium, int(size))
	if err != nil {
		return nil
	}
	img, _, err := image.Decode(bytes.NewReader(png))
	if err != nil {
		return nil
	}
	c := canvas.NewImageFromImage(img)
	c.FillMode = canvas.ImageFillContain
	c.ScaleMode = canvas.ImageScalePixels
	c.SetMinSize(fyne.NewSize(size, size))
	return c
}

// inputBox shows a field's value as a white input box; a tap gives it the
// keypad. The caret marks the focused box.
func (v view) inputBox(value string, focused bool, tap func()) fyne.CanvasObject {
	return v.hintBox(value, focused, "点击此处输入", tap)
}

// hintBox is an inputBox with its own hint for when it is empty.
func (v view) hintBox(value string, focused bool, hint string, tap func()) fyne.CanvasObject {
	border := canvas.NewRectangle(color.White)
	border.StrokeWidth, border.CornerRadius = 3, 10
	border.StrokeColor = grey
	shown := value
	if focused {
		border.StrokeColor, border.StrokeWidth = blue, 5
		shown += "▏"
	} else if value == "" {
		shown = hint
	}
	b := NewButton(shown, tap)
	b.Importance = widget.LowImportance
	b.Alignment = widget.ButtonAlignLeading
	return tall(container.NewStack(border, b), v.touch)
}

// rating is the 好差评 row: five grades, one tap, skippable.
func (v view) rating() fyne.CanvasObject {
	r := v.s.Result
	if r.Rated != 0 {
		return container.NewCenter(v.text("感谢您的评价："+v.tr(msg.New(session.Grades[r.Rated-1])), 32, false, green))
	}
	// Two rows: five grades in one would make a portrait screen wider
	// than 1080 in elder mode.
	top, bottom := container.NewGridWithColumns(3), container.NewGridWithColumns(2)
	if v.landscape {
		top = container.NewGridWithColumns(5)
	}
	for i, g := range session.Grades {
		grade := i + 1
		row := top
		if i >= 3 && !v.landscape {
			row = bottom
		}
		row.Add(tall(bigButton(v.tr(msg.New(g)), false, func() { v.send(session.Rate{Grade: grade}) }), v.touch))
	}
	caption := v.text("请为本次服务评价（可跳过）", 30, false, grey)
	if v.landscape {
		return container.NewBorder(nil, nil, caption, nil, top)
	}
	return container.NewVBox(container.NewCenter(caption), top, bottom)
}

// categoryTabs are the home screen's categories: 全部 and 川渝通办 always,
// the others a page at a time behind 更多分类 when there are many.
func (v view) categoryTabs() fyne.CanvasObject {
	all := v.s.Categories()
	var cats []string
	cq := false
	for _, c := range all {
		if c == session.CategoryCQ {
			cq = true
			continue
		}
		cats = append(cats, c)
	}
	cols, rows := 4, 2 // portrait: two rows
	switch {
	case v.landscape:
		cols, rows = 8, 1 // one row: 1080 rows are scarce, columns are not
		if v.s.Elder {
			cols = 7
		}
	case v.s.Elder:
		cols = 3
	}
	fixed := 1 // 全部
	if cq {
		fixed++
	}
	room := cols*rows - fixed
	var shown []string
	more := false
	if len(cats) <= room {
		shown = cats
	} else {
		room-- // 更多分类 takes a place
		pages := (len(cats) + room - 1) / room
		p := v.s.CatPage % pages
		shown = cats[p*room : min(len(cats), (p+1)*room)]
		more = true
	}
	tabs := container.NewGridWithColumns(cols)
	add := func(label, c string) {
		b := bigButton(label, v.s.Category == c, func() { v.send(session.ChooseCategory{Category: c}) })
		tabs.Add(tall(b, 90))
	}
	add("全部", "")
	for _, c := range shown {
		add(c, c)
	}
	if cq {
		add(session.CategoryCQ, session.CategoryCQ)
	}
	if more {
		tabs.Add(tall(bigButton("更多分类", false, func() { v.send(session.MoreCategories{}) }), 90))
	}
	return tabs
}

// consentText is the PIPL notice on the review screen; it names the
// e-licences the kiosk will ask the platform for, if any.
func consentText(licences []string) string {
	t := "本机仅为办理本事项向政务服务平台提交以上信息，办理结束后立即从本机清除。"
	if len(licences) > 0 {
		t += "同意后，将向平台调取您的电子证照（" + strings.Join(licences, "、") + "），无需提交纸质材料。"
	}
	return t
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
	return container.NewBorder(nil, tall(bigButton("返回首页", true, func() { v.send(session.Cancel{}) }), v.touch), nil, nil, rows)
}
