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
	return simOK(http.StatusOK, platform.CatalogBundle{Version: s.catalog.Version, Province: s.province, Items: s.catalog.Items})
}
