package printer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"sckiosk/devices/device"
	"sckiosk/devices/printer/escpos"
	"sckiosk/devices/serialport"
	"sckiosk/devices/supervise"
	"sckiosk/kiosk/core/receipt"
)

// Errors of Print and Query. A refused job is a *NotReadyError, which also
// matches ErrNotReady and the specific cause (ErrOffline, ErrNoResponse,
// ErrWriteTimeout).
var (
	// ErrNotReady: the printer is not ready and the job was not sent.
	ErrNotReady = errors.New("printer not ready")
	// ErrOffline: the driver has no open port (no session, or it ended).
	ErrOffline = errors.New("printer not connected")
	// ErrNoResponse: the printer did not answer DLE EOT within StatusTimeout.
	ErrNoResponse = errors.New("printer did not answer status query")
	// ErrWriteTimeout: a job stopped moving for WriteTimeout. The job is
	// dropped, never replayed, and the printer is faulty until its line
	// moves again.
	ErrWriteTimeout = errors.New("print job write timed out")
)

// NotReadyError is returned by Print when it refused a job: nothing was
// sent to the printer.
type NotReadyError struct {
	Cause  Cause
	Status Status // the printer's answer; zero when it gave none
	Err    error  // ErrNotReady, ErrOffline, ErrNoResponse or ErrWriteTimeout
}

// Error implements error.
func (e *NotReadyError) Error() string {
	return "printer: not ready: " + e.Cause.String()
}

// Unwrap lets errors.Is match ErrNotReady and the specific error.
func (e *NotReadyError) Unwrap() []error {
	if e.Err == nil || e.Err == ErrNotReady {
		return []error{ErrNotReady}
	}
	return []error{ErrNotReady, e.Err}
}

// Timeout reports whether the printer failed to answer in time.
func (e *NotReadyError) Timeout() bool {
	return e.Cause == CauseNoResponse || e.Cause == CauseWriteTimeout
}

func notReady(c Cause, st Status, err error) *NotReadyError {
	return &NotReadyError{Cause: c, Status: st, Err: err}
}

// CauseOf returns the cause to tell people for an error from Print: the
// printer's cause for a refused or stalled job, device.PrintFailed for any
// other error, device.NoCause for nil.
func CauseOf(err error) device.Cause {
	var nr *NotReadyError
	switch {
	case err == nil:
		return device.NoCause
	case errors.As(err, &nr):
		return nr.Cause.Device()
	case errors.Is(err, ErrWriteTimeout):
		return CauseWriteTimeout.Device()
	}
	return device.PrintFailed
}

// Options configure a Driver. Zero fields take the defaults shown.
type Options struct {
	Port string // device path, e.g. /dev/ttyUSB0 or a pty link; required
	// Baud is the line rate, default 115200. A USB-CDC printer ignores
	// it; an RS-232 printer must be set (DIP switches) to the same rate.
	Baud         int
	Paper        escpos.Paper   // default Paper58
	QRMode       escpos.QRMode  // default QRNative; QRRaster for printers without GS ( k
	QRModuleSize int            // dots per QR module, default 6 (shrunk to fit the paper)
	QRECLevel    escpos.ECLevel // default ECLevelM
	// PollInterval is the status poll period while idle, default 10 s.
	PollInterval time.Duration
	// WriteTimeout is the longest a job may go without progress (one
	// 512-byte chunk written), default 5 s. Past it the job is dropped and
	// the printer reported faulty.
	WriteTimeout time.Duration
	// StatusTimeout bounds the wait for each DLE EOT reply, default 1 s.
	StatusTimeout time.Duration
	// ASB turns on automatic status back (GS a) when the session opens
	// the port: the printer then reports every change of its online,
	// error and paper state at once, between polls. The print guard still
	// queries DLE EOT before every job.
	ASB bool
}

