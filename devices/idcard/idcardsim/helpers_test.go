package idcardsim

import (
	"encoding/hex"
	"log/slog"
	"os"
	"strings"
	"testing"

	"sckiosk/devices/idcard"
)

// testLog logs to stderr with -v, else discards.
func testLog() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// hx parses "AA AA 96" style hex.
func hx(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// textOf returns the type and text fields of c, for comparisons.
func textOf(c idcard.Card) [18]string {
	return [18]string{c.Type.String(), c.Name, c.Sex, c.Nation, c.Birth, c.Address, c.Number, c.Authority, c.ValidFrom, c.ValidTo,
		c.NameEN, c.Nationality, c.PassNumber, c.IssueCount, c.RenewalCount, c.CardVersion, c.OldNumberRef, c.AppendedAddress}
}
