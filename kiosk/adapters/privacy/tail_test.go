package privacy

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
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
