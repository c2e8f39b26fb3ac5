package device

import "testing"

func TestStateUsable(t *testing.T) {
	tests := []struct {
		s    State
		want bool
	}{{Starting, false}, {Online, true}, {Busy, true}, {Warning, true}, {Offline, false}, {Fault, false}}
	for _, tt := range tests {
		if got := tt.s.Usable(); got != tt.want {
			t.Errorf("%v.Usable() = %v, want %v", tt.s, got, tt.want)
		}
	}
}
