// Command kiosk is the service-hall kiosk app: it loads the hall profile,
// wires the devices, the outbox, the platform client and the session core,
// and opens the full-screen citizen UI. With --sim it first starts every
// device simulator on pseudo-terminals and the platform simulator on
// loopback, and shows a simulator control panel beside the kiosk in the
// same window.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"sckiosk/assets/fonts"
	"sckiosk/devices/printer/escpos"
	"sckiosk/devices/printer/printersim"
	"sckiosk/devices/printer/render"
	"sckiosk/internal/xdisplay"
	"sckiosk/kiosk/adapters/privacy"
	"sckiosk/kiosk/adapters/profile"
	"sckiosk/kiosk/adapters/speech"
	"sckiosk/kiosk/adapters/watchdog"
	"sckiosk/kiosk/assembly/simrig"
	"sckiosk/kiosk/assembly/wire"
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/receipt"
	"sckiosk/kiosk/core/session"
	"sckiosk/kiosk/core/technician"
	"sckiosk/kiosk/fleet/agent"
	"sckiosk/ui"

	// Sets the locale before Fyne's lang package reads it (its doc says how).
	_ "sckiosk/internal/locale"
)

func main() {
	code := run(os.Args[1:], os.Stderr)
	os.Exit(code)
}

// Exit codes besides 0 (a normal quit) and 1 (any other failure).
const (
	exitBadInput  = 2 // bad flags or a broken profile: systemd restarts, the same error follows
	exitDesktop   = 3 // a technician leaves to the desktop: not restarted (RestartPreventExitStatus=3)
	exitReload    = 4 // a technician or the fleet reloads the profile: restarted
	exitNoDisplay = 5 // no X display (Xorg not up yet, or gone): restarted
)

