package printer

import (
	"errors"
	"testing"

	"sckiosk/devices/device"
)

func TestStatusQuery(t *testing.T) {
	for n := 1; n <= 4; n++ {
		q := StatusQuery(n)
		if len(q) != 3 || q[0] != 0x10 || q[1] != 0x04 || q[2] != byte(n) {
			t.Errorf("StatusQuery(%d) = % X", n, q)
		}
	}
}

func TestIsStatusByte(t *testing.T) {
	tests := []struct {
		b    byte
		want bool
	}{
		{0x12, true}, {0x16, true}, {0x1A, true}, {0x1E, true}, {0x32, true}, {0x72, true}, {0x7E, true}, {0x52, true},
		{0x00, false}, {0x02, false}, {0x10, false}, {0x13, false}, {0x92, false}, {0xFF, false}, {0x0A, false}, {0x1B, false},
	}
	for _, tt := range tests {
		if got := IsStatusByte(tt.b); got != tt.want {
			t.Errorf("IsStatusByte(%#02x) = %v, want %v", tt.b, got, tt.want)
		}
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		name    string
		replies [4]byte
		cause   Cause
		state   device.State
		notice  string
		check   func(Status) bool
	}{
		{"healthy", [4]byte{0x12, 0x12, 0x12, 0x12}, CauseNone, device.Online, "",
			func(s Status) bool { return s.Online && !s.PaperNearEnd }},
		{"near end (python-escpos 1E)", [4]byte{0x12, 0x12, 0x12, 0x1E}, CausePaperNearEnd, device.Warning, "打印纸即将用完",
			func(s Status) bool { return s.Online && s.PaperNearEnd && !s.PaperEnd }},
		{"near end one sensor bit", [4]byte{0x12, 0x12, 0x12, 0x16}, CausePaperNearEnd, device.Warning, "打印纸即将用完", nil},
		{"paper end (python-escpos 72)", [4]byte{0x1A, 0x32, 0x12, 0x72}, CausePaperEnd, device.Fault, "打印机缺纸",
			func(s Status) bool { return !s.Online && s.PaperEnd && s.StoppedNoPaper }},
		{"documented out of paper 1A 32 7E", [4]byte{0x1A, 0x32, 0x12, 0x7E}, CausePaperEnd, device.Fault, "打印机缺纸",
			func(s Status) bool { return s.PaperEnd && s.PaperNearEnd }},
		{"cover open", [4]byte{0x1A, 0x16, 0x12, 0x12}, CauseCoverOpen, device.Fault, "打印机纸仓盖未关",
			func(s Status) bool { return s.CoverOpen && !s.Online }},
		{"cover open beats paper end", [4]byte{0x1A, 0x36, 0x12, 0x7E}, CauseCoverOpen, device.Fault, "打印机纸仓盖未关", nil},
		{"cutter", [4]byte{0x1A, 0x52, 0x1A, 0x12}, CauseCutterError, device.Fault, "打印机切刀故障",
			func(s Status) bool { return s.CutterError && s.ErrorOccurred }},
		{"unrecoverable", [4]byte{0x1A, 0x52, 0x32, 0x12}, CauseUnrecoverable, device.Fault, "打印机故障",
			func(s Status) bool { return s.UnrecoverableError }},
		{"head too hot", [4]byte{0x1A, 0x52, 0x52, 0x12}, CauseAutoRecoverable, device.Fault, "打印机故障",
			func(s Status) bool { return s.AutoRecoverableError }},
		{"recoverable", [4]byte{0x12, 0x12, 0x16, 0x12}, CauseError, device.Fault, "打印机故障",
			func(s Status) bool { return s.RecoverableError }},
		{"offline only", [4]byte{0x1A, 0x12, 0x12, 0x12}, CauseOffline, device.Fault, "打印机离线",
			func(s Status) bool { return !s.Online }},
		{"feed button, drawer pin", [4]byte{0x56, 0x1A, 0x12, 0x12}, CauseNone, device.Online, "",
			func(s Status) bool { return s.FeedButton && s.DrawerPinHigh && s.FeedingByPanel }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := ParseStatus(tt.replies)
			if err != nil {
				t.Fatal(err)
			}
			c := st.Cause()
			if c != tt.cause || c.State() != tt.state || notice(c.Device()) != tt.notice {
				t.Errorf("cause %v (%v, %q), want %v (%v, %q)", c, c.State(), notice(c.Device()), tt.cause, tt.state, tt.notice)
			}
			if c.Ready() != tt.state.Usable() {
				t.Errorf("Ready() = %v but state %v", c.Ready(), tt.state)
			}
			if tt.check != nil && !tt.check(st) {
				t.Errorf("fields wrong: %+v", st)
			}
		})
	}
}

func TestParseStatusRejectsOtherBytes(t *testing.T) {
	tests := [][4]byte{
		{0x00, 0x12, 0x12, 0x12},
		{0x12, 0x13, 0x12, 0x12}, // bit 0 set
		{0x12, 0x12, 0x92, 0x12}, // bit 7 set
		{0x12, 0x12, 0x12, 0x02}, // bit 4 clear
		{0x12, 0x12, 0x12, 0x10}, // bit 1 clear
	}
	for _, r := range tests {
		if _, err := ParseStatus(r); !errors.Is(err, ErrNotStatus) {
			t.Errorf("% X: err = %v, want ErrNotStatus", r, err)
		}
	}
	var s Status
	if err := s.Apply(5, 0x12); !errors.Is(err, ErrNotStatus) {
		t.Errorf("n=5: err = %v", err)
	}
	if s.Online {
		t.Error("a rejected reply changed the status")
	}
}

func TestZeroStatusIsNotReady(t *testing.T) {
	if (Status{}).Cause().Ready() {
		t.Fatal("a status never read allows printing")
	}
}

func TestCauses(t *testing.T) {
	tests := []struct {
		c      Cause
		state  device.State
		notice string
	}{
		{CauseNone, device.Online, ""},
		{CausePaperNearEnd, device.Warning, "打印纸即将用完"},
		{CausePaperEnd, device.Fault, "打印机缺纸"},
		{CauseCoverOpen, device.Fault, "打印机纸仓盖未关"},
		{CauseCutterError, device.Fault, "打印机切刀故障"},
		{CauseOffline, device.Fault, "打印机离线"},
		{CauseNoResponse, device.Offline, "打印机离线"},
		{CauseDisconnected, device.Offline, "打印机离线"},
		{CauseWriteTimeout, device.Fault, "打印机故障"},
	}
	for _, tt := range tests {
		if tt.c.State() != tt.state || notice(tt.c.Device()) != tt.notice {
			t.Errorf("%v: %v %q, want %v %q", tt.c, tt.c.State(), notice(tt.c.Device()), tt.state, tt.notice)
		}
		ds := deviceStatus(tt.c)
		if ds.Kind != device.Printer || ds.State != tt.state || (ds.Reason == "") != (tt.c == CauseNone) {
			t.Errorf("%v: device status %+v", tt.c, ds)
		}
	}
	if s := Cause(99).String(); s != "cause(99)" {
		t.Errorf("unknown cause string %q", s)
	}
}
