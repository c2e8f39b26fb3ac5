package msg

import "testing"

func TestText(t *testing.T) {
	tests := []struct {
		name string
		t    Text
		zero bool
		key  Key
		args int
	}{
		{"zero", Text{}, true, None, 0},
		{"key", New(CardExpired), false, CardExpired, 0},
		{"with args", New(TechPINWrong, 3), false, TechPINWrong, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.t.IsZero() != tt.zero || tt.t.Key != tt.key || len(tt.t.Args) != tt.args {
				t.Errorf("%+v: zero %v, want %v %v with %d args", tt.t, tt.t.IsZero(), tt.key, tt.zero, tt.args)
			}
		})
	}
}

func TestKeys(t *testing.T) {
	keys := Keys()
	if len(keys) != int(numKeys)-1 {
		t.Fatalf("%d keys, want %d", len(keys), numKeys-1)
	}
	seen := map[Key]bool{}
	for _, k := range keys {
		if k == None || seen[k] {
			t.Fatalf("key %d listed twice or None listed", k)
		}
		seen[k] = true
	}
}
