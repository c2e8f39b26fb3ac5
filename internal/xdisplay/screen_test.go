package xdisplay

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeServer answers one X11 connection set-up on c: the screen's size
// when the client presents want (nil: no cookie), else a refusal. It
// returns the cookie the client sent.
func fakeServer(t *testing.T, c net.Conn, want []byte, w, h uint16) <-chan []byte {
	got := make(chan []byte, 1)
	go func() {
		defer c.Close()
		head := make([]byte, 12)
		if _, err := io.ReadFull(c, head); err != nil {
			got <- nil
			return
		}
		n, d := int(binary.LittleEndian.Uint16(head[6:])), int(binary.LittleEndian.Uint16(head[8:]))
		rest := make([]byte, n+(4-n%4)%4+d+(4-d%4)%4)
		io.ReadFull(c, rest)
		cookie := rest[n+(4-n%4)%4:][:d]
		got <- cookie
		var body bytes.Buffer
		if !bytes.Equal(cookie, want) {
			reason := "No protocol specified"
			body.WriteString(reason)
			body.Write(make([]byte, (4-len(reason)%4)%4))
			c.Write(append([]byte{0, byte(len(reason)), 11, 0, 0, 0}, binary.LittleEndian.AppendUint16(nil, uint16(body.Len()/4))...))
			c.Write(body.Bytes())
			return
		}
		fixed := make([]byte, 32)
		binary.LittleEndian.PutUint16(fixed[16:], 5) // vendor length
		fixed[20], fixed[21] = 1, 2                  // screens, formats
		body.Write(fixed)
		body.WriteString("Xvfb!\x00\x00\x00")
		body.Write(make([]byte, 2*8))
		screen := make([]byte, 40)
		binary.LittleEndian.PutUint16(screen[20:], w)
		binary.LittleEndian.PutUint16(screen[22:], h)
		body.Write(screen)
		c.Write(append([]byte{1, 0, 11, 0, 0, 0}, binary.LittleEndian.AppendUint16(nil, uint16(body.Len()/4))...))
		c.Write(body.Bytes())
	}()
	return got
}

// The set-up reads the first screen's size, presenting the cookie when
// there is one; a refusal is an error with the server's reason.
func TestSetup(t *testing.T) {
	secret := []byte("0123456789abcdef")
	tests := []struct {
		name         string
		send, want   []byte
		w, h         int
		errSubstring string
	}{
		{"no authorization needed", nil, nil, 1920, 1080, ""},
		{"cookie", secret, secret, 3840, 2160, ""},
		{"refused", nil, secret, 0, 0, "refused: No protocol specified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, server := net.Pipe()
			sent := fakeServer(t, server, tt.want, uint16(tt.w), uint16(tt.h))
			w, h, err := setup(client, tt.send)
			client.Close()
			if got := <-sent; !bytes.Equal(got, tt.send) {
				t.Errorf("sent cookie %q, want %q", got, tt.send)
			}
			if tt.errSubstring != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errSubstring) {
					t.Fatalf("err %v, want %q", err, tt.errSubstring)
				}
				return
			}
			if err != nil || w != tt.w || h != tt.h {
				t.Fatalf("%d×%d, %v", w, h, err)
			}
		})
	}
}

// The cookie is the MIT-MAGIC-COOKIE-1 entry of the display's number.
func TestCookie(t *testing.T) {
	entry := func(family uint16, addr, num, name string, data []byte) []byte {
		b := binary.BigEndian.AppendUint16(nil, family)
		for _, f := range [][]byte{[]byte(addr), []byte(num), []byte(name), data} {
			b = binary.BigEndian.AppendUint16(b, uint16(len(f)))
			b = append(b, f...)
		}
		return b
	}
	file := filepath.Join(t.TempDir(), "Xauthority")
	raw := append(entry(256, "kiosk", "0", cookieName, []byte("zero")), entry(256, "kiosk", "99", "XDM-AUTHORIZATION-1", []byte("xdm"))...)
	raw = append(raw, entry(256, "kiosk", "99", cookieName, []byte("ninety-nine"))...)
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	for num, want := range map[string]string{"0": "zero", "99": "ninety-nine", "7": ""} {
		if got := string(cookie(file, num)); got != want {
			t.Errorf("cookie for %s = %q, want %q", num, got, want)
		}
	}
	if err := os.WriteFile(file, raw[:len(raw)-3], 0o600); err != nil {
		t.Fatal(err)
	}
	if got := cookie(file, "99"); got != nil {
		t.Errorf("a truncated file gave %q", got)
	}
	for d, want := range map[string]string{":0": "0", ":99.0": "99", "host:10.1": "10", "unix:3": "3"} {
		if got := displayNumber(d); got != want {
			t.Errorf("displayNumber(%q) = %q, want %q", d, got, want)
		}
	}
}
