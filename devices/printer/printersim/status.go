package printersim

import (
	"fmt"
)

// PaperState is the roll sensor reading a Sim reports.
type PaperState int

// Paper states.
const (
	PaperOK      PaperState = iota // paper adequate
	PaperNearEnd                   // near-end sensor on; printing continues
	PaperOut                       // paper end; printing stops
)

// String returns "ok", "near end" or "out".
func (p PaperState) String() string {
	switch p {
	case PaperOK:
		return "ok"
	case PaperNearEnd:
		return "near end"
	case PaperOut:
		return "out"
	}
	return fmt.Sprintf("paper(%d)", int(p))
}

// SimState is a named printer condition a Sim can be put in, for tests and
// the technician's `kioskctl sim printer --state S`.
type SimState string

// The named states. Each sets all of the sim's switches at once.
const (
	StateOK          SimState = "ok"           // ready
	StateNearEnd     SimState = "near-end"     // paper near end: prints, warns
	StatePaperEnd    SimState = "paper-end"    // out of paper
	StateCoverOpen   SimState = "cover-open"   // paper cover open
	StateCutterError SimState = "cutter-error" // auto-cutter jammed
	StateOffline     SimState = "offline"      // deaf: no answers, data dropped
)

// SimStates lists the named states in a stable order.
func SimStates() []SimState {
	return []SimState{StateOK, StateNearEnd, StatePaperEnd, StateCoverOpen, StateCutterError, StateOffline}
}

// ParseSimState returns the state called name, or an error naming the
// valid ones.
func ParseSimState(name string) (SimState, error) {
	for _, st := range SimStates() {
		if string(st) == name {
			return st, nil
		}
	}
	return "", fmt.Errorf("printer: sim: unknown state %q (ok, near-end, paper-end, cover-open, cutter-error, offline)", name)
}

// SetPaper sets the roll sensor.
func (s *Sim) SetPaper(p PaperState) { s.set(func() { s.paper = p }) }

// SetCoverOpen opens or closes the paper cover.
func (s *Sim) SetCoverOpen(open bool) { s.set(func() { s.coverOpen = open }) }

// SetOffline makes the printer deaf (powered off, cable cut at the
// printer): no status answers, all data dropped.
func (s *Sim) SetOffline(off bool) { s.set(func() { s.offline = off }) }

// SetCutterError jams or frees the auto-cutter.
func (s *Sim) SetCutterError(jam bool) { s.set(func() { s.cutter = jam }) }

// SetState puts the sim in a named state, setting every switch at once.
func (s *Sim) SetState(st SimState) error {
	if _, err := ParseSimState(string(st)); err != nil {
		return err
	}
	s.set(func() {
		s.paper, s.coverOpen, s.cutter, s.offline = PaperOK, false, false, false
		switch st {
		case StateNearEnd:
			s.paper = PaperNearEnd
		case StatePaperEnd:
			s.paper = PaperOut
		case StateCoverOpen:
			s.coverOpen = true
		case StateCutterError:
			s.cutter = true
		case StateOffline:
			s.offline = true
		}
	})
	return nil
}

// set changes switches under the lock and, when automatic status back is
// on, sends a block if the reported status changed.
func (s *Sim) set(change func()) {
	s.mu.Lock()
	change()
	block, send := s.asbChangeLocked(false)
	s.mu.Unlock()
	if send {
		s.send(block[:])
	}
}

// asbChangeLocked returns the ASB block for the current switches and
// whether to send it: ASB is on, the printer is not deaf, and the block
// differs from the last one sent (or force). A printer back from deafness
// sends its status again. s.mu is held.
func (s *Sim) asbChangeLocked(force bool) ([4]byte, bool) {
	if s.offline {
		s.lastASB = [4]byte{} // never a valid block: the next one goes out
	}
	if s.asb == 0 || s.offline {
		return [4]byte{}, false
	}
	b := s.asbBlockLocked()
	if !force && !asbChanged(s.lastASB, b, s.asb) {
		return b, false
	}
	s.lastASB = b
	s.stats.ASBSent++
	return b, true
}

// asbChanged reports whether a status change from old to b is one the
// enable bits select: online/offline (byte 1 bit 3), errors (cover, byte 2)
// or the paper sensor (byte 3). A zero old (never sent, or back from
// deafness) always counts.
func asbChanged(old, b [4]byte, enable byte) bool {
	if old == ([4]byte{}) {
		return true
	}
	return enable&asbOnline != 0 && (old[0]^b[0])&0x08 != 0 ||
		enable&asbError != 0 && ((old[0]^b[0])&0x20 != 0 || old[1] != b[1]) ||
		enable&asbPaper != 0 && old[2] != b[2]
}

// The GS a n enable bits the sim honours (devices.md §4.7), the same as
// printer.ASBOnline, ASBError and ASBPaper: the sim keeps its own copy so
// that it does not link the driver it plays against.
const (
	asbOnline byte = 0x02 // online/offline changes
	asbError  byte = 0x04 // error changes
	asbPaper  byte = 0x08 // roll paper sensor changes
)

// asbBlockLocked is the ASB block for the switches (devices.md §4.7). A
// printer that cannot print reports itself off line, as in DLE EOT 1.
func (s *Sim) asbBlockLocked() [4]byte {
	out := s.paper == PaperOut
	b := [4]byte{0x10, 0, 0, 0}
	if out || s.coverOpen || s.cutter {
		b[0] |= 0x08
	}
	if s.coverOpen {
		b[0] |= 0x20
	}
	if s.cutter {
		b[1] |= 0x08
	}
	if out || s.paper == PaperNearEnd {
		b[2] |= 0x03
	}
	if out {
		b[2] |= 0x0C
	}
	return b
}

// statusReply is the byte answering DLE EOT n, from the switches. A printer
// that cannot print reports itself off line (n = 1 bit 3).
func (s *Sim) statusReply(n int) (byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.paper == PaperOut
	b := byte(0x12)
	switch n {
	case 1:
		if out || s.coverOpen || s.cutter {
			b |= 0x08
		}
	case 2:
		if s.coverOpen {
			b |= 0x04
		}
		if out {
			b |= 0x20
		}
		if s.cutter {
			b |= 0x40
		}
	case 3:
		if s.cutter {
			b |= 0x08
		}
	case 4:
		if out || s.paper == PaperNearEnd {
			b |= 0x0C
		}
		if out {
			b |= 0x60
		}
	default:
		return 0, false
	}
	return b, true
}
