package platformsim

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm2"

	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/catalog/catalogyaml"
	"sckiosk/kiosk/core/qrpayload"
)

func TestFetchCatalog(t *testing.T) {
	sim := New(application.Sichuan, nil)
	c := newSimClient(t, sim)
	got, err := c.FetchCatalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := catalogyaml.Sample()
	if got.Version != want.Version || len(got.Items) != len(want.Items) {
		t.Fatalf("fetched %s with %d items, want %s with %d", got.Version, len(got.Items), want.Version, len(want.Items))
	}
	it, ok := got.Find(want.Items[0].Code)
	if !ok || it.Flow != want.Items[0].Flow || len(it.Fields) != len(want.Items[0].Fields) {
		t.Errorf("item %s did not survive the trip: %+v", want.Items[0].Code, it)
	}

	// An answer signed with another key is refused.
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other := New(application.Sichuan, nil, WithKey(key))
	if _, err := newSimClient(t, other).FetchCatalog(context.Background()); !errors.Is(err, platform.ErrUnavailable) {
		t.Errorf("catalogue signed by another key: %v, want ErrUnavailable", err)
	}
	// A catalogue that does not validate is refused.
	bad := New(application.Sichuan, nil, WithCatalog(catalog.Catalog{Version: "v", Items: []catalog.Item{{Code: "A", Name: "a", Province: "44"}}}))
	if _, err := newSimClient(t, bad).FetchCatalog(context.Background()); err == nil || !strings.Contains(err.Error(), "invalid") {
		t.Errorf("invalid catalogue: %v", err)
	}
}

func TestLicenceIDs(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		// Verified identifiers of real systems (platform.md §2.2).
		{"1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U", true},
		{"1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0", true},
		{"1.2.156.3005.2.11100000MB0W9Y8X20001.11510100MB1A2B3CX2.2025000123.001.6", true},
		{"1.2.156.3005.2.11100000MB0W9Y8X20001.11510100MB1A2B3CX2.2025000123.001.7", false},
		{"1.2.156.3005.2.11100000MB0W9Y8X20001.11510100MB1A2B3CX2.2025000123.1.6", false},
		{"1.2.156.3005.1.11100000MB0W9Y8X20001.11510100MB1A2B3CX2.2025000123.001.6", false},
	}
	for _, tt := range tests {
		if got := validLicenceID(tt.id); got != tt.want {
			t.Errorf("validLicenceID(%s) = %v, want %v", tt.id, got, tt.want)
		}
	}
	for holder, ls := range DemoLicences() {
		for _, l := range ls {
			if !validLicenceID(l.ID) {
				t.Errorf("demo licence %s of %s: invalid id %s", l.Type, holder[:6], l.ID)
			}
		}
	}
}

