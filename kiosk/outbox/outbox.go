// Package outbox is the kiosk's durable store-and-forward queue of
// applications (办件) on their way to a provincial platform.
//
// The kiosk tells a citizen "submitted" only after Enqueue has returned:
// by then the application is committed to a SQLite file (WAL journal,
// synchronous=FULL, so fsync'd) and survives a crash or a power cut. A
// forwarder loop (Run) sends due entries one at a time, oldest first, with
// the application's request_id as the platform's idempotency key; it backs
// off per entry on transient failures and parks entries the platform
// rejects for a technician (List, Retry).
//
// Crash safety. Nothing is written before a submission, only after its
// answer. An entry that was being sent when the process died (or whose
// answer was lost, or whose answer arrived but could not be recorded) is
// still pending at the next start and is simply sent again with the same
// request_id; the platform recognises the key and answers with the case it
// already made, so a retry never makes a second case.
//
// Personal data. The application's JSON (payload) holds the applicant's
// name and ID number. It is kept only until the platform has acknowledged
// the application: then the payload is set to NULL with secure_delete on
// (SQLite zeroes the freed bytes) and the WAL is checkpointed and truncated
// (best effort), so only the case number remains. Rejected entries keep
// their payload so a technician can retry them. Logs and last_error carry
// request ids, item codes and case numbers, never names or ID numbers.
//
// The payload is not yet encrypted at rest; schema migrations (user_version)
// leave room for that.
package outbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"sckiosk/kiosk/platform"
)

// State is where an entry stands.
type State string

// Entry states.
const (
	StatePending  State = "pending"  // waiting to be (re)sent
	StateSent     State = "sent"     // acknowledged by the platform; payload purged
	StateRejected State = "rejected" // refused by the platform; kept for a technician
)

// Errors of the outbox, for errors.Is.
var (
	// ErrNotFound means no entry has the given id or request id.
	ErrNotFound = errors.New("outbox: no such entry")
	// ErrQueued is returned by Wait when its context ends before the
	// platform answered: the application is safe in the queue.
	ErrQueued = errors.New("outbox: application queued, not yet delivered")
	// ErrNotRetryable is returned by Retry for an entry that was already
	// sent or has no payload left.
	ErrNotRetryable = errors.New("outbox: entry cannot be retried")
	// ErrRunning is returned by Run when another Run is active on the same
	// Outbox.
	ErrRunning = errors.New("outbox: forwarder already running")
)

