package privacy

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"sckiosk/kiosk/adapters/audit"
	"sckiosk/kiosk/core/session"
)

// Names inside the data directory.
const (
	// MarkerName is the empty file present while a visit is under way:
	// found at start-up, it means the kiosk stopped in the middle of one.
	MarkerName = "visit.active"
	// TempDir holds the temporary and spool files of a visit.
	TempDir = "tmp"
)

// Visits keeps the traces that show a kiosk forgets its visits: the empty
// visit marker, in step with the session, and a content-free erasure
// record in the audit log for each visit that ended, including one a crash
// cut short. Track and Erased are safe for concurrent use.
type Visits struct {
	dir    string
	record func(kind audit.Kind, msg string, fields map[string]string)
	now    func() time.Time
	log    *slog.Logger
	active atomic.Bool // mirrors the marker file
}

// NewVisits keeps the visit traces of the kiosk whose data directory is
// dir. record appends an entry to the audit log; now dates a crash
// recovery.
func NewVisits(dir string, record func(kind audit.Kind, msg string, fields map[string]string), now func() time.Time, log *slog.Logger) *Visits {
	return &Visits{dir: dir, record: record, now: now, log: log}
}

func (v *Visits) marker() string { return filepath.Join(v.dir, MarkerName) }

// Track keeps the marker in step with the session: created when a visit
// starts, removed when it ends. It holds nothing. Subscribe it to the
// runtime.
func (v *Visits) Track(s session.State) {
	if v.active.Load() == s.InVisit() {
		return
	}
	v.active.Store(s.InVisit())
	if s.InVisit() {
		if f, err := os.Create(v.marker()); err == nil {
			f.Close()
		}
		return
	}
	os.Remove(v.marker())
}

// Erased appends the content-free erasure record of a visit: when it ran,
// how it ended, how many items of each category were erased and what was
// left for the outbox. No name, number or address, not even hashed. Give
// it to the runtime's OnWipe.
func (v *Visits) Erased(w session.Wipe) {
	var id [8]byte
	_, _ = rand.Read(id[:])
	f := map[string]string{
		"visit": hex.EncodeToString(id[:]), "reason": string(w.Reason), "from": w.From.String(),
		"ended": w.Ended.Format(time.RFC3339),
	}
	if !w.Started.IsZero() {
		f["started"] = w.Started.Format(time.RFC3339)
	}
	for cat, n := range w.Erased {
		f["erased."+cat] = strconv.Itoa(n)
	}
	if w.Queued != "" {
		f["left_for_outbox"] = w.Queued
	}
	v.record(audit.Erasure, "visit erased", f)
}

// Recover runs at start-up: if the last run stopped in the middle of a
// visit (power cut, crash), everything it may have left outside the
// outbox is removed — temporary and spool files — and the erasure is
// recorded like any other visit's end. Personal data lived only in memory,
// which did not survive.
func (v *Visits) Recover() {
	tmp := filepath.Join(v.dir, TempDir)
	entries, _ := os.ReadDir(tmp)
	for _, e := range entries {
		os.RemoveAll(filepath.Join(tmp, e.Name()))
	}
	if _, err := os.Stat(v.marker()); err != nil {
		return
	}
	os.Remove(v.marker())
	v.log.Warn("the last run stopped in the middle of a visit; its traces are erased")
	v.Erased(session.Wipe{Reason: session.WipeCrashRecovery, Ended: v.now(),
		Erased: map[string]int{"temp_files": len(entries)}})
}
