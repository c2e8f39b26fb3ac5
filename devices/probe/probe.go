// Package probe finds the kiosk's serial devices: it lists the serial ports
// (with USB VID:PID and serial numbers where the port is USB) and asks each
// one, at the common baud rates, questions that no device acts upon:
//
//   - ESC/POS real-time status, DLE EOT 1 (10 04 01): a receipt printer
//     answers one byte with bits 1 and 4 set and bits 0 and 7 clear;
//   - SAM status check (AA AA AA 96 69 00 03 11 FF ED): an ID-card reader
//     answers a SAM frame with a valid checksum.
//
// A QR scanner answers nothing; a silent port whose USB id is a known
// scanner's is reported as a possible scanner. The same probe resolves a
// profile's "port: auto" (see [FindAuto]).
package probe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"go.bug.st/serial/enumerator"

	"sckiosk/devices/idcard"
	"sckiosk/devices/serialport"
)

// Kind is the kind of device found on a port.
type Kind string

// The kinds a probe can tell apart; the names are the profile's device keys.
const (
	None    Kind = ""
	IDCard  Kind = "idcard"
	Printer Kind = "printer"
	Scanner Kind = "scanner"
)

// The probe frames (docs: devices.md §1.3 and §4.6).
var (
	samStatus = [...]byte{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x11, 0xFF, 0xED}
	dleEOT1   = [...]byte{0x10, 0x04, 0x01}
)

// DefaultBauds returns the common rates, fastest first.
func DefaultBauds() []int { return []int{115200, 57600, 38400, 19200, 9600} }

// knownScanners are USB vendor (or vendor:product) ids of QR/barcode
// scanner makers whose serial (CDC) mode shows up as a tty.
var knownScanners = map[string]string{
	"0c2e": "Honeywell (Metrologic / Hand Held Products)",
	"05e0": "Zebra (Symbol)",
	"1eab": "Newland",
	"05f9": "Datalogic",
}

// Port is a serial port as enumerated; USB fields are empty for ptys and
// built-in UARTs.
type Port struct {
	Path     string
	USB      bool
	VID, PID string // lower-case hex
	Serial   string
	Product  string
}

// USBID returns "vid:pid", or "" for a non-USB port.
func (p Port) USBID() string {
	if p.VID == "" {
		return ""
	}
	return strings.ToLower(p.VID + ":" + p.PID)
}

