package printer

import (
	"context"
	"errors"
	"fmt"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sckiosk/devices/device"
	"sckiosk/devices/printer/escpos"
	"sckiosk/devices/printer/internal/printertest"
	"sckiosk/devices/printer/printersim"
	"sckiosk/devices/serialport"
	"sckiosk/devices/supervise"
	"sckiosk/kiosk/core/receipt"
)

// failAfter bounds every wait in these tests; it is a failure timeout, not
// a speed requirement.
const failAfter = 20 * time.Second

// recorder collects the statuses a session reports.
type recorder struct {
	mu  sync.Mutex
	all []device.Status
}

func (r *recorder) report(s device.Status) {
	r.mu.Lock()
	r.all = append(r.all, s)
	r.mu.Unlock()
}

func (r *recorder) saw(state device.State, want string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.all {
		if s.State == state && (want == "" || notice(s.Cause) == want) {
			return true
		}
	}
	return false
}

// waitFor polls cond until it holds or failAfter passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(failAfter)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// rig is a driver under supervise.Run talking to a Sim over a real pty.
type rig struct {
	sim *printersim.Sim
	pty *serialport.Pty
	drv *Driver
	rec *recorder
	got chan printersim.Receipt
}

func quietLog() *slog.Logger {
	if os.Getenv("PRINTER_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func newRig(t *testing.T, simOpts printersim.SimOptions, opts Options) *rig {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	sim, pty, err := printersim.StartPty(ctx, simOpts, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{sim: sim, pty: pty, rec: &recorder{}, got: make(chan printersim.Receipt, 16)}
	sim.OnReceipt(func(rc printersim.Receipt) { r.got <- rc })
	opts.Port = pty.SlavePath
	if opts.PollInterval == 0 {
		opts.PollInterval = 50 * time.Millisecond
	}
	if opts.StatusTimeout == 0 {
		// Generous: under -race on a loaded machine a reply can take a while,
		// and with an hour's poll a missed first reply would never be retried.
		opts.StatusTimeout = 2 * time.Second
	}
	if opts.Paper == 0 {
		opts.Paper = simOpts.Paper
	}
	r.drv, err = New(opts, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		supervise.Run(ctx, DeviceName, supervise.Backoff{Min: 20 * time.Millisecond, Max: 200 * time.Millisecond, Stable: time.Minute},
			quietLog(), r.rec.report, r.drv.Session())
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		pty.Close()
	})
	waitFor(t, "printer online", func() bool { return r.drv.Status().State == device.Online })
	return r
}

// receipt waits for the next receipt the sim cuts.
func (r *rig) receipt(t *testing.T) printersim.Receipt {
	t.Helper()
	select {
	case rc := <-r.got:
		return rc
	case <-time.After(failAfter):
		t.Fatal("no receipt printed")
		return printersim.Receipt{}
	}
}

