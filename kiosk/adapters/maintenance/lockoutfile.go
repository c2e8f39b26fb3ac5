package maintenance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"sckiosk/kiosk/core/technician"
)

// LockoutFileName is the file in the kiosk's data directory that keeps the
// technician PIN lockout across restarts. It holds a count and a time,
// nothing about any person and never the PIN.
const LockoutFileName = "technician-lockout.json"

// lockoutRecord is the file's layout.
type lockoutRecord struct {
	Failures    int       `json:"failures"`
	LockedUntil time.Time `json:"locked_until,omitzero"`
}

// loadLockout reads the kept lockout state. A missing file is a fresh
// lockout (found false); a file that cannot be read or parsed is an error,
// which the caller treats as a lock rather than as five new tries.
func loadLockout(path string) (st technician.State, found bool, err error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return technician.State{}, false, nil
	}
	if err != nil {
		return technician.State{}, false, fmt.Errorf("technician lockout %s: %w", path, err)
	}
	var r lockoutRecord
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return technician.State{}, false, fmt.Errorf("technician lockout %s: not a lockout record: %w", path, err)
	}
	return technician.State{Failures: r.Failures, Until: r.LockedUntil}, true, nil
}

// saveLockout writes st to path atomically: a temporary file beside it,
// synced, renamed over it, and the directory synced, so a power cut leaves
// either the old state or the new one, never half a file.
func saveLockout(path string, st technician.State) error {
	data, err := json.Marshal(lockoutRecord{Failures: st.Failures, LockedUntil: st.Until.UTC()})
	if err != nil {
		return fmt.Errorf("technician lockout: %w", err)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+LockoutFileName+".*")
	if err != nil {
		return fmt.Errorf("technician lockout: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	_, err = tmp.Write(append(data, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("technician lockout %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return fmt.Errorf("technician lockout %s: sync directory: %w", path, err)
		}
	}
	return nil
}
