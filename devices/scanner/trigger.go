package scanner

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"sync"
	"time"
)

// Trigger modes: an empty Options.Trigger means continuous (sense) mode,
// where the engine reads whenever a code is shown. The others name the
// engine family whose serial trigger command the driver sends.
const (
	TriggerGM65      = "gm65"      // HZGrow GM65/GM812/GM805: 7E 00 08 01 00 02 01 AB CD
	TriggerHoneywell = "honeywell" // SYN T CR: 16 54 0D
	TriggerNewland   = "newland"   // ~<SOH>0000#SCNTRG1;<ETX> (temporary storage)
)

var triggerCommands = map[string][]byte{
	TriggerGM65:      {0x7E, 0x00, 0x08, 0x01, 0x00, 0x02, 0x01, 0xAB, 0xCD},
	TriggerHoneywell: {0x16, 0x54, 0x0D},
	TriggerNewland:   append(append([]byte{0x7E, 0x01}, "0000#SCNTRG1"...), 0x3B, 0x03),
}

// TriggerCommand returns the bytes that make an engine of family read
// once, and whether the family is known.
func TriggerCommand(family string) ([]byte, bool) {
	b, ok := triggerCommands[family]
	return b, ok
}

// gm65Ack is the GM65's answer to a trigger command; newlandReply matches
// Newland's ACK/NAK frames. Neither is a code: both are removed from the
// stream before it is split into codes. (An answer split across two reads
// is not recognised; engines send it in one piece.)
var (
	gm65Ack      = []byte{0x02, 0x00, 0x00, 0x01, 0x00, 0x33, 0x31}
	newlandReply = regexp.MustCompile(`\x02\x01\x30\x30\x30\x30[^\x03]{0,64}\x3B\x03`)
)

// stripReplies removes the engine's answers to commands from p.
func stripReplies(family string, p []byte) []byte {
	switch family {
	case TriggerGM65:
		return bytes.ReplaceAll(p, gm65Ack, nil)
	case TriggerNewland:
		return newlandReply.ReplaceAll(p, nil)
	}
	return p
}

// armer sends the trigger command at start, after every code and whenever
// Rearm passes without one, so an engine in command mode keeps reading.
type armer struct {
	w       io.Writer
	cmd     []byte
	every   time.Duration
	mu      sync.Mutex
	lastArm time.Time
}

func (a *armer) arm() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.lastArm = time.Now()
	if _, err := a.w.Write(a.cmd); err != nil {
		return fmt.Errorf("scanner: send trigger: %w", err)
	}
	return nil
}

func (a *armer) due() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return time.Since(a.lastArm) >= a.every
}
