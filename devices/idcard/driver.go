package idcard

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"sckiosk/devices/device"
	"sckiosk/devices/serialport"
	"sckiosk/devices/supervise"
)

// DeviceName is the Kind of every status the driver reports.
const DeviceName = device.IDCard

// ErrTimeout means the reader did not answer a command in time.
var ErrTimeout = errors.New("idcard: reader did not answer in time")

const (
	// minReadTimeout bounds the 30 01 read, which includes the RF exchange
	// and SAM decryption (Synjones uses 3.5 s, devices.md §1.7).
	minReadTimeout = 3500 * time.Millisecond
	// readSlice is the port read timeout: how often a waiting read looks at
	// its deadline and the context.
	readSlice = 50 * time.Millisecond
	// addressTimeout bounds the 30 03 appended-address read (Synjones
	// uses 1 s, devices.md §1.7).
	addressTimeout = time.Second
)

// DefaultPollInterval is how often the reader is asked for a card. A
// placed card waits half of it on average before it is found: at 20 ms a
// card is read in about 131 ms (the 112 ms of the 30 01 answer on the
// wire at 115200 baud, 10 ms of waiting, 9 ms of find, select, the
// appended address and the host) and in 141 ms at worst, where 300 ms
// made it 271 ms on average. What it costs while no card is on the reader
// (BenchmarkIdlePoll): 50 finds a second, 1,050 bytes a second on the
// line (10 out, 11 back per find: under 5 % of either direction at
// 115200 baud; the read itself waits at most one find, 1.8 ms, for the
// line), and about 0.7 ms of CPU per find for the driver and the
// simulator together, 3 % of one core on a loaded 2-core machine against
// 0.3 % at 300 ms. At a lower baud the default interval is longer, so
// that finds keep to the same share of the line (defaultPoll).
const DefaultPollInterval = 20 * time.Millisecond

// defaultPoll is the default find interval at baud: DefaultPollInterval at
// 115200 and above, longer in proportion below (about 240 ms at 9600), so
// that finds never take more than about 10 % of the line.
func defaultPoll(baud int) time.Duration {
	if baud >= 115200 || baud <= 0 {
		return DefaultPollInterval
	}
	return DefaultPollInterval * time.Duration(115200) / time.Duration(baud)
}

// Options configure a [Driver]. Zero values take the defaults.
type Options struct {
	Port           string        // device node, e.g. /dev/ttyUSB0 or a pty
	Baud           int           // default 115200
	PollInterval   time.Duration // find-card period; default DefaultPollInterval (longer below 115200 baud)
	CommandTimeout time.Duration // per command; default 1 s; read 30 01 waits at least 3.5 s
	Retries        int           // resends after a garbled or missing answer; default 2, negative for none
	FaultRetry     time.Duration // how often a faulty SAM is rechecked at start-up; default 5 s
}

func (o Options) withDefaults() Options {
	if o.Baud <= 0 {
		o.Baud = 115200
	}
	if o.PollInterval <= 0 {
		o.PollInterval = defaultPoll(o.Baud)
	}
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = time.Second
	}
	switch {
	case o.Retries == 0:
		o.Retries = 2
	case o.Retries < 0:
		o.Retries = 0
	}
	if o.FaultRetry <= 0 {
		o.FaultRetry = 5 * time.Second
	}
	return o
}

// EventKind says what happened at the reader.
type EventKind int

// Event kinds.
const (
	CardRead    EventKind = iota + 1 // a card was read; Event.Card holds it
	CardRemoved                      // the card seen before left the field
	ReadFailed                       // a card is there but could not be read; Event.Err says why
)

// String returns the English name of k.
func (k EventKind) String() string {
	switch k {
	case CardRead:
		return "card-read"
	case CardRemoved:
		return "card-removed"
	case ReadFailed:
		return "read-failed"
	}
	return fmt.Sprintf("event(%d)", int(k))
}

// Event is emitted by a driver session. The receiver owns Card and should
// Wipe it when the visit ends. For ReadFailed, [CauseOf] says what Err
// means for the citizen.
type Event struct {
	Kind EventKind
	Card Card
	Err  error
}

// Driver reads ID cards from a SAM reader on a serial port.
//
// The reader is polled with find card. A card is read once (select, then
// read 30 01) and not again until find reports the field empty (0x80),
// which emits CardRemoved. A failed read emits ReadFailed and is retried on
// the next poll, except for cards that can never be decoded (unsupported
// type, wrong card), which wait for removal.
type Driver struct {
	opts Options
	log  *slog.Logger
}

