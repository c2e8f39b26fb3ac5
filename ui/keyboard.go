package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"

	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/ime"
	"sckiosk/kiosk/core/session"
)

const keyHeight = 92

// minKeyWidth is the narrowest a key or a candidate may be: a target an
// elderly finger hits (elder mode enlarges the type, not the keys: ten
// keys of 1.4 × 90 would not fit 1080).
const minKeyWidth = 90

// keyboardWidthLandscape is the width of the keyboard beside a landscape
// form: ten keys of minKeyWidth and the padding between them.
const keyboardWidthLandscape = 10*minKeyWidth + 9*12 + 2

// maxCandidates is how many pinyin candidates the bar pages through.
const maxCandidates = 60

// keyboard is the on-screen keyboard in the state's layout. Kiosks have no
// physical keyboard and Fyne has none on desktop Linux, so every key is a
// button that sends a session event.
func (v view) keyboard(f catalog.Field) fyne.CanvasObject {
	switch {
	case f.Kind == catalog.Date || f.Kind == catalog.Month:
		return v.datePicker(f)
	case v.s.KeyMode == session.KeyDigits:
		return v.keypad(f.Kind)
	}
	return v.letters()
}

func (v view) key(label string, tap func()) fyne.CanvasObject {
	return tall(bigButton(label, false, tap), keyHeight)
}

func (v view) letters() fyne.CanvasObject {
	send := v.send
	rows := container.NewVBox(v.candidateBar())
	for _, row := range []string{"qwertyuiop", "asdfghjkl", "zxcvbnm"} {
		g := container.NewGridWithColumns(10)
		if len(row) < 10 {
			g = container.NewGridWithColumns(len(row))
		}
		for _, r := range row {
			r := r
			g.Add(v.key(string(r), func() { send(session.TypeRune{R: r}) }))
		}
		rows.Add(g)
	}
	mode, next := "中", session.KeyLatin
	if v.s.KeyMode == session.KeyLatin {
		mode, next = "英", session.KeyPinyin
	}
	rows.Add(container.NewGridWithColumns(4,
		v.key("中/英："+mode, func() { send(session.SetKeyMode{Mode: next}) }),
		v.key("123", func() { send(session.SetKeyMode{Mode: session.KeyDigits}) }),
		v.key("空格", func() { send(session.TypeRune{R: ' '}) }),
		v.key("删除", func() { send(session.Backspace{}) })))
	return rows
}

// candidateBar shows the pinyin being composed and a page of its
// candidates between ‹ and ›: as many as fit on one row, each at least
// minKeyWidth wide, so the bar never changes height and a rarer
// character (栋 for "dong") is a page or two away.
func (v view) candidateBar() fyne.CanvasObject {
	if v.s.KeyMode != session.KeyPinyin {
		return tall(v.text("英文输入", 28, false, grey), keyHeight)
	}
	if v.s.Compose == "" {
		return tall(v.text("拼音输入：请按字母键，再点选汉字", 28, false, grey), keyHeight)
	}
	composed := v.text(v.s.Compose, 34, true, blue)
	var cands []string
	if v.dict != nil {
		cands = v.dict.Candidates(v.s.Compose, maxCandidates)
	}
	if len(cands) == 0 {
		return tall(container.NewHBox(composed, v.text("无候选字，请修改拼音", 28, false, grey)), keyHeight)
	}
	room := v.keyboardWidth() - composed.MinSize().Width - 2*(minKeyWidth+theme.Padding()) - 2*theme.Padding()
	pages := candidatePages(cands, room, candidateWidth)
	page := min(v.s.CandPage, len(pages)-1)
	prev := NewButton("‹", func() { v.send(session.PageCandidates{Delta: -1}) })
	next := NewButton("›", func() { v.send(session.PageCandidates{Delta: 1}) })
	if page == 0 {
		prev.Disable()
	}
	if page == len(pages)-1 {
		next.Disable()
	}
	row := container.NewHBox()
	for _, c := range pages[page] {
		c := c
		b := NewButton(c, func() { v.send(session.PickCandidate{Text: c}) })
		row.Add(wide(tall(b, keyHeight), candidateWidth(c)))
	}
	key := func(b *Button) fyne.CanvasObject { return wide(tall(b, keyHeight), minKeyWidth) }
	return container.NewBorder(nil, nil, container.NewHBox(composed, key(prev)), key(next), row)
}

