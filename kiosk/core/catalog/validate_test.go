package catalog

import (
	"strings"
	"testing"
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