// run returns the exit code: 0 on a normal quit, 2 on bad flags or a broken
// profile, 3 or 4 when a technician leaves or reloads, 5 when there is no
// display to open, 1 on any other failure.
func run(args []string, stderr io.Writer) int {
	started := time.Now()
	opts, err := parseOptions(args, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "kiosk:", err)
		return exitBadInput
	}
	stopCPU := func() {}
	if opts.pprof != "" {
		if stopCPU, err = startCPUProfile(opts.pprof); err != nil {
			fmt.Fprintln(stderr, "kiosk:", err)
			return exitBadInput
		}
		defer stopCPU()
	}
	// Every log line passes the masking handler: a careless log call
	// cannot leak an identity number.
	tail := privacy.NewTail(50, slog.LevelInfo) // for the technician screen
	log := slog.New(privacy.NewHandler(privacy.Fanout{slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}), tail}))
	if opts.shots != "" {
		if !displayUsable(stderr) {
			return exitNoDisplay
		}
		return screenshots(opts, stderr)
	}
	prof, layers, err := loadProfile(opts, log)
	if err != nil {
		fmt.Fprintln(stderr, "kiosk:", err)
		if opts.errorWindow && xdisplay.Check(os.Getenv("DISPLAY"), displayTimeout) == nil {
			showProfileError(err)
		}
		return exitBadInput
	}
	// Before the simulators, the platform client and Fyne start: without a
	// display, GLFW would panic with a stack trace.
	if !displayUsable(stderr) {
		return exitNoDisplay
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var rig *simrig.Rig
	if opts.sim {
		dir := opts.simDir
		if dir == "" {
			base, err := os.MkdirTemp("", "kiosk-sim-")
			if err != nil {
				fmt.Fprintln(stderr, "kiosk:", err)
				return 1
			}
			defer os.RemoveAll(base)
			dir = base
		}
		paper := escpos.Paper80
		if prof.Devices.Printer.PaperWidth == 58 {
			paper = escpos.Paper58
		}
		rig, err = simrig.Start(ctx, filepath.Join(dir, "dev"), paper, log)
		if err != nil {
			fmt.Fprintln(stderr, "kiosk:", err)
			return 1
		}
		defer rig.Close()
		prof = rig.Profile(prof)
		prof.DataDir = filepath.Join(dir, "data")
		if prof.Technician.PINHash == "" { // the documented demo PIN, on the simulated rig only
			if h, err := technician.HashPIN(simPIN, rand.Reader); err == nil {
				prof.Technician.PINHash = h
				log.Info("technician mode on the simulated rig takes the demo PIN (README)")
			}
		}
		log.Info("simulators running", "ports", rig.Dir, "sichuan", rig.URL["51"], "chongqing", rig.URL["50"])
	}

	// A technician leaving the kiosk: exit code 3 (to the desktop; the
	// systemd unit does not restart on it) or 4 (reload: restarted, so the
	// profile is read again).
	var exitCode atomic.Int32
	quit := make(chan struct{}, 1)
	leave := func(reason string) {
		exitCode.Store(exitDesktop)
		if reason == session.TechReload {
			exitCode.Store(exitReload)
		}
		log.Info("technician leaves the kiosk", "reason", reason)
		select {
		case quit <- struct{}{}:
		default:
		}
	}
	k, err := wire.Build(prof, catalog.Builtin(), log, wire.Options{Speaker: speech.New(log), Quit: leave, LogTail: tail.Lines,
		Version: ui.Version(), ProfilePaths: layers})
	if err != nil {
		fmt.Fprintln(stderr, "kiosk:", err)
		return 1
	}
	landscape := prof.UI.Orientation == "landscape" || opts.landscape
	switch {
	case opts.scale > 0:
		os.Setenv("FYNE_SCALE", strconv.FormatFloat(opts.scale, 'f', -1, 64))
	case os.Getenv("FYNE_SCALE") != "":
	case rig != nil:
		// The kiosk and its simulator panel side by side, scaled so
		// both fit the screen whole, full screen or not.
		os.Setenv("FYNE_SCALE", strconv.FormatFloat(simScale(landscape, log), 'f', -1, 64))
	case !opts.fullscreen:
		os.Setenv("FYNE_SCALE", "0.5") // a 1080×1920 kiosk on a desktop screen
	}
	a := app.NewWithID("cn.gov.sc.kiosk")
	// systemd's watchdog is pinged from the UI loop, so a frozen UI is
	// restarted, not only a dead process.
	wd := watchdog.New(watchdog.Options{Do: fyne.Do, Log: log})
	var onStarted []func() // run on the UI goroutine once the kiosk window is shown
	a.Lifecycle().SetOnStarted(func() {
		log.Info("ui started", "since_exec_ms", time.Since(started).Milliseconds())
		for _, f := range onStarted {
			f()
		}
		if opts.pprof != "" {
			go func() {
				time.Sleep(3 * time.Second)
				stopCPU()
				if err := writeHeapProfile(opts.pprof); err != nil {
					log.Error("heap profile", "err", err)
				}
			}()
		}
		go func() {
			if err := wd.Run(ctx); err != nil {
				log.Error("systemd watchdog", "err", err)
			}
		}()
	})
	a.Settings().SetTheme(ui.NewTheme())
	// Parsing the 16 MB CJK font takes about 0.3 s: done on another core
	// while the main thread creates the GL window, not before it.
	fontsReady := make(chan struct{})
	go func() {
		ui.WarmFonts()
		// Fyne keeps its own copy of the tables it parsed: the face's
		// 16 MB in the binary's mapping need not stay resident.
		if err := fonts.Release(); err != nil {
			log.Warn("font pages stay resident", "err", err)
		}
		close(fontsReady)
	}()
	w, err := newWindow(a, "政务服务自助终端")
	if err != nil {
		fmt.Fprintln(stderr, noDisplayLine(os.Getenv("DISPLAY"), err))
		return exitNoDisplay
	}
	screen := ui.NewKiosk(k.Runtime.Send)
	screen.Version = ui.Version()
	// The on-screen receipt needs the printer's renderer, which parses the
	// 16 MB CJK font: made on first use, not before the first frame.
	opt := escpos.EncodeOptions{Paper: escpos.Paper80}
	if k.Printer != nil {
		opt = k.Printer.Options().EncodeOptions()
	}
	var rendOnce sync.Once
	var rend *render.Renderer
	var rendErr error
	screen.RenderReceipt = func(d receipt.Document) (image.Image, error) {
		rendOnce.Do(func() { rend, rendErr = render.New() })
		if rendErr != nil {
			return nil, rendErr
		}
		return rend.RenderDocument(d, opt)
	}
	size := ui.Portrait
	if landscape {
		screen.Landscape = true
		size = ui.Landscape
	}
	var simWin *ui.SimWindow // --sim: the kiosk and the simulator panel in one window
	if rig != nil {
		simWin = ui.NewSimWindow(screen.Content(), size)
		w.SetContent(simWin.Content())
		w.Resize(simWin.Size())
	} else {
		w.SetContent(screen.Content())
		w.Resize(size)
	}
	w.SetFullScreen(opts.fullscreen)
	w.SetMaster()
	// The screens are drawn once the window is up and the font parsed;
	// until then the window shows the theme's background.
	onStarted = append([]func(){func() {
		<-fontsReady
		k.Runtime.Subscribe(func(s session.State) { fyne.Do(func() { screen.Show(s) }) })
		log.Info("first screen drawn", "since_exec_ms", time.Since(started).Milliseconds())
		// Start-up garbage (font tables copied while parsing, the pinyin
		// dictionary's source text) is returned to the system at once
		// instead of by the scavenger over minutes.
		time.AfterFunc(5*time.Second, debug.FreeOSMemory)
	}}, onStarted...)
	go func() {
		dict, err := ui.LoadDict()
		if err != nil {
			log.Error("pinyin keyboard unavailable", "err", err)
			return
		}
		fyne.Do(func() { screen.SetDict(dict) })
	}()

	if rig != nil {
		// The control panel sits to the right of the kiosk in its window
		// (without a window manager a second window would cover the
		// kiosk); it is built once the kiosk's window is up, so it does
		// not delay the kiosk's first frame.
		onStarted = append(onStarted, func() {
			panel := ui.NewSimPanel(rig)
			simWin.SetPanel(panel)
			rig.OnReceipt(func(rc printersim.Receipt) { fyne.Do(func() { panel.ShowReceipt(rc.Image) }) })
		})
	}

	done := make(chan struct{})
	go func() {
		k.Run(ctx)
		close(done)
	}()
	go func() {
		select {
		case <-ctx.Done():
		case <-quit:
		}
		fyne.Do(a.Quit)
	}()
	w.ShowAndRun()
	stop()
	<-done
	return int(exitCode.Load())
}

