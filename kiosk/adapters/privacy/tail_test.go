package privacy

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestTailKeepsTheLastMaskedLines(t *testing.T) {
	tail := NewTail(3, slog.LevelInfo)
	var out bytes.Buffer
	log := slog.New(NewHandler(Fanout{slog.NewTextHandler(&out, nil), tail}))
	log.Debug("not kept")
	for _, m := range []string{"one", "two", "three", "four 11010519491231002X"} {
		log.With("device", "printer").Info(m)
	}
	lines := tail.Lines()
	if len(lines) != 3 || !strings.Contains(lines[0], "msg=two") || !strings.Contains(lines[2], "1101**********002X") ||
		!strings.Contains(lines[2], "device=printer") || strings.Contains(strings.Join(lines, "\n"), "11010519491231002X") {
		t.Fatalf("tail = %q", lines)
	}
	if !strings.Contains(out.String(), "msg=one") {
		t.Fatal("the main handler lost a line")
	}
}

// The technician reads the log in Beijing time, as receipts are printed,
// even on a machine whose clock zone is UTC.
func TestTailShowsBeijingTime(t *testing.T) {
	tail := NewTail(2, slog.LevelInfo)
	r := slog.NewRecord(time.Date(2026, 12, 5, 23, 30, 5, 0, time.UTC), slog.LevelInfo, "late", 0)
	if err := tail.Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if lines := tail.Lines(); len(lines) != 1 || !strings.HasPrefix(lines[0], "time=07:30:05 ") {
		t.Fatalf("tail = %q, want 07:30:05 Beijing time", lines)
	}
}
