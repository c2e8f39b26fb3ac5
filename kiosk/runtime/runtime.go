// Package runtime runs the session core: it feeds events to session.Next
// one at a time, carries out the effects it returns (store and forward the
// application, print, verify a code, wipe) and publishes every new state to
// the screens. It is the only place where the pure core meets I/O.
package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"sckiosk/devices/device"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/msg"
	"sckiosk/kiosk/core/receipt"
	"sckiosk/kiosk/core/session"
)

// Printer prints receipts. An error may carry what to tell the citizen
// through a Message() msg.Text method (see session.PrinterNotice).
type Printer interface {
	Print(ctx context.Context, doc receipt.Document) error
}

// Queue is the durable outbox: Enqueue returns once the application is
// committed to disk and wakes the forwarder; Wait gives the platform's
// receipt once it has answered.
type Queue interface {
	Enqueue(ctx context.Context, app application.Application) error
	Wait(ctx context.Context, requestID string) (application.Receipt, error)
}

// Verifier asks the platform who an identity code belongs to.
type Verifier interface {
	Verify(ctx context.Context, code string) (identity.Person, error)
}

// Evaluator sends 好差评 ratings to the platform.
type Evaluator interface {
	Evaluate(ctx context.Context, province, caseNumber string, grade int) error
}

// CaseFinder looks up the case a scanned receipt code names. ok is false
// when code is no receipt code (it then goes to the Verifier); event is
// CaseFound, or CodeRejected with the reason.
type CaseFinder interface {
	FindCase(ctx context.Context, code string) (event session.Event, ok bool)
}

// LicenceFinder asks the platform for a citizen's e-licence (数据多跑路).
type LicenceFinder interface {
	QueryLicence(ctx context.Context, q application.LicenceQuery) (application.LicenceRef, error)
}

// Technician checks technician PINs (with their lockout) and runs the
// technician commands; both record themselves in the audit log.
type Technician interface {
	CheckPIN(pin string) session.PINChecked
	Command(ctx context.Context, name string) msg.Text
}

// Speaker says a prompt aloud in the kiosk's language (elder mode, the
// countdown). Say must not block the caller.
type Speaker interface {
	Say(t msg.Text)
}

// Options wire a runtime.
type Options struct {
	Printer  Printer
	Queue    Queue
	Verifier Verifier // may be nil: codes are then refused politely
	Speaker  Speaker  // may be nil: silent
	// Evaluator may be nil: ratings are then only logged.
	Evaluator Evaluator
	// Technician may be nil: technician mode is then unavailable.
	Technician Technician
	// Licences may be nil: the citizen then brings paper materials.
	Licences LicenceFinder
	// Cases may be nil: receipt codes then go to the Verifier.
	Cases CaseFinder
	// TrackURL gives an offline receipt's QR code: the public track page,
	// on the platform of province, of the application with requestID (see
	// docs/platform-api.md, offline receipts). Nil, or "", leaves a queued
	// receipt without a QR code rather than with one nothing resolves.
	TrackURL func(province, requestID string) string
	// SubmitWait is how long the citizen waits for the platform's case
	// number before the receipt says the application is queued.
	SubmitWait time.Duration
	Tick       time.Duration // default 1 s
	Now        func() time.Time
	Log        *slog.Logger
}

// Runtime owns the session state.
type Runtime struct {
	opts   Options
	events chan session.Event

	mu      sync.Mutex
	state   session.State
	subs    []func(session.State)
	onWipe  []func(session.Wipe)
	running sync.WaitGroup
}

