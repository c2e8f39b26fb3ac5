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

// Items are the catalogue items matching the search query and category.
func (s State) Items() []catalog.Item {
	items := s.Catalog.Items
	if s.Index != nil {
		items = s.Index.Search(s.Query)
	}
	if s.Category == "" {
		return items
	}
	var out []catalog.Item
	for _, it := range items {
		if it.Category == s.Category || (s.Category == CategoryCQ && it.Province != "" && it.Province != "51") {
			out = append(out, it)
		}
	}
	return out
}

// Categories are the home screen's category tabs, in catalogue order, with
// 川渝通办 last when any item is handled by Chongqing.
func (s State) Categories() []string {
	var out []string
	seen := map[string]bool{}
	cq := false
	for _, it := range s.Catalog.Items {
		if it.Category != "" && !seen[it.Category] {
			seen[it.Category] = true
			out = append(out, it.Category)
		}
		if it.Province != "" && it.Province != "51" {
			cq = true
		}
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