// Entry is one queued application as a technician sees it: without the
// personal payload.
type Entry struct {
	ID            int64     `json:"id"`
	RequestID     string    `json:"request_id"`
	Province      string    `json:"province"`
	ItemCode      string    `json:"item_code"`
	State         State     `json:"state"`
	Attempts      int       `json:"attempts"`
	CreatedAt     time.Time `json:"created_at"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	LastError     string    `json:"last_error,omitempty"`  // English, no personal data
	CaseNumber    string    `json:"case_number,omitempty"` // set once sent
	SentAt        time.Time `json:"sent_at,omitzero"`
	HasPayload    bool      `json:"has_payload"` // the application's personal data is still stored
}

// Options tune an Outbox. The zero value gives the production defaults.
type Options struct {
	// BackoffBase is the wait after the first failed attempt of an entry;
	// each further failure doubles it. Default 2 s.
	BackoffBase time.Duration
	// BackoffMax caps the wait between attempts. Default 5 min.
	BackoffMax time.Duration
	// Jitter is the fraction by which each wait is randomly shortened, so
	// that kiosks do not all return at once. 0 means the default 0.2;
	// negative means none.
	Jitter float64
	// AttemptTimeout bounds one submission. Default 30 s.
	AttemptTimeout time.Duration
	// PollInterval is how often an idle forwarder looks for entries made due
	// by another process (kioskctl retry). Default 1 min.
	PollInterval time.Duration
	// BusyTimeout is how long SQLite waits for a lock held by another
	// process. Default 5 s.
	BusyTimeout time.Duration
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.BackoffBase, 2*time.Second)
	def(&o.BackoffMax, 5*time.Minute)
	def(&o.AttemptTimeout, 30*time.Second)
	def(&o.PollInterval, time.Minute)
	def(&o.BusyTimeout, 5*time.Second)
	o.BackoffMax = max(o.BackoffMax, o.BackoffBase)
	switch {
	case o.Jitter == 0:
		o.Jitter = 0.2
	case o.Jitter < 0:
		o.Jitter = 0
	case o.Jitter > 1:
		o.Jitter = 1
	}
	return o
}

// Outbox is a durable queue of applications in one SQLite file. Its methods
// are safe for concurrent use.
type Outbox struct {
	db  *sql.DB
	log *slog.Logger
	opt Options

	kick     chan struct{} // wakes the forwarder
	retryAll atomic.Bool   // set by Kick: make backed-off entries due
	running  atomic.Bool

	mu      sync.Mutex
	changed chan struct{} // closed and replaced when an entry changes state
}

// maxErrorLen bounds the stored last_error.
const maxErrorLen = 500

// Open opens (creating if needed) the outbox at path and brings its schema
// up to date. log may be nil.
func Open(path string, log *slog.Logger, opt Options) (*Outbox, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opt = opt.withDefaults()
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("outbox: open %s: %w", path, err)
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", opt.BusyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "secure_delete(ON)")
	q.Set("_txlock", "immediate")
	dsn := (&url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("outbox: open %s: %w", abs, err)
	}
	// One connection: writes are serialised in the process, and a
	// transaction never waits for another connection of the same process.
	db.SetMaxOpenConns(1)
	o := &Outbox{
		db:      db,
		log:     log.With("component", "outbox"),
		opt:     opt,
		kick:    make(chan struct{}, 1),
		changed: make(chan struct{}),
	}
	ctx := context.Background()
	if err := o.checkPragmas(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("outbox: open %s: %w", abs, err)
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("outbox: open %s: %w", abs, err)
	}
	o.log.Info("outbox opened", "path", abs)
	return o, nil
}

// checkPragmas verifies that the durability settings took effect.
func (o *Outbox) checkPragmas(ctx context.Context) error {
	var mode string
	if err := o.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("read journal_mode: %w", err)
	}
	var sync int
	if err := o.db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
		return fmt.Errorf("read synchronous: %w", err)
	}
	if !strings.EqualFold(mode, "wal") || sync != 2 {
		return fmt.Errorf("durability settings not applied: journal_mode=%s synchronous=%d, want wal and 2 (FULL)", mode, sync)
	}
	return nil
}

// Close closes the database. Call it after Run has returned.
func (o *Outbox) Close() error {
	if err := o.db.Close(); err != nil {
		return fmt.Errorf("outbox: close: %w", err)
	}
	return nil
}

// Enqueue stores app durably; when it returns nil the application is
// committed to disk (fsync'd), and an error means it was not stored.
// Enqueuing a request_id that is already queued (in any state) does
// nothing. Enqueue wakes the forwarder; Kick is not needed after it.
func (o *Outbox) Enqueue(ctx context.Context, app platform.Application) error {
	if strings.TrimSpace(app.RequestID) == "" {
		return errors.New("outbox: enqueue: empty request_id")
	}
	if strings.TrimSpace(app.Province) == "" {
		return fmt.Errorf("outbox: enqueue %s: empty province", app.RequestID)
	}
	payload, err := json.Marshal(app)
	if err != nil {
		return fmt.Errorf("outbox: enqueue %s: encode: %w", app.RequestID, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("outbox: enqueue %s: %w", app.RequestID, err)
	}
	// Once started, the write is not cancelled: an error must mean "not
	// stored", never "stored, but the caller gave up".
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.opt.BusyTimeout+5*time.Second)
	defer cancel()
	now := toMillis(time.Now())
	res, err := o.db.ExecContext(wctx, `
		INSERT INTO entries (request_id, province, item_code, created_at, state, next_attempt_at, payload)
		VALUES (?, ?, ?, ?, 'pending', ?, ?)
		ON CONFLICT (request_id) DO NOTHING`,
		app.RequestID, app.Province, app.ItemCode, now, now, payload)
	if err != nil {
		return fmt.Errorf("outbox: enqueue %s: %w", app.RequestID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		o.log.Info("application already queued", "request_id", app.RequestID)
		return nil
	}
	o.log.Info("application queued", "request_id", app.RequestID, "province", app.Province, "item", app.ItemCode)
	o.wake()
	return nil
}

// Kick tells the forwarder that the platform may be reachable again (the
// network came back, a technician asked): entries waiting out a back-off
// become due and the forwarder wakes at once. It never blocks.
func (o *Outbox) Kick() {
	o.retryAll.Store(true)
	o.wake()
}

func (o *Outbox) wake() {
	select {
	case o.kick <- struct{}{}:
	default:
	}
}

// notify wakes every Wait.
func (o *Outbox) notify() {
	o.mu.Lock()
	defer o.mu.Unlock()
	close(o.changed)
	o.changed = make(chan struct{})
}

func (o *Outbox) changedChan() <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.changed
}

// Run forwards due pending entries to sub, one at a time and oldest first,
// until ctx ends; then it returns nil. A submission cut short by ctx does
// not count as an attempt; the entry is sent again by the next Run. Only one
// Run may be active on an Outbox (ErrRunning).
func (o *Outbox) Run(ctx context.Context, sub platform.Submitter) error {
	if !o.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer o.running.Store(false)
	if pending, _, _, err := o.Stats(ctx); err == nil {
		o.log.Info("outbox forwarder started", "pending", pending)
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if o.retryAll.Swap(false) {
			if err := o.makeAllDue(ctx); err != nil && ctx.Err() == nil {
				o.log.Error("outbox: make entries due", "err", err)
			}
		}
		wait, err := o.forwardDue(ctx, sub)
		if ctx.Err() != nil {
			o.log.Info("outbox forwarder stopped")
			return nil
		}
		if err != nil {
			o.log.Error("outbox forwarder", "err", err)
			wait = o.opt.BackoffBase
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			o.log.Info("outbox forwarder stopped")
			return nil
		case <-o.kick:
		case <-timer.C:
		}
	}
}

// forwardDue sends every due entry and returns how long to sleep before the
// next one is due.
func (o *Outbox) forwardDue(ctx context.Context, sub platform.Submitter) (time.Duration, error) {
	for ctx.Err() == nil {
		now := time.Now()
		var (
			id        int64
			requestID string
			attempts  int
			payload   []byte
		)
		err := o.db.QueryRowContext(ctx, `
			SELECT id, request_id, attempts, payload FROM entries
			WHERE state = 'pending' AND next_attempt_at <= ?
			ORDER BY id LIMIT 1`, toMillis(now)).Scan(&id, &requestID, &attempts, &payload)
		if errors.Is(err, sql.ErrNoRows) {
			return o.untilNextDue(ctx, now)
		}
		if err != nil {
			return 0, fmt.Errorf("outbox: next due entry: %w", err)
		}
		if err := o.send(ctx, sub, id, requestID, attempts, payload); err != nil {
			return 0, err
		}
	}
	return 0, ctx.Err()
}

// untilNextDue returns the wait until the earliest pending entry is due,
// at most PollInterval.
func (o *Outbox) untilNextDue(ctx context.Context, now time.Time) (time.Duration, error) {
	var next sql.NullInt64
	err := o.db.QueryRowContext(ctx, `SELECT MIN(next_attempt_at) FROM entries WHERE state = 'pending'`).Scan(&next)
	if err != nil {
		return 0, fmt.Errorf("outbox: next due time: %w", err)
	}
	if !next.Valid {
		return o.opt.PollInterval, nil
	}
	return min(max(fromMillis(next.Int64).Sub(now), 0), o.opt.PollInterval), nil
}

// send makes one attempt at entry id and records its outcome.
func (o *Outbox) send(ctx context.Context, sub platform.Submitter, id int64, requestID string, attempts int, payload []byte) error {
	defer o.notify() // wake the waiters once the outcome (and the purge) is on disk
	var app platform.Application
	if err := json.Unmarshal(payload, &app); err != nil || app.RequestID != requestID {
		o.log.Error("outbox entry unreadable, parked as rejected", "id", id, "request_id", requestID)
		return o.record(ctx, id, `UPDATE entries SET state = 'rejected', last_error = ? WHERE id = ? AND state = 'pending'`,
			"outbox: stored payload is unreadable", id)
	}
	actx, cancel := context.WithTimeout(ctx, o.opt.AttemptTimeout)
	rc, err := sub.Submit(actx, app)
	cancel()
	app = platform.Application{} // drop the personal data as soon as possible
	attempts++
	now := time.Now()
	log := o.log.With("id", id, "request_id", requestID, "attempt", attempts)

	if err == nil && rc.CaseNumber == "" {
		err = errors.New("platform answered without a case number")
	}
	switch {
	case err == nil:
		if err := o.record(ctx, id, `
			UPDATE entries SET state = 'sent', attempts = ?, last_error = '', case_number = ?,
				platform_status = ?, accepted_at = ?, track_url = ?, sent_at = ?, payload = NULL
			WHERE id = ? AND state = 'pending'`,
			attempts, rc.CaseNumber, rc.Status, toMillis(rc.AcceptedAt), rc.TrackURL, toMillis(now), id); err != nil {
			return err
		}
		log.Info("application delivered", "case", rc.CaseNumber, "duplicate", rc.Duplicate)
		o.checkpoint(ctx)
		return nil
	case ctx.Err() != nil:
		// Shutting down: the attempt does not count; the entry stays due.
		return nil
	case errors.Is(err, platform.ErrRejected):
		log.Warn("application rejected by the platform; kept for a technician", "err", err)
		return o.record(ctx, id, `UPDATE entries SET state = 'rejected', attempts = ?, last_error = ? WHERE id = ? AND state = 'pending'`,
			attempts, errorText(err), id)
	default:
		delay := o.backoff(attempts)
		log.Warn("application not delivered; will retry", "retry_in", delay.Round(time.Millisecond), "err", err)
		return o.record(ctx, id, `UPDATE entries SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ? AND state = 'pending'`,
			attempts, toMillis(now.Add(delay)), errorText(err), id)
	}
}

// record applies the outcome of an attempt. It uses a context that
// survives ctx so that an outcome learnt just before shutdown is kept.
func (o *Outbox) record(ctx context.Context, id int64, query string, args ...any) error {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.opt.BusyTimeout+5*time.Second)
	defer cancel()
	if _, err := o.db.ExecContext(wctx, query, args...); err != nil {
		return fmt.Errorf("outbox: record outcome of entry %d: %w", id, err)
	}
	return nil
}

// checkpoint moves the WAL into the database file and truncates it, so that
// the purged payload does not linger in old WAL frames. Best effort: a
// reader in another process can leave it partial until the next one.
func (o *Outbox) checkpoint(ctx context.Context) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.opt.BusyTimeout+5*time.Second)
	defer cancel()
	var busy, frames, done int
	err := o.db.QueryRowContext(wctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &frames, &done)
	if err != nil || busy != 0 {
		o.log.Debug("outbox checkpoint incomplete", "busy", busy, "err", err)
	}
}

// backoff is the wait after the attempts-th failed attempt:
// base·2^(attempts-1), capped at BackoffMax, shortened by up to Jitter.
func (o *Outbox) backoff(attempts int) time.Duration {
	d := o.opt.BackoffBase
	for i := 1; i < attempts && d < o.opt.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, o.opt.BackoffMax)
	if o.opt.Jitter > 0 {
		d -= time.Duration(float64(d) * o.opt.Jitter * rand.Float64())
	}
	return d
}

// makeAllDue ends every back-off.
func (o *Outbox) makeAllDue(ctx context.Context) error {
	now := toMillis(time.Now())
	if _, err := o.db.ExecContext(ctx, `UPDATE entries SET next_attempt_at = ? WHERE state = 'pending' AND next_attempt_at > ?`, now, now); err != nil {
		return fmt.Errorf("outbox: make entries due: %w", err)
	}
	return nil
}

// Wait waits until the platform has answered for requestID and returns its
// receipt. If ctx ends first it returns an error wrapping ErrQueued and
// ctx.Err(): the application stays queued and will be delivered later. A
// rejected application gives an error wrapping platform.ErrRejected; an
// unknown request id ErrNotFound.
func (o *Outbox) Wait(ctx context.Context, requestID string) (platform.Receipt, error) {
	for {
		changed := o.changedChan() // before reading, so no change is missed
		var (
			state                 State
			lastError, caseNumber string
			status, trackURL      string
			acceptedAt            int64
		)
		err := o.db.QueryRowContext(ctx, `
			SELECT state, last_error, case_number, platform_status, track_url, accepted_at
			FROM entries WHERE request_id = ?`, requestID).
			Scan(&state, &lastError, &caseNumber, &status, &trackURL, &acceptedAt)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return platform.Receipt{}, fmt.Errorf("outbox: wait %s: %w", requestID, ErrNotFound)
		case err != nil && ctx.Err() != nil:
			return platform.Receipt{}, fmt.Errorf("outbox: wait %s: %w: %w", requestID, ErrQueued, ctx.Err())
		case err != nil:
			return platform.Receipt{}, fmt.Errorf("outbox: wait %s: %w", requestID, err)
		}
		switch state {
		case StateSent:
			return platform.Receipt{
				RequestID:  requestID,
				CaseNumber: caseNumber,
				Status:     status,
				AcceptedAt: fromMillis(acceptedAt),
				TrackURL:   trackURL,
			}, nil
		case StateRejected:
			return platform.Receipt{}, fmt.Errorf("outbox: wait %s: %w: %s", requestID, platform.ErrRejected, lastError)
		}
		select {
		case <-ctx.Done():
			return platform.Receipt{}, fmt.Errorf("outbox: wait %s: %w: %w", requestID, ErrQueued, ctx.Err())
		case <-changed:
		}
	}
}

// Stats counts the entries in each state.
func (o *Outbox) Stats(ctx context.Context) (pending, sent, rejected int, err error) {
	rows, err := o.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM entries GROUP BY state`)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("outbox: stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st State
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return 0, 0, 0, fmt.Errorf("outbox: stats: %w", err)
		}
		switch st {
		case StatePending:
			pending = n
		case StateSent:
			sent = n
		case StateRejected:
			rejected = n
		}
	}
	if err := rows.Err(); err != nil {
		return 0, 0, 0, fmt.Errorf("outbox: stats: %w", err)
	}
	return pending, sent, rejected, nil
}