func TestQueryLicenceAndAttach(t *testing.T) {
	sim := New(application.Sichuan, nil)
	c := newSimClient(t, sim)
	ctx := context.Background()
	var holder string
	for n, ls := range DemoLicences() {
		if len(ls) == 4 {
			holder = n
		}
	}
	tests := []struct {
		q       application.LicenceQuery
		wantErr error
		wantAny bool // any error
	}{
		{application.LicenceQuery{IDNumber: holder, LicenceType: "居民户口簿", Consent: true}, nil, false},
		{application.LicenceQuery{IDNumber: holder, LicenceType: "出生医学证明", Consent: true}, platform.ErrNoLicence, true},
		{application.LicenceQuery{IDNumber: testNumber(t), LicenceType: "结婚证", Consent: true}, platform.ErrNoLicence, true},
		{application.LicenceQuery{IDNumber: holder, LicenceType: "结婚证"}, nil, true}, // no consent
	}
	for _, tt := range tests {
		ref, err := c.QueryLicence(ctx, tt.q)
		if (err != nil) != tt.wantAny || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: error %v, want %v", tt.q.LicenceType, err, tt.wantErr)
		}
		if err == nil && (!validLicenceID(ref.ID) || ref.Type != tt.q.LicenceType || ref.Issuer == "") {
			t.Errorf("%s: reference %+v", tt.q.LicenceType, ref)
		}
	}
	// The simulator refuses consent=false even from another client.
	req := httptest.NewRequest(http.MethodPost, "/api/v1/elicences/query", strings.NewReader(`{"id_number":"`+holder+`","licence_type":"结婚证"}`))
	if a := sim.queryLicence(req); a.status != http.StatusBadRequest || a.env.Code != platform.CodeNoConsent {
		t.Errorf("no consent: %d %d", a.status, a.env.Code)
	}

	ref, err := c.QueryLicence(ctx, application.LicenceQuery{IDNumber: holder, LicenceType: "不动产权证书", Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	app := testApp(t, "lic-1", application.Sichuan)
	app.Applicant.Number = holder
	app.Licences = []application.LicenceRef{ref}
	if _, err := c.Submit(ctx, app); err != nil {
		t.Fatalf("application with the holder's licence: %v", err)
	}
	if got := sim.Applications(); len(got) != 1 || len(got[0].Licences) != 1 || got[0].Licences[0].ID != ref.ID {
		t.Errorf("stored application licences: %+v", got)
	}
	// Someone else's licence is refused.
	app2 := testApp(t, "lic-2", application.Sichuan)
	app2.Licences = []application.LicenceRef{ref}
	if _, err := c.Submit(ctx, app2); !errors.Is(err, platform.ErrRejected) {
		t.Errorf("application with another holder's licence: %v, want ErrRejected", err)
	}
}

func TestEvaluate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "platform-51.db")
	st, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	sim := New(application.Sichuan, nil, WithStore(st))
	c := newSimClient(t, sim)
	ctx := context.Background()
	rc, err := c.Submit(ctx, testApp(t, "eval-1", application.Sichuan))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		number string
		grade  int
		want   error // nil: success; errAny: some error
	}{
		{"very satisfied", rc.CaseNumber, 1, nil},
		{"changed mind", rc.CaseNumber, 4, nil},
		{"grade 0", rc.CaseNumber, 0, errAny},
		{"grade 6", rc.CaseNumber, 6, errAny},
		{"unknown case", "SC20260101999999", 2, platform.ErrNotFound},
		{"malformed case", "no such/case", 2, errAny},
	}
	for _, tt := range tests {
		err := c.Evaluate(ctx, application.Sichuan, tt.number, tt.grade)
		switch {
		case tt.want == nil && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want == errAny && err == nil:
			t.Errorf("%s: no error", tt.name)
		case tt.want != nil && tt.want != errAny && !errors.Is(err, tt.want):
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	check := func(s *Sim) {
		t.Helper()
		ev := s.Evaluations()
		if len(ev) != 1 || ev[0].CaseNumber != rc.CaseNumber || ev[0].Grade != 4 || ev[0].GradeText != "不满意" || ev[0].Channel != platform.ChannelKiosk {
			t.Errorf("ratings %+v, want one 不满意 of %s by 自助终端", ev, rc.CaseNumber)
		}
	}
	check(sim)
	st.Close()
	st2, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	check(New(application.Sichuan, nil, WithStore(st2)))
}

func TestBundleCreatesLinkedCases(t *testing.T) {
	path := filepath.Join(t.TempDir(), "platform-51.db")
	st, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	sim := New(application.Sichuan, nil, WithStore(st))
	c := newSimClient(t, sim)
	ctx := context.Background()
	cat, _ := catalogyaml.Sample()
	for _, it := range cat.Items {
		if len(it.Bundle) == 0 {
			continue
		}
		app := testApp(t, "bundle-"+it.Code[19:], application.Sichuan)
		app.ItemCode, app.ItemName = it.Code, it.Name
		rc, err := c.Submit(ctx, app)
		if err != nil {
			t.Fatal(err)
		}
		if len(rc.Linked) != len(it.Bundle) {
			t.Fatalf("%s: %d linked cases, want %d", it.Name, len(rc.Linked), len(it.Bundle))
		}
		for i, n := range rc.Linked {
			st, err := c.CaseStatus(ctx, application.Sichuan, n)
			if err != nil || st.ItemCode != it.Bundle[i] {
				t.Errorf("%s: linked case %s: %+v %v, want item %s", it.Name, n, st, err, it.Bundle[i])
			}
		}
		again, err := c.Submit(ctx, app)
		if err != nil || !again.Duplicate || again.CaseNumber != rc.CaseNumber || strings.Join(again.Linked, ",") != strings.Join(rc.Linked, ",") {
			t.Errorf("%s: resent: %+v %v, want the same cases", it.Name, again, err)
		}
	}
	n := len(sim.Cases())
	st.Close()
	st2, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	sim2 := New(application.Sichuan, nil, WithStore(st2))
	if len(sim2.Cases()) != n {
		t.Errorf("%d cases after restart, want %d", len(sim2.Cases()), n)
	}
	c2 := newSimClient(t, sim2)
	for _, it := range cat.Items {
		if len(it.Bundle) == 0 {
			continue
		}
		app := testApp(t, "bundle-"+it.Code[19:], application.Sichuan)
		app.ItemCode, app.ItemName = it.Code, it.Name
		rc, err := c2.Submit(ctx, app)
		if err != nil || !rc.Duplicate || len(rc.Linked) != len(it.Bundle) {
			t.Errorf("%s after restart: %+v %v", it.Name, rc, err)
		}
	}
	if len(sim2.Cases()) != n {
		t.Errorf("resending after restart made cases: %d, want %d", len(sim2.Cases()), n)
	}
}

var errAny = errors.New("any error")

func validLicenceID(id string) bool {
	ok, _ := qrpayload.ValidELicenceID(id)
	return ok
}
