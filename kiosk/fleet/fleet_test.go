package fleet

import (
	"crypto/ecdsa"
	"crypto/rand"
	"errors"
	"path/filepath"
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
