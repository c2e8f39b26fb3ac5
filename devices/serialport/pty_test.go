package serialport

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"
)

func TestPtyCarriesRawBytesBothWays(t *testing.T) {
	p, err := NewPty()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	link := filepath.Join(t.TempDir(), "dev", "idcard")
	if err := p.LinkAt(link); err != nil {
		t.Fatal(err)
	}
	port, err := Open(link, 115200)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	// Bytes a cooked tty would mangle: CR, LF, XON/XOFF, ^C, 0xFF.
	payload := []byte{0xAA, 0x0D, 0x0A, 0x11, 0x13, 0x03, 0xFF, 0x00}
	if _, err := p.Master.Write(payload); err != nil {
		t.Fatal(err)
	}
	if err := port.SetReadTimeout(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(payload))
	if _, err := io.ReadFull(port, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, payload) {
		t.Fatalf("driver read %x, want %x", got, payload)
	}
	if _, err := port.Write(payload); err != nil {
		t.Fatal(err)
	}
	back := make([]byte, len(payload))
	if _, err := io.ReadFull(p.Master, back); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back, payload) {
		t.Fatalf("sim read %x, want %x", back, payload)
	}
}

func TestOpenMissingPort(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "ttyUSB9"), 9600)
	if !errors.Is(err, ErrNoPort) {
		t.Fatalf("err = %v, want ErrNoPort", err)
	}
}
