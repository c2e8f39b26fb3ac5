package session

import (
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/msg"
)

// chooseEvent handles the item list: pages, categories and the choice of
// an item (which needs its devices).
func chooseEvent(s State, ev Event) (State, []Effect, origin) {
	if s.Screen != ChooseItem {
		return s, nil, fromUser
	}
	switch e := ev.(type) {
	case PageTo:
		_, pages := s.ItemPage()
		s.Page = max(0, min(e.Page, pages-1))
	case MoreCategories:
		s.CatPage++
	case ChooseCategory:
		s.Category, s.Page = e.Category, 0
	case ChooseItemEvent:
		it, ok := s.Catalog.Find(e.Code)
		if !ok {
			break
		}
		if why := s.Unavailable(it); !why.IsZero() {
			s.Notice = msg.New(msg.ItemUnavailable, it.Name, why)
			break
		}
		s.Item, s.Screen = &it, ItemGuide
		s.Focus, s.Compose = "", ""
	}
	return s, nil, fromUser
}

// CategoryCQ is the home screen's 川渝通办 section: items another
// province's platform handles.
const CategoryCQ = "川渝通办"

// CategoryBundle is the home screen's 一件事一次办 section: bundles of
// items applied for at once, whatever category the catalogue gives them.
const CategoryBundle = "一件事一次办"

// inCategory reports whether it belongs to the home screen's section c.
func inCategory(it catalog.Item, c string) bool {
	switch c {
	case CategoryCQ:
		return it.Province != "" && it.Province != "51"
	case CategoryBundle:
		return len(it.Bundle) > 0 || it.Category == CategoryBundle
	}
	return it.Category == c
}

// Items are the catalogue items matching the search query and category.
// Letters still being composed in pinyin mode search too: "gjj" finds
// 公积金 by its initials before any hanzi is picked.
func (s State) Items() []catalog.Item {
	items := s.Catalog.Items
	if s.Index != nil {
		q := s.Query
		if s.Focus == SearchField {
			q += s.Compose
		}
		items = s.Index.Search(q)
	}
	if s.Category == "" {
		return items
	}
	var out []catalog.Item
	for _, it := range items {
		if inCategory(it, s.Category) {
			out = append(out, it)
		}
	}
	return out
}

// Categories are the home screen's category tabs, in catalogue order, with
// 一件事一次办 when the catalogue has bundles and 川渝通办 last when any
// item is handled by Chongqing. The UI shows these two, and 全部, as
// first-level tiles that never page away.
func (s State) Categories() []string {
	var out []string
	seen := map[string]bool{}
	cq, bundles := false, false
	for _, it := range s.Catalog.Items {
		bundles = bundles || inCategory(it, CategoryBundle)
		if it.Category != "" && it.Category != CategoryBundle && !seen[it.Category] {
			seen[it.Category] = true
			out = append(out, it.Category)
		}
		if inCategory(it, CategoryCQ) {
			cq = true
		}
	}
	if bundles {
		out = append(out, CategoryBundle)
	}
	if cq {
		out = append(out, CategoryCQ)
	}
	return out
}

// ItemPage returns the items shown on the current page and the number of
// pages. Fewer items fit while the keyboard is open.
func (s State) ItemPage() ([]catalog.Item, int) {
	size := s.Config.PageSize
	if s.Focus == SearchField {
		size = min(size, 4)
	}
	return catalog.Catalog{Items: s.Items()}.Page(s.Page, size)
}
