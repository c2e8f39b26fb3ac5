package serialport

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Pty is a pseudo-terminal pair. A simulator reads and writes Master; the
// driver opens SlavePath (or a stable Link to it) like a serial device.
type Pty struct {
	Master    *os.File
	SlavePath string
	Link      string // optional symlink to SlavePath, removed on Close
	slave     *os.File
}

// NewPty opens a pty pair with the slave in raw mode, so that bytes written
// before the driver opens the port are neither echoed nor translated. The
// pair keeps its own slave descriptor open so the master never sees EIO
// while no driver is attached.
func NewPty() (*Pty, error) {
	m, s, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("serialport: open pty: %w", err)
	}
	if err := makeRaw(int(s.Fd())); err != nil {
		m.Close()
		s.Close()
		return nil, fmt.Errorf("serialport: raw mode on %s: %w", s.Name(), err)
	}
	return &Pty{Master: m, SlavePath: s.Name(), slave: s}, nil
}

// LinkAt makes a symlink at path pointing to the slave (replacing an old
// link), so profiles and technicians can use a stable name.
func (p *Pty) LinkAt(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("serialport: link dir: %w", err)
	}
	_ = os.Remove(path)
	if err := os.Symlink(p.SlavePath, path); err != nil {
		return fmt.Errorf("serialport: link %s: %w", path, err)
	}
	p.Link = path
	return nil
}

// Close closes both ends and removes the link: to a driver it looks like
// the device was unplugged.
func (p *Pty) Close() error {
	if p.Link != "" {
		_ = os.Remove(p.Link)
	}
	err1 := p.slave.Close()
	err2 := p.Master.Close()
	if err1 != nil {
		return err1
	}
	return err2
}

func makeRaw(fd int) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}