// New returns a driver for opts; a nil log discards.
func New(opts Options, log *slog.Logger) *Driver {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Driver{opts: opts.withDefaults(), log: log.With("device", DeviceName)}
}

// Options returns the effective options, defaults applied.
func (d *Driver) Options() Options { return d.opts }

// Session returns one life of the reader connection for
// [supervise.Run]: it opens the port, checks the SAM, reports Online and
// polls until ctx ends or the port fails. Events go to events (nil drops
// them); sending blocks until received or ctx ends.
func (d *Driver) Session(events chan<- Event) supervise.Session {
	return func(ctx context.Context, report func(device.Status)) error {
		return d.run(ctx, report, events)
	}
}

func (d *Driver) run(ctx context.Context, report func(device.Status), events chan<- Event) error {
	port, err := serialport.Open(d.opts.Port, d.opts.Baud)
	if err != nil {
		return fmt.Errorf("idcard: open reader: %w", err)
	}
	defer port.Close()
	if err := port.SetReadTimeout(readSlice); err != nil {
		return fmt.Errorf("idcard: set read timeout: %w", err)
	}
	src := &portReader{ctx: ctx, port: port}
	s := &session{
		d: d, ctx: ctx, port: port, src: src, fr: NewFrameReader(src),
		report: report, events: events, state: device.Starting,
	}
	if err := s.checkSAM(); err != nil {
		return err
	}
	return s.poll()
}

// portReader turns the port's short read timeouts into a per-command
// deadline and honours ctx. It never returns 0, nil.
type portReader struct {
	ctx      context.Context
	port     serialport.Port
	deadline time.Time
}

func (r *portReader) Read(p []byte) (int, error) {
	for {
		if err := r.ctx.Err(); err != nil {
			return 0, err
		}
		if !r.deadline.IsZero() && !time.Now().Before(r.deadline) {
			return 0, ErrTimeout
		}
		n, err := r.port.Read(p)
		if n > 0 || err != nil {
			return n, err
		}
	}
}

// session is the state of one port connection.
type session struct {
	d      *Driver
	ctx    context.Context
	port   serialport.Port
	src    *portReader
	fr     *FrameReader
	report func(device.Status)
	events chan<- Event

	state  device.State
	reason string

	present   bool // a card is in the field (read, failed or wrong)
	done      bool // the card in the field needs no further read
	noAddress bool // the reader does not answer 30 03
}

func (s *session) setState(st device.State, reason string, cause device.Cause) {
	if st == s.state && reason == s.reason {
		return
	}
	s.state, s.reason = st, reason
	if s.report != nil {
		s.report(device.Status{Kind: DeviceName, State: st, Reason: reason, Cause: cause, Since: time.Now()})
	}
}

// checkSAM sends status 11 FF until it answers 00 00 90. A SAM that
// answers with another status is reported as Fault and rechecked every
// FaultRetry; a reader that does not answer ends the session.
func (s *session) checkSAM() error {
	for {
		resp, err := s.exchange(OpStatus, nil, s.d.opts.CommandTimeout)
		if err != nil {
			return fmt.Errorf("idcard: status check: %w", err)
		}
		if resp.SW1 == 0 && resp.SW2 == 0 && resp.SW3 == SW3OK {
			s.d.log.Info("reader online", "port", s.d.opts.Port)
			s.setState(device.Online, "", device.NoCause)
			return nil
		}
		se := &StatusError{SW1: resp.SW1, SW2: resp.SW2, SW3: resp.SW3}
		s.d.log.Error("reader status check failed", "err", se, "recheck_in", s.d.opts.FaultRetry)
		s.setState(device.Fault, se.Error(), device.ReaderFault)
		if err := s.sleep(s.d.opts.FaultRetry); err != nil {
			return err
		}
	}
}

func (s *session) poll() error {
	t := time.NewTicker(s.d.opts.PollInterval)
	defer t.Stop()
	for {
		if err := s.pollOnce(); err != nil {
			return err
		}
		select {
		case <-s.ctx.Done():
			return s.ctx.Err()
		case <-t.C:
		}
	}
}

