package idcard

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Frame size limits enforced by [FrameReader]. LEN counts the bytes after
// the length field: CMD PARA DATA CHK for commands, SW1 SW2 SW3 DATA CHK for
// responses. The largest real response (30 10 with two fingerprints) has
// LEN 2314.
const (
	MinFrameLen = 3    // CMD PARA CHK
	MaxFrameLen = 4096 // generous upper bound; longer LEN values are noise
)

// Errors of the frame layer. They are wrapped with detail; test with
// errors.Is.
var (
	ErrChecksum = errors.New("idcard: frame checksum mismatch")
	ErrLength   = errors.New("idcard: bad frame length")
)

// preamble starts every frame: three sync bytes, then the start mark 96 69.
var preamble = [5]byte{0xAA, 0xAA, 0xAA, 0x96, 0x69}

// Op is a reader command: CMD in the high byte, PARA in the low byte.
type Op uint16

// Commands of the SAM protocol (devices.md §1.3).
const (
	OpReset       Op = 0x10FF // reset the SAM
	OpStatus      Op = 0x11FF // SAM status check; answers 00 00 90 when healthy
	OpSAMID       Op = 0x12FF // read the SAM module number (16 data bytes)
	OpFind        Op = 0x2001 // find card: 9F present, 80 none
	OpSelect      Op = 0x2002 // select card
	OpRead        Op = 0x3001 // read base message: text + photo
	OpReadAddress Op = 0x3003 // read the appended (newest) address
	OpReadFP      Op = 0x3010 // read base message + fingerprint
	OpMaxRF       Op = 0x61FF // set the maximum RF bytes per exchange (1 data byte)
)

// Cmd returns the CMD byte.
func (o Op) Cmd() byte { return byte(o >> 8) }

// Para returns the PARA byte.
func (o Op) Para() byte { return byte(o) }

// Encode returns the complete host frame for o with data.
func (o Op) Encode(data []byte) []byte { return EncodeCommand(o.Cmd(), o.Para(), data) }

// String returns a short English name for logs, e.g. "find(20 01)".
func (o Op) String() string {
	var name string
	switch o {
	case OpReset:
		name = "reset"
	case OpStatus:
		name = "status"
	case OpSAMID:
		name = "sam-id"
	case OpFind:
		name = "find"
	case OpSelect:
		name = "select"
	case OpRead:
		name = "read"
	case OpReadAddress:
		name = "read-address"
	case OpReadFP:
		name = "read-fingerprint"
	case OpMaxRF:
		name = "max-rf"
	default:
		name = "op"
	}
	return fmt.Sprintf("%s(%02X %02X)", name, o.Cmd(), o.Para())
}

// EncodeCommand returns a complete host→reader frame. It panics if the
// frame would exceed [MaxFrameLen], which no command of the protocol does.
func EncodeCommand(cmd, para byte, data []byte) []byte {
	return encode([]byte{cmd, para}, data)
}

// EncodeResponse returns a complete reader→host frame, as the simulator
// sends it. It panics if the frame would exceed [MaxFrameLen].
func EncodeResponse(sw1, sw2, sw3 byte, data []byte) []byte {
	return encode([]byte{sw1, sw2, sw3}, data)
}

func encode(head, data []byte) []byte {
	n := len(head) + len(data) + 1
	if n > MaxFrameLen {
		panic(fmt.Sprintf("idcard: frame LEN %d exceeds %d", n, MaxFrameLen))
	}
	f := make([]byte, 0, len(preamble)+2+n)
	f = append(f, preamble[:]...)
	f = binary.BigEndian.AppendUint16(f, uint16(n))
	f = append(f, head...)
	f = append(f, data...)
	var sum byte
	for _, b := range f[len(preamble):] {
		sum ^= b
	}
	return append(f, sum)
}

// Frame is one checked frame: the bytes between the length field and the
// checksum. Whether it is a command or a response depends on the direction.
type Frame struct {
	Payload []byte
}

// Command is a decoded host→reader frame.
type Command struct {
	Cmd, Para byte
	Data      []byte
}

// Op returns the command as an [Op].
func (c Command) Op() Op { return Op(c.Cmd)<<8 | Op(c.Para) }

// Response is a decoded reader→host frame.
type Response struct {
	SW1, SW2, SW3 byte
	Data          []byte
}

// Err returns nil for the success codes 90, 91 (no content) and 9F (card
// found) and a [*StatusError] for every other status.
func (r Response) Err() error { return statusErr(r.SW1, r.SW2, r.SW3) }

// Command interprets f as a host→reader frame.
func (f Frame) Command() (Command, error) {
	if len(f.Payload) < 2 {
		return Command{}, fmt.Errorf("%w: command frame with %d payload bytes", ErrLength, len(f.Payload))
	}
	return Command{Cmd: f.Payload[0], Para: f.Payload[1], Data: f.Payload[2:]}, nil
}

