// Package technician holds what technician mode needs outside the UI: PIN
// hashing and verification (argon2id, or bcrypt hashes made elsewhere) and
// a clock-injected lockout after repeated wrong PINs. Nothing here touches
// Fyne, files or the wall clock.
package technician

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Argon2id parameters of new hashes (OWASP's minimum: 19 MiB, 2 passes):
// slow enough against guessing, fast enough on a kiosk's small CPU.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// PIN length limits for the on-screen keypad.
const (
	MinPINLen = 4
	MaxPINLen = 12
)

// ErrBadHash means a stored PIN hash is neither argon2id nor bcrypt in the
// usual encodings.
var ErrBadHash = errors.New("not an argon2id ($argon2id$...) or bcrypt ($2b$...) hash")

// CheckPIN reports whether pin can be typed on the keypad: digits only,
// MinPINLen to MaxPINLen long.
func CheckPIN(pin string) error {
	if len(pin) < MinPINLen || len(pin) > MaxPINLen {
		return fmt.Errorf("technician: a PIN has %d to %d digits, not %d", MinPINLen, MaxPINLen, len(pin))
	}
	for _, r := range pin {
		if r < '0' || r > '9' {
			return errors.New("technician: a PIN has digits only")
		}
	}
	return nil
}

// HashPIN hashes pin with argon2id in the PHC string format
// ($argon2id$v=19$m=...,t=...,p=...$salt$key) with a salt from rnd
// (crypto/rand.Reader in production).
func HashPIN(pin string, rnd io.Reader) (string, error) {
	if err := CheckPIN(pin); err != nil {
		return "", err
	}
	salt := make([]byte, argonSaltLen)
	if _, err := io.ReadFull(rnd, salt); err != nil {
		return "", fmt.Errorf("technician: salt: %w", err)
	}
	key := argon2.IDKey([]byte(pin), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

type argonHash struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

func parseArgon(h string) (argonHash, error) {
	parts := strings.Split(h, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return argonHash{}, ErrBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return argonHash{}, fmt.Errorf("argon2id version %q is not v=%d", parts[2], argon2.Version)
	}
	var a argonHash
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &a.memory, &a.time, &a.threads); err != nil {
		return argonHash{}, fmt.Errorf("argon2id parameters %q are not m=...,t=...,p=...", parts[3])
	}
	if a.memory == 0 || a.time == 0 || a.threads == 0 {
		return argonHash{}, fmt.Errorf("argon2id parameters %q must not be zero", parts[3])
	}
	var err error
	if a.salt, err = base64.RawStdEncoding.Strict().DecodeString(parts[4]); err != nil || len(a.salt) < 8 {
		return argonHash{}, errors.New("argon2id salt is not base64 of at least 8 bytes")
	}
	if a.key, err = base64.RawStdEncoding.Strict().DecodeString(parts[5]); err != nil || len(a.key) < 16 {
		return argonHash{}, errors.New("argon2id hash is not base64 of at least 16 bytes")
	}
	return a, nil
}

func isBcrypt(h string) bool {
	return strings.HasPrefix(h, "$2a$") || strings.HasPrefix(h, "$2b$") || strings.HasPrefix(h, "$2y$")
}

// CheckHash reports whether hash is a well-formed argon2id or bcrypt hash.
func CheckHash(hash string) error {
	switch {
	case strings.HasPrefix(hash, "$argon2id$"):
		_, err := parseArgon(hash)
		return err
	case isBcrypt(hash):
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			return fmt.Errorf("bcrypt hash: %w", err)
		}
		return nil
	}
	return ErrBadHash
}

// VerifyPIN reports whether pin matches hash (argon2id or bcrypt), in
// constant time for a given hash. An error means the hash itself is broken.
func VerifyPIN(hash, pin string) (bool, error) {
	switch {
	case strings.HasPrefix(hash, "$argon2id$"):
		a, err := parseArgon(hash)
		if err != nil {
			return false, fmt.Errorf("technician: %w", err)
		}
		key := argon2.IDKey([]byte(pin), a.salt, a.time, a.memory, a.threads, uint32(len(a.key)))
		return subtle.ConstantTimeCompare(key, a.key) == 1, nil
	case isBcrypt(hash):
		err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(pin))
		if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("technician: bcrypt: %w", err)
		}
		return true, nil
	}
	return false, fmt.Errorf("technician: %w", ErrBadHash)
}