// keyboardWidth is the width the keyboard is drawn in.
func (v view) keyboardWidth() float32 {
	if v.landscape {
		return keyboardWidthLandscape
	}
	return Portrait.Width - 4*theme.Padding() // the window's and the body's padding
}

// candidateWidth is the width of a candidate's button: its text and the
// button's inset, at least minKeyWidth.
func candidateWidth(c string) float32 {
	w := fyne.MeasureText(c, theme.TextSize(), fyne.TextStyle{}).Width + 2*theme.Size(theme.SizeNameInnerPadding)
	return max(minKeyWidth, w)
}

// candidatePages splits candidates into pages that fit in room, each
// candidate as wide as width says plus the padding between buttons; a
// page always holds at least one.
func candidatePages(cands []string, room float32, width func(string) float32) [][]string {
	var pages [][]string
	var page []string
	used := float32(0)
	for _, c := range cands {
		w := width(c) + theme.Padding()
		if len(page) > 0 && used+w > room {
			pages, page, used = append(pages, page), nil, 0
		}
		page, used = append(page, c), used+w
	}
	if len(page) > 0 {
		pages = append(pages, page)
	}
	return pages
}

// padKeys are the twelve keys every digit pad has, in the same places:
// the field's pad and the technician's PIN pad. A kind's extra keys go on
// a row of their own below, so no digit ever moves.
var padKeys = [12]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "清空", "0", "删除"}

// digitPad lays out padKeys, calling digit for a digit, clear for 清空 and
// del for 删除.
func (v view) digitPad(digit func(rune), clear, del func()) *fyne.Container {
	grid := container.NewGridWithColumns(3)
	for _, label := range padKeys {
		switch label {
		case "清空":
			grid.Add(v.key(label, clear))
		case "删除":
			grid.Add(v.key(label, del))
		default:
			r := rune(label[0])
			grid.Add(v.key(label, func() { digit(r) }))
		}
	}
	return grid
}

// keypad is the digit pad of a field: the twelve keys, then a row of what
// the kind adds (X for an ID number; X and the way back to letters for
// free text), empty for phone, number and bank-card fields: the row is
// always there, so no key moves from one field to the next.
func (v view) keypad(kind catalog.FieldKind) fyne.CanvasObject {
	send := v.send
	pad := v.digitPad(func(r rune) { send(session.TypeRune{R: r}) },
		func() { send(session.ClearText{}) }, func() { send(session.Backspace{}) })
	blank := func() fyne.CanvasObject { return tall(layout.NewSpacer(), keyHeight) }
	switch kind {
	case catalog.Phone, catalog.Number, catalog.BankCard, catalog.Date, catalog.Month:
		return container.NewVBox(pad, container.NewGridWithColumns(3, blank(), blank(), blank()))
	case catalog.IDNo:
		return container.NewVBox(pad, container.NewGridWithColumns(3, blank(),
			v.key("X", func() { send(session.TypeRune{R: 'X'}) }), blank()))
	}
	return container.NewVBox(pad, container.NewGridWithColumns(3,
		v.key("X", func() { send(session.TypeRune{R: 'X'}) }),
		v.key("中文", func() { send(session.SetKeyMode{Mode: session.KeyPinyin}) }),
		v.key("英文", func() { send(session.SetKeyMode{Mode: session.KeyLatin}) })))
}

// LoadDict loads the pinyin dictionary for the keyboard; call it off the
// UI goroutine (it takes about 0.1 s) and hand the result to Kiosk.Dict.
func LoadDict() (*ime.Dict, error) { return ime.Load() }