// Driver runs an ESC/POS receipt printer on a serial line. Its Session
// (under supervise.Run) owns the port and polls status; Print may be
// called from any goroutine.
type Driver struct {
	opts Options
	enc  escpos.EncodeOptions
	log  *slog.Logger

	reportMu sync.Mutex // serialises status changes and their reports

	mu      sync.Mutex
	conn    *conn
	status  device.Status
	printer Status
}

// New returns a driver for opts; it opens nothing until its Session runs.
// A nil log discards.
func New(opts Options, log *slog.Logger) (*Driver, error) {
	if opts.Port == "" {
		return nil, errors.New("printer: no port configured")
	}
	if opts.Baud == 0 {
		opts.Baud = 115200
	}
	if opts.Baud < 0 {
		return nil, fmt.Errorf("printer: invalid baud rate %d", opts.Baud)
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 10 * time.Second
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 5 * time.Second
	}
	if opts.StatusTimeout <= 0 {
		opts.StatusTimeout = time.Second
	}
	enc, err := opts.EncodeOptions().WithDefaults()
	if err != nil {
		return nil, err
	}
	opts.Paper, opts.QRMode, opts.QRModuleSize, opts.QRECLevel = enc.Paper, enc.QRMode, enc.QRModuleSize, enc.QRECLevel
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Driver{opts: opts, enc: enc, log: log.With("device", DeviceName, "port", opts.Port)}
	d.status = deviceStatus(CauseDisconnected)
	d.status.State = device.Starting
	d.status.Since = time.Now()
	return d, nil
}

// Options returns the options in force, defaults filled in.
func (d *Driver) Options() Options { return d.opts }

// EncodeOptions returns the layout part of o.
func (o Options) EncodeOptions() escpos.EncodeOptions {
	return escpos.EncodeOptions{Paper: o.Paper, QRMode: o.QRMode, QRModuleSize: o.QRModuleSize, QRECLevel: o.QRECLevel}
}

// Status returns the last status the driver reported.
func (d *Driver) Status() device.Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.status
}

// PrinterStatus returns the last DLE EOT status the printer answered in
// this session (the zero Status, which is not ready, before any answer).
func (d *Driver) PrinterStatus() Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.printer
}

// Session returns the device session for supervise.Run: it opens the
// port, reads the status and reports it, then polls every PollInterval
// while idle and reports changes. A port I/O error ends the session (the
// supervisor reopens the port); so does ctx.
func (d *Driver) Session() supervise.Session { return d.session }

func (d *Driver) session(ctx context.Context, report func(device.Status)) error {
	port, err := serialport.Open(d.opts.Port, d.opts.Baud)
	if err != nil {
		return fmt.Errorf("printer: %w", err)
	}
	c := newConn(port, report)
	d.mu.Lock()
	d.conn = c
	d.printer = Status{}
	d.mu.Unlock()
	defer d.closeConn(c)
	go c.readLoop(func(st Status) {
		d.log.Debug("automatic status back", "cause", st.Cause().String())
		if c.stalled.Load() {
			return // the stuck job decides the status until its write ends
		}
		d.setStatus(c, deviceStatus(st.Cause()), func() bool {
			d.printer = st
			c.asbSeq.Add(1)
			return true
		})
	}, d.log)
	d.log.Info("printer port open", "baud", d.opts.Baud, "asb", d.opts.ASB)

	if err := c.acquire(ctx); err != nil {
		return nil // ctx ended before the first poll
	}
	if d.opts.ASB {
		if _, err := c.port.Write(ASBEnable(asbDefaults)); err != nil {
			c.release()
			return fmt.Errorf("printer: enable automatic status back: %w", err)
		}
	}
	if err := d.poll(c); err != nil {
		return err
	}
	tick := time.NewTicker(d.opts.PollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-c.failed:
			return err
		case <-tick.C:
		case <-c.kick:
		}
		if c.stalled.Load() || !c.tryAcquire() {
			continue // a job holds the port; it reads the status itself
		}
		if err := d.poll(c); err != nil {
			return err
		}
	}
}

