// Package idcardsim plays a second-generation ID-card reader (GA 467 SAM
// protocol) byte for byte on the master side of a pseudo-terminal, paced at
// a baud rate, with cards from fixture files ([LoadFixture]) and named
// [Fault] modes, for tests, kiosk --sim and kioskctl sim idcard. The driver
// in package idcard does not link it.
package idcardsim

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"sckiosk/devices/idcard"
	"sckiosk/devices/serialport"
)

// Sim plays a SAM ID-card reader on a byte stream, usually the master side
// of a pty, answering byte for byte as devices.md §1.5 lists.
//
// Presence: while a card is in the field, find card keeps answering 9F, even
// after the card was read; it answers 80 only once the card is removed.
// Some real readers answer non-9F for a card already read (§1.6, inferred);
// the simulator does not, because the driver tells removal from "already
// read" only by 80 and suppresses re-reads itself.
//
// As on a real reader, find and select must precede every read: select
// without a successful find answers 81, read without a successful select
// answers 41. All methods are safe for concurrent use.
type Sim struct {
	rw   io.ReadWriter
	log  *slog.Logger
	opts SimOptions

	mu       sync.Mutex
	rng      *rand.Rand
	present  bool
	text     []byte // 256-byte text block of the card in the field
	photo    []byte // 1024-byte photo block
	address  []byte // 70-byte appended address, nil for none
	gone     int    // finds still to answer 80 after a "removed" fault
	removed  bool   // the "removed" fault has struck for this card
	spoiled  bool   // the "checksum" fault has struck
	addrMode AddressMode
	samFail  bool // SetSAMFailure: as FaultSAMFail, switched at run time
	found    bool // find answered 9F since the last read
	selected bool // select answered 90 since the last read
	fault    byte // status for the next read, 0 for none
	garbage  int  // noise bytes before the next reply
	corrupt  bool // spoil the checksum of the next reply
	served   map[idcard.Op]int
}

// NewSim returns a simulator that reads commands from rw and writes answers
// to it at once, without faults; a nil log discards.
func NewSim(rw io.ReadWriter, log *slog.Logger) *Sim {
	return NewSimWith(rw, SimOptions{}, log)
}

// NewSimWith returns a simulator with options: wire pacing and a fault
// mode. A nil log discards.
func NewSimWith(rw io.ReadWriter, opts SimOptions, log *slog.Logger) *Sim {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.SlowRead <= 0 {
		opts.SlowRead = 1500 * time.Millisecond
	}
	if opts.SlowOther <= 0 {
		opts.SlowOther = 150 * time.Millisecond
	}
	seed := opts.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	return &Sim{
		rw: rw, log: log.With("device", idcard.DeviceName, "sim", true), opts: opts,
		rng: rand.New(rand.NewPCG(seed, 0x5A4D)), served: make(map[idcard.Op]int),
	}
}

// Place puts c in the field. The photo is padded with zeros to 1024 bytes;
// it returns an error if c cannot be encoded (see [idcard.EncodeText]) or the
// photo is longer than 1024 bytes.
func (s *Sim) Place(c idcard.Card) error {
	text, err := idcard.EncodeText(c)
	if err != nil {
		return fmt.Errorf("idcard: sim place card: %w", err)
	}
	var addr []byte
	if c.AppendedAddress != "" {
		if addr, err = idcard.EncodeAddress(c.AppendedAddress); err != nil {
			return fmt.Errorf("idcard: sim place card: %w", err)
		}
	}
	if err := s.PlaceBlocks(text, c.Photo); err != nil {
		return err
	}
	s.mu.Lock()
	s.address = addr
	s.mu.Unlock()
	s.log.Info("card placed", "card", c)
	return nil
}

// PlaceBlocks puts a card given as raw blocks in the field: a 256-byte text
// block (any card type) and a photo of at most 1024 bytes, padded with
// zeros.
func (s *Sim) PlaceBlocks(text, photo []byte) error {
	if len(text) != idcard.TextSize {
		return fmt.Errorf("idcard: sim place card: %w: %d bytes", idcard.ErrTextSize, len(text))
	}
	if len(photo) > idcard.PhotoSize {
		return fmt.Errorf("idcard: sim place card: photo of %d bytes exceeds %d", len(photo), idcard.PhotoSize)
	}
	p := make([]byte, idcard.PhotoSize)
	copy(p, photo)
	t := append([]byte(nil), text...)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wipeLocked()
	s.present, s.text, s.photo = true, t, p
	return nil
}

// Remove takes the card out of the field.
func (s *Sim) Remove() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.present {
		s.log.Info("card removed")
	}
	s.wipeLocked()
}

