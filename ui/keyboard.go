package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"

	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/ime"
	"sckiosk/kiosk/core/session"
)

const keyHeight = 92

// maxCandidates is how many pinyin candidates the bar shows at once.
const maxCandidates = 6

// keyboard is the on-screen keyboard in the state's layout. Kiosks have no
// physical keyboard and Fyne has none on desktop Linux, so every key is a
// button that sends a session event.
func (v view) keyboard(kind catalog.FieldKind) fyne.CanvasObject {
	if v.s.KeyMode == session.KeyDigits {
		return v.keypad(kind)
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

// candidateBar shows the pinyin being composed and its best candidates.
func (v view) candidateBar() fyne.CanvasObject {
	if v.s.KeyMode != session.KeyPinyin {
		return v.text("英文输入", 28, false, grey)
	}
	if v.s.Compose == "" {
		return v.text("拼音输入：请按字母键，再点选汉字", 28, false, grey)
	}
	// Candidates wrap onto a second row rather than run off the screen.
	bar := container.New(layout.NewRowWrapLayout(), tall(v.text(v.s.Compose, 34, true, blue), keyHeight))
	var cands []string
	if v.dict != nil {
		cands = v.dict.Candidates(v.s.Compose, maxCandidates)
	}
	if len(cands) == 0 {
		bar.Add(v.text("无候选字，请修改拼音", 28, false, grey))
	}
	for _, c := range cands {
		c := c
		b := NewButton(c, func() { v.send(session.PickCandidate{Text: c}) })
		bar.Add(tall(b, keyHeight))
	}
	return bar
}

// keypad is the digit pad: phone numbers and dates take digits only, ID
// numbers digits and X, free text digits with a way back to letters.
func (v view) keypad(kind catalog.FieldKind) fyne.CanvasObject {
	send := v.send
	grid := container.NewGridWithColumns(3)
	for _, r := range "123456789" {
		r := r
		grid.Add(v.key(string(r), func() { send(session.TypeRune{R: r}) }))
	}
	grid.Add(v.key("清空", func() {
		for i := 0; i < 20; i++ {
			send(session.Backspace{})
		}
	}))
	grid.Add(v.key("0", func() { send(session.TypeRune{R: '0'}) }))
	grid.Add(v.key("删除", func() { send(session.Backspace{}) }))
	switch kind {
	case catalog.IDNo:
		grid.Add(layout.NewSpacer())
		grid.Add(v.key("X", func() { send(session.TypeRune{R: 'X'}) }))
		grid.Add(layout.NewSpacer())
	case catalog.Phone, catalog.Date:
	default:
		grid.Add(v.key("X", func() { send(session.TypeRune{R: 'X'}) }))
		grid.Add(v.key("中文", func() { send(session.SetKeyMode{Mode: session.KeyPinyin}) }))
		grid.Add(v.key("英文", func() { send(session.SetKeyMode{Mode: session.KeyLatin}) }))
	}
	return grid
}

// LoadDict loads the pinyin dictionary for the keyboard; call it off the
// UI goroutine (it takes about 0.1 s) and hand the result to Kiosk.Dict.
func LoadDict() (*ime.Dict, error) { return ime.Load() }
