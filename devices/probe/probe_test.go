package probe

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"sckiosk/devices/idcard/idcardsim"
	"sckiosk/devices/printer/printersim"
	"sckiosk/devices/serialport"
)

// rig runs an ID-card reader sim, a printer sim and a silent port on ptys.
type rig struct {
	reader, prn, silent string
	printer             *printersim.Sim
}

func startRig(t *testing.T) rig {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	_, rp, err := idcardsim.StartPty(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	ps, pp, err := printersim.StartPty(ctx, printersim.SimOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pp.Close() })
	quiet, err := serialport.NewPty()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { quiet.Close() })
	return rig{reader: rp.SlavePath, prn: pp.SlavePath, silent: quiet.SlavePath, printer: ps}
}

var fast = Options{Timeout: 150 * time.Millisecond}

func TestProbeSimulators(t *testing.T) {
	r := startRig(t)
	ports := []Port{
		{Path: r.reader},
		{Path: r.prn},
		{Path: r.silent},
		{Path: r.silent, USB: true, VID: "0c2e", PID: "0b61"}, // the same silent port, as a Honeywell
		{Path: "/dev/does-not-exist"},
	}
	results := Probe(context.Background(), ports, fast)
	tests := []struct {
		kind     Kind
		baud     int
		possible bool
		detail   string
		err      bool
	}{
		{IDCard, 115200, false, "SAM status 00 00 90", false},
		{Printer, 115200, false, "ESC/POS status 12 (on line)", false},
		{None, 0, false, "", false},
		{Scanner, 0, true, "silent; USB id of a scanner (Honeywell", false},
		{None, 0, false, "", true},
	}
	for i, tt := range tests {
		got := results[i]
		if got.Kind != tt.kind || got.Baud != tt.baud || got.Possible != tt.possible || !strings.HasPrefix(got.Detail, tt.detail) || (got.Err != nil) != tt.err {
			t.Errorf("port %d (%s): %+v, want %+v", i, ports[i].Path, got, tt)
		}
	}
	if st := r.printer.Stats(); st.DataBytes != 0 || st.Receipts != 0 {
		t.Errorf("the probe made the printer print: %+v", st)
	}
	snip := Snippet(results)
	for _, want := range []string{"  idcard:\n    port: " + r.reader + "\n    baud: 115200", "  printer:\n    port: " + r.prn, "  scanner:\n    # possible scanner", `usb: "0c2e:0b61"`} {
		if !strings.Contains(snip, want) {
			t.Errorf("snippet lacks %q:\n%s", want, snip)
		}
	}
}

func TestProbeOfflinePrinterStillAnswers(t *testing.T) {
	r := startRig(t)
	r.printer.SetPaper(printersim.PaperOut)
	res := ProbePort(context.Background(), Port{Path: r.prn}, fast)
	if res.Kind != Printer || !strings.Contains(res.Detail, "off line") {
		t.Fatalf("%+v", res)
	}
}

func TestFindAuto(t *testing.T) {
	r := startRig(t)
	// Both sims behind the same kind of USB-serial adapter, as in the field.
	opts := fast
	opts.Enumerate = func() ([]Port, error) {
		return []Port{
			{Path: r.reader, USB: true, VID: "1a86", PID: "7523"},
			{Path: r.prn, USB: true, VID: "1a86", PID: "7523"},
			{Path: r.silent, USB: true, VID: "0c2e", PID: "0b61"},
		}, nil
	}
	tests := []struct {
		kind     Kind
		usb      string
		baud     int
		wantPath string
		wantBaud int
		wantErr  error
	}{
		{IDCard, "1a86:7523", 115200, r.reader, 115200, nil},
		{Printer, "1A86:7523", 9600, r.prn, 9600, nil}, // the profile's rate goes first
		{Scanner, "0c2e:0b61", 9600, r.silent, 9600, nil},
		{IDCard, "0c2e:0b61", 115200, "", 0, ErrNotFound},
		{Printer, "ffff:0001", 115200, "", 0, ErrNotFound},
	}
	for _, tt := range tests {
		path, baud, err := FindAuto(context.Background(), tt.kind, tt.usb, tt.baud, opts)
		if path != tt.wantPath || baud != tt.wantBaud || !errors.Is(err, tt.wantErr) {
			t.Errorf("%s %s: %q %d %v, want %q %d %v", tt.kind, tt.usb, path, baud, err, tt.wantPath, tt.wantBaud, tt.wantErr)
		}
	}
}
