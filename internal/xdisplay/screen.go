package xdisplay

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// cookieName is the one X authorization protocol ScreenSize speaks.
const cookieName = "MIT-MAGIC-COOKIE-1"

// ScreenSize asks the X server at display for the size in pixels of its
// first screen, with the connection set-up of the X11 protocol, the
// cookie of $XAUTHORITY (or ~/.Xauthority) for that display number
// presented when there is one. `kiosk --sim` sizes its window with it.
func ScreenSize(display string, timeout time.Duration) (w, h int, err error) {
	if display == "" {
		return 0, 0, ErrUnset
	}
	addrs, err := addresses(display)
	if err != nil {
		return 0, 0, err
	}
	if len(addrs) == 0 {
		return 0, 0, fmt.Errorf("display %q: not a name this package can reach", display)
	}
	var c net.Conn
	for _, a := range addrs {
		if c, err = net.DialTimeout(a.network, a.address, timeout); err == nil {
			break
		}
	}
	if err != nil {
		return 0, 0, fmt.Errorf("no X server answers: %w", err)
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
		return 0, 0, err
	}
	return setup(c, cookie(authFile(), displayNumber(display)))
}

// setup sends the X11 connection set-up on rw with the cookie (nil: none)
// and reads the first screen's size from the server's answer.
func setup(rw io.ReadWriter, cookie []byte) (w, h int, err error) {
	pad := func(n int) int { return (4 - n%4) % 4 }
	var req bytes.Buffer
	req.Write([]byte{'l', 0, 11, 0, 0, 0}) // little-endian, protocol 11.0
	name := ""
	if cookie != nil {
		name = cookieName
	}
	req.Write(binary.LittleEndian.AppendUint16(nil, uint16(len(name))))
	req.Write(binary.LittleEndian.AppendUint16(nil, uint16(len(cookie))))
	req.Write([]byte{0, 0})
	req.WriteString(name)
	req.Write(make([]byte, pad(len(name))))
	req.Write(cookie)
	req.Write(make([]byte, pad(len(cookie))))
	if _, err := rw.Write(req.Bytes()); err != nil {
		return 0, 0, fmt.Errorf("x11 set-up: %w", err)
	}
	head := make([]byte, 8)
	if _, err := io.ReadFull(rw, head); err != nil {
		return 0, 0, fmt.Errorf("x11 set-up: %w", err)
	}
	body := make([]byte, 4*int(binary.LittleEndian.Uint16(head[6:8])))
	if _, err := io.ReadFull(rw, body); err != nil {
		return 0, 0, fmt.Errorf("x11 set-up: %w", err)
	}
	if head[0] != 1 {
		reason := body[:min(int(head[1]), len(body))]
		return 0, 0, fmt.Errorf("x11 set-up refused: %s", strings.TrimSpace(string(reason)))
	}
	if len(body) < 32 {
		return 0, 0, errors.New("x11 set-up: answer too short")
	}
	vendor, screens, formats := int(binary.LittleEndian.Uint16(body[16:18])), body[20], int(body[21])
	at := 32 + vendor + pad(vendor) + 8*formats // the first screen
	if screens == 0 || len(body) < at+24 {
		return 0, 0, errors.New("x11 set-up: no screen in the answer")
	}
	return int(binary.LittleEndian.Uint16(body[at+20:])), int(binary.LittleEndian.Uint16(body[at+22:])), nil
}

// authFile is where the X cookies are: $XAUTHORITY, else ~/.Xauthority.
func authFile() string {
	if f := os.Getenv("XAUTHORITY"); f != "" {
		return f
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".Xauthority")
}

// displayNumber is the "N" of a display name "host:N.S".
func displayNumber(display string) string {
	num, _, _ := strings.Cut(display[strings.LastIndexByte(display, ':')+1:], ".")
	return num
}

// cookie returns the MIT-MAGIC-COOKIE-1 for display number num in the
// authority file path, or nil. Entries are family, address, number, name
// and data, each but the family a big-endian 16-bit length and bytes.
func cookie(path, num string) []byte {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	r := bytes.NewReader(raw)
	field := func() ([]byte, bool) {
		var n uint16
		if binary.Read(r, binary.BigEndian, &n) != nil || int(n) > r.Len() {
			return nil, false
		}
		b := make([]byte, n)
		_, err := io.ReadFull(r, b)
		return b, err == nil
	}
	for r.Len() > 0 {
		var family uint16
		if binary.Read(r, binary.BigEndian, &family) != nil {
			return nil
		}
		_, ok1 := field() // address
		n, ok2 := field()
		name, ok3 := field()
		data, ok4 := field()
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return nil
		}
		if (string(n) == num || len(n) == 0) && string(name) == cookieName {
			return data
		}
	}
	return nil
}
