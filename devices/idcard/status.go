package idcard

import (
	"errors"
	"fmt"

	"sckiosk/devices/device"
)

// SW3 values: the reader's own status byte (devices.md §1.4).
const (
	SW3OK              byte = 0x90 // success
	SW3NoContent       byte = 0x91 // the card has no content for this item
	SW3CardFound       byte = 0x9F // find card: a card is in the field
	SW3BadChecksum     byte = 0x10 // the reader received a frame with a bad checksum
	SW3BadLength       byte = 0x11 // the reader received a frame with a bad length
	SW3BadCommand      byte = 0x21 // bad command or parameters
	SW3NotPermitted    byte = 0x23 // operation not permitted
	SW3Unrecognised    byte = 0x24 // unrecognised error
	SW3CardAuthSAM     byte = 0x31 // the card failed to authenticate the SAM
	SW3SAMAuthCard     byte = 0x32 // the SAM failed to authenticate the card
	SW3InfoVerify      byte = 0x33 // information verification error
	SW3WrongCard       byte = 0x40 // unrecognised card type
	SW3ReadFailed      byte = 0x41 // reading the card failed
	SW3ChallengeFailed byte = 0x47 // get-challenge failed
	SW3SelfTestFailed  byte = 0x60 // SAM self-test failed
	SW3Unauthorised    byte = 0x66 // SAM not authorised
	SW3NoCard          byte = 0x80 // find card: no card in the field
	SW3SelectFailed    byte = 0x81 // select card failed
)

// StatusError is a reader status other than success (90, 91, 9F). SW1 and
// SW2 relay the card's APDU status for some codes; SW3 is the reader's own.
type StatusError struct {
	SW1, SW2, SW3 byte
}

// Error describes the status in English for logs and technicians.
func (e *StatusError) Error() string {
	return fmt.Sprintf("idcard: reader status %02X %02X %02X (%s)", e.SW1, e.SW2, e.SW3, statusText(e.SW3))
}

// Cause returns what the status means for the citizen or the technician.
func (e *StatusError) Cause() device.Cause {
	switch e.SW3 {
	case SW3NoCard:
		return device.NoCard
	case SW3ReadFailed, SW3SelectFailed, SW3ChallengeFailed:
		return device.CardReadFailed
	case SW3CardAuthSAM, SW3SAMAuthCard, SW3InfoVerify:
		return device.CardVerifyFailed
	case SW3WrongCard:
		return device.WrongCard
	case SW3BadChecksum, SW3BadLength:
		return device.LinkError
	default: // 21, 23, 24, 60, 66 and unknown codes
		return device.ReaderFault
	}
}

// ReaderFault reports whether the status means the reader itself cannot
// work (SAM self-test, authorisation, command errors, unknown codes), as
// opposed to a problem with the card in the field or a garbled frame.
func (e *StatusError) ReaderFault() bool {
	return e.Cause() == device.ReaderFault
}

// CauseOf returns the cause to tell the citizen about err as carried by a
// [ReadFailed] event: the reader's status, an unsupported card type, or
// otherwise a failed read (place the card again); NoCause for nil.
func CauseOf(err error) device.Cause {
	var se *StatusError
	switch {
	case err == nil:
		return device.NoCause
	case errors.As(err, &se):
		return se.Cause()
	case errors.Is(err, ErrUnsupportedCardType):
		return device.UnsupportedCard
	}
	return device.CardReadFailed
}

func statusText(sw3 byte) string {
	switch sw3 {
	case SW3OK:
		return "success"
	case SW3NoContent:
		return "no content for this item"
	case SW3CardFound:
		return "card found"
	case SW3BadChecksum:
		return "reader received a bad checksum"
	case SW3BadLength:
		return "reader received a bad length"
	case SW3BadCommand:
		return "bad command or parameters"
	case SW3NotPermitted:
		return "operation not permitted"
	case SW3Unrecognised:
		return "unrecognised error"
	case SW3CardAuthSAM:
		return "card failed to authenticate the SAM"
	case SW3SAMAuthCard:
		return "SAM failed to authenticate the card"
	case SW3InfoVerify:
		return "information verification error"
	case SW3WrongCard:
		return "unrecognised card type"
	case SW3ReadFailed:
		return "read failed"
	case SW3ChallengeFailed:
		return "get-challenge failed"
	case SW3SelfTestFailed:
		return "SAM self-test failed"
	case SW3Unauthorised:
		return "SAM not authorised"
	case SW3NoCard:
		return "no card in the field"
	case SW3SelectFailed:
		return "select card failed"
	default:
		return "unknown status"
	}
}

// statusErr returns nil for success codes and a *StatusError otherwise.
func statusErr(sw1, sw2, sw3 byte) error {
	switch sw3 {
	case SW3OK, SW3NoContent, SW3CardFound:
		return nil
	}
	return &StatusError{SW1: sw1, SW2: sw2, SW3: sw3}
}
