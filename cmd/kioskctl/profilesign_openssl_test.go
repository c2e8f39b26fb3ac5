package main

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sckiosk/internal/sm2pem"
	"sckiosk/kiosk/fleet"
)

// runOpenSSL runs the openssl command in dir and returns its stdout.
func runOpenSSL(t *testing.T, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// TestLayerSignatureWithOpenSSL: a province needs nothing of this project
// to sign a layer. A signature made with Debian's openssl from fleet.md's
// description is accepted by the kiosk's check, and one `kioskctl profile
// sign` makes (with a key openssl generated) verifies with openssl.
func TestLayerSignatureWithOpenSSL(t *testing.T) {
	dir := t.TempDir()
	if err := exec.Command("openssl", "genpkey", "-algorithm", "SM2", "-out", filepath.Join(dir, "province.pem")).Run(); err != nil {
		if os.Getenv("PLATFORM_REQUIRE_OPENSSL") == "1" {
			t.Fatalf("openssl cannot make an SM2 key: %v", err)
		}
		t.Skipf("openssl without SM2: %v", err)
	}
	runOpenSSL(t, dir, "pkey", "-in", "province.pem", "-pubout", "-out", "province.pub.pem")
	pub, err := sm2pem.ReadPublicKey(filepath.Join(dir, "province.pub.pem"), "province key")
	if err != nil {
		t.Fatal(err)
	}
	layer := []byte("platform:\n  sichuan:\n    url: https://zwfw2.sc.example/gw\n")
	if err := os.WriteFile(filepath.Join(dir, "layer.yaml"), layer, 0o644); err != nil {
		t.Fatal(err)
	}

	// By hand, as fleet.md says: SM3 of the layer, four lines, SM2 with
	// the default user id, DER, base64.
	digest := strings.Fields(string(runOpenSSL(t, dir, "dgst", "-sm3", "-r", "layer.yaml")))[0]
	expires := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	text := strings.Join([]string{fleet.LayerSigFormat, digest, "SC-0001,SC-0002", expires.Format(time.RFC3339)}, "\n")
	if err := os.WriteFile(filepath.Join(dir, "signed.txt"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	der := runOpenSSL(t, dir, "dgst", "-sm3", "-sign", "province.pem", "-sigopt", "distid:1234567812345678", "signed.txt")
	byHand := fleet.LayerSignature{Format: fleet.LayerSigFormat, LayerSM3: digest, Kiosks: []string{"SC-0002", "SC-0001"},
		Expires: expires, Sig: base64.StdEncoding.EncodeToString(der)}
	if err := byHand.Verify(pub, layer, "SC-0001", time.Now()); err != nil {
		t.Errorf("openssl's signature refused: %v", err)
	}
	if err := byHand.Verify(pub, append(layer, '\n'), "SC-0001", time.Now()); !errors.Is(err, fleet.ErrLayerAltered) {
		t.Errorf("openssl's signature of other bytes: %v", err)
	}

	// And the other way: kioskctl signs, openssl verifies.
	if code, out, stderr := kioskctl(t, "profile", "sign", "--key", filepath.Join(dir, "province.pem"), "--kiosks", "SC-0001",
		filepath.Join(dir, "layer.yaml")); code != 0 {
		t.Fatalf("profile sign: exit %d\n%s%s", code, out, stderr)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "layer.yaml.sig"))
	if err != nil {
		t.Fatal(err)
	}
	sig, err := fleet.ParseLayerSignature(raw)
	if err != nil {
		t.Fatal(err)
	}
	if sig.LayerSM3 != digest {
		t.Errorf("layer_sm3 %s, openssl says %s", sig.LayerSM3, digest)
	}
	sigDER, err := base64.StdEncoding.DecodeString(sig.Sig)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"ours.txt": sig.SignedText(), "ours.sig": sigDER} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out := runOpenSSL(t, dir, "dgst", "-sm3", "-verify", "province.pub.pem", "-sigopt", "distid:1234567812345678",
		"-signature", "ours.sig", "ours.txt"); !strings.Contains(string(out), "Verified OK") {
		t.Errorf("openssl: %s", out)
	}
}
