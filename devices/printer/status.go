package printer

import (
	"errors"
	"fmt"

	"sckiosk/devices/device"
	"sckiosk/devices/printer/escpos"
)

// StatusQuery returns the real-time status request DLE EOT n (10 04 n) for
// n = 1 (printer), 2 (offline cause), 3 (error cause) or 4 (roll paper).
func StatusQuery(n int) []byte { return []byte{escpos.DLE, escpos.EOT, byte(n)} }

// ErrNotStatus means a byte is not a DLE EOT reply: every reply has bits 1
// and 4 set and bits 0 and 7 clear (0xx1xx10).
var ErrNotStatus = errors.New("not a DLE EOT status byte")

// IsStatusByte reports whether b has the fixed bit pattern of a DLE EOT
// reply (0xx1xx10).
func IsStatusByte(b byte) bool { return b&0x93 == 0x12 }

// Status is the printer's real-time status from the four DLE EOT replies
// (devices.md §4.6). The zero value is an off-line printer: a status that
// was never read never allows a job.
type Status struct {
	// n = 1, printer status.
	Online          bool // bit 3 clear: the printer is on line
	DrawerPinHigh   bool // bit 2: drawer-kick connector pin 3 high
	WaitingRecovery bool // bit 5: waiting for online recovery
	FeedButton      bool // bit 6: paper-feed button pressed

	// n = 2, off-line cause.
	CoverOpen      bool // bit 2
	FeedingByPanel bool // bit 3: paper being fed by the feed button
	StoppedNoPaper bool // bit 5: printing stopped by paper end
	ErrorOccurred  bool // bit 6

	// n = 3, error cause.
	RecoverableError     bool // bit 2
	CutterError          bool // bit 3: auto-cutter error
	UnrecoverableError   bool // bit 5
	AutoRecoverableError bool // bit 6: e.g. head over temperature

	// n = 4, roll paper sensor.
	PaperNearEnd bool // bits 2,3
	PaperEnd     bool // bits 5,6
}

// Apply records the reply b to DLE EOT n. A byte without the fixed reply
// pattern, or an n outside 1–4, is rejected with ErrNotStatus and leaves s
// unchanged. A paired sensor field (near end, paper end) counts as set when
// either of its bits is set.
func (s *Status) Apply(n int, b byte) error {
	if !IsStatusByte(b) {
		return fmt.Errorf("printer: DLE EOT %d reply %#02x: %w", n, b, ErrNotStatus)
	}
	bit := func(i uint) bool { return b&(1<<i) != 0 }
	switch n {
	case 1:
		s.DrawerPinHigh, s.Online, s.WaitingRecovery, s.FeedButton = bit(2), !bit(3), bit(5), bit(6)
	case 2:
		s.CoverOpen, s.FeedingByPanel, s.StoppedNoPaper, s.ErrorOccurred = bit(2), bit(3), bit(5), bit(6)
	case 3:
		s.RecoverableError, s.CutterError, s.UnrecoverableError, s.AutoRecoverableError = bit(2), bit(3), bit(5), bit(6)
	case 4:
		s.PaperNearEnd, s.PaperEnd = bit(2) || bit(3), bit(5) || bit(6)
	default:
		return fmt.Errorf("printer: DLE EOT %d: %w", n, ErrNotStatus)
	}
	return nil
}

// ParseStatus decodes the replies to DLE EOT 1, 2, 3 and 4, in that order.
func ParseStatus(replies [4]byte) (Status, error) {
	var s Status
	for i, b := range replies {
		if err := s.Apply(i+1, b); err != nil {
			return Status{}, err
		}
	}
	return s, nil
}

// Cause is the one reason that decides whether the printer can take a job,
// most urgent first when several apply.
type Cause int

// Causes. CauseNone and CausePaperNearEnd leave the printer usable.
const (
	CauseNone            Cause = iota // ready
	CausePaperNearEnd                 // ready, the roll runs out soon
	CauseCoverOpen                    // paper cover open
	CausePaperEnd                     // out of paper
	CauseCutterError                  // auto-cutter jammed or failed
	CauseUnrecoverable                // unrecoverable error
	CauseAutoRecoverable              // e.g. head too hot; clears by itself
	CauseError                        // another recoverable error
	CauseOffline                      // the printer says it is off line
	CauseNoResponse                   // no answer to DLE EOT
	CauseDisconnected                 // the port is not open
	CauseWriteTimeout                 // a job stopped moving; the printer is stuck
)

var causeNames = [...]string{
	CauseNone:            "ready",
	CausePaperNearEnd:    "paper near end",
	CauseCoverOpen:       "cover open",
	CausePaperEnd:        "paper end",
	CauseCutterError:     "cutter error",
	CauseUnrecoverable:   "unrecoverable error",
	CauseAutoRecoverable: "auto-recoverable error",
	CauseError:           "printer error",
	CauseOffline:         "printer offline",
	CauseNoResponse:      "no answer to status query",
	CauseDisconnected:    "not connected",
	CauseWriteTimeout:    "job write timed out",
}

// String returns the English reason for logs and technicians.
func (c Cause) String() string {
	if c >= 0 && int(c) < len(causeNames) {
		return causeNames[c]
	}
	return fmt.Sprintf("cause(%d)", int(c))
}

// Device returns the shared cause the printer reports for c: several
// printer causes read the same to people (every way of being off line is
// PrinterOffline; the unrecoverable, auto-recoverable and other errors are
// PrinterFault). NoCause for a ready printer.
func (c Cause) Device() device.Cause {
	switch c {
	case CauseNone:
		return device.NoCause
	case CausePaperNearEnd:
		return device.PaperNearEnd
	case CausePaperEnd:
		return device.PaperOut
	case CauseCoverOpen:
		return device.CoverOpen
	case CauseCutterError:
		return device.CutterFault
	case CauseOffline, CauseNoResponse, CauseDisconnected:
		return device.PrinterOffline
	case CauseWriteTimeout:
		return device.WriteTimeout
	}
	return device.PrinterFault
}

