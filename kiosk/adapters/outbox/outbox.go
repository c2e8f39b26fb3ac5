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
// name and ID number. It is encrypted at rest with SM4-GCM under a key kept
// in a file of mode 0600 (Options.KeyPath, created on first run), and kept
// only until the platform has acknowledged the application: then the
// payload is set to NULL with secure_delete on (SQLite zeroes the freed
// bytes) and the WAL is checkpointed and truncated (best effort), so only
// the case number, the masked applicant (张*, 5101**********123X) and the
// timestamps remain, for reprints, until Options.Retention has passed.
// Rejected entries keep their payload so a technician can retry them. Logs
// and last_error carry request ids, item codes and case numbers, never
// names or ID numbers.
//
// Platform state. Per province, a circuit breaker stops sending after
// Options.BreakerThreshold transient failures in a row and tries again
// after a cool-down; a Retry-After answer holds the province back as asked.
// When idle, the forwarder probes the platforms' health (Prober) so that the
// state stays true. Health and OnHealthChange give the UI the outbox depth
// and the platform state (application.PlatformState).
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
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/identity"
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
	HasPayload    bool      `json:"has_payload"`      // the application's personal data is still stored
	Applicant     string    `json:"applicant"`        // masked: 张* 5101**********123X
	Linked        []string  `json:"linked,omitempty"` // member cases of a 一件事一次办 bundle
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
	// KeyPath is the file holding the SM4 key that encrypts personal data
	// at rest (hex, mode 0600), created on first run. Default: outbox.key
	// in the directory of the database. Losing it makes queued
	// applications unreadable (they are then parked as rejected).
	KeyPath string
	// Retention is how long a delivered entry (case number, masked
	// applicant, timestamps) is kept for reprints. Default 24 h.
	Retention time.Duration
	// BreakerThreshold is how many transient failures in a row open a
	// platform's circuit breaker. Default 5.
	BreakerThreshold int
	// BreakerCooldown is how long an open breaker waits before one trial
	// submission; it doubles on each failed trial, up to BackoffMax.
	// Default 30 s.
	BreakerCooldown time.Duration
	// ProbeInterval is how long the forwarder may sit without talking to
	// a platform before it checks the platforms' health (when the
	// Submitter is also a Prober, as platform.Client is), so that the
	// platform state stays true while no application is sent. Default
	// 1 min; negative disables probing.
	ProbeInterval time.Duration
	// Provinces are the platforms probed even before any application was
	// sent to them (e.g. application.Sichuan, application.Chongqing).
	Provinces []string
}

