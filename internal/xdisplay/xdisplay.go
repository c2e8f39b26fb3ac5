// Package xdisplay checks that an X server answers at a display name
// ($DISPLAY) before a GUI toolkit tries to open it: GLFW, under Fyne,
// panics with a stack trace when it cannot. It also asks the server for
// its screen's size (ScreenSize), which Fyne does not tell before a
// window is open.
package xdisplay

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// ErrUnset is the error of Check for an empty display name.
var ErrUnset = errors.New("DISPLAY is not set")

// Check connects to the X server that display names (":0", "unix:0.0",
// "host:10", "tcp/host:1") and hangs up: a cheap proof that a server
// listens, not that it will accept the client. A name this package does
// not understand (DECnet "host::0", a socket path) is not checked.
func Check(display string, timeout time.Duration) error {
	if display == "" {
		return ErrUnset
	}
	addrs, err := addresses(display)
	if err != nil {
		return err
	}
	for i, a := range addrs {
		c, err := net.DialTimeout(a.network, a.address, timeout)
		if err == nil {
			c.Close()
			return nil
		}
		if i == len(addrs)-1 {
			return fmt.Errorf("no X server answers: %w", err)
		}
	}
	return nil
}

type addr struct{ network, address string }

// addresses are where the X server of display listens, as libxcb finds
// it: a local display (no host, or "unix") on the abstract and the file
// socket /tmp/.X11-unix/X<n>, a remote one on TCP port 6000+n.
func addresses(display string) ([]addr, error) {
	name := display
	protocol := ""
	if p, rest, ok := strings.Cut(name, "/"); ok && (p == "tcp" || p == "unix" || p == "inet" || p == "inet6") {
		protocol, name = p, rest
	}
	colon := strings.LastIndexByte(name, ':')
	if colon < 0 {
		return nil, fmt.Errorf("malformed display name %q: no \":N\"", display)
	}
	host, rest := name[:colon], name[colon+1:]
	if strings.HasSuffix(host, ":") || strings.HasPrefix(host, "/") {
		return nil, nil // DECnet, or a socket path: let the toolkit try
	}
	num, _, _ := strings.Cut(rest, ".")
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("malformed display name %q: %q is not a display number", display, num)
	}
	if protocol == "unix" || protocol == "" && (host == "" || host == "unix") {
		path := "/tmp/.X11-unix/X" + strconv.Itoa(n)
		return []addr{{"unix", "@" + path}, {"unix", path}}, nil
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return []addr{{"tcp", net.JoinHostPort(host, strconv.Itoa(6000+n))}}, nil
}
