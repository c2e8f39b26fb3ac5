package sm2pem

import (
	"crypto/rand"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
)

func TestReadPrivateKey(t *testing.T) {
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := smx509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	sec1, err := smx509.MarshalSM2PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, block := range map[string]*pem.Block{"pkcs8.pem": {Type: "PRIVATE KEY", Bytes: pkcs8}, "sec1.pem": {Type: "EC PRIVATE KEY", Bytes: sec1}} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := ReadPrivateKey(path, "fleet key")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !got.Equal(key) {
			t.Errorf("%s: another key", name)
		}
	}
	bad := filepath.Join(dir, "bad.pem")
	if err := os.WriteFile(bad, []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPrivateKey(bad, "fleet key"); err == nil || !strings.HasPrefix(err.Error(), "fleet key "+bad+": ") {
		t.Errorf("wrong PEM type: %v", err)
	}
	if _, err := ReadPrivateKey(filepath.Join(dir, "missing.pem"), "fleet key"); err == nil || !strings.HasPrefix(err.Error(), "fleet key: ") {
		t.Errorf("missing file: %v", err)
	}
}

func TestReadPublicKey(t *testing.T) {
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := smx509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "platform.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadPublicKey(path, "platform key")
	if err != nil || !got.Equal(&key.PublicKey) {
		t.Fatalf("ReadPublicKey: %v", err)
	}
	bad := filepath.Join(dir, "bad.pem")
	if err := os.WriteFile(bad, []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPublicKey(bad, "code key"); err == nil || !strings.HasPrefix(err.Error(), "code key "+bad+": public key: ") {
		t.Errorf("wrong PEM type: %v", err)
	}
	if _, err := ReadPublicKey(filepath.Join(dir, "missing.pem"), "fleet key"); err == nil || !strings.HasPrefix(err.Error(), "fleet key: ") {
		t.Errorf("missing file: %v", err)
	}
}