func (s *Sim) wipeLocked() {
	clear(s.text)
	clear(s.photo)
	clear(s.address)
	s.present, s.text, s.photo, s.address, s.found, s.selected = false, nil, nil, nil, false, false
	s.gone, s.removed = 0, false
}

// Present reports whether a card is in the field.
func (s *Sim) Present() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.present
}

// SetFault makes the next read (30 01 or 30 10) answer 00 00 sw3, e.g.
// 0x41 (read failed) or 0x33 (verification error); 0 cancels.
func (s *Sim) SetFault(sw3 byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = sw3
}

// SetSAMFailure makes the reader's SAM fail (every command answers 00 00
// 60, as with FaultSAMFail) or recover, while the simulator runs: a
// reader that breaks down in service.
func (s *Sim) SetSAMFailure(fail bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.samFail = fail
}

// InjectGarbage sends n noise bytes before the next reply. The noise holds
// partial preambles (AA AA 96 69) but never a complete one.
func (s *Sim) InjectGarbage(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.garbage += max(n, 0)
}

// CorruptNextReply spoils the checksum of the next reply, as line noise
// would.
func (s *Sim) CorruptNextReply() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.corrupt = true
}

// AddressMode says how the simulated reader treats 30 03 (read the
// appended address).
type AddressMode int

// Address modes. AddressAnswered is the zero value; the others play
// readers that do not know 30 03.
const (
	AddressAnswered AddressMode = iota // 90 with the address, or 91
	AddressRejected                    // 21: the reader does not know the command
	AddressSilent                      // no answer at all
)

// SetAddressMode changes how 30 03 is answered.
func (s *Sim) SetAddressMode(m AddressMode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addrMode = m
}

// Served returns how many frames of op the simulator has answered.
func (s *Sim) Served(op idcard.Op) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.served[op]
}

// Serve answers commands until ctx ends (when rw supports read deadlines),
// the stream ends (nil) or reading or writing fails. A pty master does not
// support deadlines: close the pty to stop Serve.
func (s *Sim) Serve(ctx context.Context) error {
	if d, ok := s.rw.(interface{ SetReadDeadline(time.Time) error }); ok {
		stop := context.AfterFunc(ctx, func() { _ = d.SetReadDeadline(time.Now()) })
		defer stop()
	}
	fr := idcard.NewFrameReader(s.rw)
	for {
		f, err := fr.ReadFrame()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var reply []byte
		switch {
		case err == nil:
			reply = s.handle(f)
			s.slow(f)
		case errors.Is(err, idcard.ErrChecksum):
			s.log.Debug("command with bad checksum", "err", err)
			reply = idcard.EncodeResponse(0, 0, idcard.SW3BadChecksum, nil)
		case errors.Is(err, idcard.ErrLength):
			s.log.Debug("command with bad length", "err", err)
			reply = idcard.EncodeResponse(0, 0, idcard.SW3BadLength, nil)
		case errors.Is(err, io.EOF):
			return nil
		default:
			return fmt.Errorf("idcard: sim read command: %w", err)
		}
		if reply == nil {
			continue // this reader does not answer the command
		}
		if err := s.send(s.decorate(reply)); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("idcard: sim write reply: %w", err)
		}
	}
}

// noise never holds three AA in a row, so it cannot form a preamble, even
// when it ends right before a real one.
var noise = [...]byte{0xAA, 0xAA, 0x96, 0x69, 0x00, 0x05, 0x13, 0xFF, 0x55, 0xAA, 0x96, 0x00}

// decorate prepends pending noise and spoils the checksum if asked.
func (s *Sim) decorate(reply []byte) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.Fault == FaultNoise {
		s.garbage += 1 + s.rng.IntN(48)
	}
	if s.corrupt {
		reply[len(reply)-1] ^= 0xFF
		s.corrupt = false
	}
	if s.garbage == 0 {
		return reply
	}
	out := make([]byte, 0, s.garbage+len(reply))
	for i := range s.garbage {
		out = append(out, noise[i%len(noise)])
	}
	s.garbage = 0
	return append(out, reply...)
}

func status(sw3 byte) []byte { return idcard.EncodeResponse(0, 0, sw3, nil) }

