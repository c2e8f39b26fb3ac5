package idcard_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sckiosk/devices/device"
	"sckiosk/devices/idcard"
	"sckiosk/devices/idcard/idcardsim"
	"sckiosk/devices/serialport"
	"sckiosk/devices/supervise"
	"sckiosk/internal/logbuf"
)

// wait bounds every wait in these tests. It is a failure timeout only:
// nothing here asserts that the driver is fast.
const wait = 10 * time.Second

func testLog() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// rig is a simulator on a pty and a driver session on its slave.
type rig struct {
	t      *testing.T
	sim    *idcardsim.Sim
	pty    *serialport.Pty
	events chan idcard.Event
	done   chan error
	cancel context.CancelFunc

	mu       sync.Mutex
	statuses []device.Status
}

func newRig(t *testing.T, log *slog.Logger) *rig {
	t.Helper()
	r := newRigWith(t, idcardsim.SimOptions{}, log)
	r.waitState(device.Online)
	return r
}

// newRigWith starts a simulator with opts and a driver; it does not wait
// for the reader to come online.
func newRigWith(t *testing.T, opts idcardsim.SimOptions, log *slog.Logger) *rig {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	sim, p, err := idcardsim.StartPtyWith(ctx, opts, testLog())
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	r := &rig{t: t, sim: sim, pty: p, events: make(chan idcard.Event, 16), done: make(chan error, 1), cancel: cancel}
	drv := idcard.New(idcard.Options{Port: p.SlavePath, PollInterval: 20 * time.Millisecond, CommandTimeout: 2 * time.Second}, log)
	go func() { r.done <- drv.Session(r.events)(ctx, r.record) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(wait):
			t.Error("session did not end after cancel")
		}
	})
	return r
}

func (r *rig) record(s device.Status) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.statuses = append(r.statuses, s)
}

func (r *rig) waitState(want device.State) {
	r.t.Helper()
	eventually(r.t, "state "+want.String(), func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return len(r.statuses) > 0 && r.statuses[len(r.statuses)-1].State == want
	})
}

// next returns the next event, failing if it is not of kind want.
func (r *rig) next(want idcard.EventKind) idcard.Event {
	r.t.Helper()
	select {
	case ev := <-r.events:
		if ev.Kind != want {
			r.t.Fatalf("event %v (err %v), want %v", ev.Kind, ev.Err, want)
		}
		return ev
	case err := <-r.done:
		r.t.Fatalf("session ended (%v) while waiting for %v", err, want)
	case <-time.After(wait):
		r.t.Fatalf("no %v event", want)
	}
	return idcard.Event{}
}

// quietFor waits until the driver has polled n more times and checks that
// no event came meanwhile.
func (r *rig) quietFor(n int) {
	r.t.Helper()
	start := r.sim.Served(idcard.OpFind)
	eventually(r.t, "more polls", func() bool { return r.sim.Served(idcard.OpFind) >= start+n })
	select {
	case ev := <-r.events:
		r.t.Fatalf("unexpected %v event (err %v)", ev.Kind, ev.Err)
	default:
	}
}

func (r *rig) place(c idcard.Card) {
	r.t.Helper()
	if err := r.sim.Place(c); err != nil {
		r.t.Fatal(err)
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func checkSample(t *testing.T, got idcard.Card) {
	t.Helper()
	want := idcard.SampleCard()
	if idcard.TextOf(got) != idcard.TextOf(want) {
		t.Errorf("card\n got %#v\nwant %#v", idcard.TextOf(got), idcard.TextOf(want))
	}
	if !bytes.Equal(got.Photo, want.Photo) {
		t.Errorf("photo differs (%d bytes)", len(got.Photo))
	}
}

func TestDriverReadsOncePerPresence(t *testing.T) {
	r := newRig(t, testLog())
	r.quietFor(3) // empty field: no events

	r.place(idcard.SampleCard())
	checkSample(t, r.next(idcard.CardRead).Card)
	r.quietFor(5) // card stays: not read again
	if n := r.sim.Served(idcard.OpRead); n != 1 {
		t.Errorf("reads = %d, want 1", n)
	}

	r.sim.Remove()
	r.next(idcard.CardRemoved)
	r.quietFor(3)

	r.place(idcard.SampleCard())
	checkSample(t, r.next(idcard.CardRead).Card)
}

func TestDriverReadFault(t *testing.T) {
	r := newRig(t, testLog())
	r.sim.SetFault(idcard.SW3ReadFailed)
	r.place(idcard.SampleCard())
	ev := r.next(idcard.ReadFailed)
	var se *idcard.StatusError
	if !errors.As(ev.Err, &se) || se.SW3 != idcard.SW3ReadFailed {
		t.Fatalf("err = %v, want status 41", ev.Err)
	}
	if got := notice(se.Cause()); got != "读卡失败，请重新放置证件" {
		t.Errorf("Notice = %q", got)
	}
	if got := noticeOf(ev.Err); got != "读卡失败，请重新放置证件" {
		t.Errorf("noticeOf(err) = %q", got)
	}
	checkSample(t, r.next(idcard.CardRead).Card) // retried on the next poll
	r.quietFor(3)
	r.sim.Remove()
	r.next(idcard.CardRemoved)
}

func TestDriverVerificationFault(t *testing.T) {
	r := newRig(t, testLog())
	r.sim.SetFault(idcard.SW3SAMAuthCard)
	r.place(idcard.SampleCard())
	if got := noticeOf(r.next(idcard.ReadFailed).Err); got != "证件验证失败，请重新放置证件" {
		t.Errorf("Notice = %q", got)
	}
	r.next(idcard.CardRead)
}

func TestDriverLineNoise(t *testing.T) {
	tests := []struct {
		name   string
		spoil  func(*idcardsim.Sim)
		before bool // spoil before placing the card (hits a find reply)
	}{
		{"garbage before find reply", func(s *idcardsim.Sim) { s.InjectGarbage(37) }, true},
		{"garbage before every reply", func(s *idcardsim.Sim) {
			go func() {
				for range 6 {
					s.InjectGarbage(300)
					time.Sleep(10 * time.Millisecond)
				}
			}()
		}, false},
		{"corrupted reply", func(s *idcardsim.Sim) { s.CorruptNextReply() }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, testLog())
			if tt.before {
				tt.spoil(r.sim)
				r.place(idcard.SampleCard())
			} else {
				r.place(idcard.SampleCard())
				tt.spoil(r.sim)
			}
			checkSample(t, r.next(idcard.CardRead).Card)
			r.quietFor(3)
		})
	}
}

