package platformsim

import (
	"net/http"
	"slices"

	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/core/catalog"
)

// serveCatalog answers GET /api/v1/catalog.
func (s *Sim) serveCatalog(*http.Request) simAnswer {
	if s.catalog.Version == "" {
		return simFail(http.StatusServiceUnavailable, platform.CodeUnavailable, "目录未加载 / catalogue not loaded")
	}
	items := slices.Clone(s.catalog.Items)
	for i := range items {
		// Lists the document requires are [] when empty, never null.
		if items[i].Materials == nil {
			items[i].Materials = []string{}
		}
		if items[i].Fields == nil {
			items[i].Fields = []catalog.Field{}
		}
	}
	a := simOK(http.StatusOK, platform.CatalogBundle{Version: s.catalog.Version, Province: s.province, Items: items})
	// A catalogue given to break the client (WithCatalog) is served as
	// given: a fault, not an answer the document describes.
	a.injected = s.catalog.Validate() != nil
	return a
}