// poll reads the status once, releases the port token the caller holds,
// and reports the status; an error is a port failure. With ASB on, a
// printer that answers again after a silence (power cycled, which clears
// GS a) gets GS a again.
func (d *Driver) poll(c *conn) error {
	seq := c.asbSeq.Load()
	st, ok, err := c.query(d.opts.StatusTimeout)
	if err == nil && d.opts.ASB {
		if !ok {
			c.asbLost.Store(true)
		} else if c.asbLost.Swap(false) {
			if _, werr := c.port.Write(ASBEnable(asbDefaults)); werr != nil {
				err = fmt.Errorf("enable automatic status back: %w", werr)
			}
		}
	}
	c.release()
	if err != nil {
		return fmt.Errorf("printer: query status: %w", err)
	}
	d.updateQueried(c, seq, causeOf(st, ok), st, ok)
	return nil
}

func causeOf(st Status, answered bool) Cause {
	if !answered {
		return CauseNoResponse
	}
	return st.Cause()
}

// closeConn detaches c so Print fails fast, wakes waiters, and closes the
// port once no one uses it (a stalled writer may hold it for a while).
func (d *Driver) closeConn(c *conn) {
	d.reportMu.Lock()
	d.mu.Lock()
	if d.conn == c {
		d.conn = nil
		d.status = deviceStatus(CauseDisconnected)
		d.status.Since = time.Now()
	}
	d.mu.Unlock()
	d.reportMu.Unlock()
	close(c.done)
	closePort := func() {
		<-c.readEnd // the reader notices done within its read timeout
		if err := c.port.Close(); err != nil {
			d.log.Debug("close port", "err", err)
		}
	}
	// Wait for whoever holds the port; a stalled writer may hold it for
	// long, so then the port is closed when it lets go.
	for {
		select {
		case <-c.token:
			closePort()
			return
		case <-time.After(50 * time.Millisecond):
			if c.stalled.Load() {
				go func() {
					<-c.token
					closePort()
				}()
				return
			}
		}
	}
}

// update records cause (and st when answered) and reports a change of
// state or reason. Reports of a session that has ended are dropped.
func (d *Driver) update(c *conn, cause Cause, st Status, answered bool) {
	d.setStatus(c, deviceStatus(cause), func() bool {
		if answered {
			d.printer = st
		}
		return true
	})
}

// updateQueried is update for the result of a query that began when
// c.asbSeq was seq: an ASB block that came in since is at least as new, so
// then the query's result is not stored over it.
func (d *Driver) updateQueried(c *conn, seq uint64, cause Cause, st Status, answered bool) {
	d.setStatus(c, deviceStatus(cause), func() bool {
		if c.asbSeq.Load() != seq {
			return false
		}
		if answered {
			d.printer = st
		}
		return true
	})
}

// setStatus stores ds and reports it when its state or reason changed.
// also runs first under the lock; when it returns false nothing changes.
func (d *Driver) setStatus(c *conn, ds device.Status, also func() bool) {
	d.reportMu.Lock()
	defer d.reportMu.Unlock()
	d.mu.Lock()
	if d.conn != c {
		d.mu.Unlock()
		return
	}
	if also != nil && !also() {
		d.mu.Unlock()
		return
	}
	changed := ds.State != d.status.State || ds.Reason != d.status.Reason
	if changed {
		ds.Since = time.Now()
		d.status = ds
	}
	d.mu.Unlock()
	if changed {
		if ds.State.Usable() {
			d.log.Info("printer status", "state", ds.State.String(), "reason", ds.Reason)
		} else {
			d.log.Warn("printer status", "state", ds.State.String(), "reason", ds.Reason)
		}
		c.report(ds)
	}
}

