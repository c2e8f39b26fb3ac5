package wire

import (
	"testing"
	"time"

	"sckiosk/kiosk/adapters/profile"
)

// The profile's ui.card_grace reaches the session core.
func TestCardGraceFromProfile(t *testing.T) {
	prof := profile.Default()
	if got := sessionConfig(prof).CardGrace; got != 10*time.Second {
		t.Errorf("default card grace %s, want 10s", got)
	}
	prof.UI.CardGrace = 25 * time.Second
	if got := sessionConfig(prof).CardGrace; got != 25*time.Second {
		t.Errorf("card grace %s, want the profile's 25s", got)
	}
}
