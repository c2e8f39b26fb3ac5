package platform_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/emmansun/gmsm/sm2"

	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/adapters/platform/internal/platformtest"
	"sckiosk/kiosk/adapters/platform/platformsim"
	"sckiosk/kiosk/core/application"
)

// writeKey writes key as PKCS#8 PEM into dir/name and returns the path.
func writeKey(t *testing.T, dir, name string, key *sm2.PrivateKey) string {
	t.Helper()
	pem, err := platform.MarshalPrivateKeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Each province's platform knows the kiosk by its own app id and key: two
// simulators that each trust only one kiosk key accept an application
// each, whichever order the endpoints come in; a request signed for the
// other province is refused.
func TestEachProvinceSignsWithItsOwnKey(t *testing.T) {
	dir := t.TempDir()
	scKey, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cqKey, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sc := httptest.NewServer(platformsim.New(application.Sichuan, nil, platformsim.WithTrustedKiosk("SC-APP-1", &scKey.PublicKey)))
	defer sc.Close()
	cq := httptest.NewServer(platformsim.New(application.Chongqing, nil, platformsim.WithTrustedKiosk("CQ-APP-9", &cqKey.PublicKey)))
	defer cq.Close()
	scEP := platform.Endpoint{URL: sc.URL, AppID: "SC-APP-1", KeyFile: writeKey(t, dir, "sc.pem", scKey)}
	cqEP := platform.Endpoint{URL: cq.URL, AppID: "CQ-APP-9", KeyFile: writeKey(t, dir, "cq.pem", cqKey)}

	tests := []struct {
		name     string
		eps      map[string]platform.Endpoint
		province string
		wantErr  error // nil: accepted
	}{
		{"sichuan with its key", map[string]platform.Endpoint{"51": scEP, "50": cqEP}, application.Sichuan, nil},
		{"chongqing with its key", map[string]platform.Endpoint{"51": scEP, "50": cqEP}, application.Chongqing, nil},
		{"chongqing alone", map[string]platform.Endpoint{"50": cqEP}, application.Chongqing, nil},
		{"chongqing signed as sichuan", map[string]platform.Endpoint{"51": scEP, "50": {URL: cq.URL, AppID: "SC-APP-1", KeyFile: scEP.KeyFile}}, application.Chongqing, platform.ErrRejected},
		{"app id defaults to kiosk id", map[string]platform.Endpoint{"51": {URL: sc.URL, KeyFile: scEP.KeyFile}}, application.Sichuan, platform.ErrRejected},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := platform.Config{KioskID: "SC-0001", Endpoints: tt.eps}
			opts, err := cfg.ClientOptions()
			if err != nil {
				t.Fatal(err)
			}
			c, err := platform.NewClient(cfg.URLs(), nil, nil, opts...)
			if err != nil {
				t.Fatal(err)
			}
			app := platformtest.App(t, "req-"+string(rune('a'+i)), tt.province)
			rc, err := c.Submit(context.Background(), app)
			if tt.wantErr == nil && (err != nil || rc.CaseNumber == "") {
				t.Fatalf("Submit = %+v, %v; want a case", rc, err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("Submit err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}