// Query reads the printer's status now (for technicians) and reports it.
func (d *Driver) Query(ctx context.Context) (Status, error) {
	c := d.current()
	if c == nil {
		return Status{}, fmt.Errorf("printer: query: %w", ErrOffline)
	}
	if c.stalled.Load() {
		return Status{}, fmt.Errorf("printer: query: %w", ErrWriteTimeout)
	}
	if err := c.acquire(ctx); err != nil {
		if errors.Is(err, errSessionEnded) {
			err = ErrOffline
		}
		return Status{}, fmt.Errorf("printer: query: %w", err)
	}
	seq := c.asbSeq.Load()
	st, ok, err := c.query(d.opts.StatusTimeout)
	c.release()
	if err != nil {
		c.fail(fmt.Errorf("printer: query status: %w", err))
		return Status{}, fmt.Errorf("printer: query status: %w", err)
	}
	d.updateQueried(c, seq, causeOf(st, ok), st, ok)
	if !ok {
		return Status{}, fmt.Errorf("printer: query: %w", ErrNoResponse)
	}
	return st, nil
}

func (d *Driver) current() *conn {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.conn
}

// Print prints doc. This is the print guard: it first reads DLE EOT 1–4
// and, unless the printer is ready (online, or paper near end), sends
// nothing and returns a *NotReadyError carrying the cause and its Chinese
// notice. Otherwise it writes the whole job. A job that stops moving for
// WriteTimeout is dropped (never replayed), the printer is reported Fault
// and ErrWriteTimeout returned. Without an open port Print fails at once
// with ErrOffline. ctx bounds only the wait for the port; once a job
// starts it is written to the end or to its timeout.
func (d *Driver) Print(ctx context.Context, doc receipt.Document) error {
	c := d.current()
	if c == nil {
		return notReady(CauseDisconnected, Status{}, ErrOffline)
	}
	if c.stalled.Load() {
		return notReady(CauseWriteTimeout, Status{}, ErrWriteTimeout)
	}
	job, err := escpos.EncodeReceipt(doc, d.enc)
	if err != nil {
		return err
	}
	if err := c.acquire(ctx); err != nil {
		if errors.Is(err, errSessionEnded) {
			return notReady(CauseDisconnected, Status{}, ErrOffline)
		}
		return fmt.Errorf("printer: print: wait for port: %w", err)
	}
	seq := c.asbSeq.Load()
	st, ok, err := c.query(d.opts.StatusTimeout)
	if err != nil {
		c.release()
		err = fmt.Errorf("printer: print: query status: %w", err)
		c.fail(err)
		return err
	}
	cause := causeOf(st, ok)
	d.updateQueried(c, seq, cause, st, ok)
	if !cause.Ready() {
		c.release()
		errFor := ErrNotReady
		if cause == CauseNoResponse {
			errFor = ErrNoResponse
		}
		d.log.Warn("print refused", "cause", cause.String())
		return notReady(cause, st, errFor)
	}

	d.setStatus(c, device.Status{Kind: DeviceName, State: device.Busy}, nil)
	start := time.Now()
	if err := d.write(c, job); err != nil {
		if errors.Is(err, ErrWriteTimeout) {
			d.log.Error("print job stalled, dropped", "bytes", len(job), "after", time.Since(start))
			d.update(c, CauseWriteTimeout, Status{}, false)
			return fmt.Errorf("printer: print: %w", ErrWriteTimeout)
		}
		c.release()
		err = fmt.Errorf("printer: print: write job: %w", err)
		c.fail(err)
		return err
	}
	c.release()
	d.updateQueried(c, seq, cause, st, true)
	d.log.Info("receipt printed", "bytes", len(job), "took", time.Since(start))
	// The job holds masked data only, but no job outlives its print: the
	// writer is done with it (a stalled writer returns above, keeping it).
	clear(job)
	// The job may have used up the paper or met a fault: poll now rather
	// than report the status from before the job until the next tick.
	select {
	case c.kick <- struct{}{}:
	default:
	}
	return nil
}
