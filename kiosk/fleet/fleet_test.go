package fleet

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
)

var kioskID = Identity{Division: "510107", Hall: "wuhou", Kiosk: "SC-0001"}

func fleetKey(t *testing.T) *sm2.PrivateKey {
	t.Helper()
	k, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestIdentityAndTopics(t *testing.T) {
	for _, bad := range []Identity{{"510107", "a/b", "k"}, {"510107", "h", "k+"}, {"", "h", "k"}, {"510107", "h", "#"}} {
		if bad.Validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	id, kind, ok := ParseTopic(kioskID.Topic(KindHealth))
	if !ok || id != kioskID || kind != KindHealth {
		t.Errorf("ParseTopic = %+v %s %v", id, kind, ok)
	}
	if _, _, ok := ParseTopic("kiosk/510107/wuhou/SC-0001"); ok {
		t.Error("short topic parsed")
	}
}

// A replay after a restart is refused: accepted ids are kept on disk.
func TestReplayRefusedAfterRestart(t *testing.T) {
	key := fleetKey(t)
	seen := filepath.Join(t.TempDir(), "seen.json")
	now := time.Now()
	env, _ := Sign(Command{ID: "c1", Kiosk: "K1", Action: ActionReload, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}, key, "k")
	v1 := &Verifier{Kiosk: "K1", Keys: map[string]*ecdsa.PublicKey{"k": &key.PublicKey}, SeenFile: seen}
	if _, err := v1.Verify(env); err != nil {
		t.Fatal(err)
	}
	v2 := &Verifier{Kiosk: "K1", Keys: map[string]*ecdsa.PublicKey{"k": &key.PublicKey}, SeenFile: seen}
	if _, err := v2.Verify(env); !errors.Is(err, ErrReplay) {
		t.Fatalf("after restart: %v, want ErrReplay", err)
	}
}

// The operator who asked travels inside the signed payload: the kiosk
// reads it back, and an envelope whose payload names someone else no
// longer verifies.
func TestOperatorIsSigned(t *testing.T) {
	key := fleetKey(t)
	now := time.Now()
	c := Command{ID: "c1", Kiosk: "K1", Action: ActionSelfTest, IssuedAt: now, ExpiresAt: now.Add(time.Hour),
		Issuer: "hallserver@510107/wuhou", Operator: "li.wei"}
	env, err := Sign(c, key, "k")
	if err != nil {
		t.Fatal(err)
	}
	v := &Verifier{Kiosk: "K1", Keys: map[string]*ecdsa.PublicKey{"k": &key.PublicKey}}
	got, err := v.Verify(env)
	if err != nil || got.Operator != "li.wei" {
		t.Fatalf("Verify = %+v, %v; want the operator li.wei", got, err)
	}
	var e Envelope
	if err := json.Unmarshal(env, &e); err != nil {
		t.Fatal(err)
	}
	payload, err := base64.StdEncoding.DecodeString(e.Payload)
	if err != nil || !strings.Contains(string(payload), `"operator":"li.wei"`) {
		t.Fatalf("payload %s, %v", payload, err)
	}
	e.Payload = base64.StdEncoding.EncodeToString([]byte(strings.Replace(string(payload), `"li.wei"`, `"admin"`, 1)))
	forged, _ := json.Marshal(e)
	if _, err := v.Verify(forged); !errors.Is(err, ErrSignature) {
		t.Fatalf("operator changed after signing: %v, want ErrSignature", err)
	}
}
