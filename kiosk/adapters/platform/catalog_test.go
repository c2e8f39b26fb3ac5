package platform

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

	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/catalog"
)

// usccValid reports whether s is an 18-character unified social credit
// code with a valid check character (GB 32100).
func usccValid(s string) bool {
	const cs = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	if len(s) != 18 {
		return false
	}
	sum, w := 0, 1
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(cs, s[i])
		if v < 0 {
			return false
		}
		sum += v * w
		w = w * 3 % 31
	}
	return cs[(31-sum%31)%31] == s[17]
}

func TestSampleCatalog(t *testing.T) {
	c, err := SampleCatalog()
	if err != nil {
		t.Fatal(err)
	}
	var single, crossProvince, bundles int
	for _, it := range c.Items {
		if len(it.Code) != 31 || !usccValid(it.Code[:18]) || strings.Trim(it.Code[18:], "0123456789") != "" ||
			(it.Code[18] != '2' && it.Code[18] != '3') {
			t.Errorf("%s %s: not shaped like a 实施编码 (USCC + level + 12-digit basic code)", it.Code, it.Name)
		}
		if it.Department == "" || it.Conditions == "" || len(it.Materials) == 0 || it.Flow == "" ||
			it.LegalDue == "" || it.Due == "" || it.Fee == "" || it.Category == "" || it.Mode == "" {
			t.Errorf("%s %s: an 实施清单 element is missing: %+v", it.Code, it.Name, it)
		}
		if len(it.Fields) < 3 || it.Fields[0].Prefill != catalog.FromName || it.Fields[1].Prefill != catalog.FromNumber {
			t.Errorf("%s: form does not open with the applicant fields", it.Code)
		}
		if len(it.Bundle) > 0 {
			bundles++
		} else {
			single++
		}
		if strings.Contains(it.Mode, "川渝通办") {
			crossProvince++
		}
	}
	if single < 30 || crossProvince < 10 || bundles < 3 {
		t.Errorf("sample catalogue has %d items, %d 川渝通办, %d bundles; want ≥30, ≥10, ≥3", single, crossProvince, bundles)
	}
	for _, name := range []string{"新生儿出生一件事", "企业开办一件事", "退休一件事"} {
		found := false
		for _, it := range c.Items {
			found = found || it.Name == name && len(it.Bundle) >= 2
		}
		if !found {
			t.Errorf("no bundle %s", name)
		}
	}
	// Each call is a fresh copy.
	c.Items[0].Name = "changed"
	if c2, _ := SampleCatalog(); c2.Items[0].Name == "changed" {
		t.Error("SampleCatalog shares its items between calls")
	}
}

func TestValidateCatalog(t *testing.T) {
	good := func() catalog.Catalog {
		f := []catalog.Field{{Key: "name", Label: "姓名", Kind: catalog.Text}}
		return catalog.Catalog{Version: "v1", Items: []catalog.Item{
			{Code: "A", Name: "a", Province: "51", Fields: f},
			{Code: "B", Name: "b", Province: "50", Fields: f},
			{Code: "X", Name: "x", Province: "51", Bundle: []string{"A", "B"}},
		}}
	}
	tests := []struct {
		name   string
		change func(*catalog.Catalog)
		want   string
	}{
		{"good", func(*catalog.Catalog) {}, ""},
		{"no version", func(c *catalog.Catalog) { c.Version = "" }, "without a version"},
		{"no items", func(c *catalog.Catalog) { c.Items = nil }, "no items"},
		{"duplicate code", func(c *catalog.Catalog) { c.Items[1].Code = "A" }, "twice"},
		{"bad province", func(c *catalog.Catalog) { c.Items[0].Province = "44" }, "province"},
		{"bad kind", func(c *catalog.Catalog) { c.Items[0].Fields[0].Kind = "colour" }, "unknown kind"},
		{"choice without options", func(c *catalog.Catalog) { c.Items[0].Fields[0].Kind = catalog.Choice }, "without options"},
		{"missing member", func(c *catalog.Catalog) { c.Items[2].Bundle = []string{"A", "Z"} }, "not in the catalogue"},
		{"nested bundle", func(c *catalog.Catalog) { c.Items[2].Bundle = []string{"A", "X"} }, "itself a bundle"},
	}
	for _, tt := range tests {
		c := good()
		tt.change(&c)
		err := ValidateCatalog(c)
		if (err == nil) != (tt.want == "") || err != nil && !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestFetchCatalog(t *testing.T) {
	sim := NewSim(application.Sichuan, nil)
	c := newSimClient(t, sim)
	got, err := c.FetchCatalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := SampleCatalog()
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
	other := NewSim(application.Sichuan, nil, WithSimKey(key))
	if _, err := newSimClient(t, other).FetchCatalog(context.Background()); !errors.Is(err, ErrUnavailable) {
		t.Errorf("catalogue signed by another key: %v, want ErrUnavailable", err)
	}
	// A catalogue that does not validate is refused.
	bad := NewSim(application.Sichuan, nil, WithCatalog(catalog.Catalog{Version: "v", Items: []catalog.Item{{Code: "A", Name: "a", Province: "44"}}}))
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
	sim := NewSim(application.Sichuan, nil)
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
		{application.LicenceQuery{IDNumber: holder, LicenceType: "出生医学证明", Consent: true}, ErrNoLicence, true},
		{application.LicenceQuery{IDNumber: testNumber(t), LicenceType: "结婚证", Consent: true}, ErrNoLicence, true},
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
	if a := sim.queryLicence(req); a.status != http.StatusBadRequest || a.env.Code != CodeNoConsent {
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
	if _, err := c.Submit(ctx, app2); !errors.Is(err, ErrRejected) {
		t.Errorf("application with another holder's licence: %v, want ErrRejected", err)
	}
}

func TestEvaluate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "platform-51.db")
	st, err := OpenSimStore(path)
	if err != nil {
		t.Fatal(err)
	}
	sim := NewSim(application.Sichuan, nil, WithSimStore(st))
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
		{"unknown case", "SC20260101999999", 2, ErrNotFound},
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
		if len(ev) != 1 || ev[0].CaseNumber != rc.CaseNumber || ev[0].Grade != 4 || ev[0].GradeText != "不满意" || ev[0].Channel != ChannelKiosk {
			t.Errorf("ratings %+v, want one 不满意 of %s by 自助终端", ev, rc.CaseNumber)
		}
	}
	check(sim)
	st.Close()
	st2, err := OpenSimStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	check(NewSim(application.Sichuan, nil, WithSimStore(st2)))
}

var errAny = errors.New("any error")

func TestGradeText(t *testing.T) {
	for g, want := range map[int]string{0: "", 1: "非常满意", 2: "满意", 3: "基本满意", 4: "不满意", 5: "非常不满意", 6: ""} {
		if got := GradeText(g); got != want {
			t.Errorf("GradeText(%d) = %q, want %q", g, got, want)
		}
	}
}

func TestBundleCreatesLinkedCases(t *testing.T) {
	path := filepath.Join(t.TempDir(), "platform-51.db")
	st, err := OpenSimStore(path)
	if err != nil {
		t.Fatal(err)
	}
	sim := NewSim(application.Sichuan, nil, WithSimStore(st))
	c := newSimClient(t, sim)
	ctx := context.Background()
	cat, _ := SampleCatalog()
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
	st2, err := OpenSimStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	sim2 := NewSim(application.Sichuan, nil, WithSimStore(st2))
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
