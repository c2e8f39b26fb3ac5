// Package simrig starts every simulator a kiosk needs on one machine: the
// ID-card reader, the QR scanner and the receipt printer on pseudo-
// terminals, and the Sichuan and Chongqing platforms on loopback HTTP. The
// kiosk talks to them exactly as to real hardware and a real platform.
// `kiosk --sim`, the technician CLI and the end-to-end tests use it.
package simrig

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"

	"sckiosk/devices/idcard"
	"sckiosk/devices/idcard/idcardsim"
	"sckiosk/devices/printer/escpos"
	"sckiosk/devices/printer/printersim"
	"sckiosk/devices/scanner/scannersim"
	"sckiosk/devices/serialport"
	"sckiosk/kiosk/adapters/platform/platformsim"
	"sckiosk/kiosk/adapters/profile"
	"sckiosk/kiosk/core/application"
)

// Rig is a running set of simulators.
type Rig struct {
	Dir      string // holds the stable port links (idcard, scanner, printer) and the camera directory
	IDCard   *idcardsim.Sim
	Scanner  *scannersim.Sim
	Printer  *printersim.Sim
	Platform map[string]*platformsim.Sim // by province code
	URL      map[string]string           // platform base URL by province code

	ptys    []*serialport.Pty // the reader's and the printer's
	servers []*http.Server
	netDown atomic.Bool
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	log     *slog.Logger

	mu          sync.Mutex
	lastReceipt printersim.Receipt
	onReceipt   []func(printersim.Receipt)
	scanPty     *serialport.Pty // nil while the scanner is unplugged
	scanLine    *switchLine     // where the scanner simulator writes
	scanStop    *atomic.Bool    // tells the current drain to end
	scanDone    chan struct{}   // closed when it has
	closed      bool
}

// switchLine is the scanner's end of the line: the master of its current
// pty, or nothing while it is unplugged (writes then fail).
type switchLine struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *switchLine) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w == nil {
		return 0, errors.New("simrig: the scanner is unplugged")
	}
	return l.w.Write(b)
}

func (l *switchLine) set(w io.Writer) {
	l.mu.Lock()
	l.w = w
	l.mu.Unlock()
}

// Start starts the simulators; links to the ports are made in dir.
func Start(ctx context.Context, dir string, paper escpos.Paper, log *slog.Logger) (*Rig, error) {
	ctx, cancel := context.WithCancel(ctx)
	r := &Rig{Dir: dir, Platform: map[string]*platformsim.Sim{}, URL: map[string]string{}, cancel: cancel, log: log}
	if err := r.start(ctx, paper); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func (r *Rig) start(ctx context.Context, paper escpos.Paper) error {
	if err := os.MkdirAll(filepath.Join(r.Dir, "camera"), 0o755); err != nil {
		return fmt.Errorf("simrig: %w", err)
	}
	idSim, idPty, err := idcardsim.StartPty(ctx, r.log.With("sim", "idcard"))
	if err != nil {
		return fmt.Errorf("simrig: idcard: %w", err)
	}
	r.IDCard, r.ptys = idSim, append(r.ptys, idPty)

	prSim, prPty, err := printersim.StartPty(ctx, printersim.SimOptions{Paper: paper}, r.log.With("sim", "printer"))
	if err != nil {
		return fmt.Errorf("simrig: printer: %w", err)
	}
	r.Printer, r.ptys = prSim, append(r.ptys, prPty)
	prSim.OnReceipt(func(rc printersim.Receipt) {
		r.mu.Lock()
		r.lastReceipt = rc
		subs := append([]func(printersim.Receipt){}, r.onReceipt...)
		r.mu.Unlock()
		for _, f := range subs {
			f(rc)
		}
	})

	r.scanLine = &switchLine{}
	r.Scanner = scannersim.NewSim(r.scanLine)
	if err := r.plugScanner(); err != nil {
		return err
	}
	for i, name := range []string{"idcard", "printer"} {
		if err := r.ptys[i].LinkAt(filepath.Join(r.Dir, name)); err != nil {
			return fmt.Errorf("simrig: %w", err)
		}
	}
	for _, prov := range []string{application.Sichuan, application.Chongqing} {
		sim := platformsim.New(prov, r.log.With("sim", "platform-"+prov))
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("simrig: platform %s: %w", prov, err)
		}
		srv := &http.Server{Handler: r.cuttable(sim)}
		r.servers = append(r.servers, srv)
		r.Platform[prov] = sim
		r.URL[prov] = "http://" + ln.Addr().String()
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				r.log.Error("platform simulator stopped", "err", err)
			}
		}()
	}
	return nil
}

// cuttable drops connections without an answer while the network is "cut",
// as a dead uplink would, rather than answering with an HTTP error.
func (r *Rig) cuttable(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if r.netDown.Load() {
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			http.Error(w, "network down", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, req)
	})
}

// Profile returns base with the simulators' ports and URLs filled in.
func (r *Rig) Profile(base profile.Profile) profile.Profile {
	p := base
	p.Devices.IDCard.Port = filepath.Join(r.Dir, "idcard")
	p.Devices.Scanner.Port = filepath.Join(r.Dir, "scanner")
	p.Devices.Printer.Port = filepath.Join(r.Dir, "printer")
	p.Devices.Camera = profile.Camera{Driver: "dir", Device: r.CameraDir()}
	p.Platform = maps.Clone(base.Platform) // base's map stays as it was
	if p.Platform == nil {
		p.Platform = profile.Platforms{}
	}
	for _, prov := range []string{application.Sichuan, application.Chongqing} {
		ep := p.Platform[prov]
		ep.URL = r.URL[prov]
		p.Platform[prov] = ep
	}
	return p
}

