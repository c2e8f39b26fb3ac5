package agent

import (
	"context"
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

	"sckiosk/kiosk/adapters/audit"
	"sckiosk/kiosk/adapters/profile"
	"sckiosk/kiosk/fleet"
)

// writeSM2 writes a fresh SM2 key into dir: the private key as PKCS#8 PEM
// at name.key and its public half at name.pub.pem.
func writeSM2(t *testing.T, dir, name string) (*sm2.PrivateKey, string, string) {
	t.Helper()
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := smx509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := smx509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	priv, pub := filepath.Join(dir, name+".key"), filepath.Join(dir, name+".pub.pem")
	if err := os.WriteFile(priv, pemBlock("PRIVATE KEY", der), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pub, pemBlock("PUBLIC KEY", pubDER), 0o644); err != nil {
		t.Fatal(err)
	}
	return key, priv, pub
}

// provinceRig is a kiosk whose base profile has its own Sichuan platform
// keys and names a province key.
type provinceRig struct {
	*pushRig
	province *sm2.PrivateKey
	audits   []string // "message | reason"
}

func newProvinceRig(t *testing.T) *provinceRig {
	t.Helper()
	dir := t.TempDir()
	province, _, provincePub := writeSM2(t, dir, "province")
	_, kioskKey, _ := writeSM2(t, dir, "kiosk")
	_, _, platformPub := writeSM2(t, dir, "platform")
	p := profile.Default()
	p.DataDir = filepath.Join(dir, "data")
	p.Devices.IDCard.Driver, p.Devices.Scanner.Driver, p.Devices.Printer.Driver = "none", "none", "none"
	p.Fleet.Broker, p.Fleet.Hall, p.Fleet.SelfTestAfter = "mqtt://127.0.0.1:1883", "wuhou", 10*time.Millisecond
	p.Fleet.ProvinceKey = provincePub
	p.Platform = profile.Platforms{"51": {URL: "https://zwfw.sc.example/gw", AppID: "SC-APP-1", KeyFile: kioskKey, PlatformKeyFile: platformPub}}
	y, err := p.YAML()
	if err != nil {
		t.Fatal(err)
	}
	hallFile := filepath.Join(dir, "hall.yaml")
	if err := os.WriteFile(hallFile, y, 0o644); err != nil {
		t.Fatal(err)
	}
	base, err := profile.Load(hallFile)
	if err != nil {
		t.Fatal(err)
	}
	r := &provinceRig{pushRig: &pushRig{t: t, paths: []string{hallFile}, base: base, selfOK: true, restarts: make(chan struct{}, 4)}, province: province}
	return r
}

// pushSigned pushes layer with sig through a fresh handler and returns
// the reply.
func (r *provinceRig) pushSigned(layer string, sig *fleet.LayerSignature) fleet.Reply {
	r.t.Helper()
	h := r.handler()
	h.Record = func(_ audit.Kind, msg string, f map[string]string) {
		r.audits = append(r.audits, msg+" | "+f["reason"])
	}
	rep := h.Handle(context.Background(), fleet.Command{ID: fleet.NewCommandID(), Action: fleet.ActionProfile, Profile: layer, ProvinceSig: sig, Issuer: "hallserver@510107"})
	if rep.OK {
		select {
		case <-r.restarts:
		case <-time.After(5 * time.Second):
			r.t.Fatal("no restart after a written profile")
		}
	}
	return rep
}

// sign signs layer as the province (or with key) for kiosks until exp.
func (r *provinceRig) sign(key *sm2.PrivateKey, layer string, kiosks []string, exp time.Time) *fleet.LayerSignature {
	r.t.Helper()
	if key == nil {
		key = r.province
	}
	s, err := fleet.SignLayer(key, []byte(layer), kiosks, exp)
	if err != nil {
		r.t.Fatal(err)
	}
	return &s
}

