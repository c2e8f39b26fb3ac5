package agent

import (
	"crypto/ecdsa"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sckiosk/kiosk/adapters/profile"
	"sckiosk/kiosk/fleet"
)

// The files the agent keeps for a kiosk: the profile layer the fleet
// writes, and next to it what carries a pushed change across the restart
// that applies it, and the replay store of accepted commands.

// OverrideFile is the profile layer the fleet writes:
// fleet.override_file, or data_dir/fleet-profile.yaml.
func OverrideFile(p profile.Profile) string {
	if p.Fleet.OverrideFile != "" {
		return p.Fleet.OverrideFile
	}
	return filepath.Join(p.DataDir, "fleet-profile.yaml")
}

// PendingFile records a pushed profile waiting for its self-test; it is
// gone once the change was kept or rolled back.
func PendingFile(p profile.Profile) string { return filepath.Join(p.DataDir, "fleet-pending.json") }

func rolledBackFile(p profile.Profile) string { return filepath.Join(p.DataDir, "fleet-rolledback") }
func previousFile(p profile.Profile) string   { return OverrideFile(p) + ".prev" }
func seenFile(p profile.Profile) string       { return filepath.Join(p.DataDir, "fleet-seen.json") }

// NewVerifier checks the kiosk's commands against the fleet keys by key
// id; the ids of accepted commands are kept in the data directory, so a
// replay is refused across restarts too.
func NewVerifier(p profile.Profile, keys map[string]*ecdsa.PublicKey) *fleet.Verifier {
	return &fleet.Verifier{Kiosk: p.KioskID, Keys: keys, SeenFile: seenFile(p)}
}

// pendingChange is a pushed profile waiting for its self-test.
type pendingChange struct {
	ID      string    `json:"id"`
	Before  string    `json:"before"`   // digest of the profile it replaced
	After   string    `json:"after"`    // digest of the pushed profile
	HadPrev bool      `json:"had_prev"` // an override existed before (else rollback removes it)
	At      time.Time `json:"at"`
	// Operator is the hall operator who pushed it, for the audit entry
	// that keeps or rolls it back.
	Operator string `json:"operator,omitempty"`
}

// Layers returns the profile layers to load: paths, and the fleet's
// override last when the fleet is configured and has written one.
func Layers(base profile.Profile, paths []string) []string {
	if base.Fleet.Broker == "" {
		return paths
	}
	o := OverrideFile(base)
	for _, p := range paths {
		if p == o {
			return paths
		}
	}
	if _, err := os.Stat(o); err != nil {
		return paths
	}
	return append(append([]string(nil), paths...), o)
}

// RollBackUnloadable puts the previous override back when the pushed one
// made the profile unloadable (the kiosk could not even start on it). It
// reports whether it rolled back.
func RollBackUnloadable(base profile.Profile) bool {
	var pc pendingChange
	b, err := os.ReadFile(PendingFile(base))
	if err != nil || json.Unmarshal(b, &pc) != nil {
		return false
	}
	restorePrevious(base, pc)
	_ = os.WriteFile(rolledBackFile(base), []byte(pc.After), 0o600)
	_ = os.Remove(PendingFile(base))
	return true
}

// RolledBack is the digest of the pushed profile a failed self-test
// rolled back from, until the next change is kept; empty when none.
func RolledBack(p profile.Profile) string {
	b, err := os.ReadFile(rolledBackFile(p))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func restorePrevious(p profile.Profile, pc pendingChange) {
	if pc.HadPrev {
		_ = os.Rename(previousFile(p), OverrideFile(p))
	} else {
		_ = os.Remove(OverrideFile(p))
	}
}

func short(digest string) string {
	if len(digest) > 12 {
		return digest[:12]
	}
	return digest
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return writeAtomic(to, b)
}

func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
