package fleet

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
)

// Envelope carries a signed command: the command's JSON bytes exactly as
// signed (base64), the fleet key id and the SM2 signature (SM3, default
// user id, ASN.1 DER, base64) over those bytes.
type Envelope struct {
	Payload string `json:"payload"`
	KeyID   string `json:"key_id"`
	Sig     string `json:"sig"`
}

// MaxCommandLife is the longest a command may live (expires − issued).
const MaxCommandLife = 24 * time.Hour

// NewCommandID returns a random command id.
func NewCommandID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Sign makes the envelope of c, signed with key under kid.
func Sign(c Command, key *sm2.PrivateKey, kid string) ([]byte, error) {
	payload, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("fleet: sign command: %w", err)
	}
	sig, err := key.Sign(rand.Reader, payload, sm2.DefaultSM2SignerOpts)
	if err != nil {
		return nil, fmt.Errorf("fleet: sign command: %w", err)
	}
	return json.Marshal(Envelope{Payload: base64.StdEncoding.EncodeToString(payload), KeyID: kid,
		Sig: base64.StdEncoding.EncodeToString(sig)})
}

// Reasons a command is refused.
var (
	ErrUnsigned   = errors.New("fleet: command is not signed")
	ErrUnknownKey = errors.New("fleet: command signed by a key the profile does not name")
	ErrSignature  = errors.New("fleet: command signature does not verify")
	ErrExpired    = errors.New("fleet: command expired")
	ErrNotYet     = errors.New("fleet: command issued in the future")
	ErrReplay     = errors.New("fleet: command already received (replay)")
	ErrNotForMe   = errors.New("fleet: command is for another kiosk")
	ErrAction     = errors.New("fleet: unknown action")
)

// Verifier checks signed commands for one kiosk: the signature by a fleet
// key it knows, the kiosk id, the validity window and that the id was not
// seen before. It is safe for concurrent use.
type Verifier struct {
	Kiosk string                      // this kiosk's terminal id
	Keys  map[string]*ecdsa.PublicKey // fleet keys by id
	Skew  time.Duration               // clock tolerance; 0 means 2 minutes
	Now   func() time.Time            // nil: time.Now
	// SeenFile keeps the ids of accepted commands across restarts (a
	// profile change restarts the kiosk); empty: memory only.
	SeenFile string

	mu     sync.Mutex
	seen   map[string]time.Time // command id -> expiry
	loaded bool
}

// Verify checks an envelope and returns its command.
func (v *Verifier) Verify(raw []byte) (Command, error) {
	var env Envelope
	if err := json.Unmarshal(raw, &env); err != nil || env.Payload == "" {
		return Command{}, ErrUnsigned
	}
	if env.Sig == "" {
		return Command{}, ErrUnsigned
	}
	// The command is decoded before it is trusted only so that a refusal
	// can name the id and action it refuses; nothing else is used.
	payload, err1 := base64.StdEncoding.DecodeString(env.Payload)
	var claimed Command
	if err1 == nil {
		_ = json.Unmarshal(payload, &claimed)
	}
	refused := Command{ID: claimed.ID, Action: claimed.Action, Issuer: claimed.Issuer}
	pub, ok := v.Keys[env.KeyID]
	if !ok || pub == nil {
		return refused, fmt.Errorf("%w: %q", ErrUnknownKey, env.KeyID)
	}
	sig, err2 := base64.StdEncoding.DecodeString(env.Sig)
	if err1 != nil || err2 != nil || !sm2.VerifyASN1WithSM2(pub, nil, payload, sig) {
		return refused, ErrSignature
	}
	var c Command
	if err := json.Unmarshal(payload, &c); err != nil || c.ID == "" {
		return refused, fmt.Errorf("%w: signed payload is not a command", ErrSignature)
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	skew := v.Skew
	if skew == 0 {
		skew = 2 * time.Minute
	}
	switch {
	case c.Kiosk != v.Kiosk:
		return c, fmt.Errorf("%w (%s)", ErrNotForMe, c.Kiosk)
	case c.IssuedAt.After(now.Add(skew)):
		return c, ErrNotYet
	case !c.ExpiresAt.After(c.IssuedAt) || c.ExpiresAt.Sub(c.IssuedAt) > MaxCommandLife || !now.Before(c.ExpiresAt.Add(skew)):
		return c, ErrExpired
	case !slices.Contains(Actions, c.Action):
		return c, fmt.Errorf("%w %q", ErrAction, c.Action)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.loaded {
		v.loaded, v.seen = true, map[string]time.Time{}
		if v.SeenFile != "" {
			if b, err := os.ReadFile(v.SeenFile); err == nil {
				_ = json.Unmarshal(b, &v.seen) // unreadable: start empty, expiry still bounds replays
			}
		}
	}
	for id, exp := range v.seen { // an expired command is refused anyway
		if now.After(exp.Add(skew)) {
			delete(v.seen, id)
		}
	}
	if _, dup := v.seen[c.ID]; dup {
		return c, ErrReplay
	}
	v.seen[c.ID] = c.ExpiresAt
	if v.SeenFile != "" {
		b, _ := json.Marshal(v.seen)
		tmp := v.SeenFile + ".tmp"
		if err := os.WriteFile(tmp, b, 0o600); err != nil {
			return c, fmt.Errorf("fleet: remember command: %w", err)
		}
		if err := os.Rename(tmp, v.SeenFile); err != nil {
			return c, fmt.Errorf("fleet: remember command: %w", err)
		}
	}
	return c, nil
}

// DemoKeyID is the key id of the demo fleet key.
const DemoKeyID = "demo-fleet"

// DemoKey returns the demo fleet key: deterministic and public, so that
// hallserver and kioskctl fleet-sim work together with no key set-up. It
// is for simulation and tests only; a kiosk trusts it only when its
// profile names it.
func DemoKey() *sm2.PrivateKey {
	d := sm3.Sum([]byte("sckiosk demo fleet key"))
	for {
		if k, err := sm2.NewPrivateKey(d[:]); err == nil {
			return k
		}
		d = sm3.Sum(d[:])
	}
}