func TestDriverAllLayouts(t *testing.T) {
	for _, typ := range []idcard.CardType{idcard.CardResident, idcard.CardHMTPermit, idcard.CardForeign2017, idcard.CardForeign2023} {
		t.Run(string(typ.Identity()), func(t *testing.T) {
			r := newRig(t, testLog())
			want := idcard.SampleCardOf(typ)
			want.AppendedAddress = "四川省成都市高新区天府大道北段1700号"
			r.place(want)
			got := r.next(idcard.CardRead).Card
			want.Sex = "男"
			if idcard.TextOf(got) != idcard.TextOf(want) {
				t.Errorf("card\n got %#v\nwant %#v", idcard.TextOf(got), idcard.TextOf(want))
			}
			if !bytes.Equal(got.Photo, want.Photo) {
				t.Errorf("photo differs (%d bytes)", len(got.Photo))
			}
			r.quietFor(3)
			r.sim.Remove()
			r.next(idcard.CardRemoved)
		})
	}
}

func TestDriverUnplug(t *testing.T) {
	r := newRig(t, testLog())
	r.place(idcard.SampleCard())
	r.next(idcard.CardRead)
	r.pty.Close()
	select {
	case err := <-r.done:
		if err == nil || errors.Is(err, context.Canceled) {
			t.Fatalf("session ended with %v, want an I/O error", err)
		}
		t.Logf("session error: %v", err)
		if !strings.HasPrefix(err.Error(), "idcard: ") {
			t.Errorf("error %q lacks context", err)
		}
		r.done <- err // for the cleanup
	case <-time.After(wait):
		t.Fatal("session did not end after unplug")
	}
}

func TestDriverCancel(t *testing.T) {
	r := newRig(t, testLog())
	r.cancel()
	select {
	case err := <-r.done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		r.done <- err
	case <-time.After(wait):
		t.Fatal("session did not end after cancel")
	}
}

func TestDriverMissingPort(t *testing.T) {
	d := idcard.New(idcard.Options{Port: filepath.Join(t.TempDir(), "ttyUSB9")}, nil)
	err := d.Session(nil)(context.Background(), func(device.Status) {})
	if !errors.Is(err, serialport.ErrNoPort) {
		t.Fatalf("err = %v, want ErrNoPort", err)
	}
}

