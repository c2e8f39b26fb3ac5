package fleet

import (
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
)

// TestLayerSignature: a province signature covers the layer's bytes, the
// kiosks and the expiry; changing any of them, or verifying with another
// key, refuses it with its reason.
func TestLayerSignature(t *testing.T) {
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	layer := []byte("platform:\n  sichuan:\n    url: https://gw.sc.example/a\n")
	good, err := SignLayer(key, layer, []string{"SC-0002", "SC-0001", "SC-0002"}, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(good.Kiosks) != 2 || good.Kiosks[0] != "SC-0001" {
		t.Errorf("kiosks %v, want sorted and unique", good.Kiosks)
	}
	edit := func(f func(*LayerSignature)) LayerSignature {
		s := good
		s.Kiosks = append([]string(nil), good.Kiosks...)
		f(&s)
		return s
	}
	tests := []struct {
		name  string
		sig   LayerSignature
		key   *sm2.PrivateKey
		layer []byte
		kiosk string
		at    time.Time
		want  error
	}{
		{"valid", good, key, layer, "SC-0001", now, nil},
		{"another kiosk", good, key, layer, "SC-0003", now, ErrLayerOtherKiosk},
		{"at its expiry", good, key, layer, "SC-0001", now.Add(time.Hour), ErrLayerExpired},
		{"another key", good, other, layer, "SC-0001", now, ErrLayerBadSig},
		{"layer altered", good, key, append([]byte("# hi\n"), layer...), "SC-0001", now, ErrLayerAltered},
		{"trailing newline dropped", good, key, layer[:len(layer)-1], "SC-0001", now, ErrLayerAltered},
		{"kiosk added", edit(func(s *LayerSignature) { s.Kiosks = append(s.Kiosks, "SC-0003") }), key, layer, "SC-0003", now, ErrLayerBadSig},
		{"expiry extended", edit(func(s *LayerSignature) { s.Expires = s.Expires.Add(time.Hour) }), key, layer, "SC-0001", now, ErrLayerBadSig},
		{"digest swapped", edit(func(s *LayerSignature) { s.LayerSM3 = layerDigest([]byte("x: 1\n")) }), key, []byte("x: 1\n"), "SC-0001", now, ErrLayerBadSig},
		{"no signature", edit(func(s *LayerSignature) { s.Sig = "" }), key, layer, "SC-0001", now, ErrLayerFormat},
		{"other format", edit(func(s *LayerSignature) { s.Format = "v2" }), key, layer, "SC-0001", now, ErrLayerFormat},
		{"sig not base64", edit(func(s *LayerSignature) { s.Sig = "%%%" }), key, layer, "SC-0001", now, ErrLayerFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.sig.Verify(&tt.key.PublicKey, tt.layer, tt.kiosk, tt.at); !errors.Is(err, tt.want) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := ParseLayerSignature([]byte(`{"format":"sckiosk-layer-sig/1","extra":1}`)); !errors.Is(err, ErrLayerFormat) {
		t.Errorf("unknown field: %v", err)
	}
	for _, ids := range [][]string{nil, {""}, {"SC-0001,SC-0002"}, {"SC 1"}} {
		if _, err := SignLayer(key, layer, ids, now); err == nil {
			t.Errorf("SignLayer(%q) signed", ids)
		}
	}
}
