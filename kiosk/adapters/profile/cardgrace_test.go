package profile

import (
	"strings"
	"testing"
	"time"
)

// ui.card_grace defaults to 10 s, takes a duration, and refuses a
// negative or very long one.
func TestCardGrace(t *testing.T) {
	tests := []struct {
		yaml string
		want time.Duration
		err  string
	}{
		{"", 10 * time.Second, ""},
		{"ui:\n  card_grace: 30s\n", 30 * time.Second, ""},
		{"ui:\n  card_grace: 0s\n", 0, ""},
		{"ui:\n  card_grace: -1s\n", 0, "2:15: ui.card_grace must be between 0s (end the visit at once) and 2m0s, not -1s"},
		{"ui:\n  card_grace: 10m\n", 0, "2:15: ui.card_grace must be between 0s (end the visit at once) and 2m0s, not 10m0s"},
	}
	for _, tt := range tests {
		p, err := Parse("k.yaml", []byte(tt.yaml))
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err %v, want %q", tt.yaml, err, tt.err)
			}
		case err != nil:
			t.Errorf("%q: %v", tt.yaml, err)
		case p.UI.CardGrace != tt.want:
			t.Errorf("%q: card_grace %s, want %s", tt.yaml, p.UI.CardGrace, tt.want)
		}
	}
}
