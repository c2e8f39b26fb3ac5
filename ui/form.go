package ui

import (
	"image/color"
	_ "image/png" // QR codes are decoded from PNG
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"

	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/session"
)

func (v view) formScreen() fyne.CanvasObject {
	s, send := v.s, v.send
	fields := container.NewVBox()
	// With the keyboard open the item's name gives way where rows are
	// scarce (landscape, elder mode): the citizen chose it a step ago.
	// A long form does the same: 4 fields in portrait elder mode, 3 in
	// landscape, would otherwise run off the bottom.
	editable := 0
	for _, f := range s.Item.Fields {
		if !f.ReadOnly {
			editable++
		}
	}
	long := (v.landscape && editable >= 3) || (s.Elder && editable >= 4)
	if (s.Focus == "" && !long) || (!v.landscape && !s.Elder) {
		fields.Add(v.title(s.Item.Name))
	}
	var focused *catalog.Field
	var focusedBox, focusedLabel fyne.CanvasObject
	var fromCard []string
	legal := s.Person != nil && catalog.KindOf(*s.Person) == catalog.LegalPerson
	for _, f := range s.Item.Fields {
		if f.ReadOnly {
			val := s.Values[f.Key]
			if f.Prefill == catalog.FromNumber {
				val = identity.MaskNumber(val)
			}
			if legal { // 企业名称：…　统一社会信用代码：…, not a person's 申请人
				val = f.Label + "：" + val
			}
			fromCard = append(fromCard, val)
		}
	}
	switch {
	case len(fromCard) > 0 && legal:
		fields.Add(para(strings.Join(fromCard, "　") + v.tr(session.ApplicantFrom(s.Person))))
	case len(fromCard) > 0:
		fields.Add(para("申请人：" + strings.Join(fromCard, "　") + v.tr(session.ApplicantFrom(s.Person))))
	}
	for i, f := range s.Item.Fields {
		val := s.Values[f.Key]
		if f.ReadOnly {
			continue
		}
		// The label and, beside it, what is wrong with the value: one row.
		var label fyne.CanvasObject = newWrapText(f.Label+fieldMark(f), 30*v.k, grey)
		if problem := s.FieldError[f.Key]; !problem.IsZero() {
			label = beside(label.(*wrapText), newWrapText(v.tr(problem), 30*v.k, red))
		}
		fields.Add(label)
		switch {
		case f.Kind == catalog.Choice:
			row := newFlowGrid(len(f.Options))
			for _, o := range f.Options {
				key, opt := f.Key, o
				b := bigButton(o, val == o, func() { send(session.SetField{Key: key, Value: opt}) })
				row.Add(tall(b, v.touch))
			}
			fields.Add(row)
		default:
			key := f.Key
			box := v.inputBox(fieldText(f, val), s.Focus == f.Key, func() { send(session.FocusField{Key: key}) })
			if s.Focus == f.Key {
				focused, focusedBox, focusedLabel = &s.Item.Fields[i], box, label
			}
			fields.Add(box)
		}
	}
	if len(s.FieldError) == 0 { // each error stands beside its field
		fields.Add(notice(v.tr(s.Notice)))
	}
	buttons := container.NewGridWithColumns(2,
		tall(bigButton("上一步", false, func() { send(session.Back{}) }), v.touch),
		tall(bigButton("下一步", true, func() { send(session.Proceed{}) }), v.touch))
	scroll := touchScroll(fields)
	if focusedBox != nil { // the box being typed into stays in sight
		v.afterLayout(func() {
			y := focusedBox.Position().Y
			if y+focusedBox.Size().Height > scroll.Offset.Y+scroll.Size().Height || y < scroll.Offset.Y {
				scroll.ScrollToOffset(fyne.NewPos(0, max(0, y-focusedLabel.Size().Height-theme.Padding())))
			}
		})
	}
	if focused == nil {
		return container.NewBorder(nil, buttons, nil, nil, scroll)
	}
	kb := v.keyboard(*focused)
	if v.landscape { // the keyboard beside the form never covers a field
		pad := container.NewGridWrap(fyne.NewSize(keyboardWidthLandscape, 560), kb)
		right := container.NewVBox(layout.NewSpacer(), pad, container.NewGridWrap(fyne.NewSize(keyboardWidthLandscape, v.touch), buttons))
		return container.NewBorder(nil, nil, nil, right, scroll)
	}
	return container.NewBorder(nil, container.NewVBox(kb, buttons), nil, nil, scroll)
}

// reviewValue is a field's value as the review screen shows it: the
// citizen's own input in full, the card's number masked, dates in words.
func reviewValue(f catalog.Field, v string) string {
	if f.Prefill == catalog.FromNumber {
		return identity.MaskNumber(v)
	}
	return fieldText(f, v)
}

// fieldText is a value as people read it: a date or month in words
// (2026年12月), anything else as it is.
func fieldText(f catalog.Field, v string) string {
	switch {
	case f.Kind == catalog.Month && len(v) == 6:
		return v[:4] + "年" + v[4:] + "月"
	case f.Kind == catalog.Date && len(v) == 8:
		return v[:4] + "年" + v[4:6] + "月" + v[6:] + "日"
	}
	return v
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
	// What the citizen typed is shown in full, so they can check it (a
	// phone or bank card number half hidden cannot be checked); what came
	// from the card stays masked, and the receipt carries neither.
	for _, f := range s.Item.Fields {
		rows.Add(para(f.Label + "：" + reviewValue(f, s.Values[f.Key])))
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
		return container.NewBorder(nil, nil, nil, right, touchScroll(rows))
	}
	return container.NewBorder(nil, container.NewVBox(consent, buttons), nil, nil, touchScroll(rows))
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
	// A long address wraps inside the box, which grows a line at a time.
	in := theme.InnerPadding()
	val := newWrapText(shown, theme.TextSize(), theme.Color(theme.ColorNameForeground))
	padded := container.New(layout.NewCustomPaddedLayout(in, in, in, in), val)
	return tall(container.NewStack(border, padded, newTapCover(tap)), v.touch)
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
