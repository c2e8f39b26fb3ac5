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
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

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

	ptys    []*serialport.Pty
	servers []*http.Server
	netDown atomic.Bool
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	log     *slog.Logger

	mu          sync.Mutex
	lastReceipt printersim.Receipt
	onReceipt   []func(printersim.Receipt)
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

	scPty, err := serialport.NewPty()
	if err != nil {
		return fmt.Errorf("simrig: scanner: %w", err)
	}
	r.Scanner, r.ptys = scannersim.NewSim(scPty.Master), append(r.ptys, scPty)
	// A scanner only talks; drain whatever the driver sends it.
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		buf := make([]byte, 256)
		for {
			if _, err := scPty.Master.Read(buf); err != nil {
				return
			}
		}
	}()

	for i, name := range []string{"idcard", "printer", "scanner"} {
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

// Close stops every simulator and removes the links.
func (r *Rig) Close() {
	r.cancel()
	for _, s := range r.servers {
		s.Close()
	}
	for _, p := range r.ptys {
		p.Close()
	}
	r.wg.Wait()
}
