package drill

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sckiosk/kiosk/adapters/privacy"
)

// visits is how many citizens the privacy drill plays (fewer under the
// race detector, which makes every visit several times slower).
var visits = 100

// After 100 drilled visits and a drained outbox, nothing the kiosk wrote
// (outbox database and WAL, audit log, logs) holds a name, an ID number,
// an address or a phone number, in any encoding. The visits are by every
// citizen of Citizens: each card type and app codes, rare characters and
// long English names.
func TestDrillLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	logf, err := os.Create(filepath.Join(dir, "kiosk.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	log := slog.New(privacy.NewHandler(slog.NewTextHandler(logf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	sum, err := Run(ctx, Options{Sessions: visits, DataDir: dir, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("drill: %d done, %d queued, %d rejected, %d printed in %v; visits %v", sum.Done, sum.Queued, sum.Rejected, sum.Printed, sum.Elapsed, sum.Kinds)
	if sum.Done+sum.Queued != visits || sum.Failed != 0 || sum.Printed != visits || sum.Rejected != 0 {
		t.Fatalf("summary %+v", sum)
	}
	for _, k := range []string{"resident", "hmt_resident_permit", "foreign_permanent_2017", "foreign_permanent_2023", "app"} {
		if sum.Kinds[k] == 0 {
			t.Errorf("no visit by %s: %v", k, sum.Kinds)
		}
	}
	numbers := map[string]bool{}
	for _, id := range sum.Identities {
		if id.Number != "" {
			numbers[id.Number] = true
		}
	}
	if len(numbers) != len(Citizens()) {
		t.Errorf("%d citizens looked for, want %d", len(numbers), len(Citizens()))
	}
	logf.Sync()
	hits, err := privacy.Scan(dir, sum.Identities)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hits {
		t.Errorf("personal data left: %s", h)
	}
	audit, err := os.ReadFile(filepath.Join(dir, "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	if n := countLines(audit, `"kind":"erasure"`); n != visits {
		t.Fatalf("%d erasure records, want %d", n, visits)
	}
}

func countLines(b []byte, sub string) int {
	n := 0
	for _, line := range splitLines(b) {
		if containsStr(line, sub) {
			n++
		}
	}
	return n
}

// TestDrillWaitsForTheReader: between two citizens the drill waits until
// the kiosk's reader has seen the empty field, however slowly it polls.
// A fixed 60 ms pause lost the next card to a reader that had not looked
// yet (it took the card for the one it had read), which a loaded machine
// made happen at the usual 20 ms polling too.
func TestDrillWaitsForTheReader(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sum, err := Run(ctx, Options{Sessions: 3, DataDir: t.TempDir(), CardPoll: 250 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Done+sum.Queued != 3 || sum.Failed != 0 {
		t.Fatalf("%d done, %d queued, %d failed", sum.Done, sum.Queued, sum.Failed)
	}
}
