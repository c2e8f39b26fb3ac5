package ui

import (
	"bytes"
	"image"
	"image/color"
	_ "image/png" // QR codes are decoded from PNG
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	qrcode "github.com/skip2/go-qrcode"

	"sckiosk/kiosk/core/msg"
	"sckiosk/kiosk/core/session"
)

func (v view) doneScreen() fyne.CanvasObject {
	s, send := v.s, v.send
	r := s.Result
	title, status := v.tr(msg.New(msg.SubmittedTitle)), v.tr(msg.New(msg.SubmittedStatus))
	numberLabel, titleColor := "办件编号", color.Color(green)
	if r.Queued { // saved on the kiosk, not yet at the platform: not in effect
		title, status = v.tr(msg.New(msg.QueuedTitle)), v.tr(msg.New(msg.QueuedNotInEffect))
		numberLabel, titleColor = v.tr(msg.New(msg.QueuedNumber)), amber
		if s.Item != nil && s.Item.OfflineNote != "" {
			status += v.tr(msg.New(msg.QueuedMeanwhile, s.Item.OfflineNote))
		}
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
		container.NewCenter(v.text(title, 64, true, titleColor)),
		para(status),
		container.NewCenter(v.text(numberLabel, 32, false, grey)),
		container.NewCenter(v.text(r.CaseNumber, 52, true, color.Black)),
	}
	var refNote fyne.CanvasObject // what the kiosk's own reference is: under it, or under the QR in landscape
	if r.Queued {
		refNote = para(v.tr(msg.New(msg.QueuedNumberNote)))
		if !v.landscape || r.TrackCode == "" {
			items = append(items, refNote)
		}
	}
	if len(r.Linked) > 0 {
		items = append(items, para("关联办件："+strings.Join(v.s.LinkedCases(r.Linked), "；")))
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
		if (!r.PrintNotice.IsZero() || len(r.Linked) > 0) && v.k > 1 {
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
	ink := theme.Color(theme.ColorNameForeground)
	if printColor == red {
		ink = theme.Color(theme.ColorNameError)
	}
	printLabel := newWrapText(printing, theme.TextSize(), ink)
	printLabel.Alignment = fyne.TextAlignCenter
	printed := padText(printLabel)
	f, printerFault := s.Fault()
	printerFault = printerFault && f.Kind == session.FaultPrinter
	if printerFault {
		printed = v.faultPanel(f, v.landscape || v.k > 1)
	}
	if s.CanReprint() { // paper is back: the receipt of this visit's case, again, where the fault was
		printed = container.NewVBox(container.NewCenter(v.text(v.tr(msg.New(msg.ReprintReady)), 30, false, green)),
			tall(bigButton("重新打印回执", true, func() { send(session.Reprint{}) }), v.touch))
	}
	after := []fyne.CanvasObject{printed}
	if back := session.TakeBack(s.Person); !back.IsZero() { // a code needs nothing back
		after = append(after, container.NewCenter(v.text(v.tr(back), 36, true, blue)))
	}
	if v.landscape && qr != nil { // the QR beside the text, and a printer fault under the QR
		if printerFault {
			qr, after = container.NewVBox(qr, printed), after[1:]
		}
		if refNote != nil {
			qr = container.NewVBox(qr, refNote)
		}
		return container.NewBorder(nil, finish, nil, touchScroll(container.NewCenter(qr)), touchScroll(container.NewVBox(append(items, after...)...)))
	}
	if qr != nil {
		items = append(items, qr)
	}
	return container.NewBorder(nil, finish, nil, nil, touchScroll(container.NewVBox(append(items, after...)...)))
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
