package session

import (
	"testing"
	"time"

	"sckiosk/devices/device"
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/msg"
)

func at(d time.Duration) Tick { return Tick{Now: t0.Add(d)} }

// A card lifted mid-visit is asked back; unless it returns within the
// grace time (a profile key, doubled in elder mode) the visit ends and is
// wiped. The rule goes by identity source: a code identifies once and
// lies on no reader.
func TestCardLiftedMidVisit(t *testing.T) {
	ssCard := func() identity.Person { p := samplePerson(); p.Source = identity.SourceSSCard; return p }()
	qr := func() identity.Person { p := samplePerson(); p.Source = identity.SourceQR; return p }()
	other := identity.Person{Source: identity.SourceIDCard, Name: "李四", Number: "440524188001010014"}
	viaCode := func(p identity.Person) []Event {
		return []Event{Start{}, CodeScanned{Text: "x"}, CodeVerified{Person: p}, ChooseItemEvent{Code: item}, Proceed{}}
	}
	tests := []struct {
		name   string
		grace  time.Duration
		elder  bool
		events []Event
		screen Screen
		wipe   bool
		notice msg.Key
	}{
		{"still asked back before the grace ends", 10 * time.Second, false, append(toForm(), CardRemoved{}, at(9*time.Second)), Form, false, msg.CardPutBackID},
		{"ends when the grace ends", 10 * time.Second, false, append(toForm(), CardRemoved{}, at(10*time.Second)), Idle, true, msg.None},
		{"ends from the item list too", 10 * time.Second, false, []Event{Start{}, CardRead{Person: samplePerson()}, CardRemoved{}, at(10 * time.Second)}, Idle, true, msg.None},
		{"the same card back keeps the visit", 10 * time.Second, false, append(toForm(), CardRemoved{}, at(5*time.Second), CardRead{Person: samplePerson()}, at(60*time.Second)), Form, false, msg.None},
		{"another card does not stop the count", 10 * time.Second, false, append(toForm(), CardRemoved{}, at(5*time.Second), CardRead{Person: other}, at(10*time.Second)), Idle, true, msg.None},
		{"the profile's grace", 30 * time.Second, false, append(toForm(), CardRemoved{}, at(29*time.Second)), Form, false, msg.CardPutBackID},
		{"the profile's grace ends", 30 * time.Second, false, append(toForm(), CardRemoved{}, at(30*time.Second)), Idle, true, msg.None},
		{"elder mode doubles it", 10 * time.Second, true, append(toForm(), CardRemoved{}, at(19*time.Second)), Form, false, msg.CardPutBackID},
		{"elder mode's grace ends", 10 * time.Second, true, append(toForm(), CardRemoved{}, at(20*time.Second)), Idle, true, msg.None},
		{"zero grace ends at once", 0, false, append(toForm(), CardRemoved{}), Idle, true, msg.None},
		{"the notice survives going back", 10 * time.Second, false, append(toForm(), CardRemoved{}, Back{}), ItemGuide, false, msg.CardPutBackID},
		{"no submitting while it is away", 10 * time.Second, false, append(toReview(), SetConsent{Agreed: true}, CardRemoved{}, Confirm{}), Review, false, msg.CardPutBackID},
		{"a social security card too", 10 * time.Second, false, append(viaCode(ssCard)[:0:0], Start{}, CardRead{Person: ssCard}, ChooseItemEvent{Code: item}, Proceed{}, CardRemoved{}, at(10*time.Second)), Idle, true, msg.None},
		{"a code lies on no reader", 10 * time.Second, false, append(viaCode(qr), CardRemoved{}, at(10*time.Second)), Form, false, msg.None},
		{"while submitting the visit goes on", 10 * time.Second, false, append(toSubmitting(), CardRemoved{}, at(10*time.Second)), Submitting, false, msg.None},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.CardGrace, cfg.ElderDefault = tt.grace, tt.elder
			s := New(cfg, idle().Catalog, t0)
			s, _ = run(t, s, online(device.Printer), online(device.IDCard))
			s, eff := run(t, s, tt.events...)
			if s.Screen != tt.screen {
				t.Errorf("screen = %v, want %v", s.Screen, tt.screen)
			}
			wipes := effectsOf[Wipe](eff)
			if tt.wipe != (len(wipes) > 0) {
				t.Fatalf("wipes = %v, want a wipe: %v", wipes, tt.wipe)
			}
			if tt.wipe && (wipes[0].Reason != WipeCardRemoved || s.Person != nil || s.Values != nil) {
				t.Errorf("wipe %v, person %v, values %v: want the visit wiped for card_removed", wipes[0].Reason, s.Person, s.Values)
			}
			if s.Notice.Key != tt.notice {
				t.Errorf("notice = %v, want %v", s.Notice, tt.notice)
			}
		})
	}
}

