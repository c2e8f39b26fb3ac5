package hall

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"sckiosk/internal/logbuf"
)

// A flood of bad logins is logged 20 at once and one a second after
// that; the next line says how many were left out.
func TestRefusalsLoggedAtARate(t *testing.T) {
	var buf logbuf.Buffer
	now := time.Unix(1_700_000_000, 0)
	h := &fleetHook{log: slog.New(slog.NewTextHandler(&buf, nil)), now: func() time.Time { return now }}
	for range 100 {
		h.refused("refused", "client", "x")
	}
	if n := strings.Count(buf.String(), "msg=refused"); n != 20 {
		t.Fatalf("%d lines for 100 refusals at once, want 20", n)
	}
	now = now.Add(1500 * time.Millisecond)
	h.refused("refused", "client", "x")
	if !strings.Contains(buf.String(), "refusals_not_logged=80") {
		t.Errorf("the next line does not count the 80 left out:\n%s", buf.String())
	}
}