func (s *session) pollOnce() error {
	resp, err := s.exchange(OpFind, nil, s.d.opts.CommandTimeout)
	if err != nil {
		return fmt.Errorf("idcard: find card: %w", err)
	}
	switch resp.SW3 {
	case SW3CardFound:
		s.setState(device.Online, "", device.NoCause)
		if s.done {
			return nil
		}
		return s.readCard()
	case SW3NoCard:
		s.setState(device.Online, "", device.NoCause)
		if !s.present {
			return nil
		}
		s.present, s.done = false, false
		s.d.log.Info("card removed")
		return s.emit(Event{Kind: CardRemoved})
	}
	se := &StatusError{SW1: resp.SW1, SW2: resp.SW2, SW3: resp.SW3}
	switch {
	case se.ReaderFault():
		s.d.log.Error("reader fault while polling", "err", se)
		s.setState(device.Fault, se.Error(), se.Cause())
	case se.SW3 == SW3WrongCard:
		if !s.done {
			return s.failed(se)
		}
	default:
		s.d.log.Warn("find card failed", "err", se)
	}
	return nil
}

// readCard selects and reads the card that find reported, then its
// appended address. A garbled or lost read answer cannot simply be resent:
// the reader wants find and select before every read, so the whole
// sequence is repeated, up to Retries times.
func (s *session) readCard() error {
	s.setState(device.Busy, "reading card", device.NoCause)
	defer func() {
		if s.state == device.Busy {
			s.setState(device.Online, "", device.NoCause)
		}
	}()
	var lastErr error
	for attempt := 0; attempt <= s.d.opts.Retries; attempt++ {
		if attempt > 0 {
			s.d.log.Debug("reading card again", "attempt", attempt, "err", lastErr)
			resp, err := s.exchange(OpFind, nil, s.d.opts.CommandTimeout)
			if err != nil {
				return fmt.Errorf("idcard: find card: %w", err)
			}
			if resp.SW3 != SW3CardFound {
				break // the card left or the reader objects: report the read error
			}
		}
		resp, err := s.exchange(OpSelect, nil, s.d.opts.CommandTimeout)
		if err != nil {
			return fmt.Errorf("idcard: select card: %w", err)
		}
		if err := resp.Err(); err != nil {
			return s.failed(err)
		}
		resp, err = s.exchangeN(OpRead, nil, max(s.d.opts.CommandTimeout, minReadTimeout), 0)
		switch {
		case err != nil && garbled(err):
			lastErr = err
			continue
		case err != nil:
			return fmt.Errorf("idcard: read base message: %w", err)
		case resp.SW3 == SW3BadChecksum || resp.SW3 == SW3BadLength:
			lastErr = resp.Err()
			continue
		}
		if err := resp.Err(); err != nil {
			return s.failed(err)
		}
		card, err := parseBaseMessage(resp.Data)
		clear(resp.Data)
		if err != nil {
			s.done = true // the same bytes would come again: wait for removal
			return s.failed(err)
		}
		card.AppendedAddress = s.readAddress()
		s.fr.Wipe() // the raw text and photo bytes still sat in the read buffer
		s.present, s.done = true, true
		s.d.log.Info("card read", "card", card, "appended_address", card.AppendedAddress != "")
		return s.emit(Event{Kind: CardRead, Card: card})
	}
	return s.failed(fmt.Errorf("idcard: read base message: %w", lastErr))
}

// readAddress reads the appended address (30 03) of the selected card. The
// answer's layout and its "none" status 91 come from one driver only
// (devices.md §6), so every other outcome is logged and read as "no
// appended address"; a reader that rejects the command or does not answer
// is not asked again in this session.
func (s *session) readAddress() string {
	if s.noAddress {
		return ""
	}
	resp, err := s.exchange(OpReadAddress, nil, min(s.d.opts.CommandTimeout, addressTimeout))
	switch {
	case err != nil:
		if errors.Is(err, ErrTimeout) {
			s.noAddress = true
		}
		s.d.log.Warn("appended address not read", "err", err)
		return ""
	case resp.SW3 == SW3OK:
		addr := DecodeAddress(resp.Data)
		clear(resp.Data)
		return addr
	case resp.SW3 == SW3NoContent:
		return ""
	case resp.SW3 == SW3BadCommand || resp.SW3 == SW3NotPermitted:
		s.noAddress = true
		s.d.log.Info("reader does not read appended addresses", "err", resp.Err())
		return ""
	}
	s.d.log.Warn("appended address not read", "err", resp.Err())
	return ""
}

