package idcard

import (
	"bytes"
	"errors"
	"image"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sckiosk/devices/device"
	"sckiosk/internal/logbuf"
)

// TestDriverFaultModes runs the driver against every fault mode of the
// simulator over a pty, at the real wire rate.
func TestDriverFaultModes(t *testing.T) {
	tests := []struct {
		fault Fault
		check func(t *testing.T, r *rig)
	}{
		{FaultNoise, func(t *testing.T, r *rig) {
			r.place(SampleCard())
			checkSample(t, r.next(CardRead).Card)
			r.quietFor(3)
		}},
		{FaultChunks, func(t *testing.T, r *rig) {
			r.place(SampleCard())
			checkSample(t, r.next(CardRead).Card)
			r.quietFor(3)
		}},
		{FaultChecksum, func(t *testing.T, r *rig) {
			r.place(SampleCard())
			checkSample(t, r.next(CardRead).Card) // no ReadFailed: find, select, read again
			if n := r.sim.count(OpRead); n != 2 {
				t.Errorf("reads = %d, want 2", n)
			}
			r.quietFor(3)
		}},
		{FaultNoCard, func(t *testing.T, r *rig) {
			r.place(SampleCard())
			r.quietFor(5)
			if n := r.sim.count(OpSelect); n != 0 {
				t.Errorf("selects = %d, want 0", n)
			}
		}},
		{FaultRemoved, func(t *testing.T, r *rig) {
			r.place(SampleCard())
			ev := r.next(ReadFailed)
			var se *StatusError
			if !errors.As(ev.Err, &se) || se.SW3 != SW3ReadFailed {
				t.Fatalf("err = %v, want status 41", ev.Err)
			}
			r.next(CardRemoved)
			checkSample(t, r.next(CardRead).Card) // put back
		}},
		{FaultSAMFail, func(t *testing.T, r *rig) {
			r.waitState(device.Fault)
			r.mu.Lock()
			last := r.statuses[len(r.statuses)-1]
			r.mu.Unlock()
			if notice(last.Cause) != "读卡器故障，请联系工作人员" || !strings.Contains(last.Reason, "self-test") {
				t.Errorf("status %+v", last)
			}
			r.place(SampleCard())
			select {
			case ev := <-r.events:
				t.Errorf("event %v from a faulty SAM", ev.Kind)
			case <-time.After(100 * time.Millisecond):
			}
		}},
		{FaultSlow, func(t *testing.T, r *rig) {
			r.place(SampleCard())
			checkSample(t, r.next(CardRead).Card)
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.fault), func(t *testing.T) {
			t.Parallel()
			opts := SimOptions{Baud: 115200, Fault: tt.fault, Seed: 7, SlowRead: 600 * time.Millisecond, SlowOther: 50 * time.Millisecond}
			r := newRigWith(t, opts, testLog())
			if tt.fault != FaultSAMFail {
				r.waitState(device.Online)
			}
			tt.check(t, r)
		})
	}
}

func TestParseFault(t *testing.T) {
	for _, f := range Faults() {
		got, err := ParseFault(string(f))
		if err != nil || got != f {
			t.Errorf("ParseFault(%s) = %q, %v", f, got, err)
		}
	}
	for _, s := range []string{"", "none"} {
		if got, err := ParseFault(s); err != nil || got != FaultNone {
			t.Errorf("ParseFault(%q) = %q, %v", s, got, err)
		}
	}
	if _, err := ParseFault("gremlins"); err == nil || !strings.Contains(err.Error(), "noise") {
		t.Errorf("ParseFault(gremlins) = %v", err)
	}
}

// TestDriverAddressAnswers checks that a reader which rejects 30 03 or does
// not answer it still delivers the card, and is not asked again.
func TestDriverAddressAnswers(t *testing.T) {
	for _, tt := range []struct {
		name string
		mode addressMode
	}{{"rejected", addressRejected}, {"silent", addressSilent}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, testLog())
			r.sim.setAddressMode(tt.mode)
			c := SampleCard()
			c.AppendedAddress = "四川省成都市高新区天府大道北段1700号"
			r.place(c)
			if got := r.next(CardRead).Card; got.AppendedAddress != "" || got.Name != c.Name {
				t.Errorf("card %q with address %q", got.Name, got.AppendedAddress)
			}
			r.sim.Remove()
			r.next(CardRemoved)
			r.place(c)
			r.next(CardRead)
			if n := r.sim.count(OpReadAddress); n != 1 && tt.mode == addressRejected {
				t.Errorf("30 03 sent %d times, want 1", n)
			}
		})
	}
}

func TestFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/cards/*.yaml")
	if err != nil || len(files) < 4 {
		t.Fatalf("fixtures %v: %v", files, err)
	}
	types := map[CardType]bool{}
	for _, f := range files {
		c, err := LoadFixture(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		types[c.Type] = true
		if err := c.ValidateNumber(); err != nil {
			t.Errorf("%s: number: %v", f, err)
		}
		if c.ValidTo == "" || len(c.Photo) != PhotoSize {
			t.Errorf("%s: valid to %q, photo %d bytes", f, c.ValidTo, len(c.Photo))
		}
	}
	if len(types) != 4 {
		t.Errorf("fixtures cover %d card types, want 4", len(types))
	}
	c, err := LoadFixture("testdata/cards/foreign2023.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if want := SampleCardOf(CardForeign2023); textOf(c) != textOf(want) {
		t.Errorf("foreign2023.yaml\n got %#v\nwant %#v", textOf(c), textOf(want))
	}
}

func TestFixtureErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "big.wlt"), make([]byte, PhotoSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, yaml string }{
		{"unknown key", "card_type: resident\nnation: 汉\nshoe_size: 44\n"},
		{"unknown type", "card_type: passport\n"},
		{"no nation", "card_type: resident\nname: 张三\n"},
		{"long name", "nation: 汉\nname: " + strings.Repeat("张", 16) + "\n"},
		{"bad sex", "nation: 汉\nsex: M\n"},
		{"long appended address", "nation: 汉\nappended_address: " + strings.Repeat("路", 36) + "\n"},
		{"missing photo", "nation: 汉\nphoto: nope.wlt\n"},
		{"big photo", "nation: 汉\nphoto: big.wlt\n"},
		{"not yaml", "[[["},
	}
	for _, tt := range tests {
		if _, err := ParseFixture([]byte(tt.yaml), dir); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
	if _, err := LoadFixture(filepath.Join(dir, "absent.yaml")); err == nil {
		t.Error("absent file accepted")
	}
}

// TestSimGoldenAnswers pins the answers added for the appended address,
// the fingerprint read and the failed SAM (devices.md §1.4–1.5).
func TestSimGoldenAnswers(t *testing.T) {
	l := newSimLink(t)
	c := SampleCard()
	c.AppendedAddress = "四川省成都市高新区天府大道北段1700号"
	addr, err := EncodeAddress(c.AppendedAddress)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.send(OpReadAddress.Encode(nil)); !bytes.Equal(got, hx(t, "AA AA AA 96 69 00 04 00 00 41 45")) {
		t.Errorf("30 03 without card: % X", got)
	}
	if err := l.sim.Place(c); err != nil {
		t.Fatal(err)
	}
	got := l.send(OpReadAddress.Encode(nil))
	if len(got) != 81 || !bytes.Equal(got[:10], hx(t, "AA AA AA 96 69 00 4A 00 00 90")) || !bytes.Equal(got[10:80], addr) {
		t.Errorf("30 03 with address: % X (len %d)", got, len(got))
	}
	l.send(OpFind.Encode(nil))
	l.send(OpSelect.Encode(nil))
	got = l.send(OpReadFP.Encode(nil))
	if len(got) != 1297 || !bytes.Equal(got[:16], hx(t, "AA AA AA 96 69 05 0A 00 00 90 01 00 04 00 00 00")) {
		t.Errorf("30 10: % X (len %d)", got[:16], len(got))
	}
	c.AppendedAddress = ""
	if err := l.sim.Place(c); err != nil {
		t.Fatal(err)
	}
	if got := l.send(OpReadAddress.Encode(nil)); !bytes.Equal(got, hx(t, "AA AA AA 96 69 00 04 00 00 91 95")) {
		t.Errorf("30 03 without address: % X", got)
	}

	bad := newSimLinkWith(t, SimOptions{Fault: FaultSAMFail})
	for _, op := range []Op{OpStatus, OpFind, OpRead} {
		if got := bad.send(op.Encode(nil)); !bytes.Equal(got, hx(t, "AA AA AA 96 69 00 04 00 00 60 64")) {
			t.Errorf("%v on a failed SAM: % X", op, got)
		}
	}
}

// TestDriverLogsNoPersonalDataForeign covers the fields only foreign cards
// and appended addresses carry.
func TestDriverLogsNoPersonalDataForeign(t *testing.T) {
	var buf logbuf.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r := newRig(t, log)
	c := SampleCardOf(CardForeign2023)
	c.AppendedAddress = "四川省成都市高新区天府大道北段1700号"
	r.place(c)
	if got := r.next(CardRead).Card; got.AppendedAddress != c.AppendedAddress {
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
	if _, err := DecodePhoto(nil, SampleCard().Photo); !errors.Is(err, ErrNoPhotoDecoder) {
		t.Errorf("err = %v, want ErrNoPhotoDecoder", err)
	}
	if _, err := DecodePhoto(failingDecoder{}, nil); err == nil || !strings.Contains(err.Error(), "decode WLT photo") {
		t.Errorf("err = %v, want wrapped decoder error", err)
	}
}

type failingDecoder struct{}

func (failingDecoder) DecodePhoto([]byte) (image.Image, error) { return nil, errors.New("no licence") }