func (s *Sim) handle(f idcard.Frame) []byte {
	c, err := f.Command()
	if err != nil {
		return status(idcard.SW3BadLength)
	}
	op := c.Op()
	s.log.Debug("command", "op", op)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.served[op]++
	if s.opts.Fault == FaultSAMFail || s.samFail {
		return status(idcard.SW3SelfTestFailed) // the SAM accepts no command
	}
	present := s.present && s.opts.Fault != FaultNoCard && s.gone == 0
	if s.gone > 0 && op == idcard.OpFind {
		s.gone--
	}
	switch op {
	case idcard.OpReset:
		s.found, s.selected = false, false
		return status(idcard.SW3OK)
	case idcard.OpStatus:
		return status(idcard.SW3OK)
	case idcard.OpSAMID:
		return idcard.EncodeResponse(0, 0, idcard.SW3OK, simSAMID())
	case idcard.OpMaxRF:
		if len(c.Data) != 1 {
			return status(idcard.SW3BadCommand)
		}
		return status(idcard.SW3OK)
	case idcard.OpFind:
		s.found, s.selected = present, false
		if !present {
			return status(idcard.SW3NoCard)
		}
		return idcard.EncodeResponse(0, 0, idcard.SW3CardFound, make([]byte, 4))
	case idcard.OpSelect:
		if !present || !s.found {
			s.found = false
			return status(idcard.SW3SelectFailed)
		}
		s.found, s.selected = false, true
		return idcard.EncodeResponse(0, 0, idcard.SW3OK, make([]byte, 8))
	case idcard.OpRead, idcard.OpReadFP:
		ok := present && s.selected
		s.selected = false
		if s.fault != 0 {
			f := s.fault
			s.fault = 0
			return status(f)
		}
		if ok && s.opts.Fault == FaultRemoved && !s.removed {
			s.removed, s.gone = true, removedPolls
			s.log.Info("card lifted between select and read")
			return status(idcard.SW3ReadFailed)
		}
		if !ok {
			return status(idcard.SW3ReadFailed)
		}
		reply := s.baseMessageLocked(op == idcard.OpReadFP)
		if s.opts.Fault == FaultChecksum && !s.spoiled {
			s.spoiled = true
			reply[len(reply)-1] ^= 0x5A
		}
		return reply
	case idcard.OpReadAddress:
		switch {
		case s.addrMode == AddressSilent:
			return nil
		case s.addrMode == AddressRejected:
			return status(idcard.SW3BadCommand)
		case !present:
			return status(idcard.SW3ReadFailed)
		case s.address == nil:
			return status(idcard.SW3NoContent)
		}
		return idcard.EncodeResponse(0, 0, idcard.SW3OK, s.address)
	}
	return status(idcard.SW3BadCommand)
}

// baseMessageLocked builds the 30 01 answer (or 30 10 without fingerprint).
func (s *Sim) baseMessageLocked(fingerprint bool) []byte {
	data := make([]byte, 0, 6+idcard.TextSize+idcard.PhotoSize)
	data = binary.BigEndian.AppendUint16(data, idcard.TextSize)
	data = binary.BigEndian.AppendUint16(data, idcard.PhotoSize)
	if fingerprint {
		data = binary.BigEndian.AppendUint16(data, 0)
	}
	data = append(data, s.text...)
	data = append(data, s.photo...)
	return idcard.EncodeResponse(0, 0, idcard.SW3OK, data)
}

// simSAMID is a fictitious SAM number: version 05.01 and three uint32,
// all little-endian.
func simSAMID() []byte {
	b := make([]byte, 0, 16)
	b = binary.LittleEndian.AppendUint16(b, 5)
	b = binary.LittleEndian.AppendUint16(b, 1)
	b = binary.LittleEndian.AppendUint32(b, 20240101)
	b = binary.LittleEndian.AppendUint32(b, 12345678)
	b = binary.LittleEndian.AppendUint32(b, 87654321)
	return b
}

// StartPty makes a pty pair and serves a new simulator on its master in a
// goroutine. The driver opens the returned pty's SlavePath. The pty is
// closed when ctx ends; closing it earlier looks like an unplugged reader.
func StartPty(ctx context.Context, log *slog.Logger) (*Sim, *serialport.Pty, error) {
	return StartPtyWith(ctx, SimOptions{}, log)
}

// StartPtyWith is [StartPty] with simulator options.
func StartPtyWith(ctx context.Context, opts SimOptions, log *slog.Logger) (*Sim, *serialport.Pty, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p, err := serialport.NewPty()
	if err != nil {
		return nil, nil, fmt.Errorf("idcard: sim pty: %w", err)
	}
	s := NewSimWith(p.Master, opts, log)
	go func() {
		if err := s.Serve(ctx); err != nil && ctx.Err() == nil {
			s.log.Debug("simulator stopped", "err", err)
		}
	}()
	context.AfterFunc(ctx, func() { _ = p.Close() })
	return s, p, nil
}
