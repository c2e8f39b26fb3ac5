package idcardsim

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"sckiosk/devices/idcard"
)

// Fault is a misbehaviour of field hardware that the [Sim] can play,
// selected by name (kioskctl sim idcard --fault MODE).
type Fault string

// Fault modes of the simulator.
const (
	FaultNone     Fault = ""         // behave
	FaultNoise    Fault = "noise"    // 1–48 noise bytes before every reply
	FaultChunks   Fault = "chunks"   // replies written in random chunks with pauses
	FaultChecksum Fault = "checksum" // the first 30 01 reply carries a bad checksum
	FaultNoCard   Fault = "nocard"   // the field stays empty whatever is placed
	FaultRemoved  Fault = "removed"  // each card is lifted once between select and read, back after 3 polls
	FaultSAMFail  Fault = "samfail"  // the SAM failed its self-test: every command answers 00 00 60
	FaultSlow     Fault = "slow"     // a slow SAM: reads answer after SlowRead, other commands after SlowOther
)

// removedPolls is how many find commands see an empty field after the
// "removed" fault lifted the card.
const removedPolls = 3

// Faults lists the fault modes other than FaultNone.
func Faults() []Fault {
	return []Fault{FaultNoise, FaultChunks, FaultChecksum, FaultNoCard, FaultRemoved, FaultSAMFail, FaultSlow}
}

// ParseFault returns the fault mode named s; "" and "none" are FaultNone.
func ParseFault(s string) (Fault, error) {
	if s == "" || s == "none" {
		return FaultNone, nil
	}
	if f := Fault(s); slices.Contains(Faults(), f) {
		return f, nil
	}
	names := make([]string, 0, len(Faults()))
	for _, f := range Faults() {
		names = append(names, string(f))
	}
	return FaultNone, fmt.Errorf("idcard: unknown fault mode %q (want none, %s)", s, strings.Join(names, ", "))
}

// SimOptions configure a [Sim]. The zero value answers at once, without
// faults.
type SimOptions struct {
	// Baud paces replies at the wire rate of 8N1 (10 bits per byte); 0
	// writes each reply at once.
	Baud  int
	Fault Fault
	// Seed makes noise lengths and chunk sizes repeatable; 0 seeds from
	// the clock.
	Seed uint64
	// SlowRead and SlowOther are the extra delays of FaultSlow; defaults
	// 1.5 s for 30 01/30 10 and 150 ms for other commands.
	SlowRead, SlowOther time.Duration
}

// ByteTime is the wire time of one byte at baud, 8N1.
func ByteTime(baud int) time.Duration {
	if baud <= 0 {
		return 0
	}
	return 10 * time.Second / time.Duration(baud)
}

// slow delays the reply to f under FaultSlow.
func (s *Sim) slow(f idcard.Frame) {
	if s.opts.Fault != FaultSlow {
		return
	}
	d := s.opts.SlowOther
	if c, err := f.Command(); err == nil && (c.Op() == idcard.OpRead || c.Op() == idcard.OpReadFP) {
		d = s.opts.SlowRead
	}
	time.Sleep(d)
}

// pacedChunk is how many bytes a paced write sends at once: 16 bytes last
// 1.4 ms at 115200 baud.
const pacedChunk = 16

// send writes b, paced at the wire rate when Baud is set and in random
// chunks under FaultChunks. Each chunk is written when its last byte would
// have left the UART, so the host never sees bytes earlier than on a wire.
func (s *Sim) send(b []byte) error {
	bt := ByteTime(s.opts.Baud)
	chunky := s.opts.Fault == FaultChunks
	if bt == 0 && !chunky {
		_, err := s.rw.Write(b)
		return err
	}
	start := time.Now()
	for sent := 0; sent < len(b); {
		n := pacedChunk
		var pause time.Duration
		if chunky {
			s.mu.Lock()
			n = 1 + s.rng.IntN(64)
			pause = time.Duration(s.rng.IntN(3000)) * time.Microsecond
			s.mu.Unlock()
		}
		n = min(n, len(b)-sent)
		if bt > 0 {
			if d := time.Until(start.Add(time.Duration(sent+n) * bt)); d > 0 {
				time.Sleep(d)
			}
		}
		if _, err := s.rw.Write(b[sent : sent+n]); err != nil {
			return err
		}
		sent += n
		if pause > 0 {
			time.Sleep(pause)
			start = start.Add(pause)
		}
	}
	return nil
}