// State maps the cause to the shared device state: Online, Warning (paper
// near end, printing continues), Offline (no answer, no port) or Fault.
func (c Cause) State() device.State {
	switch c {
	case CauseNone:
		return device.Online
	case CausePaperNearEnd:
		return device.Warning
	case CauseNoResponse, CauseDisconnected:
		return device.Offline
	}
	return device.Fault
}

// Ready reports whether a job may be sent.
func (c Cause) Ready() bool { return c == CauseNone || c == CausePaperNearEnd }

// Cause returns the most urgent reason in s. A printer out of paper also
// reports itself off line; the specific cause wins over the generic one.
func (s Status) Cause() Cause {
	switch {
	case s.CoverOpen:
		return CauseCoverOpen
	case s.PaperEnd || s.StoppedNoPaper:
		return CausePaperEnd
	case s.CutterError:
		return CauseCutterError
	case s.UnrecoverableError:
		return CauseUnrecoverable
	case s.AutoRecoverableError:
		return CauseAutoRecoverable
	case s.RecoverableError || s.ErrorOccurred:
		return CauseError
	case !s.Online:
		return CauseOffline
	case s.PaperNearEnd:
		return CausePaperNearEnd
	}
	return CauseNone
}

// deviceStatus is the shared status for cause c.
func deviceStatus(c Cause) device.Status {
	st := device.Status{Kind: DeviceName, State: c.State(), Cause: c.Device()}
	if c != CauseNone {
		st.Reason = c.String()
	}
	return st
}

// DeviceName is the kind the printer reports in device.Status.
const DeviceName = device.Printer

// ASB enable bits for GS a n (devices.md §4.7).
const (
	ASBDrawer   byte = 0x01 // drawer kick-out connector pin 3
	ASBOnline   byte = 0x02 // online/offline changes
	ASBError    byte = 0x04 // error changes
	ASBPaper    byte = 0x08 // roll paper sensor changes
	ASBPanel    byte = 0x40 // panel switch changes
	asbDefaults      = ASBOnline | ASBError | ASBPaper
)

// ASBEnable returns GS a n (1D 61 n), which makes the printer send a
// 4-byte automatic status back block on every change of the statuses
// selected by n (ASBOnline, ASBError, ASBPaper…); n = 0 disables it.
func ASBEnable(n byte) []byte { return []byte{escpos.GS, 'a', n} }

// ErrNotASB means four bytes are not an automatic status back block: the
// first byte has the pattern 0xx1xx00, the other three 0xx0xxxx.
var ErrNotASB = errors.New("not an automatic status back block")

// IsASBHeader reports whether b can start an ASB block (0xx1xx00). A
// DLE EOT reply (0xx1xx10) never can.
func IsASBHeader(b byte) bool { return b&0x93 == 0x10 }

// isASBTail reports whether b can be byte 2, 3 or 4 of an ASB block.
func isASBTail(b byte) bool { return b&0x90 == 0 }

// ParseASB decodes a 4-byte automatic status back block (devices.md §4.7)
// into the same Status the DLE EOT replies give. Fields ASB does not carry
// (printing stopped by paper end, error occurred) stay false; the paper-end
// and near-end sensors count as set when either of their bits is.
func ParseASB(b [4]byte) (Status, error) {
	if !IsASBHeader(b[0]) || !isASBTail(b[1]) || !isASBTail(b[2]) || !isASBTail(b[3]) {
		return Status{}, fmt.Errorf("printer: ASB % X: %w", b[:], ErrNotASB)
	}
	bit := func(i int, n uint) bool { return b[i]&(1<<n) != 0 }
	return Status{
		DrawerPinHigh:        bit(0, 2),
		Online:               !bit(0, 3),
		CoverOpen:            bit(0, 5),
		FeedingByPanel:       bit(0, 6),
		WaitingRecovery:      bit(1, 0),
		FeedButton:           bit(1, 1),
		RecoverableError:     bit(1, 2),
		CutterError:          bit(1, 3),
		UnrecoverableError:   bit(1, 5),
		AutoRecoverableError: bit(1, 6),
		PaperNearEnd:         bit(2, 0) || bit(2, 1),
		PaperEnd:             bit(2, 2) || bit(2, 3),
	}, nil
}

// reply is one message the printer sent on its own line: a DLE EOT reply
// byte or a decoded ASB block.
type reply struct {
	asb    bool
	status byte    // DLE EOT reply when !asb
	block  [4]byte // ASB block when asb
}

// demux splits the bytes a printer sends into DLE EOT replies and ASB
// blocks, which may interleave: a reply byte (0xx1xx10) can never be part
// of an ASB block, whose first byte is 0xx1xx00 and whose other bytes have
// bit 4 clear. Any other byte (noise, an answer to a command the driver
// never sends) is skipped. The zero value is ready to use.
type demux struct {
	block [4]byte
	n     int // bytes of the ASB block collected so far
}

// feed consumes b and calls emit for every complete message.
func (d *demux) feed(b []byte, emit func(reply)) {
	for _, c := range b {
		if d.n > 0 {
			if isASBTail(c) {
				d.block[d.n] = c
				d.n++
				if d.n == 4 {
					d.n = 0
					emit(reply{asb: true, block: d.block})
				}
				continue
			}
			d.n = 0 // a broken block: read c anew
		}
		switch {
		case IsStatusByte(c):
			emit(reply{status: c})
		case IsASBHeader(c):
			d.block[0] = c
			d.n = 1
		}
	}
}
