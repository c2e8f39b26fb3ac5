package xdisplay

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestAddresses(t *testing.T) {
	local := func(n string) []addr {
		return []addr{{"unix", "@/tmp/.X11-unix/X" + n}, {"unix", "/tmp/.X11-unix/X" + n}}
	}
	tests := []struct {
		display string
		want    []addr
		bad     bool
	}{
		{":0", local("0"), false},
		{":0.0", local("0"), false},
		{":99", local("99"), false},
		{"unix:1", local("1"), false},
		{"unix/:2", local("2"), false},
		{"localhost:10.0", []addr{{"tcp", "localhost:6010"}}, false},
		{"192.168.1.5:0", []addr{{"tcp", "192.168.1.5:6000"}}, false},
		{"tcp/kiosk-07:1", []addr{{"tcp", "kiosk-07:6001"}}, false},
		{"[::1]:3", []addr{{"tcp", "[::1]:6003"}}, false},
		{"decnet::0", nil, false},
		{"/private/tmp/launch-x/org.xquartz:0", nil, false},
		{"kiosk", nil, true},
		{":x", nil, true},
		{":", nil, true},
	}
	for _, tt := range tests {
		got, err := addresses(tt.display)
		if (err != nil) != tt.bad || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("addresses(%q) = %v, %v; want %v, error %v", tt.display, got, err, tt.want, tt.bad)
		}
	}
}

// freeDisplay is a display number with no local X server.
func freeDisplay(t *testing.T) int {
	t.Helper()
	for n := 99; n < 200; n++ {
		if _, err := os.Stat(filepath.Join("/tmp/.X11-unix", fmt.Sprintf("X%d", n))); err == nil {
			continue
		}
		if c, err := net.Dial("unix", fmt.Sprintf("@/tmp/.X11-unix/X%d", n)); err == nil {
			c.Close()
			continue
		}
		return n
	}
	t.Skip("no free display number")
	return 0
}

func TestCheck(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	n := freeDisplay(t)
	if port >= 6000 {
		// A listener standing in for "127.0.0.1:N" (port 6000+N).
		if err := Check(fmt.Sprintf("127.0.0.1:%d", port-6000), time.Second); err != nil {
			t.Errorf("Check with a server listening: %v", err)
		}
	}
	tests := []struct {
		display string
		want    string
	}{
		{"", "DISPLAY is not set"},
		{fmt.Sprintf(":%d", n), fmt.Sprintf("no X server answers: dial unix /tmp/.X11-unix/X%d", n)},
		{"kiosk", "malformed display name"},
	}
	for _, tt := range tests {
		err := Check(tt.display, time.Second)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Check(%q) = %v, want an error containing %q", tt.display, err, tt.want)
		}
	}
	if err := Check("", time.Second); !errors.Is(err, ErrUnset) {
		t.Errorf("Check(\"\") = %v, want ErrUnset", err)
	}
	// A local server on the abstract socket of display n.
	l, err := net.Listen("unix", fmt.Sprintf("@/tmp/.X11-unix/X%d", n))
	if err != nil {
		t.Skipf("cannot listen on an abstract socket: %v", err)
	}
	defer l.Close()
	if err := Check(fmt.Sprintf(":%d.0", n), time.Second); err != nil {
		t.Errorf("Check with a local server: %v", err)
	}
}
