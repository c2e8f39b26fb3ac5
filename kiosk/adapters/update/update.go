// Package update installs signed kiosk packages and rolls them back.
//
// The build machine signs each .deb with the update key (Ed25519ph over
// SHA-512, so that a large package is hashed as a stream); a kiosk trusts
// only the public key in /etc/kiosk/update.pub. Apply copies the package
// into the state directory, checks the copy's signature, installs it, keeps
// the package it replaces as previous.deb and runs the self-test; when the
// self-test fails it reinstalls the previous package by itself. Rollback
// reinstalls the previous package on demand. Installing is injected
// (dpkg on a kiosk), so every path is tested without dpkg.
package update

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// Default paths on a kiosk.
const (
	DefaultKeyFile  = "/etc/kiosk/update.pub"
	DefaultStateDir = "/var/lib/kiosk-update"
)

// sigAlg names the signature scheme in a signature file.
const sigAlg = "ed25519ph"

var (
	// ErrSignature means a package's signature does not match the update key.
	ErrSignature = errors.New("signature does not match the update key")
	// ErrNoPrevious means there is no kept package to roll back to.
	ErrNoPrevious = errors.New("no previous package kept")
	// ErrSelfTest means the installed package failed its self-test.
	ErrSelfTest = errors.New("self-test failed")
)

// Installer installs the .deb at path (dpkg -i on a kiosk).
type Installer func(ctx context.Context, path string) error

// Updater applies and rolls back signed packages.
type Updater struct {
	// KeyFile is the PEM Ed25519 public key packages must be signed with.
	KeyFile string
	// StateDir keeps current.deb and previous.deb with their signatures.
	StateDir string
	// Install installs a package. Required.
	Install Installer
	// SelfTest checks the kiosk after an install; nil skips it.
	SelfTest func(ctx context.Context) error
	// Log receives progress; nil discards.
	Log *slog.Logger
}

func (u *Updater) log() *slog.Logger {
	if u.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return u.Log
}

func (u *Updater) path(name string) string { return filepath.Join(u.StateDir, name) }

// Apply verifies deb against its signature file sig, installs it, keeps the
// package it replaces for Rollback and runs the self-test, rolling back by
// itself when the self-test fails.
func (u *Updater) Apply(ctx context.Context, deb, sig string) error {
	if u.Install == nil {
		return errors.New("update: no installer")
	}
	pub, err := LoadPublicKey(u.KeyFile)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(u.StateDir, 0o700); err != nil {
		return fmt.Errorf("update: state directory: %w", err)
	}
	// Verify the copy that is installed, not a file that may change after.
	in, insig := u.path("incoming.deb"), u.path("incoming.sig")
	if err := copyFile(deb, in); err != nil {
		return err
	}
	if err := copyFile(sig, insig); err != nil {
		return err
	}
	if err := VerifyFile(pub, in, insig); err != nil {
		os.Remove(in)
		os.Remove(insig)
		return fmt.Errorf("update: %s: %w", deb, err)
	}
	u.log().Info("update signature ok; installing", "deb", deb)
	if err := u.Install(ctx, in); err != nil {
		return fmt.Errorf("update: install %s: %w (the previous package stays in place: kioskctl update rollback reinstalls it if the kiosk is broken)", deb, err)
	}
	if err := u.rotate(); err != nil {
		return err
	}
	if u.SelfTest == nil {
		return nil
	}
	if err := u.SelfTest(ctx); err != nil {
		u.log().Error("self-test failed after update; rolling back", "err", err)
		if rerr := u.Rollback(ctx); rerr != nil {
			return fmt.Errorf("update: %w: %v; rollback failed too: %w", ErrSelfTest, err, rerr)
		}
		return fmt.Errorf("update: %w: %v; rolled back to the previous package", ErrSelfTest, err)
	}
	u.log().Info("update installed and self-test passed", "deb", deb)
	return nil
}

// rotate makes incoming the current package and the current one previous.
func (u *Updater) rotate() error {
	for _, ext := range []string{".deb", ".sig"} {
		if _, err := os.Stat(u.path("current" + ext)); err == nil {
			if err := os.Rename(u.path("current"+ext), u.path("previous"+ext)); err != nil {
				return fmt.Errorf("update: keep previous package: %w", err)
			}
		}
		if err := os.Rename(u.path("incoming"+ext), u.path("current"+ext)); err != nil {
			return fmt.Errorf("update: record current package: %w", err)
		}
	}
	return nil
}