// Response interprets f as a reader→host frame.
func (f Frame) Response() (Response, error) {
	if len(f.Payload) < 3 {
		return Response{}, fmt.Errorf("%w: response frame with %d payload bytes", ErrLength, len(f.Payload))
	}
	return Response{SW1: f.Payload[0], SW2: f.Payload[1], SW3: f.Payload[2], Data: f.Payload[3:]}, nil
}

// FrameReader reads frames from a byte stream. It discards bytes until the
// preamble (any run of at least three AA followed by 96 69), so it recovers
// from line noise and from frames cut short. It never allocates more than
// [MaxFrameLen] bytes for one frame.
//
// After ErrChecksum the stream is still aligned on the next frame; after
// ErrLength or an error of the underlying reader the next ReadFrame
// resynchronises on the next preamble.
type FrameReader struct {
	src       io.Reader
	br        *byteBuffer
	discarded int64
}

// NewFrameReader returns a FrameReader reading from r.
func NewFrameReader(r io.Reader) *FrameReader {
	return &FrameReader{src: r, br: &byteBuffer{src: r, buf: make([]byte, 4096)}}
}

// Reset drops bytes buffered but not yet consumed, e.g. before a retry.
func (r *FrameReader) Reset() { r.br.reset() }

// Wipe zeroes the bytes buffered from the reader — they include the card's
// text and photo after a read — and drops any unread input.
func (r *FrameReader) Wipe() { r.br.wipe() }

// byteBuffer is a small buffered reader whose buffer the FrameReader owns,
// so that card data read through it can be zeroed (bufio's cannot).
type byteBuffer struct {
	src  io.Reader
	buf  []byte
	r, w int
}

func (b *byteBuffer) reset() { b.r, b.w = 0, 0 }

func (b *byteBuffer) wipe() {
	clear(b.buf)
	b.reset()
}

// fill reads more input; like bufio it gives up after many empty reads.
func (b *byteBuffer) fill() error {
	b.r, b.w = 0, 0
	for i := 0; i < 100; i++ {
		n, err := b.src.Read(b.buf)
		if n > 0 {
			b.w = n
			return nil
		}
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}

func (b *byteBuffer) ReadByte() (byte, error) {
	if b.r == b.w {
		if err := b.fill(); err != nil {
			return 0, err
		}
	}
	c := b.buf[b.r]
	b.r++
	return c, nil
}

func (b *byteBuffer) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if b.r == b.w {
		if err := b.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, b.buf[b.r:b.w])
	b.r += n
	return n, nil
}

// Discarded returns how many noise bytes were skipped while looking for a
// preamble, since the reader was made.
func (r *FrameReader) Discarded() int64 { return r.discarded }

// ReadFrame reads the next complete frame. It returns io.EOF if the stream
// ends before a preamble, io.ErrUnexpectedEOF if it ends inside a frame,
// and errors wrapping [ErrLength] or [ErrChecksum] for bad frames. Errors of
// the underlying reader are returned as they are.
func (r *FrameReader) ReadFrame() (Frame, error) {
	if err := r.sync(); err != nil {
		return Frame{}, err
	}
	hi, err := r.br.ReadByte()
	if err != nil {
		return Frame{}, midFrame(err)
	}
	lo, err := r.br.ReadByte()
	if err != nil {
		return Frame{}, midFrame(err)
	}
	n := int(hi)<<8 | int(lo)
	if n < MinFrameLen || n > MaxFrameLen {
		return Frame{}, fmt.Errorf("%w: LEN %d outside %d..%d", ErrLength, n, MinFrameLen, MaxFrameLen)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r.br, buf); err != nil {
		return Frame{}, midFrame(err)
	}
	sum := hi ^ lo
	for _, b := range buf[:n-1] {
		sum ^= b
	}
	if got := buf[n-1]; got != sum {
		return Frame{}, fmt.Errorf("%w: got %02X, computed %02X", ErrChecksum, got, sum)
	}
	return Frame{Payload: buf[: n-1 : n-1]}, nil
}

// ReadCommand reads the next frame as a host→reader command.
func (r *FrameReader) ReadCommand() (Command, error) {
	f, err := r.ReadFrame()
	if err != nil {
		return Command{}, err
	}
	return f.Command()
}

// ReadResponse reads the next frame as a reader→host response.
func (r *FrameReader) ReadResponse() (Response, error) {
	f, err := r.ReadFrame()
	if err != nil {
		return Response{}, err
	}
	return f.Response()
}

// sync consumes bytes up to and including the next preamble.
func (r *FrameReader) sync() error {
	var run int64 // consecutive AA bytes seen
	var skipped int64
	defer func() { r.discarded += skipped }()
	for {
		b, err := r.br.ReadByte()
		if err != nil {
			skipped += run
			return err
		}
		switch {
		case b == 0xAA:
			run++
		case b == 0x96 && run >= 3:
			b2, err := r.br.ReadByte()
			if err != nil {
				skipped += run + 1
				return err
			}
			if b2 == 0x69 {
				skipped += run - 3
				return nil
			}
			skipped += run + 1
			run = 0
			if b2 == 0xAA {
				run = 1
			} else {
				skipped++
			}
		default:
			skipped += run + 1
			run = 0
		}
	}
}

func midFrame(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
