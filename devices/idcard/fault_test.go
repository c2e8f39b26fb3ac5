package idcard_test

import (
	"errors"
	"image"
	"log/slog"
	"strings"
	"testing"
	"time"

	"sckiosk/devices/device"
	"sckiosk/devices/idcard"
	"sckiosk/devices/idcard/idcardsim"
	"sckiosk/internal/logbuf"
)

// TestDriverFaultModes runs the driver against every fault mode of the
// simulator over a pty, at the real wire rate.
func TestDriverFaultModes(t *testing.T) {
	tests := []struct {
		fault idcardsim.Fault
		check func(t *testing.T, r *rig)
	}{
		{idcardsim.FaultNoise, func(t *testing.T, r *rig) {
			r.place(idcard.SampleCard())
			checkSample(t, r.next(idcard.CardRead).Card)
			r.quietFor(3)
		}},
		{idcardsim.FaultChunks, func(t *testing.T, r *rig) {
			r.place(idcard.SampleCard())
			checkSample(t, r.next(idcard.CardRead).Card)
			r.quietFor(3)
		}},
		{idcardsim.FaultChecksum, func(t *testing.T, r *rig) {
			r.place(idcard.SampleCard())
			checkSample(t, r.next(idcard.CardRead).Card) // no ReadFailed: find, select, read again
			if n := r.sim.Served(idcard.OpRead); n != 2 {
				t.Errorf("reads = %d, want 2", n)
			}
			r.quietFor(3)
		}},
		{idcardsim.FaultNoCard, func(t *testing.T, r *rig) {
			r.place(idcard.SampleCard())
			r.quietFor(5)
			if n := r.sim.Served(idcard.OpSelect); n != 0 {
				t.Errorf("selects = %d, want 0", n)
			}
		}},
		{idcardsim.FaultRemoved, func(t *testing.T, r *rig) {
			r.place(idcard.SampleCard())
			ev := r.next(idcard.ReadFailed)
			var se *idcard.StatusError
			if !errors.As(ev.Err, &se) || se.SW3 != idcard.SW3ReadFailed {
				t.Fatalf("err = %v, want status 41", ev.Err)
			}
			r.next(idcard.CardRemoved)
			checkSample(t, r.next(idcard.CardRead).Card) // put back
		}},
		{idcardsim.FaultSAMFail, func(t *testing.T, r *rig) {
			r.waitState(device.Fault)
			r.mu.Lock()
			last := r.statuses[len(r.statuses)-1]
			r.mu.Unlock()
			if notice(last.Cause) != "读卡器故障，请联系工作人员" || !strings.Contains(last.Reason, "self-test") {
				t.Errorf("status %+v", last)
			}
			r.place(idcard.SampleCard())
			select {
			case ev := <-r.events:
				t.Errorf("event %v from a faulty SAM", ev.Kind)
			case <-time.After(100 * time.Millisecond):
			}
		}},
		{idcardsim.FaultSlow, func(t *testing.T, r *rig) {
			r.place(idcard.SampleCard())
			checkSample(t, r.next(idcard.CardRead).Card)
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.fault), func(t *testing.T) {
			t.Parallel()
			opts := idcardsim.SimOptions{Baud: 115200, Fault: tt.fault, Seed: 7, SlowRead: 600 * time.Millisecond, SlowOther: 50 * time.Millisecond}
			r := newRigWith(t, opts, testLog())
			if tt.fault != idcardsim.FaultSAMFail {
				r.waitState(device.Online)
			}
			tt.check(t, r)
		})
	}
}

// TestDriverAddressAnswers checks that a reader which rejects 30 03 or does
// not answer it still delivers the card, and is not asked again.
func TestDriverAddressAnswers(t *testing.T) {
	for _, tt := range []struct {
		name string
		mode idcardsim.AddressMode
	}{{"rejected", idcardsim.AddressRejected}, {"silent", idcardsim.AddressSilent}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, testLog())
			r.sim.SetAddressMode(tt.mode)
			c := idcard.SampleCard()
			c.AppendedAddress = "四川省成都市高新区天府大道北段1700号"
			r.place(c)
			if got := r.next(idcard.CardRead).Card; got.AppendedAddress != "" || got.Name != c.Name {
				t.Errorf("card %q with address %q", got.Name, got.AppendedAddress)
			}
			r.sim.Remove()
			r.next(idcard.CardRemoved)
			r.place(c)
			r.next(idcard.CardRead)
			if n := r.sim.Served(idcard.OpReadAddress); n != 1 && tt.mode == idcardsim.AddressRejected {
				t.Errorf("30 03 sent %d times, want 1", n)
			}
		})
	}
}

// TestDriverLogsNoPersonalDataForeign covers the fields only foreign cards
// and appended addresses carry.
func TestDriverLogsNoPersonalDataForeign(t *testing.T) {
	var buf logbuf.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r := newRig(t, log)
	c := idcard.SampleCardOf(idcard.CardForeign2023)
	c.AppendedAddress = "四川省成都市高新区天府大道北段1700号"
	r.place(c)
	if got := r.next(idcard.CardRead).Card; got.AppendedAddress != c.AppendedAddress {
		t.Errorf("appended address %q", got.AppendedAddress)
	}
	out := buf.String()
	for _, secret := range []string{c.Name, c.NameEN, c.Number, c.AppendedAddress, c.Birth} {
		if strings.Contains(out, secret) {
			t.Errorf("driver log contains %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "foreign_permanent_2023") || !strings.Contains(out, "9326**********0017") {
		t.Errorf("driver log lacks type or masked number:\n%s", out)
	}
}

func TestDecodePhotoWithoutDecoder(t *testing.T) {
	if _, err := idcard.DecodePhoto(nil, idcard.SampleCard().Photo); !errors.Is(err, idcard.ErrNoPhotoDecoder) {
		t.Errorf("err = %v, want ErrNoPhotoDecoder", err)
	}
	if _, err := idcard.DecodePhoto(failingDecoder{}, nil); err == nil || !strings.Contains(err.Error(), "decode WLT photo") {
		t.Errorf("err = %v, want wrapped decoder error", err)
	}
}

type failingDecoder struct{}

func (failingDecoder) DecodePhoto([]byte) (image.Image, error) { return nil, errors.New("no licence") }