// garbled reports whether err is a lost or garbled answer, worth a retry.
func garbled(err error) bool {
	return errors.Is(err, ErrChecksum) || errors.Is(err, ErrLength) || errors.Is(err, ErrTimeout)
}

func (s *session) failed(err error) error {
	s.present = true
	if se := (*StatusError)(nil); errors.As(err, &se) && se.SW3 == SW3WrongCard {
		s.done = true // not an ID card: retrying cannot help
	}
	s.d.log.Warn("card read failed", "err", err)
	return s.emit(Event{Kind: ReadFailed, Err: err})
}

// parseBaseMessage splits the 30 01 data: text length and photo length
// (big-endian), text block, photo block.
func parseBaseMessage(data []byte) (Card, error) {
	if len(data) < 4 {
		return Card{}, fmt.Errorf("idcard: base message of %d bytes: %w", len(data), ErrLength)
	}
	textLen := int(binary.BigEndian.Uint16(data[0:]))
	photoLen := int(binary.BigEndian.Uint16(data[2:]))
	if textLen != TextSize || len(data) < 4+textLen+photoLen {
		return Card{}, fmt.Errorf("idcard: base message of %d bytes declares text %d, photo %d: %w",
			len(data), textLen, photoLen, ErrLength)
	}
	card, err := DecodeText(data[4 : 4+textLen])
	if err != nil {
		return Card{}, err // already says idcard and what is wrong
	}
	card.Photo = bytes.Clone(data[4+textLen : 4+textLen+photoLen])
	return card, nil
}

// exchange sends op and reads its answer. Garbled answers (checksum or
// length), answers the reader itself flags as garbled (SW3 10, 11) and
// missing answers are retried up to Retries times; every other error of the
// port ends the exchange. The input is flushed before each send, so a late
// answer cannot be taken for the next one. Errors carry no "idcard:" prefix;
// callers add it with the step that failed.
func (s *session) exchange(op Op, data []byte, timeout time.Duration) (Response, error) {
	return s.exchangeN(op, data, timeout, s.d.opts.Retries)
}

// exchangeN is exchange with retries resends instead of Options.Retries.
func (s *session) exchangeN(op Op, data []byte, timeout time.Duration, retries int) (Response, error) {
	frame := op.Encode(data)
	var lastErr error
	for attempt := 0; attempt <= retries; attempt++ {
		if err := s.ctx.Err(); err != nil {
			return Response{}, err
		}
		if attempt > 0 {
			s.d.log.Debug("resending command", "op", op, "attempt", attempt, "err", lastErr)
		}
		if err := s.port.ResetInputBuffer(); err != nil {
			return Response{}, fmt.Errorf("flush input: %w", err)
		}
		s.fr.Reset()
		if _, err := s.port.Write(frame); err != nil {
			return Response{}, fmt.Errorf("write command: %w", err)
		}
		noise := s.fr.Discarded()
		s.src.deadline = time.Now().Add(timeout)
		resp, err := s.fr.ReadResponse()
		s.src.deadline = time.Time{}
		if n := s.fr.Discarded() - noise; n > 0 {
			s.d.log.Debug("skipped noise before answer", "op", op, "bytes", n)
		}
		switch {
		case err == nil && (resp.SW3 == SW3BadChecksum || resp.SW3 == SW3BadLength):
			lastErr = resp.Err()
			if attempt == retries {
				return resp, nil
			}
		case err == nil:
			return resp, nil
		case s.ctx.Err() != nil:
			return Response{}, s.ctx.Err()
		case errors.Is(err, ErrChecksum), errors.Is(err, ErrLength), errors.Is(err, ErrTimeout):
			lastErr = err
		default:
			return Response{}, fmt.Errorf("read answer: %w", err)
		}
	}
	return Response{}, fmt.Errorf("no good answer after %d attempts: %w", retries+1, lastErr)
}

func (s *session) emit(ev Event) error {
	if s.events == nil {
		ev.Card.Wipe()
		return nil
	}
	select {
	case s.events <- ev:
		return nil
	case <-s.ctx.Done():
		ev.Card.Wipe()
		return s.ctx.Err()
	}
}

func (s *session) sleep(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-s.ctx.Done():
		return s.ctx.Err()
	case <-t.C:
		return nil
	}
}
