package printersim

import (
	"bytes"
	"testing"
	"time"

	"sckiosk/devices/printer"
	"sckiosk/devices/printer/internal/printertest"
)

// asbDefaults are the GS a bits the driver enables.
const asbDefaults = printer.ASBOnline | printer.ASBError | printer.ASBPaper

func TestSimStates(t *testing.T) {
	tests := []struct {
		state SimState
		cause printer.Cause
		asb   [4]byte
	}{
		{StateOK, printer.CauseNone, [4]byte{0x10, 0, 0, 0}},
		{StateNearEnd, printer.CausePaperNearEnd, [4]byte{0x10, 0, 0x03, 0}},
		{StatePaperEnd, printer.CausePaperEnd, [4]byte{0x18, 0, 0x0F, 0}},
		{StateCoverOpen, printer.CauseCoverOpen, [4]byte{0x38, 0, 0, 0}},
		{StateCutterError, printer.CauseCutterError, [4]byte{0x18, 0x08, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(string(tt.state), func(t *testing.T) {
			s, l := newTestSim(t, SimOptions{})
			if err := s.SetState(StateCoverOpen); err != nil { // a state to leave
				t.Fatal(err)
			}
			if err := s.SetState(tt.state); err != nil {
				t.Fatal(err)
			}
			var q []byte
			for n := 1; n <= 4; n++ {
				q = append(q, printer.StatusQuery(n)...)
			}
			s.consume(q)
			r := l.replies()
			if len(r) != 4 {
				t.Fatalf("replies % X", r)
			}
			st, err := printer.ParseStatus([4]byte(r))
			if err != nil || st.Cause() != tt.cause {
				t.Fatalf("DLE EOT cause %v (%v), want %v", st.Cause(), err, tt.cause)
			}
			// Enabling ASB sends the status at once.
			s.consume(printer.ASBEnable(asbDefaults))
			r = l.replies()[4:]
			if len(r) != 4 || [4]byte(r) != tt.asb {
				t.Fatalf("ASB % X, want % X", r, tt.asb)
			}
			if st, _ := printer.ParseASB([4]byte(r)); st.Cause() != tt.cause {
				t.Errorf("ASB cause %v, want %v", st.Cause(), tt.cause)
			}
			if s.Stats().DataBytes != 0 {
				t.Errorf("GS a counted as print data: %+v", s.Stats())
			}
		})
	}
	if _, err := ParseSimState("jammed"); err == nil {
		t.Error("unknown state accepted")
	}
	s, _ := newTestSim(t, SimOptions{})
	if err := s.SetState("jammed"); err == nil {
		t.Error("SetState accepted an unknown state")
	}
}

func TestSimSendsASBOnChange(t *testing.T) {
	s, l := newTestSim(t, SimOptions{})
	s.SetPaper(PaperNearEnd) // ASB off: nothing sent
	if len(l.replies()) != 0 {
		t.Fatalf("sent % X with ASB off", l.replies())
	}
	s.consume(printer.ASBEnable(asbDefaults))
	s.SetPaper(PaperNearEnd) // no change: nothing
	s.SetPaper(PaperOut)
	s.SetOffline(true) // deaf: nothing
	s.SetOffline(false)
	s.SetPaper(PaperOK)
	want := printertest.Unhex(t, "10 00 03 00  18 00 0F 00  18 00 0F 00  10 00 00 00")
	if got := l.replies(); !bytes.Equal(got, want) {
		t.Fatalf("ASB stream\n% X\nwant\n% X", got, want)
	}
	if n := s.Stats().ASBSent; n != 4 {
		t.Errorf("ASBSent %d", n)
	}
	s.consume(printer.ASBEnable(0))
	s.SetPaper(PaperOut)
	if got := l.replies(); len(got) != len(want) {
		t.Errorf("sent after GS a 0: % X", got[len(want):])
	}
}

// Only the changes the GS a bits select are sent.
func TestSimASBEnableBits(t *testing.T) {
	tests := []struct {
		name   string
		enable byte
		change func(s *Sim)
		sends  bool
	}{
		{"paper with paper bit", printer.ASBPaper, func(s *Sim) { s.SetPaper(PaperNearEnd) }, true},
		{"paper without paper bit", printer.ASBOnline | printer.ASBError, func(s *Sim) { s.SetPaper(PaperNearEnd) }, false},
		{"cover with error bit", printer.ASBError, func(s *Sim) { s.SetCoverOpen(true) }, true},
		{"cover with online bit", printer.ASBOnline, func(s *Sim) { s.SetCoverOpen(true) }, true}, // it also goes off line
		{"cover with paper bit", printer.ASBPaper, func(s *Sim) { s.SetCoverOpen(true) }, false},
		{"cutter with error bit", printer.ASBError, func(s *Sim) { s.SetCutterError(true) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, l := newTestSim(t, SimOptions{})
			s.consume(printer.ASBEnable(tt.enable))
			before := len(l.replies()) // the status sent on enabling
			tt.change(s)
			if sent := len(l.replies()) > before; sent != tt.sends {
				t.Errorf("sent = %v, want %v (% X)", sent, tt.sends, l.replies())
			}
		})
	}
}

func TestWireTime(t *testing.T) {
	tests := []struct {
		n, baud int
		want    time.Duration
	}{
		{11520, 115200, time.Second},
		{960, 9600, time.Second},
		{4096, 115200, 4096 * 10 * time.Second / 115200},
		{100, 0, 0},
	}
	for _, tt := range tests {
		if got := WireTime(tt.n, tt.baud); got != tt.want {
			t.Errorf("WireTime(%d, %d) = %v, want %v", tt.n, tt.baud, got, tt.want)
		}
	}
}
