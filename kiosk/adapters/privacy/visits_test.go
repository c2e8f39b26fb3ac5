package privacy

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sckiosk/kiosk/adapters/audit"
	"sckiosk/kiosk/core/session"
)

type record struct {
	kind   audit.Kind
	msg    string
	fields map[string]string
}

func newVisits(t *testing.T, now time.Time) (*Visits, string, *[]record) {
	t.Helper()
	dir := t.TempDir()
	var got []record
	v := NewVisits(dir, func(k audit.Kind, m string, f map[string]string) { got = append(got, record{k, m, f}) },
		func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return v, dir, &got
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

// The marker follows the session: there while a visit is under way, gone
// when it ends.
func TestVisitMarkerFollowsTheSession(t *testing.T) {
	v, dir, got := newVisits(t, time.Now())
	marker := filepath.Join(dir, MarkerName)
	for _, step := range []struct {
		screen session.Screen
		want   bool
	}{{session.Idle, false}, {session.Identifying, true}, {session.ChooseItem, true}, {session.Idle, false}} {
		v.Track(session.State{Screen: step.screen})
		if exists(marker) != step.want {
			t.Fatalf("screen %v: marker present = %v, want %v", step.screen, !step.want, step.want)
		}
	}
	if len(*got) != 0 {
		t.Fatalf("tracking wrote %d audit entries", len(*got))
	}
	if b, err := os.ReadFile(marker); err == nil && len(b) > 0 {
		t.Fatalf("the marker holds %q", b)
	}
}

// A marker left by a run that stopped mid-visit becomes one crash-recovery
// erasure record; the temporary files go too. Without a marker, only the
// temporary files go.
func TestMarkerBecomesRecoveryRecord(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	v, dir, got := newVisits(t, now)
	tmp := filepath.Join(dir, TempDir)
	if err := os.MkdirAll(filepath.Join(tmp, "spool"), 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(tmp, "photo-1"), []byte("left over"), 0o600)
	os.WriteFile(filepath.Join(dir, MarkerName), nil, 0o600)

	v.Recover()
	if exists(filepath.Join(dir, MarkerName)) {
		t.Error("the marker survived recovery")
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("%d temporary entries survived recovery", len(entries))
	}
	if len(*got) != 1 {
		t.Fatalf("%d audit entries, want 1: %+v", len(*got), *got)
	}
	r := (*got)[0]
	if r.kind != audit.Erasure || r.msg != "visit erased" || r.fields["reason"] != "crash_recovery" ||
		r.fields["erased.temp_files"] != "2" || r.fields["ended"] != "2026-03-01T09:30:00Z" || len(r.fields["visit"]) != 16 {
		t.Fatalf("recovery record %+v", r)
	}
	if _, ok := r.fields["started"]; ok {
		t.Errorf("a crashed visit has no known start: %+v", r.fields)
	}

	os.WriteFile(filepath.Join(tmp, "photo-2"), []byte("left over"), 0o600)
	v.Recover()
	if len(*got) != 1 || exists(filepath.Join(tmp, "photo-2")) {
		t.Fatalf("without a marker: %d entries, temporary file present %v", len(*got), exists(filepath.Join(tmp, "photo-2")))
	}
}

// The erasure record of an ordinary visit holds times, counts and the
// outbox request id: nothing about the person.
func TestErasureRecordHoldsCountsOnly(t *testing.T) {
	v, _, got := newVisits(t, time.Now())
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	v.Erased(session.Wipe{Reason: session.WipeCancel, From: session.Review, Started: start, Ended: start.Add(3 * time.Minute),
		Erased: map[string]int{"identity": 1, "form_values": 7}, Queued: "req-1"})
	want := map[string]string{"reason": "cancel", "from": session.Review.String(), "started": "2026-03-01T09:00:00Z",
		"ended": "2026-03-01T09:03:00Z", "erased.identity": "1", "erased.form_values": "7", "left_for_outbox": "req-1"}
	f := (*got)[0].fields
	for k, w := range want {
		if f[k] != w {
			t.Errorf("%s = %q, want %q", k, f[k], w)
		}
	}
	if len(f) != len(want)+1 { // + the random visit id
		t.Errorf("unexpected fields: %v", f)
	}
}
