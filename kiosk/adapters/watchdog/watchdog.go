// Package watchdog tells systemd that the kiosk is ready and keeps its
// watchdog fed from the UI loop, so that a frozen UI is killed and
// restarted by systemd, not only a dead process (kiosk.service has
// Type=notify, WatchdogSec=30, Restart=always).
//
// Every half watchdog interval a goroutine posts a callback to the UI loop
// (fyne.Do) and pings systemd (WATCHDOG=1) only when the callback posted
// the time before has actually run. READY=1 is sent once the UI loop has
// run its first callback, which is after the first frame is shown when Run
// is started from the app's OnStarted hook.
package watchdog

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// Notifier sends one state ("READY=1", "WATCHDOG=1", "STOPPING=1") to the
// service manager. It reports false, with no error, when the process does
// not run under systemd.
type Notifier func(state string) (sent bool, err error)

// Systemd is the Notifier that writes to systemd's NOTIFY_SOCKET.
func Systemd(state string) (bool, error) { return daemon.SdNotify(false, state) }

// Interval returns the watchdog interval systemd asked for (WATCHDOG_USEC),
// or 0 when the service has no watchdog or the process is not the one
// systemd watches (WATCHDOG_PID; the kiosk session unsets it because the
// app runs under xinit with NotifyAccess=all).
func Interval() (time.Duration, error) {
	d, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		return 0, fmt.Errorf("watchdog interval: %w", err)
	}
	return d, nil
}

// Options configure a Watchdog.
type Options struct {
	// Do runs a function on the UI loop without waiting for it: fyne.Do.
	Do func(func())
	// Notify sends states to systemd; nil means Systemd.
	Notify Notifier
	// Interval is the watchdog interval (WatchdogSec); 0 reads it with
	// Interval. With no interval only READY=1 and STOPPING=1 are sent.
	Interval time.Duration
	// Log receives a warning for each missed ping; nil discards.
	Log *slog.Logger
}

// Watchdog feeds systemd's watchdog from the UI loop. Create it with New.
type Watchdog struct {
	do       func(func())
	notify   Notifier
	interval time.Duration
	log      *slog.Logger
	alive    chan struct{} // one token: the UI loop ran the last posted callback
	ticker   func(time.Duration) (<-chan time.Time, func())
}

// New returns a Watchdog; Options.Do is required.
func New(o Options) *Watchdog {
	w := &Watchdog{
		do: o.Do, notify: o.Notify, interval: o.Interval, log: o.Log,
		alive: make(chan struct{}, 1),
		ticker: func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(d)
			return t.C, t.Stop
		},
	}
	if w.notify == nil {
		w.notify = Systemd
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	return w
}

// Run waits until the UI loop runs a first callback and sends READY=1,
// then pings the watchdog every half interval for as long as the UI loop
// keeps running the callbacks it is given, until ctx is done, when it
// sends STOPPING=1. Call it in its own goroutine once the window is shown
// (from the app's OnStarted hook).
func (w *Watchdog) Run(ctx context.Context) error {
	if w.do == nil {
		return fmt.Errorf("watchdog: Options.Do is required")
	}
	interval := w.interval
	if interval == 0 {
		d, err := Interval()
		if err != nil {
			return err
		}
		interval = d
	}
	w.post()
	select {
	case <-ctx.Done():
		return nil
	case <-w.alive:
	}
	if _, err := w.notify("READY=1"); err != nil {
		return fmt.Errorf("watchdog: notify READY=1: %w", err)
	}
	defer w.notify("STOPPING=1") //nolint:errcheck // best effort on the way out
	if interval <= 0 {
		<-ctx.Done()
		return nil
	}
	ticks, stop := w.ticker(interval / 2)
	defer stop()
	w.post()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticks:
			w.tick()
		}
	}
}

// tick pings systemd when the UI loop ran the last posted callback, and
// posts the next one.
func (w *Watchdog) tick() {
	select {
	case <-w.alive:
		if _, err := w.notify("WATCHDOG=1"); err != nil {
			w.log.Warn("watchdog ping failed", "err", err)
		}
	default:
		w.log.Warn("UI loop did not answer since the last watchdog ping; not pinging")
	}
	w.post()
}

// post asks the UI loop to mark itself alive.
func (w *Watchdog) post() {
	w.do(func() {
		select {
		case w.alive <- struct{}{}:
		default: // already marked
		}
	})
}
