package wire

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/emmansun/gmsm/sm2"

	"sckiosk/kiosk/identity"
	"sckiosk/kiosk/platform"
	"sckiosk/kiosk/profile"
	"sckiosk/kiosk/qrpayload"
)

// A profile's code_key_dir replaces the demo keys: codes signed by a key
// in it are resolved to the person or enterprise, the demo key's codes are
// refused offline as an unregistered issuer, and a pinned CA on an http
// endpoint is caught by the profile check (profile tests).
func TestCodeGateWithProfileKeys(t *testing.T) {
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pem, err := platform.MarshalPublicKeyPEM(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "p2026.pem"), pem, 0o644); err != nil {
		t.Fatal(err)
	}
	sim := platform.NewSim(platform.Sichuan, nil, platform.WithSimKey(key), platform.WithCodeKeyID("p2026"))
	srv := httptest.NewServer(sim)
	defer srv.Close()
	client, err := platform.NewClient(map[string]string{platform.Sichuan: srv.URL}, srv.Client(), nil,
		platform.WithPlatformKey(platform.Sichuan, &key.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	prof := profile.Default()
	prof.Platform.Sichuan = profile.Endpoint{URL: srv.URL, CodeKeyDir: dir}
	gate, _, err := codeGate(prof, client)
	if err != nil {
		t.Fatal(err)
	}
	li := platform.Identity{IDType: "111", Number: "11010519491231002X", Name: "李四"}
	biz := platform.DemoBusinesses()[0]
	bizCode, err := sim.IssueBusinessCode(biz.USCC)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, code string
		source     identity.Source
		number     string
	}{
		{"app code", sim.IssueAppCode(li), identity.SourceQR, li.Number},
		{"health code", sim.IssueHealthCode(li, "green"), identity.SourceQR, li.Number},
		{"business licence", bizCode, identity.SourceBusiness, biz.USCC},
	}
	for _, tt := range tests {
		p, err := gate.Verify(context.Background(), tt.code)
		if err != nil || p.Number != tt.number || p.Source != tt.source {
			t.Errorf("%s: %+v, %v", tt.name, p.Mask(), err)
		}
	}
	demoSigned := platform.NewSim(platform.Sichuan, nil).IssueAppCode(li)
	_, err = gate.Verify(context.Background(), demoSigned)
	var n interface{ Notice() string }
	if !errors.Is(err, qrpayload.ErrUnknownKey) || !errors.As(err, &n) || n.Notice() != "二维码的签发机构未登记，无法核验" {
		t.Errorf("demo-signed code with production keys: %v", err)
	}
	if got := (identity.Person{Source: identity.SourceBusiness}).IDTypeCode(); got != "001" {
		t.Errorf("enterprise IDTypeCode = %s, want 001", got)
	}
}
