package platform

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"go.yaml.in/yaml/v3"

	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/catalog"
)

// sampleCatalogYAML is the simulator's sample catalogue (see the comment at
// the top of the file).
//
//go:embed catalog_sample.yaml
var sampleCatalogYAML []byte

// CatalogBundle is the data of GET {base}/api/v1/catalog: the platform's
// catalogue of service items with its version. Like every answer it is
// signed by the platform (SignResponse), so a kiosk that verified the
// answer can trust each item's code, materials and form.
type CatalogBundle struct {
	Version  string         `json:"version"`
	Province string         `json:"province"` // the platform that published it
	Items    []catalog.Item `json:"items"`
}

// Catalog returns the bundle as the kiosk's catalogue type.
func (b CatalogBundle) Catalog() catalog.Catalog {
	return catalog.Catalog{Version: b.Version, Items: b.Items}
}

// sampleFile is the layout of catalog_sample.yaml: the applicant fields
// that open every form, then the items with their own fields.
type sampleFile struct {
	Version   string          `yaml:"version"`
	Applicant []catalog.Field `yaml:"applicant"`
	Items     []catalog.Item  `yaml:"items"`
}

// SampleCatalog returns the simulator's sample catalogue: Sichuan items as
// a Chengdu hall offers them, 川渝通办 items and three 一件事一次办 bundles
// among them. Each call parses the embedded data afresh, so callers may
// change what they get.
func SampleCatalog() (catalog.Catalog, error) {
	c, err := ParseCatalogYAML(sampleCatalogYAML)
	if err != nil {
		return catalog.Catalog{}, fmt.Errorf("platform: sample catalogue: %w", err)
	}
	return c, nil
}

// ParseCatalogYAML reads a catalogue in the layout of the sample
// (catalog_sample.yaml: version, the applicant fields that open every
// form, items) and checks it with ValidateCatalog. Unknown keys are
// errors.
func ParseCatalogYAML(data []byte) (catalog.Catalog, error) {
	var f sampleFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return catalog.Catalog{}, fmt.Errorf("catalogue: %w", err)
	}
	for i := range f.Items {
		f.Items[i].Fields = append(append([]catalog.Field{}, f.Applicant...), f.Items[i].Fields...)
	}
	c := catalog.Catalog{Version: f.Version, Items: f.Items}
	if err := ValidateCatalog(c); err != nil {
		return catalog.Catalog{}, err
	}
	return c, nil
}

// ValidateCatalog checks what a kiosk relies on in a catalogue: a version,
// at least one item, unique non-empty codes, a name and a province (51 or
// 50) for each item, well-formed fields, and bundles whose members are
// single items of the same catalogue.
func ValidateCatalog(c catalog.Catalog) error {
	if strings.TrimSpace(c.Version) == "" {
		return fmt.Errorf("catalogue without a version")
	}
	if len(c.Items) == 0 {
		return fmt.Errorf("catalogue %s has no items", c.Version)
	}
	byCode := make(map[string]catalog.Item, len(c.Items))
	for i, it := range c.Items {
		if strings.TrimSpace(it.Code) == "" || strings.TrimSpace(it.Name) == "" {
			return fmt.Errorf("catalogue %s: item %d: missing code or name", c.Version, i)
		}
		if _, dup := byCode[it.Code]; dup {
			return fmt.Errorf("catalogue %s: item code %s appears twice", c.Version, it.Code)
		}
		byCode[it.Code] = it
		if it.Province != application.Sichuan && it.Province != application.Chongqing {
			return fmt.Errorf("catalogue %s: item %s: province %q is neither %s nor %s", c.Version, it.Code, it.Province, application.Sichuan, application.Chongqing)
		}
		keys := map[string]bool{}
		for _, f := range it.Fields {
			switch {
			case f.Key == "" || f.Label == "":
				return fmt.Errorf("catalogue %s: item %s: field without key or label", c.Version, it.Code)
			case keys[f.Key]:
				return fmt.Errorf("catalogue %s: item %s: field %s appears twice", c.Version, it.Code, f.Key)
			case !knownKind(f.Kind):
				return fmt.Errorf("catalogue %s: item %s: field %s: unknown kind %q", c.Version, it.Code, f.Key, f.Kind)
			case f.Kind == catalog.Choice && len(f.Options) == 0:
				return fmt.Errorf("catalogue %s: item %s: choice field %s without options", c.Version, it.Code, f.Key)
			}
			keys[f.Key] = true
		}
	}
	for _, it := range c.Items {
		for _, m := range it.Bundle {
			member, ok := byCode[m]
			switch {
			case !ok:
				return fmt.Errorf("catalogue %s: bundle %s: member %s is not in the catalogue", c.Version, it.Code, m)
			case len(member.Bundle) > 0:
				return fmt.Errorf("catalogue %s: bundle %s: member %s is itself a bundle", c.Version, it.Code, m)
			}
		}
	}
	return nil
}

// FetchCatalog fetches the signed catalogue of the Sichuan platform (the
// kiosk's home platform; 川渝通办 items of Chongqing are in it, with
// Province 50) and checks it with ValidateCatalog. The answer's platform
// signature is verified before it is read. Errors wrap ErrUnavailable when
// fetching later may succeed; the kiosk keeps its built-in or last
// catalogue meanwhile.
func (c *Client) FetchCatalog(ctx context.Context) (catalog.Catalog, error) {
	ans, err := c.roundTrip(ctx, request{op: "catalogue", province: application.Sichuan, method: http.MethodGet,
		path: []string{"api", "v1", "catalog"}})
	if err != nil {
		return catalog.Catalog{}, err
	}
	if err := ans.class(); err != nil {
		return catalog.Catalog{}, err
	}
	var b CatalogBundle
	if err := json.Unmarshal(ans.env.Data, &b); err != nil {
		return catalog.Catalog{}, fmt.Errorf("platform %s: catalogue: %w: decode: %w", application.Sichuan, ErrUnavailable, err)
	}
	cat := b.Catalog()
	if err := ValidateCatalog(cat); err != nil {
		return catalog.Catalog{}, fmt.Errorf("platform %s: catalogue: invalid: %w", application.Sichuan, err)
	}
	c.log.Info("platform catalogue fetched", "version", cat.Version, "items", len(cat.Items))
	return cat, nil
}

// serveCatalog answers GET /api/v1/catalog.
func (s *Sim) serveCatalog(*http.Request) simAnswer {
	if s.catalog.Version == "" {
		return simFail(http.StatusServiceUnavailable, CodeUnavailable, "目录未加载 / catalogue not loaded")
	}
	return simOK(http.StatusOK, CatalogBundle{Version: s.catalog.Version, Province: s.province, Items: s.catalog.Items})
}

// knownKind reports whether the kiosk knows how to enter a field of kind k.
func knownKind(k catalog.FieldKind) bool {
	switch k {
	case catalog.Text, catalog.Phone, catalog.Choice, catalog.IDNo, catalog.USCC, catalog.Date:
		return true
	}
	return false
}