// New returns a runtime starting from state.
func New(state session.State, opts Options) *Runtime {
	if opts.SubmitWait == 0 {
		opts.SubmitWait = 8 * time.Second
	}
	if opts.Tick == 0 {
		opts.Tick = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Runtime{opts: opts, events: make(chan session.Event, 64), state: state}
}

// Subscribe registers f to receive every new state. f runs on the
// runtime's goroutine and must not block (the UI hands it to fyne.Do).
func (r *Runtime) Subscribe(f func(session.State)) {
	r.mu.Lock()
	r.subs = append(r.subs, f)
	s := r.state
	r.mu.Unlock()
	f(s)
}

// OnWipe registers f to run whenever a visit ends, to drop what the edges
// hold (widgets, printer buffers, temporary files).
func (r *Runtime) OnWipe(f func(session.Wipe)) {
	r.mu.Lock()
	r.onWipe = append(r.onWipe, f)
	r.mu.Unlock()
}

// Send queues an event for the core. It never blocks the caller for long:
// if the queue is full (the core is stuck) the event is dropped and logged.
func (r *Runtime) Send(ev session.Event) {
	select {
	case r.events <- ev:
	case <-time.After(2 * time.Second):
		r.opts.Log.Error("event dropped: core not keeping up", "event", fmt.Sprintf("%T", ev))
	}
}

// TrySend queues an event without waiting; it reports whether the event
// was queued. For callers that must never block (change callbacks).
func (r *Runtime) TrySend(ev session.Event) bool {
	select {
	case r.events <- ev:
		return true
	default:
		r.opts.Log.Warn("event dropped: queue full", "event", fmt.Sprintf("%T", ev))
		return false
	}
}

// State returns the current state snapshot.
func (r *Runtime) State() session.State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.state
}

// Run processes events until ctx ends, then waits for effects in flight.
func (r *Runtime) Run(ctx context.Context) {
	tick := time.NewTicker(r.opts.Tick)
	defer tick.Stop()
	defer r.running.Wait()
	for {
		var ev session.Event
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			ev = session.Tick{Now: r.opts.Now()}
		case ev = <-r.events:
		}
		r.apply(ctx, ev)
	}
}

func (r *Runtime) apply(ctx context.Context, ev session.Event) {
	r.mu.Lock()
	prev := r.state
	next, effects := session.Next(prev, ev)
	r.state = next
	subs := append([]func(session.State){}, r.subs...)
	r.mu.Unlock()
	if next.Rev != prev.Rev || !next.Now.Equal(prev.Now) {
		for _, f := range subs {
			f(next)
		}
	}
	for _, e := range effects {
		r.do(ctx, e)
	}
}

// do carries out one effect. Slow effects run on their own goroutine and
// answer with an event, so the core never waits on I/O.
func (r *Runtime) do(ctx context.Context, e session.Effect) {
	log := r.opts.Log
	switch e := e.(type) {
	case session.Log:
		log.Info(e.Msg, e.Attrs...)
	case session.Wipe:
		r.mu.Lock()
		hooks := append([]func(session.Wipe){}, r.onWipe...)
		r.mu.Unlock()
		for _, f := range hooks {
			f(e)
		}
	case session.Speak:
		if r.opts.Speaker != nil {
			r.opts.Speaker.Say(e.Text)
		}
	case session.Evaluate:
		r.opts.Log.Info("case rated", "case", e.CaseNumber, "grade", e.Grade)
		if r.opts.Evaluator != nil {
			r.async(ctx, func(ctx context.Context) session.Event {
				if err := r.opts.Evaluator.Evaluate(ctx, e.Province, e.CaseNumber, e.Grade); err != nil {
					r.opts.Log.Warn("rating not delivered", "case", e.CaseNumber, "err", err)
				}
				return nil
			})
		}
	case session.CheckPIN:
		r.async(ctx, func(context.Context) session.Event {
			if r.opts.Technician == nil {
				return session.PINChecked{Disabled: true}
			}
			return r.opts.Technician.CheckPIN(e.PIN)
		})
	case session.TechCommand:
		r.async(ctx, func(ctx context.Context) session.Event {
			done := msg.New(msg.TechUnavailable)
			if r.opts.Technician != nil {
				done = r.opts.Technician.Command(ctx, e.Name)
			}
			return session.TechDone{Name: e.Name, Message: done}
		})
	case session.Submit:
		r.async(ctx, func(ctx context.Context) session.Event { return r.submit(ctx, e) })
	case session.Print:
		r.async(ctx, func(ctx context.Context) session.Event { return r.print(ctx, e.Document) })
	case session.VerifyCode:
		r.async(ctx, func(ctx context.Context) session.Event { return r.verify(ctx, e.Text) })
	default:
		log.Error("unknown effect", "effect", fmt.Sprintf("%T", e))
	}
}

func (r *Runtime) async(ctx context.Context, f func(context.Context) session.Event) {
	r.running.Add(1)
	go func() {
		defer r.running.Done()
		ev := f(ctx)
		if ev != nil && ctx.Err() == nil {
			r.Send(ev)
		}
	}()
}

