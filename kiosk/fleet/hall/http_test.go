package hall

import (
	"bytes"
	"encoding/json"
	"testing"

	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/fleet/hallstate"
	"sckiosk/ui/text"
)

// The dashboard's script gets its words for states from ui/text, filled
// in by the server: the platform offline is 离线 there as on the kiosk's
// technician screen.
func TestDashboardWords(t *testing.T) {
	page := dashboardPage(text.Chinese)
	_, rest, ok := bytes.Cut(page, []byte("const words = "))
	obj, _, _ := bytes.Cut(rest, []byte(";\n"))
	var w dashboardWords
	if !ok || json.Unmarshal(obj, &w) != nil {
		t.Fatalf("no words in the page: %.200s", rest)
	}
	if got := w.Platform[application.PlatformOffline]; got != "离线" || got != text.Chinese.Platform(application.PlatformOffline) {
		t.Errorf("platform offline is %q on the dashboard", got)
	}
	for _, p := range []application.PlatformState{application.PlatformOnline, application.PlatformDegraded} {
		if w.Platform[p] == "" || w.Platform[p] != text.Chinese.Platform(p) {
			t.Errorf("platform %s is %q on the dashboard", p, w.Platform[p])
		}
	}
	for _, p := range hallstate.Presences() {
		if w.Presence[p] == "" || w.Presence[p] != text.Chinese.Presence(p) {
			t.Errorf("presence %s is %q on the dashboard", p, w.Presence[p])
		}
	}
	for _, s := range hallstate.Stages() {
		if w.Stage[s] == "" || w.Stage[s] != text.Chinese.Stage(s) {
			t.Errorf("stage %s is %q on the dashboard", s, w.Stage[s])
		}
	}
	for _, r := range hallstate.Roles() {
		if w.Role[r] == "" || w.Role[r] != text.Chinese.Role(r) {
			t.Errorf("role %s is %q on the dashboard", r, w.Role[r])
		}
	}
	if w.DevicesOK != "正常" || w.PaperLow == "" {
		t.Errorf("devices ok %q, paper low %q", w.DevicesOK, w.PaperLow)
	}
}
