package platform

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/catalog"
)

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

// FetchCatalog fetches the signed catalogue of the Sichuan platform (the
// kiosk's home platform; 川渝通办 items of Chongqing are in it, with
// Province 50) and checks it with catalog.Catalog.Validate. The answer's
// platform signature is verified before it is read. Errors wrap
// ErrUnavailable when fetching later may succeed; the kiosk keeps its
// built-in or last catalogue meanwhile.
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
	if err := cat.Validate(); err != nil {
		return catalog.Catalog{}, fmt.Errorf("platform %s: catalogue: invalid: %w", application.Sichuan, err)
	}
	c.log.Info("platform catalogue fetched", "version", cat.Version, "items", len(cat.Items))
	return cat, nil
}