// OnReceipt registers f to receive every receipt the printer cuts.
func (r *Rig) OnReceipt(f func(printersim.Receipt)) {
	r.mu.Lock()
	r.onReceipt = append(r.onReceipt, f)
	r.mu.Unlock()
}

// LastReceipt is the last receipt the printer simulator cut.
func (r *Rig) LastReceipt() printersim.Receipt {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastReceipt
}

// PlaceCard puts the sample resident card on the reader.
func (r *Rig) PlaceCard() error { return r.IDCard.Place(idcard.SampleCard()) }

// Sample card kinds PlaceCardOf knows.
const (
	CardResident = "resident" // the sample 居民身份证
	CardExpired  = "expired"  // a 居民身份证 whose validity ended in 2020
	CardForeign  = "foreign"  // a 2023 外国人永久居留身份证
	CardHMT      = "hmt"      // a 港澳台居民居住证
)

// PlaceCardOf puts a sample card of kind (one of the Card… constants) on
// the reader.
func (r *Rig) PlaceCardOf(kind string) error {
	var c idcard.Card
	switch kind {
	case CardResident:
		c = idcard.SampleCard()
	case CardExpired:
		c = idcard.SampleCard()
		c.ValidFrom, c.ValidTo = "20100101", "20200101"
	case CardForeign:
		c = idcard.SampleCardOf(idcard.CardForeign2023)
	case CardHMT:
		c = idcard.SampleCardOf(idcard.CardHMTPermit)
	default:
		return fmt.Errorf("simrig: no sample card of kind %q", kind)
	}
	return r.IDCard.Place(c)
}

// ShowReceiptCode presents to the scanner the QR code of the last receipt
// the printer simulator cut, as a citizen who comes back to ask about the
// case would.
func (r *Rig) ShowReceiptCode() error {
	rc := r.LastReceipt()
	if len(rc.QR) == 0 {
		return errors.New("simrig: no receipt with a QR code printed yet")
	}
	return r.Scanner.Show(rc.QR[0])
}

// RemoveCard takes the card away.
func (r *Rig) RemoveCard() error { r.IDCard.Remove(); return nil }

// SetPaperOut empties or refills the printer.
func (r *Rig) SetPaperOut(out bool) {
	if out {
		r.Printer.SetPaper(printersim.PaperOut)
	} else {
		r.Printer.SetPaper(printersim.PaperOK)
	}
}

// SetNetworkDown cuts or restores the network to both platforms.
func (r *Rig) SetNetworkDown(down bool) { r.netDown.Store(down) }

// plugScanner gives the scanner simulator a new pty, linked where the
// profile names the scanner's port, and drains what the driver sends it
// (a scanner only talks).
func (r *Rig) plugScanner() error {
	p, err := serialport.NewPty()
	if err != nil {
		return fmt.Errorf("simrig: scanner: %w", err)
	}
	if err := p.LinkAt(filepath.Join(r.Dir, "scanner")); err != nil {
		p.Close()
		return fmt.Errorf("simrig: %w", err)
	}
	stop, done := &atomic.Bool{}, make(chan struct{})
	r.scanPty, r.scanStop, r.scanDone = p, stop, done
	r.scanLine.set(p.Master)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer close(done)
		buf := make([]byte, 256)
		for !stop.Load() {
			if _, err := p.Master.Read(buf); err != nil {
				return
			}
		}
	}()
	return nil
}

// unplugScanner closes the scanner's pty. The drain's read on the master
// is a blocking one (the pty library made the descriptor blocking), which
// a Close would wait for: it is woken with a byte from the slave side
// first, so the port really goes away and the driver's reads fail.
func (r *Rig) unplugScanner() error {
	p := r.scanPty
	r.scanLine.set(nil)
	r.scanStop.Store(true)
	if w, err := os.OpenFile(p.SlavePath, os.O_WRONLY|syscall.O_NOCTTY, 0); err == nil {
		_, _ = w.Write([]byte{0})
		w.Close()
		<-r.scanDone
	}
	r.scanPty = nil
	if err := p.Close(); err != nil {
		return fmt.Errorf("simrig: unplug the scanner: %w", err)
	}
	return nil
}

// SetScannerUnplugged pulls the scanner's cable out (its port goes away:
// the driver's reads fail and the port cannot be opened again) or plugs
// it back in (a new port at the same name, found by the supervisor).
func (r *Rig) SetScannerUnplugged(out bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.closed:
		return errors.New("simrig: closed")
	case out && r.scanPty != nil:
		return r.unplugScanner()
	case !out && r.scanPty == nil:
		return r.plugScanner()
	}
	return nil
}

// SetReaderFault makes the ID-card reader's SAM fail, or recover.
func (r *Rig) SetReaderFault(fail bool) { r.IDCard.SetSAMFailure(fail) }

// Close stops every simulator and removes the links.
func (r *Rig) Close() {
	r.cancel()
	for _, s := range r.servers {
		s.Close()
	}
	for _, p := range r.ptys {
		p.Close()
	}
	r.mu.Lock()
	r.closed = true
	if r.scanPty != nil {
		_ = r.unplugScanner()
	}
	r.mu.Unlock()
	r.wg.Wait()
}