// A hall alone cannot redirect citizens' data: a pushed layer that
// changes a platform endpoint, demo_keys or the technician PIN is applied
// only with a valid province signature for this kiosk, and a refusal is
// audited with what the layer tried to change. Harmless layers need none.
func TestDangerousLayerNeedsProvinceSignature(t *testing.T) {
	const redirect = "platform:\n  sichuan:\n    url: https://evil.example/gw\n"
	other, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(24 * time.Hour)
	tests := []struct {
		name    string
		layer   string
		sig     func(r *provinceRig) *fleet.LayerSignature
		ok      bool
		reason  error  // the refusal, when not ok
		changes string // audited changes of a refusal
	}{
		{"harmless layer, unsigned", "ui:\n  idle_timeout: 120s\n", nil, true, nil, ""},
		{"platform URL, unsigned", redirect, nil, false, fleet.ErrLayerUnsigned, "platform.51.url"},
		{"platform URL, signed for another kiosk", redirect, func(r *provinceRig) *fleet.LayerSignature {
			return r.sign(nil, redirect, []string{"SC-0002"}, later)
		}, false, fleet.ErrLayerOtherKiosk, "platform.51.url"},
		{"platform URL, signature expired", redirect, func(r *provinceRig) *fleet.LayerSignature {
			return r.sign(nil, redirect, []string{r.base.KioskID}, time.Now().Add(-time.Minute))
		}, false, fleet.ErrLayerExpired, "platform.51.url"},
		{"platform URL, signed by another key", redirect, func(r *provinceRig) *fleet.LayerSignature {
			return r.sign(other, redirect, []string{r.base.KioskID}, later)
		}, false, fleet.ErrLayerBadSig, "platform.51.url"},
		{"platform URL, signature of other layer bytes", redirect, func(r *provinceRig) *fleet.LayerSignature {
			return r.sign(nil, strings.Replace(redirect, "evil", "good", 1), []string{r.base.KioskID}, later)
		}, false, fleet.ErrLayerAltered, "platform.51.url"},
		{"platform URL, signature with its kiosks edited", redirect, func(r *provinceRig) *fleet.LayerSignature {
			s := r.sign(nil, redirect, []string{"SC-0002"}, later)
			s.Kiosks = []string{r.base.KioskID}
			return s
		}, false, fleet.ErrLayerBadSig, "platform.51.url"},
		{"platform URL, signed by the province for this kiosk", redirect, func(r *provinceRig) *fleet.LayerSignature {
			return r.sign(nil, redirect, []string{"SC-0002", r.base.KioskID}, later)
		}, true, nil, ""},
		{"new CA file, unsigned", "platform:\n  \"51\":\n    ca_file: /etc/passwd\n", nil, false, fleet.ErrLayerUnsigned, "platform.51.ca_file"},
		{"another app id, unsigned", "platform:\n  \"51\":\n    app_id: SC-APP-2\n", nil, false, fleet.ErrLayerUnsigned, "platform.51.app_id"},
		{"another province's URL, unsigned", "platform:\n  chongqing:\n    url: http://127.0.0.1:9\n", nil, false, fleet.ErrLayerUnsigned, "platform.50.url"},
		{"demo keys, unsigned", "demo_keys: true\n", nil, false, fleet.ErrLayerUnsigned, "demo_keys"},
		{"technician PIN, unsigned", "technician:\n  pin_hash: \"$argon2id$v=19$m=65536,t=3,p=2$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA\"\n", nil, false, fleet.ErrLayerUnsigned, "technician.pin_hash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newProvinceRig(t)
			var sig *fleet.LayerSignature
			if tt.sig != nil {
				sig = tt.sig(r)
			}
			rep := r.pushSigned(tt.layer, sig)
			if rep.OK != tt.ok {
				t.Fatalf("reply %+v, want ok %v", rep, tt.ok)
			}
			if tt.ok {
				if _, err := os.Stat(OverrideFile(r.base)); err != nil {
					t.Errorf("accepted layer not written: %v", err)
				}
				return
			}
			if !strings.Contains(rep.Message, strings.TrimPrefix(tt.reason.Error(), "fleet: ")) {
				t.Errorf("reply %q does not say %q", rep.Message, tt.reason)
			}
			if _, err := os.Stat(OverrideFile(r.base)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("refused layer was written: %v", err)
			}
			audited := strings.Join(r.audits, "\n")
			if !strings.Contains(audited, "fleet profile refused") || !strings.Contains(audited, tt.changes) ||
				!strings.Contains(audited, strings.TrimPrefix(tt.reason.Error(), "fleet: ")) {
				t.Errorf("refusal audited as %q, want the refusal, %s and its reason", audited, tt.changes)
			}
		})
	}
}

