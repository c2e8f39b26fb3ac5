package platformsim

import (
	"net/http"

	"sckiosk/kiosk/adapters/platform"
)

// serveCatalog answers GET /api/v1/catalog.
func (s *Sim) serveCatalog(*http.Request) simAnswer {
	if s.catalog.Version == "" {
		return simFail(http.StatusServiceUnavailable, platform.CodeUnavailable, "目录未加载 / catalogue not loaded")
	}
	a := simOK(http.StatusOK, platform.CatalogBundle{Version: s.catalog.Version, Province: s.province, Items: s.catalog.Items})
	// A catalogue given to break the client (WithCatalog) is served as
	// given: a fault, not an answer the document describes.
	a.injected = s.catalog.Validate() != nil
	return a
}