func TestDriverSilentReader(t *testing.T) {
	p, err := serialport.NewPty() // nobody answers on the master
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	d := idcard.New(idcard.Options{Port: p.SlavePath, CommandTimeout: 50 * time.Millisecond, Retries: -1}, nil)
	err = d.Session(nil)(context.Background(), func(device.Status) {})
	if !errors.Is(err, idcard.ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
}

// Under the supervisor an unplugged reader goes Offline and comes back
// Online when a reader reappears at the same path.
func TestDriverSupervisedReplug(t *testing.T) {
	link := filepath.Join(t.TempDir(), "dev", "idcard")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	plug := func() (*idcardsim.Sim, *serialport.Pty) {
		sim, p, err := idcardsim.StartPty(ctx, testLog())
		if err != nil {
			t.Fatal(err)
		}
		if err := p.LinkAt(link); err != nil {
			t.Fatal(err)
		}
		return sim, p
	}
	sim, p := plug()

	var mu sync.Mutex
	var states []device.State
	report := func(s device.Status) {
		if s.Kind != idcard.DeviceName {
			t.Errorf("status for %v", s.Kind)
		}
		mu.Lock()
		states = append(states, s.State)
		mu.Unlock()
	}
	last := func() device.State {
		mu.Lock()
		defer mu.Unlock()
		if len(states) == 0 {
			return -1
		}
		return states[len(states)-1]
	}
	events := make(chan idcard.Event, 16)
	drv := idcard.New(idcard.Options{Port: link, PollInterval: 20 * time.Millisecond}, testLog())
	done := make(chan struct{})
	go func() {
		defer close(done)
		supervise.Run(ctx, idcard.DeviceName, supervise.Backoff{Min: 20 * time.Millisecond, Max: 100 * time.Millisecond, Stable: time.Minute},
			testLog(), report, drv.Session(events))
	}()

	eventually(t, "online", func() bool { return last() == device.Online })
	if err := sim.Place(idcard.SampleCard()); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, events, idcard.CardRead)

	p.Close()
	eventually(t, "offline", func() bool { return last() == device.Offline })

	sim, _ = plug()
	eventually(t, "online again", func() bool { return last() == device.Online })
	if err := sim.Place(idcard.SampleCard()); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, events, idcard.CardRead)
	cancel()
	select {
	case <-done:
	case <-time.After(wait):
		t.Fatal("supervisor did not stop")
	}
}

func waitEvent(t *testing.T, events <-chan idcard.Event, want idcard.EventKind) idcard.Event {
	t.Helper()
	select {
	case ev := <-events:
		if ev.Kind != want {
			t.Fatalf("event %v (err %v), want %v", ev.Kind, ev.Err, want)
		}
		return ev
	case <-time.After(wait):
		t.Fatalf("no %v event", want)
	}
	return idcard.Event{}
}

func TestDriverLogsNoPersonalData(t *testing.T) {
	var buf logbuf.Buffer
	log := slog.New(slog.NewTextHandler(io.MultiWriter(&buf), &slog.HandlerOptions{Level: slog.LevelDebug}))
	r := newRig(t, log)
	r.sim.SetFault(idcard.SW3ReadFailed)
	r.place(idcard.SampleCard())
	r.next(idcard.ReadFailed)
	r.next(idcard.CardRead)
	r.sim.Remove()
	r.next(idcard.CardRemoved)
	out := buf.String()
	c := idcard.SampleCard()
	for _, secret := range []string{c.Name, c.Number, c.Address, c.Authority, c.Birth} {
		if strings.Contains(out, secret) {
			t.Errorf("driver log contains %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "5101**********") {
		t.Errorf("driver log lacks the masked number:\n%s", out)
	}
}

func TestDriverWrongCard(t *testing.T) {
	r := newRig(t, testLog())
	r.sim.SetFault(idcard.SW3WrongCard)
	r.place(idcard.SampleCard())
	if got := noticeOf(r.next(idcard.ReadFailed).Err); got != "无法识别此卡，请放置身份证件" {
		t.Errorf("Notice = %q", got)
	}
	r.quietFor(5) // not retried while it stays
	r.sim.Remove()
	r.next(idcard.CardRemoved)
}

// status is a reply carrying only the status word sw3.
func status(sw3 byte) []byte { return idcard.EncodeResponse(0, 0, sw3, nil) }

// A SAM that fails its self-test is reported as Fault and rechecked; once
// it answers 00 00 90 the reader goes Online.
func TestDriverSAMFaultAtStart(t *testing.T) {
	p, err := serialport.NewPty()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	go func() { // a scripted reader: two failed self-tests, then healthy
		fr := idcard.NewFrameReader(p.Master)
		statusChecks := 0
		for {
			c, err := fr.ReadCommand()
			if err != nil {
				return
			}
			reply := status(idcard.SW3NoCard)
			if c.Op() == idcard.OpStatus {
				statusChecks++
				reply = status(idcard.SW3OK)
				if statusChecks <= 2 {
					reply = status(idcard.SW3SelfTestFailed)
				}
			}
			if _, err := p.Master.Write(reply); err != nil {
				return
			}
		}
	}()
	var mu sync.Mutex
	var got []device.Status
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	d := idcard.New(idcard.Options{Port: p.SlavePath, PollInterval: 20 * time.Millisecond, FaultRetry: 20 * time.Millisecond}, testLog())
	go func() {
		done <- d.Session(nil)(ctx, func(s device.Status) {
			mu.Lock()
			got = append(got, s)
			mu.Unlock()
		})
	}()
	eventually(t, "online", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) > 0 && got[len(got)-1].State == device.Online
	})
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0].State != device.Fault || got[1].State != device.Online {
		t.Fatalf("statuses = %v, want fault then online", got)
	}
	if notice(got[0].Cause) != "读卡器故障，请联系工作人员" || !strings.Contains(got[0].Reason, "self-test") {
		t.Errorf("fault status = %+v", got[0])
	}
}
