package session

// The frame every citizen screen shares (首页, 长辈模式, 继续办理) and the
// keyboard's paging and clearing: events the UI sends for its controls.

// Home is a tap on the frame's 首页. A visit holding what the citizen
// chose or typed asks first (ConfirmLeave); any other visit ends at once,
// as with Cancel.
type Home struct{}

// Stay dismisses the question Home asked: the visit goes on where it was.
type Stay struct{}

// PageCandidates shows the next (Delta 1) or previous (Delta -1) page of
// pinyin candidates.
type PageCandidates struct{ Delta int }

// ClearText empties the text the keyboard edits: the item search or the
// focused field, with any pinyin being composed.
type ClearText struct{}

func (Home) isEvent()           {}
func (Stay) isEvent()           {}
func (PageCandidates) isEvent() {}
func (ClearText) isEvent()      {}

// asksBeforeLeaving reports whether 首页 asks before it ends s's visit: a
// citizen has been identified and has not submitted yet, so leaving loses
// what they did.
func (s State) asksBeforeLeaving() bool {
	switch s.Screen {
	case ChooseItem, ItemGuide, Form, Review:
		return s.Person != nil
	}
	return false
}

// frameEvent handles 首页 and its question.
func frameEvent(s State, ev Event) (State, []Effect, origin) {
	switch ev.(type) {
	case Home:
		if s.Screen == Idle || s.Screen == Submitting {
			break
		}
		if s.asksBeforeLeaving() && !s.ConfirmLeave {
			s.ConfirmLeave = true
			break
		}
		reason := WipeCancel
		if s.Screen == Done {
			reason = WipeDone
		}
		s, eff := endVisit(s, reason)
		return s, eff, fromUser
	case Stay:
		s.ConfirmLeave = false
	}
	return s, nil, fromUser
}
