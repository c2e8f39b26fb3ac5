package catalog

import (
	"strings"
	"testing"

	"sckiosk/kiosk/core/identity"
)

func TestValidateCatalog(t *testing.T) {
	good := func() Catalog {
		f := []Field{{Key: "name", Label: "姓名", Kind: Text}}
		return Catalog{Version: "v1", Items: []Item{
			{Code: "A", Name: "a", Province: "51", Fields: f},
			{Code: "B", Name: "b", Province: "50", Fields: f},
			{Code: "X", Name: "x", Province: "51", Bundle: []string{"A", "B"}},
		}}
	}
	tests := []struct {
		name   string
		change func(*Catalog)
		want   string
	}{
		{"good", func(*Catalog) {}, ""},
		{"no version", func(c *Catalog) { c.Version = "" }, "without a version"},
		{"no items", func(c *Catalog) { c.Items = nil }, "no items"},
		{"duplicate code", func(c *Catalog) { c.Items[1].Code = "A" }, "twice"},
		{"bad province", func(c *Catalog) { c.Items[0].Province = "44" }, "province"},
		{"bad kind", func(c *Catalog) { c.Items[0].Fields[0].Kind = "colour" }, "unknown kind"},
		{"choice without options", func(c *Catalog) { c.Items[0].Fields[0].Kind = Choice }, "without options"},
		{"missing member", func(c *Catalog) { c.Items[2].Bundle = []string{"A", "Z"} }, "not in the catalogue"},
		{"nested bundle", func(c *Catalog) { c.Items[2].Bundle = []string{"A", "X"} }, "itself a bundle"},
		{"unknown applicant kind", func(c *Catalog) { c.Items[0].Applicants = []ApplicantKind{"robot"} }, "unknown applicant kind"},
		{"unknown offline rule", func(c *Catalog) { c.Items[0].Offline = "queue" }, `offline "queue"`},
		{"unknown field applicant", func(c *Catalog) { c.Items[0].Fields[0].For = "robot" }, "unknown applicant kind"},
		{"a key per kind of applicant", func(c *Catalog) {
			c.Items[0].Fields = []Field{{Key: "name", Label: "姓名", Kind: Text, For: NaturalPerson}, {Key: "name", Label: "企业名称", Kind: Text, For: LegalPerson}}
		}, ""},
		{"a key twice for one kind", func(c *Catalog) {
			c.Items[0].Fields = []Field{{Key: "name", Label: "姓名", Kind: Text, For: NaturalPerson}, {Key: "name", Label: "企业名称", Kind: Text}}
		}, "twice"},
	}
	for _, tt := range tests {
		c := good()
		tt.change(&c)
		err := c.Validate()
		if (err == nil) != (tt.want == "") || err != nil && !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

// Items are for natural persons unless they say otherwise, and each kind of
// applicant sees the fields meant for it.
func TestApplicantKinds(t *testing.T) {
	it := Item{Fields: []Field{{Key: "name", For: NaturalPerson}, {Key: "name", For: LegalPerson}, {Key: "phone"}}}
	tests := []struct {
		applicants []ApplicantKind
		kind       ApplicantKind
		accepts    bool
	}{
		{nil, NaturalPerson, true},
		{nil, LegalPerson, false},
		{[]ApplicantKind{LegalPerson}, NaturalPerson, false},
		{[]ApplicantKind{LegalPerson}, LegalPerson, true},
		{[]ApplicantKind{LegalPerson, NaturalPerson}, NaturalPerson, true},
	}
	for _, tt := range tests {
		it.Applicants = tt.applicants
		if got := it.Accepts(tt.kind); got != tt.accepts {
			t.Errorf("%v accepts %s = %v", tt.applicants, tt.kind, got)
		}
	}
	for kind, want := range map[ApplicantKind][]ApplicantKind{NaturalPerson: {NaturalPerson, ""}, LegalPerson: {LegalPerson, ""}} {
		var got []ApplicantKind
		for _, f := range it.For(kind).Fields {
			got = append(got, f.For)
		}
		if strings.Join(kinds(got), ",") != strings.Join(kinds(want), ",") {
			t.Errorf("fields for %s: %v, want %v", kind, got, want)
		}
	}
	if len(it.Fields) != 3 {
		t.Error("For changed the item it was given")
	}
	if KindOf(identity.Person{Source: identity.SourceBusiness}) != LegalPerson || KindOf(identity.Person{Source: identity.SourceIDCard}) != NaturalPerson {
		t.Error("KindOf")
	}
}

func kinds(ks []ApplicantKind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

// The built-in catalogue promises nothing the kiosk does not print, and
// its enterprise item opens with the licence's name and credit code.
func TestBuiltinPromisesAndApplicants(t *testing.T) {
	c := Builtin()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, it := range c.Items {
		if strings.Contains(it.Next, "随回执一并打印") || strings.Contains(it.Next, "在本机打印") {
			t.Errorf("%s promises a document the kiosk does not print: %s", it.Name, it.Next)
		}
		if it.Accepts(LegalPerson) {
			if f := it.For(LegalPerson).Fields; f[1].Label != "统一社会信用代码" || !f[1].ReadOnly {
				t.Errorf("%s: an enterprise's form opens with %+v", it.Name, f[:2])
			}
		}
	}
}
