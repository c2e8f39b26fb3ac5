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
// an address or a phone number, in any encoding.
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
	t.Logf("drill: %+v", sum)
	if sum.Done+sum.Queued != visits || sum.Failed != 0 || sum.Printed != visits {
		t.Fatalf("summary %+v", sum)
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