func TestPrintReceiptOverPty(t *testing.T) {
	for _, mode := range []escpos.QRMode{escpos.QRNative, escpos.QRRaster} {
		for _, paper := range []escpos.Paper{escpos.Paper58, escpos.Paper80} {
			t.Run(paper.String()+"-"+mode.String(), func(t *testing.T) {
				r := newRig(t, printersim.SimOptions{Paper: paper}, Options{QRMode: mode})
				doc := printertest.SampleCase()
				if err := r.drv.Print(context.Background(), doc); err != nil {
					t.Fatal(err)
				}
				rc := r.receipt(t)
				if !strings.Contains(rc.Text, "办件编号：SC20261125000123") {
					t.Errorf("receipt text lacks the case number:\n%s", rc.Text)
				}
				track := "https://zwfw.sc.gov.cn/track?c=SC20261125000123"
				if len(rc.QR) != 1 || rc.QR[0] != track {
					t.Errorf("QR = %q, want [%q]", rc.QR, track)
				}
				if got := printertest.DecodeImage(t, rc.Image); got != track {
					t.Errorf("rendered QR reads %q", got)
				}
				if n := len(r.sim.Receipts()); n != 1 {
					t.Errorf("sim has %d receipts, want 1", n)
				}
				if st := r.drv.Status(); st.State != device.Online {
					t.Errorf("status after print %v", st)
				}
				f, err := os.Create(filepath.Join(t.TempDir(), "receipt.png"))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if err := png.Encode(f, rc.Image); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func TestPrintGuardRefusesNotReadyPrinter(t *testing.T) {
	tests := []struct {
		name   string
		set    func(s *printersim.Sim, bad bool)
		cause  Cause
		notice string
	}{
		{"paper out", func(s *printersim.Sim, bad bool) {
			s.SetPaper(map[bool]printersim.PaperState{true: printersim.PaperOut, false: printersim.PaperOK}[bad])
		}, CausePaperEnd, "打印机缺纸"},
		{"cover open", (*printersim.Sim).SetCoverOpen, CauseCoverOpen, "打印机纸仓盖未关"},
		{"cutter jammed", (*printersim.Sim).SetCutterError, CauseCutterError, "打印机切刀故障"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, printersim.SimOptions{}, Options{PollInterval: time.Hour})
			tt.set(r.sim, true)
			err := r.drv.Print(context.Background(), printertest.SampleCase())
			var nr *NotReadyError
			if !errors.As(err, &nr) {
				t.Fatalf("err = %v, want *NotReadyError", err)
			}
			if nr.Cause != tt.cause || notice(nr.Cause.Device()) != tt.notice || noticeOf(err) != tt.notice || !errors.Is(err, ErrNotReady) {
				t.Errorf("got cause %v notice %q, want %v %q", nr.Cause, notice(nr.Cause.Device()), tt.cause, tt.notice)
			}
			if st := r.sim.Stats(); st.DataBytes != 0 || st.Receipts != 0 {
				t.Fatalf("driver sent %d data bytes to a printer that was not ready (%+v)", st.DataBytes, st)
			}
			if st := r.drv.Status(); st.State != device.Fault || notice(st.Cause) != tt.notice {
				t.Errorf("driver status %+v", st)
			}
			if !r.rec.saw(device.Fault, tt.notice) {
				t.Error("Fault not reported")
			}
			// Fixed: the next receipt prints.
			tt.set(r.sim, false)
			if err := r.drv.Print(context.Background(), printertest.SampleCase()); err != nil {
				t.Fatal(err)
			}
			r.receipt(t)
		})
	}
}

func TestPrintOnPaperNearEndWarns(t *testing.T) {
	r := newRig(t, printersim.SimOptions{}, Options{})
	r.sim.SetPaper(printersim.PaperNearEnd)
	waitFor(t, "poll to report Warning", func() bool { return r.drv.Status().State == device.Warning })
	if err := r.drv.Print(context.Background(), printertest.SampleCase()); err != nil {
		t.Fatal(err)
	}
	rc := r.receipt(t)
	if !strings.Contains(rc.Text, "SC20261125000123") {
		t.Errorf("text:\n%s", rc.Text)
	}
	if st := r.drv.Status(); st.State != device.Warning || notice(st.Cause) != "打印纸即将用完" {
		t.Errorf("status %+v, want Warning", st)
	}
	if !r.drv.PrinterStatus().PaperNearEnd {
		t.Error("PrinterStatus lacks near end")
	}
}

func TestPrintToDeafPrinterFails(t *testing.T) {
	r := newRig(t, printersim.SimOptions{}, Options{PollInterval: time.Hour, StatusTimeout: 200 * time.Millisecond})
	r.sim.SetOffline(true)
	err := r.drv.Print(context.Background(), printertest.SampleCase())
	var nr *NotReadyError
	if !errors.As(err, &nr) || !nr.Timeout() || !errors.Is(err, ErrNoResponse) || notice(nr.Cause.Device()) != "打印机离线" {
		t.Fatalf("err = %v, want a NotReadyError timing out with 打印机离线", err)
	}
	if st := r.sim.Stats(); st.DataBytes != 0 || st.Receipts != 0 {
		t.Fatalf("driver sent data to a deaf printer: %+v", st)
	}
	if st := r.drv.Status(); st.State != device.Offline {
		t.Errorf("status %+v, want Offline", st)
	}
	if _, err := r.drv.Query(context.Background()); !errors.Is(err, ErrNoResponse) {
		t.Errorf("Query err = %v", err)
	}
	r.sim.SetOffline(false)
	if _, err := r.drv.Query(context.Background()); err != nil {
		t.Fatalf("Query after recovery: %v", err)
	}
	if st := r.drv.Status(); st.State != device.Online {
		t.Errorf("status %+v, want Online", st)
	}
}

func TestPrintWithoutConnection(t *testing.T) {
	d, err := New(Options{Port: "/dev/null-printer"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = d.Print(context.Background(), printertest.SampleCase())
	var nr *NotReadyError
	if !errors.Is(err, ErrOffline) || !errors.As(err, &nr) || notice(nr.Cause.Device()) != "打印机离线" {
		t.Fatalf("err = %v, want ErrOffline", err)
	}
	if _, err := d.Query(context.Background()); !errors.Is(err, ErrOffline) {
		t.Fatalf("Query err = %v", err)
	}
	if err := d.Session()(context.Background(), func(device.Status) {}); !errors.Is(err, serialport.ErrNoPort) {
		t.Fatalf("session on a missing port: %v", err)
	}
}

func TestPollReportsChanges(t *testing.T) {
	r := newRig(t, printersim.SimOptions{}, Options{})
	r.sim.SetPaper(printersim.PaperOut)
	waitFor(t, "Fault 打印机缺纸", func() bool { return r.rec.saw(device.Fault, "打印机缺纸") })
	r.sim.SetPaper(printersim.PaperOK)
	r.sim.SetCoverOpen(true)
	waitFor(t, "Fault 纸仓盖未关", func() bool { return r.rec.saw(device.Fault, "打印机纸仓盖未关") })
	r.sim.SetCoverOpen(false)
	waitFor(t, "Online again", func() bool { return r.drv.Status().State == device.Online })
	st := r.drv.Status()
	if st.Kind != device.Printer || st.Reason != "" || st.Since.IsZero() {
		t.Errorf("status %+v", st)
	}
}

func TestSessionEndsWhenPortCloses(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sim, pty, err := printersim.StartPty(ctx, printersim.SimOptions{}, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	_ = sim
	d, err := New(Options{Port: pty.SlavePath, PollInterval: 20 * time.Millisecond, StatusTimeout: 500 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	ended := make(chan error, 1)
	go func() { ended <- d.Session()(ctx, rec.report) }()
	waitFor(t, "online", func() bool { return d.Status().State == device.Online })
	pty.Close()
	select {
	case err := <-ended:
		if err == nil {
			t.Fatal("session ended without an error")
		}
		t.Logf("session ended: %v", err)
	case <-time.After(failAfter):
		t.Fatal("session did not end after the port closed")
	}
	if err := d.Print(context.Background(), printertest.SampleCase()); !errors.Is(err, ErrOffline) {
		t.Fatalf("Print after the session: %v", err)
	}
}

// A job that stops moving is dropped, reported, and never replayed.
func TestStalledJobIsDroppedNotReplayed(t *testing.T) {
	r := newRig(t, printersim.SimOptions{}, Options{PollInterval: 100 * time.Millisecond, WriteTimeout: 300 * time.Millisecond})
	var big receipt.Document
	for i := range 3000 {
		big.Blocks = append(big.Blocks, receipt.Block{Kind: receipt.Text, Text: fmt.Sprintf("第%04d行 长回执内容用于填满缓冲区", i)})
	}
	big.Blocks = append(big.Blocks, receipt.Block{Kind: receipt.Text, Text: "END-OF-JOB-1"})
	bigJob, err := escpos.EncodeReceipt(big, r.drv.Options().EncodeOptions())
	if err != nil {
		t.Fatal(err)
	}

	r.sim.Stall(12 + 1000) // the status queries, then a little of the job
	err = r.drv.Print(context.Background(), big)
	if !errors.Is(err, ErrWriteTimeout) || noticeOf(err) != "打印机故障" {
		t.Fatalf("err = %v, want ErrWriteTimeout", err)
	}
	if st := r.drv.Status(); st.State != device.Fault || st.Reason != CauseWriteTimeout.String() {
		t.Fatalf("status %+v, want Fault", st)
	}
	var nr *NotReadyError
	if err := r.drv.Print(context.Background(), printertest.SampleCase()); !errors.As(err, &nr) || nr.Cause != CauseWriteTimeout {
		t.Fatalf("print while stalled: %v", err)
	}

	r.sim.Resume()
	waitFor(t, "recovery after the stall", func() bool { return r.drv.Status().State == device.Online })
	if err := r.drv.Print(context.Background(), printertest.SampleCase()); err != nil {
		t.Fatal(err)
	}
	// The part of the dropped job the printer already took in comes out
	// above the second receipt, and may be long enough for the sim to tear
	// the paper: wait for the second job's last line.
	waitFor(t, "the second job's receipt", func() bool {
		rs := r.sim.Receipts()
		return len(rs) > 0 && strings.Contains(rs[len(rs)-1].Text, "请妥善保管本回执")
	})
	job2, _ := escpos.EncodeReceipt(printertest.SampleCase(), r.drv.Options().EncodeOptions())
	cases := 0
	for _, rc := range r.sim.Receipts() {
		if strings.Contains(rc.Text, "END-OF-JOB-1") {
			t.Fatal("the dropped job was printed to its end")
		}
		cases += strings.Count(rc.Text, "SC20261125000123")
	}
	if cases != 1 {
		t.Fatalf("case number printed %d times", cases)
	}
	t.Logf("dropped job: %d of %d bytes reached the printer", r.sim.Stats().DataBytes-int64(len(job2)), len(bigJob))
	if sent := r.sim.Stats().DataBytes - int64(len(job2)); sent >= int64(len(bigJob)) {
		t.Fatalf("%d bytes of the dropped %d-byte job reached the printer", sent, len(bigJob))
	}
}

func TestConcurrentPrintsAndPolls(t *testing.T) {
	r := newRig(t, printersim.SimOptions{}, Options{PollInterval: 5 * time.Millisecond})
	const n = 6
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			doc := receipt.Document{Blocks: []receipt.Block{
				{Kind: receipt.Row, Label: "办件编号", Text: fmt.Sprintf("JOB-%d", i)},
				{Kind: receipt.QR, Data: fmt.Sprintf("https://t/%d", i)},
			}}
			errs <- r.drv.Print(context.Background(), doc)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for range n {
		rc := r.receipt(t)
		if strings.Count(rc.Text, "JOB-") != 1 || len(rc.QR) != 1 {
			t.Fatalf("jobs interleaved:\n%s\nQR %q", rc.Text, rc.QR)
		}
		seen[rc.QR[0]] = true
	}
	if len(seen) != n {
		t.Fatalf("%d distinct receipts, want %d", len(seen), n)
	}
}

func TestPrintWaitsForPortWithContext(t *testing.T) {
	r := newRig(t, printersim.SimOptions{}, Options{PollInterval: time.Hour})
	c := r.drv.current()
	if err := c.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := r.drv.Print(ctx, printertest.SampleCase())
	c.release()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if r.sim.Stats().DataBytes != 0 {
		t.Fatal("data sent")
	}
}

func TestNewValidates(t *testing.T) {
	tests := []Options{
		{},
		{Port: "/dev/x", Paper: 76},
		{Port: "/dev/x", Baud: -1},
		{Port: "/dev/x", QRModuleSize: 40},
	}
	for _, o := range tests {
		if _, err := New(o, nil); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
	d, err := New(Options{Port: "/dev/x"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := d.Options()
	if o.Baud != 115200 || o.PollInterval != 10*time.Second || o.WriteTimeout != 5*time.Second || o.StatusTimeout != time.Second ||
		o.Paper != escpos.Paper58 || o.QRModuleSize != 6 || o.QRECLevel != escpos.ECLevelM {
		t.Errorf("defaults %+v", o)
	}
	if d.Status().State != device.Starting {
		t.Errorf("initial status %v", d.Status())
	}
}

func TestCauseOf(t *testing.T) {
	tests := []struct {
		err   error
		cause device.Cause
		want  string
	}{
		{nil, device.NoCause, ""},
		{notReady(CausePaperEnd, Status{}, ErrNotReady), device.PaperOut, "打印机缺纸"},
		{fmt.Errorf("wrapped: %w", notReady(CauseCoverOpen, Status{}, ErrNotReady)), device.CoverOpen, "打印机纸仓盖未关"},
		{fmt.Errorf("printer: print: %w", ErrWriteTimeout), device.WriteTimeout, "打印机故障"},
		{errors.New("boom"), device.PrintFailed, "打印失败"},
	}
	for _, tt := range tests {
		if got := CauseOf(tt.err); got != tt.cause || noticeOf(tt.err) != tt.want {
			t.Errorf("CauseOf(%v) = %v (%q), want %v (%q)", tt.err, got, noticeOf(tt.err), tt.cause, tt.want)
		}
	}
}
