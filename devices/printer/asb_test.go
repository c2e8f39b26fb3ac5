package printer

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"sckiosk/devices/device"
	"sckiosk/devices/printer/escpos"
	"sckiosk/devices/printer/internal/printertest"
	"sckiosk/devices/printer/printersim"
)

func TestASBEnable(t *testing.T) {
	if got := ASBEnable(asbDefaults); !bytes.Equal(got, []byte{0x1D, 0x61, 0x0E}) {
		t.Fatalf("ASBEnable = % X", got)
	}
}

func TestParseASB(t *testing.T) {
	tests := []struct {
		name  string
		block [4]byte
		cause Cause
		check func(Status) bool
	}{
		{"healthy", [4]byte{0x10, 0, 0, 0}, CauseNone, func(s Status) bool { return s.Online }},
		{"near end", [4]byte{0x10, 0, 0x03, 0}, CausePaperNearEnd, func(s Status) bool { return s.PaperNearEnd && !s.PaperEnd }},
		{"paper end", [4]byte{0x18, 0, 0x0F, 0}, CausePaperEnd, func(s Status) bool { return !s.Online && s.PaperEnd }},
		{"cover open", [4]byte{0x38, 0, 0, 0}, CauseCoverOpen, func(s Status) bool { return s.CoverOpen }},
		{"cutter", [4]byte{0x18, 0x08, 0, 0}, CauseCutterError, func(s Status) bool { return s.CutterError }},
		{"unrecoverable", [4]byte{0x18, 0x20, 0, 0}, CauseUnrecoverable, nil},
		{"head too hot", [4]byte{0x18, 0x40, 0, 0}, CauseAutoRecoverable, nil},
		{"offline", [4]byte{0x18, 0, 0, 0}, CauseOffline, nil},
		{"drawer, feed", [4]byte{0x54, 0x03, 0, 0}, CauseNone,
			func(s Status) bool { return s.DrawerPinHigh && s.FeedingByPanel && s.FeedButton && s.WaitingRecovery }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := ParseASB(tt.block)
			if err != nil {
				t.Fatal(err)
			}
			if st.Cause() != tt.cause {
				t.Errorf("cause %v, want %v", st.Cause(), tt.cause)
			}
			if tt.check != nil && !tt.check(st) {
				t.Errorf("fields %+v", st)
			}
		})
	}
	for _, bad := range [][4]byte{
		{0x12, 0, 0, 0},    // a DLE EOT reply, not a header
		{0x00, 0, 0, 0},    // bit 4 clear
		{0x10, 0x10, 0, 0}, // bit 4 set in byte 2
		{0x10, 0, 0, 0x80}, // bit 7 set in byte 4
	} {
		if _, err := ParseASB(bad); !errors.Is(err, ErrNotASB) {
			t.Errorf("% X: err = %v, want ErrNotASB", bad, err)
		}
	}
}

func TestDemuxInterleaved(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		want   []reply
	}{
		{"replies only", "12 12 12 1E", []reply{{status: 0x12}, {status: 0x12}, {status: 0x12}, {status: 0x1E}}},
		{"block only", "18 00 0F 00", []reply{{asb: true, block: [4]byte{0x18, 0, 0x0F, 0}}}},
		{"block between replies", "12 18 00 0F 00 1A", []reply{{status: 0x12}, {asb: true, block: [4]byte{0x18, 0, 0x0F, 0}}, {status: 0x1A}}},
		{"reply inside a block breaks it", "10 00 12 10 00 00 00", []reply{{status: 0x12}, {asb: true, block: [4]byte{0x10, 0, 0, 0}}}},
		{"noise skipped", "FF 00 13 12", []reply{{status: 0x12}}},
		{"new header restarts", "10 00 38 00 00 00", []reply{{asb: true, block: [4]byte{0x38, 0, 0, 0}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stream := printertest.Unhex(t, tt.stream)
			for _, step := range []int{len(stream), 1} { // whole, then byte by byte
				var d demux
				var got []reply
				for i := 0; i < len(stream); i += step {
					d.feed(stream[i:min(i+step, len(stream))], func(r reply) { got = append(got, r) })
				}
				if len(got) != len(tt.want) {
					t.Fatalf("step %d: got %+v, want %+v", step, got, tt.want)
				}
				for i := range got {
					if got[i] != tt.want[i] {
						t.Fatalf("step %d: got %+v, want %+v", step, got, tt.want)
					}
				}
			}
		})
	}
}