// Enumerate lists the system's serial ports with their USB details.
func Enumerate() ([]Port, error) {
	list, err := enumerator.GetDetailedPortsList()
	if err != nil {
		return nil, fmt.Errorf("probe: list serial ports: %w", err)
	}
	out := make([]Port, 0, len(list))
	for _, d := range list {
		out = append(out, Port{Path: d.Name, USB: d.IsUSB, VID: strings.ToLower(d.VID), PID: strings.ToLower(d.PID), Serial: d.SerialNumber, Product: d.Product})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// Options tune a probe; the zero value probes every common rate.
type Options struct {
	Bauds   []int                                                // rates to try, in order; default DefaultBauds()
	Timeout time.Duration                                        // wait for each answer; default 300ms
	Open    func(path string, baud int) (serialport.Port, error) // default serialport.Open
	// Enumerate lists ports for FindAuto; default Enumerate.
	Enumerate func() ([]Port, error)
	// Scanners adds USB ids ("vid" or "vid:pid") of scanners to the
	// built-in list, for the silent-scanner guess.
	Scanners []string
	Log      *slog.Logger
}

func (o Options) withDefaults() Options {
	if len(o.Bauds) == 0 {
		o.Bauds = DefaultBauds()
	}
	if o.Timeout <= 0 {
		o.Timeout = 300 * time.Millisecond
	}
	if o.Open == nil {
		o.Open = serialport.Open
	}
	if o.Enumerate == nil {
		o.Enumerate = Enumerate
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// Result is what answered on one port.
type Result struct {
	Port     Port
	Kind     Kind   // None when nothing answered
	Baud     int    // the rate it answered at (0 for a silent scanner)
	Possible bool   // a guess from the USB id, not an answer
	Detail   string // the answer, in words
	Err      error  // the port could not be opened at any rate
}

// Probe probes every port concurrently.
func Probe(ctx context.Context, ports []Port, opts Options) []Result {
	opts = opts.withDefaults()
	out := make([]Result, len(ports))
	var wg sync.WaitGroup
	for i, p := range ports {
		wg.Go(func() { out[i] = ProbePort(ctx, p, opts) })
	}
	wg.Wait()
	return out
}

// ProbePort asks one port, rate by rate, whether a printer or an ID-card
// reader answers. The printer question goes first: it is a real-time
// command that prints nothing, and a SAM reader skips it as noise.
func ProbePort(ctx context.Context, p Port, opts Options) Result {
	opts = opts.withDefaults()
	res := Result{Port: p}
	var openErr error
	opened := false
	for _, baud := range opts.Bauds {
		if ctx.Err() != nil {
			res.Err = ctx.Err()
			return res
		}
		port, err := opts.Open(p.Path, baud)
		if err != nil {
			openErr = err
			continue
		}
		opened = true
		kind, detail := ask(ctx, port, opts.Timeout)
		port.Close()
		opts.Log.Debug("probe", "port", p.Path, "baud", baud, "kind", kind, "detail", detail)
		if kind != None {
			res.Kind, res.Baud, res.Detail = kind, baud, detail
			return res
		}
	}
	if !opened {
		res.Err = fmt.Errorf("probe: %s: %w", p.Path, openErr)
		return res
	}
	if name, ok := scannerMaker(p, opts.Scanners); ok {
		res.Kind, res.Possible, res.Detail = Scanner, true, "silent; USB id of a scanner ("+name+")"
	}
	return res
}

func scannerMaker(p Port, extra []string) (string, bool) {
	id := p.USBID()
	if id == "" {
		return "", false
	}
	for _, e := range extra {
		e = strings.ToLower(e)
		if e == id || e == p.VID {
			return "listed in the profile", true
		}
	}
	name, ok := knownScanners[id]
	if !ok {
		name, ok = knownScanners[p.VID]
	}
	return name, ok
}

// ask sends the two safe questions on an open port.
func ask(ctx context.Context, port serialport.Port, timeout time.Duration) (Kind, string) {
	_ = port.ResetInputBuffer()
	if _, err := port.Write(dleEOT1[:]); err != nil {
		return None, ""
	}
	got := collect(ctx, port, timeout, func(b []byte) bool { return len(b) >= 1 })
	if len(got) == 1 && got[0]&0x93 == 0x12 {
		state := "on line"
		if got[0]&0x08 != 0 {
			state = "off line"
		}
		return Printer, fmt.Sprintf("ESC/POS status %02X (%s)", got[0], state)
	}
	_ = port.ResetInputBuffer()
	if _, err := port.Write(samStatus[:]); err != nil {
		return None, ""
	}
	var resp idcard.Response
	answered := false
	collect(ctx, port, timeout, func(b []byte) bool {
		r, err := idcard.NewFrameReader(bytes.NewReader(b)).ReadResponse()
		if err == nil {
			resp, answered = r, true
		}
		return answered
	})
	if answered {
		return IDCard, fmt.Sprintf("SAM status %02X %02X %02X", resp.SW1, resp.SW2, resp.SW3)
	}
	return None, ""
}

// collect reads until done(bytes so far) or the timeout.
func collect(ctx context.Context, port serialport.Port, timeout time.Duration, done func([]byte) bool) []byte {
	deadline := time.Now().Add(timeout)
	var buf []byte
	chunk := make([]byte, 256)
	for ctx.Err() == nil {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		_ = port.SetReadTimeout(min(left, 50*time.Millisecond))
		n, err := port.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if n > 0 && done(buf) {
			break
		}
		if err != nil {
			break
		}
	}
	return buf
}

// ErrNotFound means no port matched an auto port's USB id and answered.
var ErrNotFound = errors.New("no matching device found")

// FindAuto resolves "port: auto": among the ports with USB id usb
// ("vid:pid"), it returns the one where a device of the kind answers and
// the rate it answered at. A scanner cannot answer, so for a scanner the
// only port with that USB id is taken as it is, at baud.
func FindAuto(ctx context.Context, kind Kind, usb string, baud int, opts Options) (path string, rate int, err error) {
	opts = opts.withDefaults()
	ports, err := opts.Enumerate()
	if err != nil {
		return "", 0, err
	}
	usb = strings.ToLower(usb)
	var match []Port
	for _, p := range ports {
		if p.USBID() == usb {
			match = append(match, p)
		}
	}
	if len(match) == 0 {
		return "", 0, fmt.Errorf("probe: %s: no serial port with USB id %s: %w", kind, usb, ErrNotFound)
	}
	if kind == Scanner {
		if len(match) > 1 {
			return "", 0, fmt.Errorf("probe: scanner: %d ports have USB id %s; give the port in the profile", len(match), usb)
		}
		return match[0].Path, baud, nil
	}
	if baud > 0 { // try the profile's rate first
		opts.Bauds = append([]int{baud}, without(opts.Bauds, baud)...)
	}
	var found []Result
	for _, r := range Probe(ctx, match, opts) {
		if r.Kind == kind && !r.Possible {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 0:
		return "", 0, fmt.Errorf("probe: %s: %d port(s) with USB id %s, none answers as a %s: %w", kind, len(match), usb, kind, ErrNotFound)
	case 1:
		return found[0].Port.Path, found[0].Baud, nil
	}
	return "", 0, fmt.Errorf("probe: %s: %s and %s both answer; give the port in the profile", kind, found[0].Port.Path, found[1].Port.Path)
}

func without(xs []int, x int) []int {
	var out []int
	for _, v := range xs {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}

// Snippet returns the profile's devices section for what answered, ready
// to paste into a hall or kiosk profile.
func Snippet(results []Result) string {
	var b strings.Builder
	b.WriteString("devices:\n")
	n := 0
	for _, kind := range []Kind{IDCard, Scanner, Printer} {
		for _, r := range results {
			if r.Kind != kind {
				continue
			}
			n++
			fmt.Fprintf(&b, "  %s:\n", kind)
			if r.Possible {
				fmt.Fprintf(&b, "    # possible scanner: it stays silent, check with a test scan\n")
			}
			fmt.Fprintf(&b, "    port: %s\n", r.Port.Path)
			if id := r.Port.USBID(); id != "" {
				fmt.Fprintf(&b, "    # port: auto         # finds it again if it moves to another USB socket\n")
				fmt.Fprintf(&b, "    usb: %q\n", id)
			}
			baud := r.Baud
			if baud == 0 {
				baud = 9600
			}
			fmt.Fprintf(&b, "    baud: %d\n", baud)
			break // one per kind; a second one would share the key
		}
	}
	if n == 0 {
		return ""
	}
	return b.String()
}
