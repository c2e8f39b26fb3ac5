package fleet

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
)

// LayerSignature is a province's detached signature of a profile layer: a
// hall's fleet key alone cannot push a layer that changes where the
// platform is or who may open technician mode (see Dangerous in the
// agent); such a layer must also carry this, made with the province key
// the kiosk's base profile names (fleet.province_key).
//
// It is the JSON file `kioskctl profile sign` writes (LAYER.yaml.sig):
//
//	{"format": "sckiosk-layer-sig/1", "layer_sm3": "<hex>",
//	 "kiosks": ["SC-0001", …], "expires": "2026-03-02T10:00:00Z",
//	 "sig": "<base64 ASN.1 DER SM2 signature>"}
//
// The signature (SM2 with SM3, default user id 1234567812345678) is over
// SignedText: the format, the layer's SM3, the sorted kiosk ids joined by
// commas and the expiry in RFC 3339 UTC, one per line. So the exact layer
// bytes, the kiosks it may be applied to and its life are all covered.
type LayerSignature struct {
	Format   string    `json:"format"`
	LayerSM3 string    `json:"layer_sm3"`
	Kiosks   []string  `json:"kiosks"`
	Expires  time.Time `json:"expires"`
	Sig      string    `json:"sig"`
}

// LayerSigFormat names the format of a LayerSignature.
const LayerSigFormat = "sckiosk-layer-sig/1"

// MaxLayerSigLife is the longest a province signature may be valid for.
const MaxLayerSigLife = 30 * 24 * time.Hour

// Reasons a province signature is refused.
var (
	ErrLayerUnsigned   = errors.New("fleet: the layer changes platform endpoints, keys or the technician PIN and carries no province signature")
	ErrLayerNoKey      = errors.New("fleet: the kiosk's base profile names no province key (fleet.province_key)")
	ErrLayerAltered    = errors.New("fleet: province signature is for other layer bytes")
	ErrLayerOtherKiosk = errors.New("fleet: province signature does not name this kiosk")
	ErrLayerExpired    = errors.New("fleet: province signature expired")
	ErrLayerBadSig     = errors.New("fleet: province signature does not verify with the province key")
	ErrLayerFormat     = errors.New("fleet: province signature is malformed")
)

// SignedText is what the signature covers.
func (s LayerSignature) SignedText() []byte {
	kiosks := slices.Clone(s.Kiosks)
	slices.Sort(kiosks)
	return []byte(strings.Join([]string{s.Format, s.LayerSM3, strings.Join(kiosks, ","),
		s.Expires.UTC().Format(time.RFC3339)}, "\n"))
}

// layerDigest is the lower-case hex SM3 of layer.
func layerDigest(layer []byte) string {
	d := sm3.Sum(layer)
	return hex.EncodeToString(d[:])
}

// Covers reports whether s names layer's exact bytes (its SM3); it does
// not check the signature. The hall uses it to refuse at once a push whose
// layer is not the file that was signed.
func (s LayerSignature) Covers(layer []byte) bool { return s.LayerSM3 == layerDigest(layer) }

// SignLayer signs layer for kiosks until expires with the province key.
func SignLayer(key *sm2.PrivateKey, layer []byte, kiosks []string, expires time.Time) (LayerSignature, error) {
	if len(kiosks) == 0 {
		return LayerSignature{}, errors.New("fleet: sign layer: name at least one kiosk")
	}
	for _, k := range kiosks {
		if k == "" || strings.ContainsAny(k, ",\n\r \t") {
			return LayerSignature{}, fmt.Errorf("fleet: sign layer: kiosk id %q: empty or with a comma or space", k)
		}
	}
	s := LayerSignature{Format: LayerSigFormat, LayerSM3: layerDigest(layer), Kiosks: slices.Clone(kiosks),
		Expires: expires.UTC().Truncate(time.Second)}
	slices.Sort(s.Kiosks)
	s.Kiosks = slices.Compact(s.Kiosks)
	sig, err := key.Sign(rand.Reader, s.SignedText(), sm2.DefaultSM2SignerOpts)
	if err != nil {
		return LayerSignature{}, fmt.Errorf("fleet: sign layer: %w", err)
	}
	s.Sig = base64.StdEncoding.EncodeToString(sig)
	return s, nil
}

// Verify checks that s is pub's signature of layer, names kiosk and has
// not expired at now. The errors are the ErrLayer… reasons.
func (s LayerSignature) Verify(pub *ecdsa.PublicKey, layer []byte, kiosk string, now time.Time) error {
	if pub == nil {
		return ErrLayerNoKey
	}
	if s.Format != LayerSigFormat || s.Sig == "" || s.Expires.IsZero() {
		return ErrLayerFormat
	}
	raw, err := base64.StdEncoding.DecodeString(s.Sig)
	if err != nil {
		return fmt.Errorf("%w: sig is not base64", ErrLayerFormat)
	}
	if !sm2.VerifyASN1WithSM2(pub, nil, s.SignedText(), raw) {
		return ErrLayerBadSig
	}
	// Signed: what it says can be believed from here on.
	switch {
	case s.LayerSM3 != layerDigest(layer):
		return ErrLayerAltered
	case !slices.Contains(s.Kiosks, kiosk):
		return ErrLayerOtherKiosk
	case !now.Before(s.Expires):
		return fmt.Errorf("%w at %s", ErrLayerExpired, s.Expires.UTC().Format(time.RFC3339))
	case s.Expires.Sub(now) > MaxLayerSigLife:
		return fmt.Errorf("%w: valid for more than %s", ErrLayerFormat, MaxLayerSigLife)
	}
	return nil
}

// ParseLayerSignature reads the JSON of a signature file; unknown fields
// are refused.
func ParseLayerSignature(data []byte) (LayerSignature, error) {
	var s LayerSignature
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return LayerSignature{}, fmt.Errorf("%w: %v", ErrLayerFormat, err)
	}
	return s, nil
}