// Prober checks that the platform of a province answers; a nil error
// means it is up. platform.Client implements it.
type Prober interface {
	Health(ctx context.Context, province string) error
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
	def(&o.Retention, 24*time.Hour)
	def(&o.BreakerCooldown, 30*time.Second)
	if o.ProbeInterval == 0 {
		o.ProbeInterval = time.Minute
	}
	if o.BreakerThreshold <= 0 {
		o.BreakerThreshold = 5
	}
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

	seal *sealer

	mu      sync.Mutex
	changed chan struct{} // closed and replaced when an entry changes state

	pubMu       sync.Mutex // serialises publish
	hmu         sync.Mutex // guards what follows
	breakers    map[string]*breaker
	health      Health
	onHealth    func(Health)
	lastError   string
	lastSuccess time.Time
	loggedState application.PlatformState // guarded by pubMu
	lastPrune   time.Time                 // Run's goroutine only
	lastContact time.Time                 // Run's goroutine only: last submission or probe
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
		db:       db,
		log:      log.With("component", "outbox"),
		opt:      opt,
		kick:     make(chan struct{}, 1),
		changed:  make(chan struct{}),
		breakers: make(map[string]*breaker),
		health:   Health{State: application.PlatformOnline},
	}
	keyPath := opt.KeyPath
	if keyPath == "" {
		keyPath = filepath.Join(filepath.Dir(abs), "outbox.key")
	}
	key, created, err := loadKey(keyPath)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("outbox: open %s: %w", abs, err)
	}
	if created {
		o.log.Info("outbox key created", "path", keyPath)
	} else if fi, err := os.Stat(keyPath); err == nil && fi.Mode().Perm()&0o077 != 0 {
		o.log.Warn("outbox key file is readable by others; want mode 0600", "path", keyPath, "mode", fi.Mode().Perm())
	}
	if o.seal, err = newSealer(key); err != nil {
		db.Close()
		return nil, fmt.Errorf("outbox: open %s: %w", abs, err)
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
	o.publish(ctx)
	o.log.Info("outbox opened", "path", abs, "pending", o.health.Pending)
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
func (o *Outbox) Enqueue(ctx context.Context, app application.Application) error {
	if strings.TrimSpace(app.RequestID) == "" {
		return errors.New("outbox: enqueue: empty request_id")
	}
	if strings.TrimSpace(app.Province) == "" {
		return fmt.Errorf("outbox: enqueue %s: empty province", app.RequestID)
	}
	plain, err := json.Marshal(app)
	if err != nil {
		return fmt.Errorf("outbox: enqueue %s: encode: %w", app.RequestID, err)
	}
	payload, err := o.seal.seal(app.RequestID, plain)
	clear(plain)
	if err != nil {
		return fmt.Errorf("outbox: enqueue %s: encrypt: %w", app.RequestID, err)
	}
	masked := strings.TrimSpace(identity.MaskName(app.Applicant.Name) + " " + identity.MaskNumber(app.Applicant.Number))
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("outbox: enqueue %s: %w", app.RequestID, err)
	}
	// Once started, the write is not cancelled: an error must mean "not
	// stored", never "stored, but the caller gave up".
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.opt.BusyTimeout+5*time.Second)
	defer cancel()
	now := toMillis(time.Now())
	res, err := o.db.ExecContext(wctx, `
		INSERT INTO entries (request_id, province, item_code, created_at, state, next_attempt_at, payload, applicant)
		VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)
		ON CONFLICT (request_id) DO NOTHING`,
		app.RequestID, app.Province, app.ItemCode, now, now, payload, masked)
	if err != nil {
		return fmt.Errorf("outbox: enqueue %s: %w", app.RequestID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		o.log.Info("application already queued", "request_id", app.RequestID)
		return nil
	}
	o.log.Info("application queued", "request_id", app.RequestID, "province", app.Province, "item", app.ItemCode)
	o.wake()
	o.publish(ctx)
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
func (o *Outbox) Run(ctx context.Context, sub application.Submitter) error {
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
			o.halfOpen()
			if err := o.makeAllDue(ctx); err != nil && ctx.Err() == nil {
				o.log.Error("outbox: make entries due", "err", err)
			}
		}
		o.prune(ctx)
		wait, err := o.forwardDue(ctx, sub)
		if ctx.Err() != nil {
			o.log.Info("outbox forwarder stopped")
			return nil
		}
		if err != nil {
			o.log.Error("outbox forwarder", "err", err)
			wait = o.opt.BackoffBase
		}
		if p, ok := sub.(Prober); ok && o.opt.ProbeInterval > 0 {
			if next := o.lastContact.Add(o.opt.ProbeInterval); !time.Now().Before(next) {
				o.probe(ctx, p)
			} else {
				wait = min(wait, time.Until(next))
			}
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
func (o *Outbox) forwardDue(ctx context.Context, sub application.Submitter) (time.Duration, error) {
	for ctx.Err() == nil {
		now := time.Now()
		held, release := o.held(now)
		var (
			id        int64
			requestID string
			province  string
			attempts  int
			payload   []byte
		)
		where, args := dueFilter(held)
		err := o.db.QueryRowContext(ctx, `
			SELECT id, request_id, province, attempts, payload FROM entries
			WHERE state = 'pending' AND next_attempt_at <= ?`+where+`
			ORDER BY id LIMIT 1`, append([]any{toMillis(now)}, args...)...).Scan(&id, &requestID, &province, &attempts, &payload)
		if errors.Is(err, sql.ErrNoRows) {
			return o.untilNextDue(ctx, now, held, release)
		}
		if err != nil {
			return 0, fmt.Errorf("outbox: next due entry: %w", err)
		}
		if err := o.send(ctx, sub, id, requestID, province, attempts, payload); err != nil {
			return 0, err
		}
	}
	return 0, ctx.Err()
}

// probe checks the health of the platforms of Options.Provinces and of
// those sent to before, except those an open breaker holds back, and
// records the outcome as a submission's would be.
func (o *Outbox) probe(ctx context.Context, p Prober) {
	now := time.Now()
	o.lastContact = now
	held, _ := o.held(now)
	o.hmu.Lock()
	provinces := slices.Clone(o.opt.Provinces)
	for prov := range o.breakers {
		provinces = append(provinces, prov)
	}
	o.hmu.Unlock()
	slices.Sort(provinces)
	for _, prov := range slices.Compact(provinces) {
		if slices.Contains(held, prov) || ctx.Err() != nil {
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, o.opt.AttemptTimeout)
		err := p.Health(pctx, prov)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case err == nil:
			o.succeeded(prov, time.Now())
		case errors.Is(err, platform.ErrUnavailable):
			var retryAfter time.Duration
			if ae, ok := errors.AsType[*platform.APIError](err); ok {
				retryAfter = ae.RetryAfter
			}
			o.failed(prov, time.Now(), errorText(err), retryAfter)
		default:
			o.log.Debug("outbox probe", "province", prov, "err", err)
		}
	}
	o.publish(ctx)
}

// dueFilter is the SQL condition that leaves out the provinces held back
// by their breakers.
func dueFilter(held []string) (string, []any) {
	if len(held) == 0 {
		return "", nil
	}
	args := make([]any, len(held))
	for i, p := range held {
		args[i] = p
	}
	return " AND province NOT IN (?" + strings.Repeat(", ?", len(held)-1) + ")", args
}

// untilNextDue returns the wait until the earliest pending entry of a
// province not held back is due, or a held province is released, at most
// PollInterval.
func (o *Outbox) untilNextDue(ctx context.Context, now time.Time, held []string, release time.Time) (time.Duration, error) {
	var next sql.NullInt64
	where, args := dueFilter(held)
	err := o.db.QueryRowContext(ctx, `SELECT MIN(next_attempt_at) FROM entries WHERE state = 'pending'`+where, args...).Scan(&next)
	if err != nil {
		return 0, fmt.Errorf("outbox: next due time: %w", err)
	}
	wait := o.opt.PollInterval
	if next.Valid {
		wait = min(wait, max(fromMillis(next.Int64).Sub(now), 0))
	}
	if !release.IsZero() {
		wait = min(wait, max(release.Sub(now), 0))
	}
	return wait, nil
}

// prune deletes delivered entries older than Retention; at most once a
// minute, best effort.
func (o *Outbox) prune(ctx context.Context) {
	now := time.Now()
	if now.Sub(o.lastPrune) < time.Minute {
		return
	}
	o.lastPrune = now
	res, err := o.db.ExecContext(ctx, `DELETE FROM entries WHERE state = 'sent' AND sent_at < ?`, toMillis(now.Add(-o.opt.Retention)))
	if err != nil {
		if ctx.Err() == nil {
			o.log.Warn("outbox: prune delivered entries", "err", err)
		}
		return
	}
	if n, _ := res.RowsAffected(); n > 0 {
		o.log.Info("outbox pruned delivered entries", "count", n, "retention", o.opt.Retention)
		o.publish(ctx)
	}
}

// send makes one attempt at entry id and records its outcome.
func (o *Outbox) send(ctx context.Context, sub application.Submitter, id int64, requestID, province string, attempts int, payload []byte) error {
	defer o.publish(ctx)
	defer o.notify() // wake the waiters once the outcome (and the purge) is on disk
	var app application.Application
	plain, err := o.seal.open(requestID, payload)
	if err == nil {
		err = json.Unmarshal(plain, &app)
		clear(plain)
	}
	if err != nil || app.RequestID != requestID {
		o.log.Error("outbox entry unreadable, parked as rejected", "id", id, "request_id", requestID, "err", err)
		return o.record(ctx, id, `UPDATE entries SET state = 'rejected', last_error = ? WHERE id = ? AND state = 'pending'`,
			"outbox: stored payload is unreadable (wrong key file?)", id)
	}
	actx, cancel := context.WithTimeout(ctx, o.opt.AttemptTimeout)
	rc, err := sub.Submit(actx, app)
	cancel()
	o.lastContact = time.Now()
	app = application.Application{} // drop the personal data as soon as possible
	attempts++
	now := time.Now()
	log := o.log.With("id", id, "request_id", requestID, "attempt", attempts)

	if err == nil && rc.CaseNumber == "" {
		err = errors.New("platform answered without a case number")
	}
	switch {
	case err == nil:
		o.succeeded(province, now)
		if err := o.record(ctx, id, `
			UPDATE entries SET state = 'sent', attempts = ?, last_error = '', case_number = ?,
				platform_status = ?, accepted_at = ?, track_url = ?, sent_at = ?, payload = NULL, linked = ?
			WHERE id = ? AND state = 'pending'`,
			attempts, rc.CaseNumber, rc.Status, toMillis(rc.AcceptedAt), rc.TrackURL, toMillis(now),
			strings.Join(rc.Linked, " "), id); err != nil {
			return err
		}
		log.Info("application delivered", "case", rc.CaseNumber, "duplicate", rc.Duplicate)
		o.checkpoint(ctx)
		return nil
	case ctx.Err() != nil:
		// Shutting down: the attempt does not count; the entry stays due.
		return nil
	case errors.Is(err, platform.ErrRejected):
		o.succeeded(province, now) // the platform is up; the application is wrong
		log.Warn("application rejected by the platform; kept for a technician", "err", err)
		return o.record(ctx, id, `UPDATE entries SET state = 'rejected', attempts = ?, last_error = ? WHERE id = ? AND state = 'pending'`,
			attempts, errorText(err), id)
	default:
		delay := o.backoff(attempts)
		var retryAfter time.Duration
		if ae, ok := errors.AsType[*platform.APIError](err); ok && ae.RetryAfter > 0 {
			retryAfter = min(ae.RetryAfter, o.opt.BackoffMax)
			delay = max(delay, retryAfter)
		}
		o.failed(province, now, errorText(err), retryAfter)
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
func (o *Outbox) Wait(ctx context.Context, requestID string) (application.Receipt, error) {
	for {
		changed := o.changedChan() // before reading, so no change is missed
		var (
			state                 State
			lastError, caseNumber string
			status, trackURL      string
			linked                string
			acceptedAt            int64
		)
		err := o.db.QueryRowContext(ctx, `
			SELECT state, last_error, case_number, platform_status, track_url, accepted_at, linked
			FROM entries WHERE request_id = ?`, requestID).
			Scan(&state, &lastError, &caseNumber, &status, &trackURL, &acceptedAt, &linked)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return application.Receipt{}, fmt.Errorf("outbox: wait %s: %w", requestID, ErrNotFound)
		case err != nil && ctx.Err() != nil:
			return application.Receipt{}, fmt.Errorf("outbox: wait %s: %w: %w", requestID, ErrQueued, ctx.Err())
		case err != nil:
			return application.Receipt{}, fmt.Errorf("outbox: wait %s: %w", requestID, err)
		}
		switch state {
		case StateSent:
			return application.Receipt{
				RequestID:  requestID,
				CaseNumber: caseNumber,
				Status:     status,
				AcceptedAt: fromMillis(acceptedAt),
				TrackURL:   trackURL,
				Linked:     strings.Fields(linked),
			}, nil
		case StateRejected:
			return application.Receipt{}, fmt.Errorf("outbox: wait %s: %w: %s", requestID, platform.ErrRejected, lastError)
		}
		select {
		case <-ctx.Done():
			return application.Receipt{}, fmt.Errorf("outbox: wait %s: %w: %w", requestID, ErrQueued, ctx.Err())
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
			last_error, case_number, sent_at, payload IS NOT NULL, applicant, linked
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
		var linked string
		if err := rows.Scan(&e.ID, &e.RequestID, &e.Province, &e.ItemCode, &e.State, &e.Attempts, &created, &next,
			&e.LastError, &e.CaseNumber, &sent, &e.HasPayload, &e.Applicant, &linked); err != nil {
			return nil, fmt.Errorf("outbox: list: %w", err)
		}
		e.CreatedAt, e.NextAttemptAt, e.Linked = fromMillis(created), fromMillis(next), strings.Fields(linked)
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
	o.publish(ctx)
	return nil
}

// Purge deletes the delivered entries now, whatever their retention (their
// personal data is already gone; the case number and masked applicant go
// with them). With rejected it also deletes the rejected entries and the
// personal data they still hold. Pending entries are never purged. It
// returns how many entries were deleted.
func (o *Outbox) Purge(ctx context.Context, rejected bool) (int, error) {
	q := `DELETE FROM entries WHERE state = 'sent'`
	if rejected {
		q = `DELETE FROM entries WHERE state IN ('sent', 'rejected')`
	}
	res, err := o.db.ExecContext(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("outbox: purge: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("outbox: purge: %w", err)
	}
	o.log.Info("outbox purged", "count", n, "rejected", rejected)
	o.checkpoint(ctx)
	o.publish(ctx)
	return int(n), nil
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