// submit makes the application durable first, then gives the platform a
// few seconds to answer. Without an answer the citizen still gets a
// receipt: the outbox forwards the application when the network returns.
func (r *Runtime) submit(ctx context.Context, e session.Submit) session.Event {
	app := e.Application
	app.RequestID = uuid.NewString()
	attached := r.attachLicences(ctx, &app, e.Licences)
	if err := r.opts.Queue.Enqueue(ctx, app); err != nil {
		r.opts.Log.Error("application not stored", "item", app.ItemCode, "err", err)
		return session.SubmitFailed{Notice: msg.New(msg.SubmitFailed)}
	}
	wctx, cancel := context.WithTimeout(ctx, r.opts.SubmitWait)
	defer cancel()
	rc, err := r.opts.Queue.Wait(wctx, app.RequestID)
	if err != nil {
		r.opts.Log.Warn("application queued, platform has not answered", "request_id", app.RequestID, "err", err)
		var track string
		if r.opts.TrackURL != nil {
			track = r.opts.TrackURL(app.Province, app.RequestID)
		}
		return session.Submitted{RequestID: app.RequestID, CaseNumber: LocalReference(app.RequestID), Queued: true,
			TrackCode: track, Licences: attached}
	}
	return session.Submitted{RequestID: app.RequestID, CaseNumber: rc.CaseNumber, TrackCode: rc.TrackURL,
		Linked: rc.Linked, Licences: attached}
}

// attachLicences asks the platform, with the citizen's consent given on the
// review screen, for each e-licence an item accepts instead of paper, and
// attaches what it finds. A licence the platform does not hold, or a
// platform that does not answer within a few seconds, leaves the citizen
// to bring the paper: the application is never held up for it.
func (r *Runtime) attachLicences(ctx context.Context, app *application.Application, types []string) []string {
	if r.opts.Licences == nil || len(types) == 0 {
		return nil
	}
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var got []string
	for _, t := range types {
		ref, err := r.opts.Licences.QueryLicence(lctx, application.LicenceQuery{IDNumber: app.Applicant.Number, LicenceType: t, Consent: true})
		if err != nil {
			r.opts.Log.Info("e-licence not attached", "type", t, "err", err)
			continue
		}
		app.Licences = append(app.Licences, ref)
		got = append(got, t)
	}
	return got
}

// LocalReference is the short reference printed for a queued application
// until the platform assigns its case number: Q- and the first 12 hex
// digits of its request_id, labelled 本机受理号 on the receipt so no one
// takes it for a 办件编号.
func LocalReference(requestID string) string {
	return "Q-" + strings.ToUpper(strings.ReplaceAll(requestID, "-", "")[:12])
}

func (r *Runtime) print(ctx context.Context, doc receipt.Document) session.Event {
	if r.opts.Printer == nil {
		return session.PrintFailed{Notice: session.PrinterNotice(device.NoCause)}
	}
	if err := r.opts.Printer.Print(ctx, doc); err != nil {
		r.opts.Log.Warn("receipt not printed", "err", err)
		return session.PrintFailed{Notice: messageOf(err, session.PrinterNotice(device.NoCause))}
	}
	return session.Printed{}
}

func (r *Runtime) verify(ctx context.Context, code string) session.Event {
	if r.opts.Cases != nil {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		ev, ok := r.opts.Cases.FindCase(cctx, code)
		cancel()
		if ok {
			return ev
		}
	}
	if r.opts.Verifier == nil {
		return session.CodeRejected{Notice: msg.New(msg.CodeUnsupported)}
	}
	vctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p, err := r.opts.Verifier.Verify(vctx, code)
	if err != nil {
		r.opts.Log.Warn("code refused", "err", err)
		return session.CodeRejected{Notice: messageOf(err, msg.New(msg.CodeUnreadable))}
	}
	if p.Source != identity.SourceBusiness {
		p.Source = identity.SourceQR
	}
	return session.CodeVerified{Person: p}
}

// messageOf finds a message for the citizen in err's chain, or returns
// fallback.
func messageOf(err error, fallback msg.Text) msg.Text {
	var m interface{ Message() msg.Text }
	if errors.As(err, &m) && !m.Message().IsZero() {
		return m.Message()
	}
	return fallback
}