// loadProfile loads the layers given, and the fleet's pushed layer last
// when the fleet has written one. A pushed layer that makes the profile
// unloadable is rolled back at once. It returns the layers in force.
func loadProfile(o options, log *slog.Logger) (profile.Profile, []string, error) {
	if len(o.profiles) == 0 {
		return profile.Default(), nil, nil
	}
	p, err := profile.LoadLayers(o.profiles...)
	if err != nil {
		// One line on stderr, every problem in it.
		return p, nil, errors.New(strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	layers := agent.Layers(p, o.profiles)
	if len(layers) == len(o.profiles) {
		return p, layers, nil
	}
	full, err := profile.LoadLayers(layers...)
	if err != nil {
		log.Error("the fleet's pushed profile does not load; rolling back", "err", strings.ReplaceAll(err.Error(), "\n", "; "))
		agent.RollBackUnloadable(p)
		layers = agent.Layers(p, o.profiles)
		if full, err = profile.LoadLayers(layers...); err != nil {
			return p, o.profiles, nil
		}
	}
	return full, layers, nil
}

// simPIN is the technician PIN of a kiosk started with --sim and no PIN
// hash in its profile (README): simulated devices, loopback platforms and
// a temporary data directory, so it opens nothing real. A profile for a
// real kiosk has its own hash or none.
const simPIN = "2468"

// simScale is the scale at which the --sim window (the kiosk and the
// simulator panel side by side) fits the X screen whole: 0.5 when the
// screen's size cannot be read, which fits a 1920×1080 monitor.
func simScale(landscape bool, log *slog.Logger) float64 {
	w, h, err := xdisplay.ScreenSize(os.Getenv("DISPLAY"), displayTimeout)
	if err != nil {
		log.Info("screen size unknown; the simulator window is drawn at half size", "err", err)
		return 0.5
	}
	return fitScale(w, h, landscape)
}

// fitScale is the largest scale, in tenths (Fyne rounds a scale to one
// decimal) and at most 1, at which a --sim window fits a w×h-pixel
// screen.
func fitScale(w, h int, landscape bool) float64 {
	size := ui.Portrait
	if landscape {
		size = ui.Landscape
	}
	s := min(float64(w)/float64(size.Width+ui.SimPanelWidth), float64(h)/float64(size.Height), 1)
	return max(math.Floor(s*10+1e-9)/10, 0.1)
}
