package platformsim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/core/application"
)

// postApp submits app to the simulator at url as a signed kiosk would and
// returns the status and the decoded envelope.
func postApp(t *testing.T, url string, app application.Application) (int, platform.Envelope) {
	t.Helper()
	body, err := json.Marshal(app)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url+"/api/v1/applications", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Idempotency-Key", app.RequestID)
	if err := demoSigner(t, nil).Sign(req, body); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var env platform.Envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatalf("%d %s: %v", resp.StatusCode, raw, err)
	}
	return resp.StatusCode, env
}

// TestSimAcceptsForeignPRNumbers: an applicant with a foreign permanent
// residence card (id_type 553) has a 15-character number on the 2017 card
// and an 18-character one on the 2023 card; both are accepted. The
// simulator took only 18 characters, so a 2017 card's holder could not
// apply at all.
func TestSimAcceptsForeignPRNumbers(t *testing.T) {
	sim := New(application.Sichuan, nil)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	for _, number := range []string{"USA510080010112", "932682198501010017"} {
		app := testApp(t, "pr-"+number, application.Sichuan)
		app.Applicant.IDType, app.Applicant.Number = "553", number
		if code, env := postApp(t, srv.URL, app); code != http.StatusCreated {
			t.Errorf("id_type 553, %d characters: %d %+v", len(number), code, env)
		}
	}
	if n := len(sim.Applications()); n != 2 {
		t.Fatalf("%d applications accepted, want 2", n)
	}
}

// TestSimRefusesHolderNumbers: a number that is not of its id_type's form
// is refused (40001), a 2017-card number sent as a resident's included.
func TestSimRefusesHolderNumbers(t *testing.T) {
	sim := New(application.Sichuan, nil)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	for _, tt := range []struct{ idType, number string }{
		{"111", "USA510080010112"},
		{"553", "USA5100800101"},
		{"553", "5101041990"},
	} {
		app := testApp(t, "bad-"+tt.idType+"-"+tt.number, application.Sichuan)
		app.Applicant.IDType, app.Applicant.Number = tt.idType, tt.number
		code, env := postApp(t, srv.URL, app)
		if code != http.StatusBadRequest || env.Code != platform.CodeMissingField || !strings.Contains(env.Message, "id_number") {
			t.Errorf("id_type %s, %q: %d %+v", tt.idType, tt.number, code, env)
		}
	}
	if n := len(sim.Applications()); n != 0 {
		t.Fatalf("%d applications accepted", n)
	}
}