// Lifting the card is said aloud too, with the grace in seconds.
func TestCardLiftedIsSpoken(t *testing.T) {
	_, eff := run(t, idle(), append(toForm(), CardRemoved{})...)
	sp := effectsOf[Speak](eff)
	if len(sp) != 1 || sp[0].Text.Key != msg.CardPutBackID || sp[0].Text.Args[0] != 10 {
		t.Fatalf("spoken = %v, want CardPutBackID with 10 s", sp)
	}
}

// A visit that ends with the card on the reader keeps asking for it to be
// taken, on screen and aloud, until it is lifted; the next 开始办理 with a
// card still there asks for it to be placed again (it was read once, for
// someone else's visit perhaps).
func TestCardLeftOnReader(t *testing.T) {
	viaCode := []Event{Start{}, CodeScanned{Text: "x"}, CodeVerified{Person: func() identity.Person { p := samplePerson(); p.Source = identity.SourceQR; return p }()}, Cancel{}}
	tests := []struct {
		name   string
		events []Event
		left   msg.Key // the reminder on the attract screen
		spoken int     // how many times it was said
		screen Screen
		notice msg.Key
	}{
		{"done with the card on the reader", append(toDone(), Printed{}, Cancel{}), msg.CardLeftID, 1, Idle, msg.None},
		{"timed out with the card on the reader", append(toForm(), at(time.Hour)), msg.CardLeftID, 1, Idle, msg.None},
		{"said again while it lies there", append(toDone(), Printed{}, Cancel{}, at(14*time.Second), at(15*time.Second), at(29*time.Second), at(30*time.Second)), msg.CardLeftID, 3, Idle, msg.None},
		{"lifted: no more reminder", append(toDone(), Printed{}, Cancel{}, CardRemoved{}, at(15*time.Second), at(30*time.Second)), msg.None, 1, Idle, msg.None},
		{"a permanent residence card", []Event{Start{}, CardRead{Person: func() identity.Person {
			p := samplePerson()
			p.CardType = identity.CardForeign2023
			c, _ := identity.CheckDigit("93268219800101001")
			p.Number = "93268219800101001" + string(c)
			return p
		}()}, Cancel{}}, msg.CardLeft, 1, Idle, msg.None},
		{"a code leaves nothing on the reader", viaCode, msg.None, 0, Idle, msg.None},
		{"开始办理 with the card still there", append(toDone(), Printed{}, Cancel{}, Start{}), msg.None, 1, Identifying, msg.CardPlaceAgain},
		{"placed again: a new visit", append(toDone(), Printed{}, Cancel{}, Start{}, CardRemoved{}, CardRead{Person: samplePerson()}), msg.None, 1, ChooseItem, msg.None},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, eff := run(t, idle(), tt.events...)
			if s.CardLeft.Key != tt.left {
				t.Errorf("reminder = %v, want %v", s.CardLeft, tt.left)
			}
			n := 0
			for _, sp := range effectsOf[Speak](eff) {
				if sp.Text.Key == msg.CardLeftID || sp.Text.Key == msg.CardLeft {
					n++
				}
			}
			if n != tt.spoken {
				t.Errorf("reminder spoken %d times, want %d", n, tt.spoken)
			}
			if s.Screen != tt.screen || s.Notice.Key != tt.notice {
				t.Errorf("screen %v notice %v, want %v %v", s.Screen, s.Notice, tt.screen, tt.notice)
			}
		})
	}
}

// The card rule per identity source: cards lie on a reader, codes do not.
func TestHeldOnReader(t *testing.T) {
	for src, want := range map[identity.Source]bool{
		identity.SourceIDCard: true, identity.SourceSSCard: true,
		identity.SourceQR: false, identity.SourceBusiness: false, "": false,
	} {
		if got := HeldOnReader(src); got != want {
			t.Errorf("HeldOnReader(%q) = %v, want %v", src, got, want)
		}
	}
}
