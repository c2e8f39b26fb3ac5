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

// Items are the catalogue items matching the search query and category
// that the applicant may apply for: a business licence lists only the
// items enterprises apply for, a person only personal ones.
func (s State) Items() []catalog.Item {
	items := s.Catalog.Items
	if s.Index != nil {
		items = s.Index.Search(s.Query)
	}
	kind := s.applicantKind()
	var out []catalog.Item
	for _, it := range items {
		if !it.Accepts(kind) {
			continue
		}
		if s.Category == "" || it.Category == s.Category || (s.Category == CategoryCQ && it.Province != "" && it.Province != "51") {
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
// 川渝通办 last when any item is handled by Chongqing; only the categories
// of items the applicant may apply for.
func (s State) Categories() []string {
	var out []string
	seen := map[string]bool{}
	cq := false
	kind := s.applicantKind()
	for _, it := range s.Catalog.Items {
		if !it.Accepts(kind) {
			continue
		}
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
