// Package catalogyaml reads a catalogue of service items written in YAML
// (the layout of sample.yaml: a version, the applicant fields that open
// every form, then the items) and holds the sample catalogue, embedded:
// the one the platform simulator serves and the demo screens show. It does
// no I/O; the caller reads the file.
package catalogyaml

import (
	"bytes"
	_ "embed"
	"fmt"

	"go.yaml.in/yaml/v3"

	"sckiosk/kiosk/core/catalog"
)

// sampleYAML is the sample catalogue (see the comment at the top of the
// file).
//
//go:embed sample.yaml
var sampleYAML []byte

// file is the layout of a catalogue file: the applicant fields that open
// every form (a natural person's, an enterprise's), then the items with
// their own fields.
type file struct {
	Version   string          `yaml:"version"`
	Applicant []catalog.Field `yaml:"applicant"`
	// LegalApplicant opens the form of an item an enterprise applies for
	// with its business licence: its name and credit code, read from the
	// licence.
	LegalApplicant []catalog.Field `yaml:"legal_applicant"`
	Items          []catalog.Item  `yaml:"items"`
}

// Sample returns the sample catalogue: Sichuan items as a Chengdu hall
// offers them, 川渝通办 items and three 一件事一次办 bundles among them.
// Each call parses the embedded data afresh, so callers may change what
// they get.
func Sample() (catalog.Catalog, error) {
	c, err := Parse(sampleYAML)
	if err != nil {
		return catalog.Catalog{}, fmt.Errorf("platform: sample catalogue: %w", err)
	}
	return c, nil
}

// Parse reads a catalogue in the layout of the sample (sample.yaml:
// version, the applicant fields that open every form, items) and checks
// it with catalog.Catalog.Validate. Unknown keys are errors. An item gets
// the applicant fields of each kind of applicant it accepts, each marked
// for that kind, so one form serves a person and an enterprise.
func Parse(data []byte) (catalog.Catalog, error) {
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return catalog.Catalog{}, fmt.Errorf("catalogue: %w", err)
	}
	for i, it := range f.Items {
		var fields []catalog.Field
		if it.Accepts(catalog.NaturalPerson) {
			fields = append(fields, applicantFields(f.Applicant, catalog.NaturalPerson)...)
		}
		if it.Accepts(catalog.LegalPerson) {
			fields = append(fields, applicantFields(f.LegalApplicant, catalog.LegalPerson)...)
		}
		f.Items[i].Fields = append(fields, it.Fields...)
	}
	c := catalog.Catalog{Version: f.Version, Items: f.Items}
	if err := c.Validate(); err != nil {
		return catalog.Catalog{}, err
	}
	return c, nil
}

// applicantFields are copies of fields marked for applicants of kind k;
// a field already marked for a kind keeps it.
func applicantFields(fields []catalog.Field, k catalog.ApplicantKind) []catalog.Field {
	out := make([]catalog.Field, len(fields))
	for i, fl := range fields {
		if fl.For == "" {
			fl.For = k
		}
		out[i] = fl
	}
	return out
}
