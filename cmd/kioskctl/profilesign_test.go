package main

import (
	"crypto/rand"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"sckiosk/kiosk/fleet"
)

// TestProfileSign: `profile sign` writes a signature file the kiosk's
// check accepts for the kiosks named and the layer as signed, and refuses
// what it cannot sign.
func TestProfileSign(t *testing.T) {
	dir := t.TempDir()
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := smx509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "province.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	layer := []byte("platform:\n  sichuan:\n    url: https://zwfw2.sc.example/gw\n")
	layerFile := filepath.Join(dir, "layer.yaml")
	if err := os.WriteFile(layerFile, layer, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := kioskctl(t, "profile", "sign", "--key", keyFile, "--kiosks", "SC-0001, SC-0002", "--expires", "2h", layerFile)
	if code != 0 || !strings.Contains(out, "layer.yaml.sig: signed for SC-0001,SC-0002 until") {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	raw, err := os.ReadFile(layerFile + ".sig")
	if err != nil {
		t.Fatal(err)
	}
	sig, err := fleet.ParseLayerSignature(raw)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := sig.Verify(&key.PublicKey, layer, "SC-0002", now); err != nil {
		t.Errorf("signature refused for a kiosk it names: %v", err)
	}
	if err := sig.Verify(&key.PublicKey, layer, "SC-0003", now); !errors.Is(err, fleet.ErrLayerOtherKiosk) {
		t.Errorf("another kiosk: %v", err)
	}
	if err := sig.Verify(&key.PublicKey, layer, "SC-0001", now.Add(3*time.Hour)); !errors.Is(err, fleet.ErrLayerExpired) {
		t.Errorf("after 3h: %v", err)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"profile", "sign", "--kiosks", "SC-0001", layerFile}, "--key"},
		{[]string{"profile", "sign", "--key", keyFile, layerFile}, "--kiosks"},
		{[]string{"profile", "sign", "--key", keyFile, "--kiosks", "SC-0001", "--expires", "0s", layerFile}, "--expires"},
		{[]string{"profile", "sign", "--key", keyFile, "--kiosks", "SC-0001", "--expires", "9000h", layerFile}, "--expires"},
		{[]string{"profile", "sign", "--key", keyFile, "--kiosks", "SC-0001,", layerFile}, "kiosk id"},
		{[]string{"profile", "sign", "--key", layerFile, "--kiosks", "SC-0001", layerFile}, "province key"},
		{[]string{"profile", "sign", "--key", keyFile, "--kiosks", "SC-0001", keyFile}, "not a profile layer"},
	} {
		if code, _, stderr := kioskctl(t, tt.args...); code == 0 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q lacks %q", tt.args, code, stderr, tt.want)
		}
	}
}
