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
// names or ID numbers: a platform's message that echoes the applicant is
// stored and logged with the application's personal values and any ID
// number masked (errorText).
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
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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
	// RecheckInterval replaces ProbeInterval, when shorter, while a
	// platform's state is unknown or not online. Default 10 s.
	RecheckInterval time.Duration
	// Provinces are the platforms probed from the start, even before any
	// application was sent to them (e.g. application.Sichuan,
	// application.Chongqing); their state is unknown until measured.
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
	def(&o.RecheckInterval, 10*time.Second)
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
	// stuck are the entries whose outcome could not be recorded (a full
	// disk), held back with their own back-off while the others go on;
	// storeFails counts the forwarder's failed queries in a row. Run's
	// goroutine only.
	stuck      map[int64]stuckEntry
	storeFails int
	// recordFault, when set (tests), fails recording the outcome of entry
	// id as a full disk would.
	recordFault func(id int64) error
}

// stuckEntry is an entry held back because its outcome could not be
// recorded: not before until, and failures in a row so far.
type stuckEntry struct {
	until    time.Time
	failures int
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
		stuck:    make(map[int64]stuckEntry),
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