// The driver against the simulator in every named state, with and without
// automatic status back, the sim paced at 115200 baud: a ready printer
// prints, any other gets no data at all and the citizen the right notice.
func TestDriverAgainstSimInEveryState(t *testing.T) {
	tests := []struct {
		state  printersim.SimState
		prints bool
		ds     device.State
		notice string
	}{
		{printersim.StateOK, true, device.Online, ""},
		{printersim.StateNearEnd, true, device.Warning, "打印纸即将用完"},
		{printersim.StatePaperEnd, false, device.Fault, "打印机缺纸"},
		{printersim.StateCoverOpen, false, device.Fault, "打印机纸仓盖未关"},
		{printersim.StateCutterError, false, device.Fault, "打印机切刀故障"},
		{printersim.StateOffline, false, device.Offline, "打印机离线"},
	}
	for _, asb := range []bool{false, true} {
		for _, tt := range tests {
			name := string(tt.state)
			if asb {
				name += "-asb"
			}
			t.Run(name, func(t *testing.T) {
				// An offline printer never answers: wait little for it. The
				// others answer, so give a loaded machine (-race) time.
				timeout := 3 * time.Second
				if tt.state == printersim.StateOffline {
					timeout = 300 * time.Millisecond
				}
				r := newRig(t, printersim.SimOptions{Paper: escpos.Paper80, Baud: 115200},
					Options{ASB: asb, PollInterval: time.Hour, StatusTimeout: timeout})
				if err := r.sim.SetState(tt.state); err != nil {
					t.Fatal(err)
				}
				if asb && tt.state != printersim.StateOffline {
					// No poll for an hour: only ASB can tell the driver.
					waitFor(t, "ASB to report "+string(tt.state), func() bool { return r.drv.Status().State == tt.ds })
				}
				err := r.drv.Print(context.Background(), printertest.SampleCase())
				if tt.prints {
					if err != nil {
						t.Fatal(err)
					}
					rc := r.receipt(t)
					if len(rc.QR) != 1 || rc.QR[0] != "https://zwfw.sc.gov.cn/track?c=SC20261125000123" {
						t.Errorf("QR %q", rc.QR)
					}
				} else {
					if noticeOf(err) != tt.notice {
						t.Fatalf("err %v, notice %q, want %q", err, noticeOf(err), tt.notice)
					}
					if st := r.sim.Stats(); st.DataBytes != 0 || st.Receipts != 0 {
						t.Fatalf("data reached a printer that was not ready: %+v", st)
					}
				}
				if st := r.drv.Status(); st.State != tt.ds || notice(st.Cause) != tt.notice {
					t.Errorf("status %+v, want %v %q", st, tt.ds, tt.notice)
				}
				if asb && r.sim.Stats().ASBSent == 0 && tt.state != printersim.StateOffline {
					t.Error("no ASB sent")
				}
			})
		}
	}
}

// FuzzParseStatus: any four bytes either parse or fail with ErrNotStatus,
// and a printer that never answered is never ready.
func FuzzParseStatus(f *testing.F) {
	f.Add([]byte{0x12, 0x12, 0x12, 0x12})
	f.Add([]byte{0x1A, 0x32, 0x12, 0x7E})
	f.Add([]byte{0x56, 0x1A, 0x1A, 0x1E})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 4 {
			return
		}
		st, err := ParseStatus([4]byte(b))
		if err != nil {
			if !errors.Is(err, ErrNotStatus) || st != (Status{}) {
				t.Fatalf("err %v, status %+v", err, st)
			}
			return
		}
		c := st.Cause()
		if c.Ready() != (c.State() == device.Online || c.State() == device.Warning) {
			t.Fatalf("cause %v ready %v state %v", c, c.Ready(), c.State())
		}
		if c.Ready() && (st.PaperEnd || st.CoverOpen || st.CutterError || !st.Online) {
			t.Fatalf("%+v counts as ready", st)
		}
	})
}

// FuzzASB feeds arbitrary bytes to the reader's demultiplexer: every
// message it yields parses, and a DLE EOT reply byte is never lost inside
// an ASB block.
func FuzzASB(f *testing.F) {
	f.Add([]byte{0x12, 0x18, 0x00, 0x0F, 0x00, 0x1A}, 2)
	f.Add([]byte{0x10, 0x00, 0x12, 0x10, 0x00, 0x00, 0x00}, 1)
	f.Fuzz(func(t *testing.T, b []byte, split int) {
		if split < 0 || split > len(b) {
			split = len(b) / 2
		}
		var d demux
		replies := 0
		emit := func(r reply) {
			if r.asb {
				st, err := ParseASB(r.block)
				if err != nil {
					t.Fatalf("demux yielded a bad block % X: %v", r.block, err)
				}
				_ = st.Cause()
				return
			}
			if !IsStatusByte(r.status) {
				t.Fatalf("demux yielded %#02x as a reply", r.status)
			}
			replies++
		}
		d.feed(b[:split], emit)
		d.feed(b[split:], emit)
		want := 0
		for _, c := range b {
			if IsStatusByte(c) {
				want++
			}
		}
		if replies != want {
			t.Fatalf("%d replies of %d", replies, want)
		}
	})
}

// ASB blocks sent on every change interleave with the replies to polls
// every few milliseconds: the driver must never misread one for the other
// (a misread shows as a cause the sim never had) and must end on the
// sim's last state.
func TestASBInterleavedWithPolls(t *testing.T) {
	r := newRig(t, printersim.SimOptions{}, Options{ASB: true, PollInterval: 2 * time.Millisecond})
	for i := range 200 {
		if i%2 == 0 {
			r.sim.SetPaper(printersim.PaperNearEnd)
		} else {
			r.sim.SetPaper(printersim.PaperOK)
		}
		time.Sleep(time.Millisecond)
	}
	r.sim.SetPaper(printersim.PaperOut)
	waitFor(t, "Fault 缺纸", func() bool { return notice(r.drv.Status().Cause) == "打印机缺纸" })
	if r.sim.Stats().ASBSent < 100 {
		t.Errorf("only %d ASB blocks sent", r.sim.Stats().ASBSent)
	}
	r.rec.mu.Lock()
	defer r.rec.mu.Unlock()
	for _, s := range r.rec.all {
		switch s.Reason {
		case "", CausePaperNearEnd.String(), CausePaperEnd.String(), CauseNoResponse.String():
		default:
			if s.State != device.Starting {
				t.Errorf("reported %v (%s), a state the sim never had", s.State, s.Reason)
			}
		}
	}
}
