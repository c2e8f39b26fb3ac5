package application

import (
	"encoding/json"
	"testing"
)

// The states keep the texts they had as plain strings: in JSON, in logs
// and in the fleet's health messages.
func TestPlatformStateText(t *testing.T) {
	for st, want := range map[PlatformState]string{
		PlatformUnknown: "", PlatformOnline: "online", PlatformDegraded: "degraded", PlatformOffline: "offline",
	} {
		if st.String() != want {
			t.Errorf("String() = %q, want %q", st.String(), want)
		}
		var back PlatformState
		if err := back.UnmarshalText([]byte(want)); err != nil || back != st {
			t.Errorf("UnmarshalText(%q) = %q, %v", want, back, err)
		}
	}
	v := struct {
		State     PlatformState            `json:"state"`
		Provinces map[string]PlatformState `json:"provinces"`
	}{PlatformDegraded, map[string]PlatformState{Sichuan: PlatformOffline, Chongqing: PlatformOnline}}
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"state":"degraded","provinces":{"50":"online","51":"offline"}}`; string(raw) != want {
		t.Errorf("JSON = %s, want %s", raw, want)
	}
	v.State, v.Provinces = PlatformUnknown, nil
	if err := json.Unmarshal(raw, &v); err != nil || v.State != PlatformDegraded || v.Provinces[Sichuan] != PlatformOffline {
		t.Errorf("decoded %+v, %v", v, err)
	}
	if err := json.Unmarshal([]byte(`{"state":"maintenance"}`), &v); err == nil {
		t.Error("an unknown state was accepted")
	}
}
