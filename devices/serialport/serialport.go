// Package serialport opens serial ports for the device drivers and makes
// pseudo-terminal pairs on which the device simulators play real hardware.
//
// A driver cannot tell a simulator's pty from a USB-serial adapter: both are
// opened through go.bug.st/serial with the same mode.
package serialport

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"go.bug.st/serial"
)

// Port is what drivers need of an open serial port.
type Port interface {
	io.ReadWriteCloser
	// SetReadTimeout bounds each Read; a Read that times out returns 0, nil.
	SetReadTimeout(d time.Duration) error
	// ResetInputBuffer discards bytes received but not read.
	ResetInputBuffer() error
}

// ErrNoPort means the port's device node does not exist (unplugged, or a
// wrong name in the profile).
var ErrNoPort = errors.New("serial port does not exist")

// Open opens path at baud, 8N1, no flow control.
func Open(path string, baud int) (Port, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("serialport: open %s: %w", path, ErrNoPort)
	}
	p, err := serial.Open(path, &serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit})
	if err != nil {
		return nil, fmt.Errorf("serialport: open %s at %d baud: %w", path, baud, err)
	}
	return p, nil
}

// Exists reports whether a device node is present at path.
func Exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
