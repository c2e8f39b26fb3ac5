package device

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestKindNames(t *testing.T) {
	tests := []struct {
		k    Kind
		name string
	}{{IDCard, "idcard"}, {Scanner, "scanner"}, {Printer, "printer"}, {Camera, "camera"}, {UnknownKind, "unknown"}}
	for _, tt := range tests {
		if got := tt.k.String(); got != tt.name {
			t.Errorf("%d.String() = %q, want %q", tt.k, got, tt.name)
		}
		k, ok := ParseKind(tt.name)
		if want := tt.k != UnknownKind; ok != want || (ok && k != tt.k) {
			t.Errorf("ParseKind(%q) = %v, %v", tt.name, k, ok)
		}
	}
}

// Kinds read and write as the bare English names they replaced, also as
// map keys, and a name this build does not know reads as UnknownKind.
func TestKindText(t *testing.T) {
	tests := []struct {
		json string
		want []Kind
	}{
		{`["printer"]`, []Kind{Printer}},
		{`["idcard","camera","scanner"]`, []Kind{IDCard, Camera, Scanner}},
		{`["fax"]`, []Kind{UnknownKind}},
	}
	for _, tt := range tests {
		var got []Kind
		if err := json.Unmarshal([]byte(tt.json), &got); err != nil {
			t.Fatalf("%s: %v", tt.json, err)
		}
		if len(got) != len(tt.want) {
			t.Fatalf("%s: %v, want %v", tt.json, got, tt.want)
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Fatalf("%s: %v, want %v", tt.json, got, tt.want)
			}
		}
	}
	b, err := json.Marshal(map[Kind]int{Printer: 1, IDCard: 2})
	if err != nil || string(b) != `{"idcard":2,"printer":1}` {
		t.Fatalf("map keys: %s %v", b, err)
	}
}

func TestCauseNames(t *testing.T) {
	seen := map[string]Cause{}
	for _, c := range append(Causes(), NoCause) {
		name := c.String()
		if name == "" || strings.HasPrefix(name, "cause(") {
			t.Errorf("cause %d has no name", c)
		}
		if prev, ok := seen[name]; ok {
			t.Errorf("causes %d and %d share the name %q", prev, c, name)
		}
		seen[name] = c
	}
}

func TestStatusString(t *testing.T) {
	tests := []struct {
		s    Status
		want string
	}{
		{Status{Kind: Printer, State: Online}, "printer: online"},
		{Status{Kind: IDCard, State: Offline, Reason: "port gone", Cause: Disconnected}, "idcard: offline (port gone)"},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.s, got, tt.want)
		}
	}
}
