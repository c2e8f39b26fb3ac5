package ui

import (
	"fmt"
	_ "image/png" // QR codes are decoded from PNG
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"

	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/session"
)

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
		if why := s.Blocked(it); !why.IsZero() {
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
	search := v.hintBox(s.Query+s.Compose, searching, "点此输入事项名称、拼音或首字母", func() { send(session.FocusField{Key: session.SearchField}) })
	if s.Query != "" || s.Compose != "" { // × empties the search in one tap
		clear := NewButton("×", func() { send(session.ClearText{}) })
		clear.TextSize = 48 * v.k
		search = container.NewBorder(nil, nil, nil, wide(tall(clear, v.touch), minKeyWidth), search)
	}
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
		right := container.NewVBox(layout.NewSpacer(), container.NewGridWrap(fyne.NewSize(keyboardWidthLandscape, 560), v.keyboard(catalog.Field{Kind: catalog.Text})),
			container.NewGridWrap(fyne.NewSize(keyboardWidthLandscape, v.touch), closeKB))
		return container.NewBorder(nil, nil, nil, right, container.NewBorder(top, nav, nil, nil, touchScroll(list)))
	}
	if searching {
		bottom.Add(v.keyboard(catalog.Field{Kind: catalog.Text}))
		bottom.Add(tall(bigButton("收起键盘", false, func() { send(session.FocusField{Key: ""}) }), v.touch))
	} else {
		bottom.Add(tall(bigButton("退出", false, func() { send(session.Home{}) }), v.touch)) // asks first, as 首页
	}
	return container.NewBorder(top, bottom, nil, nil, touchScroll(list))
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
	if !s.Notice.IsZero() { // the card lifted, asked back
		rows.Add(notice(v.tr(s.Notice)))
	}
	if v.landscape { // two columns: 1080 rows are scarce
		objs := rows.Objects[1:]
		half := (len(objs) + 1) / 2
		rows = container.NewVBox(rows.Objects[0], container.NewGridWithColumns(2,
			container.NewVBox(objs[:half]...), container.NewVBox(objs[half:]...)))
	}
	buttons := container.NewGridWithColumns(2,
		tall(bigButton("上一步", false, func() { send(session.Back{}) }), v.touch),
		tall(bigButton("开始填写", true, func() { send(session.Proceed{}) }), v.touch))
	return container.NewBorder(nil, buttons, nil, nil, touchScroll(rows))
}

// categoryTabs are the home screen's categories: 全部, 一件事一次办 and
// 川渝通办 first and always, the others a page at a time behind 更多分类
// when there are many. The tabs are a fixed grid of fixed rows: paging or
// a long name never changes its height, so the list below never moves
// under a finger.
func (v view) categoryTabs() fyne.CanvasObject {
	var fixed, cats []string
	for _, c := range v.s.Categories() {
		if c == session.CategoryCQ || c == session.CategoryBundle {
			fixed = append(fixed, c)
			continue
		}
		cats = append(cats, c)
	}
	cols, rows := tabGrid(v.landscape, v.s.Elder)
	room := cols*rows - 1 - len(fixed) // 全部 and the first-level tiles
	shown, more := cats, false
	if len(cats) > room {
		room-- // 更多分类 takes a place
		pages := (len(cats) + room - 1) / room
		p := v.s.CatPage % pages
		shown, more = cats[p*room:min(len(cats), (p+1)*room)], true
	}
	tabs := container.NewGridWithColumns(cols)
	add := func(label, c string) {
		b := bigButton(label, v.s.Category == c, func() { v.send(session.ChooseCategory{Category: c}) })
		tabs.Add(tall(b, tabHeight))
	}
	add("全部", "")
	for _, c := range fixed {
		add(c, c)
	}
	for _, c := range shown {
		add(c, c)
	}
	if more {
		tabs.Add(tall(bigButton("更多分类", false, func() { v.send(session.MoreCategories{}) }), tabHeight))
	}
	for len(tabs.Objects) < cols*rows { // empty places keep the rows' height
		tabs.Add(emptySlot())
	}
	return tabs
}

// tabHeight is the height of a category tab.
const tabHeight = 90

// tabGrid is the category tabs' columns and rows.
func tabGrid(landscape, elder bool) (cols, rows int) {
	switch {
	case landscape && elder:
		return 6, 1 // one row: 1080 rows are scarce, columns are not
	case landscape:
		return 7, 1
	case elder:
		return 3, 2
	}
	return 4, 2
}
