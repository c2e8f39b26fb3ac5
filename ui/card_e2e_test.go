package ui_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"sckiosk/kiosk/adapters/profile"
	"sckiosk/kiosk/core/session"
)

// On real simulated devices: a card lifted mid-visit is asked back on
// screen and the visit ends after the profile's grace time unless it
// returns; a visit that ends with the card on the reader keeps asking for
// it, and 开始办理 over it asks for it to be placed again.
func TestCardOnTheReader(t *testing.T) {
	h := newHarnessWith(t, func(p *profile.Profile) { p.UI.CardGrace = time.Second })
	h.waitFor("devices online", devicesOnline)
	h.tap("开始办理")
	if err := h.rig.PlaceCard(); err != nil {
		t.Fatal(err)
	}
	h.onScreen(session.ChooseItem)
	// The prompt lasts the grace time only: catch the state as the
	// runtime publishes it, however slow this machine is.
	var mu sync.Mutex
	var asked *session.State
	h.kiosk.Runtime.Subscribe(func(s session.State) {
		mu.Lock()
		defer mu.Unlock()
		if asked == nil && !s.CardAway.IsZero() {
			asked = &s
		}
	})
	h.rig.RemoveCard()
	s := h.onScreen(session.Idle)
	mu.Lock()
	prompt := asked
	mu.Unlock()
	if prompt == nil || prompt.Screen != session.ChooseItem {
		t.Fatalf("the visit ended without asking for the card back: %v", prompt)
	}
	h.screen.Show(*prompt)
	if !strings.Contains(h.texts(), "请放回身份证") {
		t.Fatalf("no put-back prompt on screen:\n%s", h.texts())
	}
	if s.Person != nil || !s.CardLeft.IsZero() {
		t.Fatalf("after the grace: person %v, reminder %v", s.Person, s.CardLeft)
	}
	h.onScreen(session.Idle) // back from the captured prompt to what the kiosk shows now

	// A visit ended with the card still on the reader.
	h.tap("开始办理")
	if err := h.rig.PlaceCard(); err != nil {
		t.Fatal(err)
	}
	h.onScreen(session.ChooseItem)
	h.tap("退出")
	h.waitFor("asked before leaving", func(s session.State) bool { return s.ConfirmLeave })
	h.tap("返回首页") // the visit held the citizen's identity: 退出 asks first
	h.waitFor("reminder", func(s session.State) bool { return s.Screen == session.Idle && !s.CardLeft.IsZero() })
	if !strings.Contains(h.texts(), "请取走您的身份证") {
		t.Fatalf("no reminder on the attract screen:\n%s", h.texts())
	}
	h.tap("开始办理")
	h.waitFor("asked to place it again", func(s session.State) bool {
		return s.Screen == session.Identifying && strings.Contains(zh(s.Notice), "重新放置")
	})
	h.rig.RemoveCard()
	h.waitFor("card lifted", func(s session.State) bool { return !s.CardOnReader })
	if err := h.rig.PlaceCard(); err != nil {
		t.Fatal(err)
	}
	h.onScreen(session.ChooseItem)
}