// List returns every entry, oldest first, without the personal payload.
func (o *Outbox) List(ctx context.Context) ([]Entry, error) {
	rows, err := o.db.QueryContext(ctx, `
		SELECT id, request_id, province, item_code, state, attempts, created_at, next_attempt_at,
			last_error, case_number, sent_at, payload IS NOT NULL
		FROM entries ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("outbox: list: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var created, next int64
		var sent sql.NullInt64
		if err := rows.Scan(&e.ID, &e.RequestID, &e.Province, &e.ItemCode, &e.State, &e.Attempts, &created, &next,
			&e.LastError, &e.CaseNumber, &sent, &e.HasPayload); err != nil {
			return nil, fmt.Errorf("outbox: list: %w", err)
		}
		e.CreatedAt, e.NextAttemptAt = fromMillis(created), fromMillis(next)
		if sent.Valid {
			e.SentAt = fromMillis(sent.Int64)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("outbox: list: %w", err)
	}
	return out, nil
}

// Retry makes entry id due now with a fresh back-off: a rejected entry goes
// back to pending (for a technician, once the cause is fixed) and a pending
// one stops waiting. A sent entry gives ErrNotRetryable.
func (o *Outbox) Retry(ctx context.Context, id int64) error {
	res, err := o.db.ExecContext(ctx, `
		UPDATE entries SET state = 'pending', attempts = 0, next_attempt_at = ?
		WHERE id = ? AND state IN ('pending', 'rejected') AND payload IS NOT NULL`,
		toMillis(time.Now()), id)
	if err != nil {
		return fmt.Errorf("outbox: retry %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("outbox: retry %d: %w", id, err)
	} else if n == 0 {
		var st State
		err := o.db.QueryRowContext(ctx, `SELECT state FROM entries WHERE id = ?`, id).Scan(&st)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("outbox: retry %d: %w", id, ErrNotFound)
		case err != nil:
			return fmt.Errorf("outbox: retry %d: %w", id, err)
		}
		return fmt.Errorf("outbox: retry %d (%s): %w", id, st, ErrNotRetryable)
	}
	o.log.Info("outbox entry requeued", "id", id)
	o.notify()
	o.wake()
	return nil
}

// errorText is the stored form of a delivery error: one line, bounded.
func errorText(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > maxErrorLen {
		cut := maxErrorLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// Times are stored as Unix milliseconds; 0 is the zero time.
func toMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}