// Rollback reinstalls the previous package, after checking its signature
// again, and makes it the current one (a second rollback goes forward).
func (u *Updater) Rollback(ctx context.Context) error {
	if u.Install == nil {
		return errors.New("update: no installer")
	}
	prev, prevSig := u.path("previous.deb"), u.path("previous.sig")
	if _, err := os.Stat(prev); err != nil {
		return fmt.Errorf("update: rollback: %w (%s)", ErrNoPrevious, prev)
	}
	pub, err := LoadPublicKey(u.KeyFile)
	if err != nil {
		return err
	}
	if err := VerifyFile(pub, prev, prevSig); err != nil {
		return fmt.Errorf("update: rollback: %s: %w", prev, err)
	}
	u.log().Info("rolling back to the previous package", "deb", prev)
	if err := u.Install(ctx, prev); err != nil {
		return fmt.Errorf("update: rollback: install %s: %w", prev, err)
	}
	for _, ext := range []string{".deb", ".sig"} {
		cur, old, tmp := u.path("current"+ext), u.path("previous"+ext), u.path("swap"+ext)
		if err := os.Rename(old, tmp); err != nil {
			return fmt.Errorf("update: rollback: %w", err)
		}
		if _, err := os.Stat(cur); err == nil {
			if err := os.Rename(cur, old); err != nil {
				return fmt.Errorf("update: rollback: %w", err)
			}
		}
		if err := os.Rename(tmp, cur); err != nil {
			return fmt.Errorf("update: rollback: %w", err)
		}
	}
	return nil
}

// GenerateKey writes a new update key pair: the private key (PEM PKCS#8,
// mode 0600) for the build machine and the public key (PEM PKIX) that goes
// to /etc/kiosk/update.pub on every kiosk.
func GenerateKey(privPath, pubPath string) error {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("update: generate key: %w", err)
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return fmt.Errorf("update: encode private key: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return fmt.Errorf("update: encode public key: %w", err)
	}
	if err := writeNew(privPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}), 0o600); err != nil {
		return err
	}
	return writeNew(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644)
}

// LoadPublicKey reads a PEM (PKIX) Ed25519 public key.
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	k, err := loadPEM(path, "PUBLIC KEY", func(der []byte) (any, error) { return x509.ParsePKIXPublicKey(der) })
	if err != nil {
		return nil, err
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("update key %s: not an Ed25519 public key", path)
	}
	return pub, nil
}

// LoadPrivateKey reads a PEM (PKCS#8) Ed25519 private key.
func LoadPrivateKey(path string) (ed25519.PrivateKey, error) {
	k, err := loadPEM(path, "PRIVATE KEY", x509.ParsePKCS8PrivateKey)
	if err != nil {
		return nil, err
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("update key %s: not an Ed25519 private key", path)
	}
	return priv, nil
}

func loadPEM(path, typ string, parse func([]byte) (any, error)) (any, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("update key: %w", err)
	}
	b, _ := pem.Decode(raw)
	if b == nil || b.Type != typ {
		return nil, fmt.Errorf("update key %s: want a PEM %q block", path, typ)
	}
	k, err := parse(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("update key %s: %w", path, err)
	}
	return k, nil
}

// SignFile signs the file at path and returns the signature file's content.
func SignFile(priv ed25519.PrivateKey, path string) ([]byte, error) {
	digest, err := digestFile(path)
	if err != nil {
		return nil, err
	}
	sig, err := priv.Sign(nil, digest, &ed25519.Options{Hash: crypto.SHA512})
	if err != nil {
		return nil, fmt.Errorf("update: sign %s: %w", path, err)
	}
	return []byte(sigAlg + " " + base64.StdEncoding.EncodeToString(sig) + "\n"), nil
}

// VerifyFile checks the file at path against the signature file sigPath;
// a mismatch is ErrSignature.
func VerifyFile(pub ed25519.PublicKey, path, sigPath string) error {
	raw, err := os.ReadFile(sigPath)
	if err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	f := strings.Fields(string(raw))
	if len(f) != 2 || f[0] != sigAlg {
		return fmt.Errorf("signature %s: want one line %q and the base64 signature: %w", sigPath, sigAlg, ErrSignature)
	}
	sig, err := base64.StdEncoding.DecodeString(f[1])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("signature %s: malformed: %w", sigPath, ErrSignature)
	}
	digest, err := digestFile(path)
	if err != nil {
		return err
	}
	if err := ed25519.VerifyWithOptions(pub, digest, sig, &ed25519.Options{Hash: crypto.SHA512}); err != nil {
		return ErrSignature
	}
	return nil
}

func digestFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("update: %w", err)
	}
	defer f.Close()
	h := sha512.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("update: read %s: %w", path, err)
	}
	return h.Sum(nil), nil
}

// copyFile copies src to dst through a temporary file and a rename.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".copy-*")
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return fmt.Errorf("update: copy %s: %w", src, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("update: copy %s: %w", src, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("update: copy %s: %w", src, err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("update: copy %s: %w", src, err)
	}
	return nil
}

// writeNew writes data to a file that must not exist yet.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("update: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("update: write %s: %w", path, err)
	}
	return nil
}
