package platform

import (
	"bytes"
	"crypto/ecdsa"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var updateDemoKeys = flag.Bool("update-demo-keys", false, "rewrite docs/keys/*.pub.pem from the code's demo keys")

// The demo public keys published in docs/keys are the code's: a client
// written from the docs alone can check the simulator's answers and be
// trusted as the demo kiosk.
func TestPublishedDemoKeys(t *testing.T) {
	tests := []struct {
		file string
		pub  *ecdsa.PublicKey
	}{
		{"demo-kiosk.pub.pem", &DemoKioskKey().PublicKey},
		{"demo-platform.pub.pem", &DemoPlatformKey().PublicKey},
	}
	for _, tt := range tests {
		want, err := MarshalPublicKeyPEM(tt.pub)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("..", "..", "..", "docs", "keys", tt.file)
		if *updateDemoKeys {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not the code's demo key:\n%s\nwant:\n%s", tt.file, got, want)
		}
		pub, err := ParsePublicKeyPEM(got)
		if err != nil || !pub.Equal(tt.pub) {
			t.Errorf("%s does not parse back: %v", tt.file, err)
		}
	}
}