// Never the demo keys after a push: a layer that takes an endpoint's own
// key files away is refused even with a valid province signature, and so
// is one that changes the province key itself.
func TestPushNeverFallsBackToDemoKeys(t *testing.T) {
	for _, layer := range []string{
		"platform:\n  sichuan:\n    key_file: \"\"\n",
		"platform:\n  \"51\":\n    platform_key_file: \"\"\n    demo_keys: true\n",
	} {
		r := newProvinceRig(t)
		rep := r.pushSigned(layer, r.sign(nil, layer, []string{r.base.KioskID}, time.Now().Add(time.Hour)))
		if rep.OK || !strings.Contains(rep.Message, "demo keys") {
			t.Errorf("layer %q: reply %+v, want a refusal naming the demo keys", layer, rep)
		}
		if !strings.Contains(strings.Join(r.audits, "\n"), "fleet profile refused") {
			t.Errorf("layer %q: refusal not audited: %v", layer, r.audits)
		}
	}
	r := newProvinceRig(t)
	_, _, otherPub := writeSM2(t, t.TempDir(), "other")
	layer := "fleet:\n  province_key: " + otherPub + "\n"
	if rep := r.pushSigned(layer, r.sign(nil, layer, []string{r.base.KioskID}, time.Now().Add(time.Hour))); rep.OK {
		t.Errorf("a push changed the province key: %+v", rep)
	}
}

// Without a province key in the base profile, a dangerous layer is always
// refused, signed or not.
func TestNoProvinceKeyRefusesDangerousLayers(t *testing.T) {
	r := newPushRig(t)
	layer := "platform:\n  sichuan:\n    url: http://127.0.0.1:9\n"
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := fleet.SignLayer(key, []byte(layer), []string{r.base.KioskID}, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	rep := r.handler().Handle(context.Background(), fleet.Command{ID: fleet.NewCommandID(), Action: fleet.ActionProfile, Profile: layer, ProvinceSig: &sig})
	if rep.OK || !strings.Contains(rep.Message, "province_key") {
		t.Errorf("reply %+v, want a refusal naming fleet.province_key", rep)
	}
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// A refused push lands in the kiosk's SM3-chained audit log, with what it
// tried to change and who sent it, and the chain still verifies.
func TestRefusedPushIsInTheAuditChain(t *testing.T) {
	r := newProvinceRig(t)
	dir := t.TempDir()
	log, err := audit.Open(dir, time.Now, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	h := r.handler()
	h.Record = func(kind audit.Kind, msg string, f map[string]string) {
		if _, err := log.Append(kind, "kiosk", msg, f); err != nil {
			t.Error(err)
		}
	}
	c := fleet.Command{ID: fleet.NewCommandID(), Action: fleet.ActionProfile, Issuer: "hallserver@510107/wuhou",
		Profile: "platform:\n  sichuan:\n    url: https://evil.example/gw\n"}
	if rep := h.Handle(context.Background(), c); rep.OK {
		t.Fatalf("unsigned redirect accepted: %+v", rep)
	}
	if n, err := audit.Verify(dir); err != nil || n != 1 {
		t.Fatalf("audit chain: %d entries, %v", n, err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, audit.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"fleet profile refused", "platform.51.url", c.ID, "hallserver@510107/wuhou", "no province signature"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("audit entry lacks %q: %s", want, raw)
		}
	}
}
