package outbox

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/emmansun/gmsm/sm4"
)

// sealVersion is the first byte of an encrypted payload:
// version ‖ 12-byte nonce ‖ SM4-GCM ciphertext and tag. A payload that
// starts with '{' is a plaintext one written before encryption existed.
const sealVersion = 0x01

// sealer encrypts payloads with SM4-GCM under the outbox key. The
// additional data binds a payload to its request_id, so that a payload
// moved to another row does not decrypt.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	block, err := sm4.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("sm4: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("sm4-gcm: %w", err)
	}
	return &sealer{aead: aead}, nil
}

func additionalData(requestID string) []byte {
	return []byte("sckiosk-outbox-v1\x00" + requestID)
}

func (s *sealer) seal(requestID string, plain []byte) ([]byte, error) {
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	return s.aead.Seal(out, out[1:], plain, additionalData(requestID)), nil
}

// open decrypts a payload; a legacy plaintext JSON payload is returned as
// it is.
func (s *sealer) open(requestID string, sealed []byte) ([]byte, error) {
	if len(sealed) > 0 && sealed[0] == '{' {
		return sealed, nil
	}
	n := s.aead.NonceSize()
	if len(sealed) < 1+n+s.aead.Overhead() || sealed[0] != sealVersion {
		return nil, errors.New("payload is not sealed by this outbox")
	}
	plain, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], additionalData(requestID))
	if err != nil {
		return nil, fmt.Errorf("decrypt payload (wrong key file?): %w", err)
	}
	return plain, nil
}

// loadKey reads the 128-bit SM4 key kept in hex at path, creating it with
// a random key and mode 0600 when it does not exist. Creation is atomic
// (a complete file is linked into place), so two processes opening the
// same outbox at once agree on one key. created reports a new key.
func loadKey(path string) (key []byte, created bool, err error) {
	key, err = readKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, false, err
	}
	fresh := make([]byte, sm4.BlockSize)
	if _, err := rand.Read(fresh); err != nil {
		return nil, false, fmt.Errorf("key file %s: random: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".outbox-key-*")
	if err != nil {
		return nil, false, fmt.Errorf("key file %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, false, fmt.Errorf("key file %s: %w", path, err)
	}
	if _, err := tmp.WriteString(hex.EncodeToString(fresh) + "\n"); err != nil {
		tmp.Close()
		return nil, false, fmt.Errorf("key file %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, false, fmt.Errorf("key file %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return nil, false, fmt.Errorf("key file %s: %w", path, err)
	}
	switch err := os.Link(tmp.Name(), path); {
	case err == nil:
		created = true
		syncDir(filepath.Dir(path))
	case errors.Is(err, fs.ErrExist): // another process won the race
	default:
		return nil, false, fmt.Errorf("key file %s: %w", path, err)
	}
	key, err = readKey(path)
	return key, created, err
}

func readKey(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil || len(key) != sm4.BlockSize {
		return nil, fmt.Errorf("key file %s: want %d hex-encoded bytes", path, sm4.BlockSize)
	}
	return key, nil
}

// syncDir makes a new directory entry durable; best effort.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
