package session

import (
	"sckiosk/kiosk/core/application"
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
		if why := s.Refused(it); !why.IsZero() {
			s.Notice = why
			break
		}
		it = it.For(s.applicantKind())
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

// Items are the catalogue items matching the search query and category
// that the applicant may apply for: a business licence lists only the
// items enterprises apply for, a person only personal ones. Letters still
// being composed in pinyin mode search too: "gjj" finds 公积金 by its
// initials before any hanzi is picked.
func (s State) Items() []catalog.Item {
	items := s.Catalog.Items
	if s.Index != nil {
		q := s.Query
		if s.Focus == SearchField {
			q += s.Compose
		}
		items = s.Index.Search(q)
	}
	kind := s.applicantKind()
	var out []catalog.Item
	for _, it := range items {
		if !it.Accepts(kind) {
			continue
		}
		if s.Category == "" || inCategory(it, s.Category) {
			out = append(out, it)
		}
	}
	return out
}

// applicantKind is the kind of applicant identified; a person until someone
// is.
func (s State) applicantKind() catalog.ApplicantKind {
	if s.Person == nil {
		return catalog.NaturalPerson
	}
	return catalog.KindOf(*s.Person)
}

// Refused says why item cannot be applied for now, or is no message: the
// applicant is of a kind the item is not for, the item must take effect
// at once and the platform cannot be reached, or a device it needs is
// down.
func (s State) Refused(it catalog.Item) msg.Text {
	switch kind := s.applicantKind(); {
	case !it.Accepts(kind) && kind == catalog.LegalPerson:
		return msg.New(msg.ItemForPersons, it.Name)
	case !it.Accepts(kind):
		return msg.New(msg.ItemForEnterprises, it.Name)
	case it.Offline == catalog.OfflineRefuse && s.Platform == application.PlatformOffline:
		return msg.New(msg.ItemNeedsPlatform, it.Name, it.OfflineNote)
	}
	if why := s.Unavailable(it); !why.IsZero() {
		return msg.New(msg.ItemUnavailable, it.Name, why)
	}
	return msg.Text{}
}

// Blocked is the short reason an item of the list cannot be chosen now
// (shown on its button), or no message: a device it needs is down, or it
// must take effect at once and the platform cannot be reached.
func (s State) Blocked(it catalog.Item) msg.Text {
	if why := s.Unavailable(it); !why.IsZero() {
		return why
	}
	if it.Offline == catalog.OfflineRefuse && s.Platform == application.PlatformOffline {
		return msg.New(msg.ItemOfflineShort)
	}
	return msg.Text{}
}

// Categories are the home screen's category tabs, in catalogue order, with
// 一件事一次办 when the catalogue has bundles and 川渝通办 last when any
// item is handled by Chongqing; only the categories of items the
// applicant may apply for. The UI shows these two, and 全部, as
// first-level tiles that never page away.
func (s State) Categories() []string {
	var out []string
	seen := map[string]bool{}
	cq, bundles := false, false
	kind := s.applicantKind()
	for _, it := range s.Catalog.Items {
		if !it.Accepts(kind) {
			continue
		}
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
// pages. Fewer items fit while the keyboard is open, or a notice is shown.
func (s State) ItemPage() ([]catalog.Item, int) {
	size := s.Config.PageSize
	if s.Focus == SearchField {
		size = min(size, 4)
	}
	if !s.Notice.IsZero() { // a notice (why an item was refused) takes two rows' room
		size = max(1, size-2)
	}
	return catalog.Catalog{Items: s.Items()}.Page(s.Page, size)
}
