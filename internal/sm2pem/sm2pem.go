// Package sm2pem reads SM2 keys from PEM files: private keys (the kiosk's
// signing key, the fleet key that signs commands) and public keys (the
// platforms', the code-signing and the fleet keys). It is the one
// implementation the kiosk (also through kiosk/adapters/platform) and the
// hall server use, so that the hall server need not link the platform
// client.
package sm2pem

import (
	"crypto/ecdsa"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
)

// ParsePrivateKey reads an SM2 private key from PEM: PKCS#8 ("PRIVATE
// KEY") or SEC 1 ("EC PRIVATE KEY").
func ParsePrivateKey(data []byte) (*sm2.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("private key: no PEM block")
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := smx509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("private key: %w", err)
		}
		sk, ok := k.(*sm2.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("private key: %T is not an SM2 key", k)
		}
		return sk, nil
	case "EC PRIVATE KEY":
		k, err := smx509.ParseSM2PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("private key: %w", err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("private key: unexpected PEM type %q", block.Type)
}

// ReadPrivateKey reads an SM2 private key from a PEM file; what names the
// key in errors ("kiosk key", "fleet key").
func ReadPrivateKey(path, what string) (*sm2.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	key, err := ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	return key, nil
}

// ParsePublicKey reads an SM2 public key from a PEM "PUBLIC KEY" (PKIX)
// block.
func ParsePublicKey(data []byte) (*ecdsa.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, errors.New("public key: no PEM PUBLIC KEY block")
	}
	k, err := smx509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	pub, ok := k.(*ecdsa.PublicKey)
	if !ok || !sm2.IsSM2PublicKey(pub) {
		return nil, fmt.Errorf("public key: %T is not an SM2 key", k)
	}
	return pub, nil
}

// ReadPublicKey reads an SM2 public key from a PEM file; what names the
// key in errors ("platform key", "code key", "fleet key").
func ReadPublicKey(path, what string) (*ecdsa.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	pub, err := ParsePublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	return pub, nil
}
