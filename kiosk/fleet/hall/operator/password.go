package operator

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Cost is the argon2id cost of new password hashes. A stored hash keeps
// the cost it was made with, so raising it later does not lock anyone out.
type Cost struct {
	Time    uint32 // passes
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultCost is RFC 9106's second recommendation, lighter on passes: 64 MiB,
// 2 passes, 2 lanes, once per login (BenchmarkHashPassword: 0.5 s on the
// loaded 2-core build machine). Store computes at most MaxHashing at
// once, so a flood of logins queues instead of taking 64 MiB each.
var DefaultCost = Cost{Time: 2, Memory: 64 << 10, Threads: 2}

const (
	saltLen = 16
	keyLen  = 32
)

// Password length limits, in characters. Passwords are long rather than
// complex; the upper bound keeps hashing cheap for a refused request.
const (
	MinPassword = 12
	MaxPassword = 128
)

// ErrWeakPassword is a password the store refuses to set.
var ErrWeakPassword = errors.New("operator: password too short or too long")

// checkPassword refuses a password shorter than MinPassword or longer than
// MaxPassword characters, or one that is only spaces.
func checkPassword(p string) error {
	n := utf8.RuneCountInString(p)
	if n < MinPassword || n > MaxPassword || strings.TrimSpace(p) == "" || !utf8.ValidString(p) {
		return fmt.Errorf("%w: %d to %d characters", ErrWeakPassword, MinPassword, MaxPassword)
	}
	return nil
}

// hashPassword hashes p with argon2id, in the PHC string format
// $argon2id$v=19$m=…,t=…,p=…$salt$key.
func hashPassword(p string, c Cost) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("operator: salt: %w", err)
	}
	key := argon2.IDKey([]byte(p), salt, c.Time, c.Memory, c.Threads, keyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, c.Memory, c.Time, c.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// errHash is a stored hash that is not argon2id in the PHC format.
var errHash = errors.New("operator: stored password hash is malformed")

// verifyPassword reports whether p matches hash, comparing in constant
// time.
func verifyPassword(hash, p string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, errHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, errHash
	}
	var c Cost
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &c.Memory, &c.Time, &c.Threads); err != nil ||
		c.Time == 0 || c.Threads == 0 || c.Memory < 8*uint32(c.Threads) || c.Memory > 1<<22 {
		return false, errHash
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	key, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 {
		return false, errHash
	}
	got := argon2.IDKey([]byte(p), salt, c.Time, c.Memory, c.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// otpAlphabet has no 0/O, 1/l/I: a one-time password is read off a
// terminal and typed by hand.
const otpAlphabet = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY346789"

// NewOneTimePassword returns a random password of 20 characters (about
// 112 bits) from an alphabet without look-alike characters.
func NewOneTimePassword() (string, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("operator: one-time password: %w", err)
	}
	// 256 is not a multiple of the alphabet's 50 letters: bytes from 250
	// up are drawn again, so every letter is as likely.
	out := make([]byte, 0, len(b))
	for len(out) < len(b) {
		for _, c := range b {
			if int(c) < 250 && len(out) < len(b) {
				out = append(out, otpAlphabet[int(c)%len(otpAlphabet)])
			}
		}
		if _, err := rand.Read(b); err != nil {
			return "", fmt.Errorf("operator: one-time password: %w", err)
		}
	}
	return string(out), nil
}

// randomToken is n random bytes, base64url without padding.
func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("operator: token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
