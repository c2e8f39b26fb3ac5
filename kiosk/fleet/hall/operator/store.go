// Package operator keeps the hall server's operators: accounts with
// argon2id passwords and a role (hallstate.Role), login with a persisted
// lockout, sessions, and the hall's own audit log of who did what, all in
// one SQLite file of the hall server's (modernc.org/sqlite). Web puts it
// in front of the dashboard: session cookies, CSRF tokens, Origin and Host
// checks, JSON-only posts and a role check on every endpoint.
//
// Passwords and session tokens are never stored or logged: a password as
// its argon2id hash, a session token as its SHA-256.
package operator

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"

	"sckiosk/kiosk/fleet/hallstate"
)

// Errors the store gives; match them with errors.Is.
var (
	ErrBadLogin   = errors.New("operator: wrong name or password")
	ErrLocked     = errors.New("operator: too many failed logins; locked for a while")
	ErrNoSession  = errors.New("operator: no such session, or it expired")
	ErrNoOperator = errors.New("operator: no such operator")
	ErrExists     = errors.New("operator: an operator with that name exists")
	ErrName       = errors.New("operator: a name is 2 to 32 of a-z 0-9 . _ -, starting with a letter")
	ErrRole       = errors.New("operator: unknown role")
	ErrLastAdmin  = errors.New("operator: the last configuration administrator cannot be removed")
)

// Options tune a store; the zero value is the production setting.
type Options struct {
	Cost        Cost          // argon2id cost of new hashes; zero: DefaultCost
	MaxFailures int           // failed logins in a row that lock a name; 0: 5
	LockFor     time.Duration // how long a name stays locked; 0: 15 minutes
	IdleFor     time.Duration // a session unused this long ends; 0: 30 minutes
	MaxAge      time.Duration // a session ends this long after login whatever; 0: 12 hours
	Now         func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Cost == (Cost{}) {
		o.Cost = DefaultCost
	}
	if o.MaxFailures <= 0 {
		o.MaxFailures = 5
	}
	if o.LockFor <= 0 {
		o.LockFor = 15 * time.Minute
	}
	if o.IdleFor <= 0 {
		o.IdleFor = 30 * time.Minute
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 12 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Store is the hall server's operator database. Safe for concurrent use,
// and for a CLI (hallserver admin …) working on the same file while the
// server runs.
type Store struct {
	db  *sql.DB
	opt Options
	// dummy is a hash verified for an unknown name, so that a login for
	// a name that does not exist takes as long as a wrong password. It
	// is made at the first such login, not at start.
	dummyOnce sync.Once
	dummy     string
	dummyErr  error
	// slots bounds the argon2id computations running at once: each takes
	// Cost.Memory (64 MiB), and a flood of logins from many addresses
	// must not take the hall server's memory with it.
	slots chan struct{}
}

// MaxHashing is how many password hashes a store computes at once; the
// others wait their turn.
const MaxHashing = 2

// slot waits for a free hashing slot; release it with <-s.slots.
func (s *Store) slot(ctx context.Context) error {
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("operator: waiting to hash a password: %w", ctx.Err())
	}
}

func (s *Store) hash(ctx context.Context, password string) (string, error) {
	if err := s.slot(ctx); err != nil {
		return "", err
	}
	defer func() { <-s.slots }()
	return hashPassword(password, s.opt.Cost)
}

func (s *Store) verify(ctx context.Context, hash, password string) (bool, error) {
	if err := s.slot(ctx); err != nil {
		return false, err
	}
	defer func() { <-s.slots }()
	return verifyPassword(hash, password)
}

// Operator is one account, without its password.
type Operator struct {
	Name       string         `json:"name"`
	Role       hallstate.Role `json:"role"`
	MustChange bool           `json:"must_change"` // the password is one-time or reset: change it before anything else
	Created    time.Time      `json:"created"`
}

const schema = `
CREATE TABLE IF NOT EXISTS operators (
	name        TEXT PRIMARY KEY,
	role        TEXT NOT NULL,
	hash        TEXT NOT NULL,
	must_change INTEGER NOT NULL DEFAULT 0,
	created     INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS login_failures (
	name         TEXT PRIMARY KEY,
	failures     INTEGER NOT NULL,
	locked_until INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sessions (
	token_hash TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	csrf       TEXT NOT NULL,
	created    INTEGER NOT NULL,
	seen       INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_name ON sessions(name);
CREATE TABLE IF NOT EXISTS audit (
	seq      INTEGER PRIMARY KEY AUTOINCREMENT,
	at       INTEGER NOT NULL,
	operator TEXT NOT NULL,
	action   TEXT NOT NULL,
	target   TEXT NOT NULL DEFAULT '',
	detail   TEXT NOT NULL DEFAULT ''
);`

// Open opens (creating if needed) the store at path.
func Open(path string, opt Options) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("operator: open %s: %w", path, err)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "secure_delete(ON)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}).String())
	if err != nil {
		return nil, fmt.Errorf("operator: open %s: %w", abs, err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("operator: open %s: %w", abs, err)
	}
	return &Store{db: db, opt: opt.withDefaults(), slots: make(chan struct{}, MaxHashing)}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9._-]{1,31}$`)

// CheckName refuses a name that is not 2 to 32 of a-z 0-9 . _ -,
// starting with a letter. Names go into logs and kiosks' audit chains:
// they are log-safe by construction.
func CheckName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("%w: %q", ErrName, name)
	}
	return nil
}

func ms(t time.Time) int64 { return t.UnixMilli() }

// Count is the number of operators.
func (s *Store) Count(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM operators`).Scan(&n); err != nil {
		return 0, fmt.Errorf("operator: count: %w", err)
	}
	return n, nil
}

// Add creates an operator. With mustChange the password is one-time: the
// first login must change it before doing anything else.
func (s *Store) Add(ctx context.Context, name string, role hallstate.Role, password string, mustChange bool) error {
	if err := CheckName(name); err != nil {
		return err
	}
	if !role.Valid() {
		return fmt.Errorf("%w: %q", ErrRole, role)
	}
	if err := checkPassword(password); err != nil {
		return err
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO operators(name, role, hash, must_change, created) VALUES(?,?,?,?,?)
		ON CONFLICT(name) DO NOTHING`, name, string(role), hash, mustChange, ms(s.opt.Now()))
	if err != nil {
		return fmt.Errorf("operator: add %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: %s", ErrExists, name)
	}
	return nil
}

// AddFirstAdmin creates the administrator name only while the store has
// no operator at all, in one transaction; it reports whether it did.
func (s *Store) AddFirstAdmin(ctx context.Context, name, password string, mustChange bool) (bool, error) {
	if err := CheckName(name); err != nil {
		return false, err
	}
	if err := checkPassword(password); err != nil {
		return false, err
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return false, err
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO operators(name, role, hash, must_change, created)
		SELECT ?,?,?,?,? WHERE NOT EXISTS (SELECT 1 FROM operators)`, name, string(hallstate.RoleAdmin), hash, mustChange, ms(s.opt.Now()))
	if err != nil {
		return false, fmt.Errorf("operator: first administrator: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Remove deletes an operator and ends its sessions. The last
// administrator cannot be removed.
func (s *Store) Remove(ctx context.Context, name string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("operator: remove %s: %w", name, err)
	}
	defer tx.Rollback()
	var role string
	if err := tx.QueryRowContext(ctx, `SELECT role FROM operators WHERE name = ?`, name).Scan(&role); errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %s", ErrNoOperator, name)
	} else if err != nil {
		return fmt.Errorf("operator: remove %s: %w", name, err)
	}
	if hallstate.Role(role) == hallstate.RoleAdmin {
		var admins int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM operators WHERE role = ?`, role).Scan(&admins); err != nil {
			return fmt.Errorf("operator: remove %s: %w", name, err)
		}
		if admins <= 1 {
			return ErrLastAdmin
		}
	}
	for _, q := range []string{`DELETE FROM operators WHERE name = ?`, `DELETE FROM sessions WHERE name = ?`, `DELETE FROM login_failures WHERE name = ?`} {
		if _, err := tx.ExecContext(ctx, q, name); err != nil {
			return fmt.Errorf("operator: remove %s: %w", name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("operator: remove %s: %w", name, err)
	}
	return nil
}

// List returns every operator, by name.
func (s *Store) List(ctx context.Context) ([]Operator, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, role, must_change, created FROM operators ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("operator: list: %w", err)
	}
	defer rows.Close()
	var out []Operator
	for rows.Next() {
		var o Operator
		var created int64
		if err := rows.Scan(&o.Name, &o.Role, &o.MustChange, &created); err != nil {
			return nil, fmt.Errorf("operator: list: %w", err)
		}
		o.Created = time.UnixMilli(created)
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("operator: list: %w", err)
	}
	return out, nil
}

// Get returns one operator.
func (s *Store) Get(ctx context.Context, name string) (Operator, error) {
	var o Operator
	var created int64
	err := s.db.QueryRowContext(ctx, `SELECT name, role, must_change, created FROM operators WHERE name = ?`, name).
		Scan(&o.Name, &o.Role, &o.MustChange, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Operator{}, fmt.Errorf("%w: %s", ErrNoOperator, name)
	}
	if err != nil {
		return Operator{}, fmt.Errorf("operator: get %s: %w", name, err)
	}
	o.Created = time.UnixMilli(created)
	return o, nil
}

// ResetPassword gives an operator a new password that must be changed at
// the next login, ends its sessions and lifts a lockout.
func (s *Store) ResetPassword(ctx context.Context, name, password string) error {
	return s.setPassword(ctx, name, password, true)
}

func (s *Store) setPassword(ctx context.Context, name, password string, mustChange bool) error {
	if err := checkPassword(password); err != nil {
		return err
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("operator: password of %s: %w", name, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE operators SET hash = ?, must_change = ? WHERE name = ?`, hash, mustChange, name)
	if err != nil {
		return fmt.Errorf("operator: password of %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: %s", ErrNoOperator, name)
	}
	for _, q := range []string{`DELETE FROM sessions WHERE name = ?`, `DELETE FROM login_failures WHERE name = ?`} {
		if _, err := tx.ExecContext(ctx, q, name); err != nil {
			return fmt.Errorf("operator: password of %s: %w", name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("operator: password of %s: %w", name, err)
	}
	return nil
}

// ChangePassword is an operator changing its own password: old must be
// right (a wrong one counts as a failed login). Every session of the
// operator ends; log in again with the new password.
func (s *Store) ChangePassword(ctx context.Context, name, old, password string) error {
	if err := checkPassword(password); err != nil {
		return err
	}
	if old == password {
		return fmt.Errorf("%w: the new password is the old one", ErrWeakPassword)
	}
	if _, err := s.authenticate(ctx, name, old); err != nil {
		return err
	}
	return s.setPassword(ctx, name, password, false)
}

// LockedUntil is when a lockout of name ends; the zero time when it is
// not locked.
func (s *Store) LockedUntil(ctx context.Context, name string) (time.Time, error) {
	var until int64
	err := s.db.QueryRowContext(ctx, `SELECT locked_until FROM login_failures WHERE name = ?`, name).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("operator: lockout of %s: %w", name, err)
	}
	if t := time.UnixMilli(until); t.After(s.opt.Now()) {
		return t, nil
	}
	return time.Time{}, nil
}

// authenticate checks name's password under the lockout: a locked name is
// refused without looking at the password; a wrong password counts, and
// MaxFailures in a row lock the name for LockFor (and every failure after
// that locks it again); the right one clears the count. An unknown name
// counts the same way and takes as long, so neither the answer nor its
// timing tells whether a name exists.
func (s *Store) authenticate(ctx context.Context, name, password string) (Operator, error) {
	var o Operator
	var hash string
	var created int64
	err := s.db.QueryRowContext(ctx, `SELECT name, role, hash, must_change, created FROM operators WHERE name = ?`, name).
		Scan(&o.Name, &o.Role, &hash, &o.MustChange, &created)
	known := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Operator{}, fmt.Errorf("operator: login: %w", err)
	}
	// An unknown name is counted under a digest of it: what someone
	// typed into the name field (a password, sometimes) is not kept.
	counted := name
	if !known {
		counted = unknownName(name)
	}
	if until, err := s.LockedUntil(ctx, counted); err != nil {
		return Operator{}, err
	} else if !until.IsZero() {
		return Operator{}, fmt.Errorf("%w (until %s)", ErrLocked, until.Format(time.RFC3339))
	}
	if !known {
		s.dummyOnce.Do(func() { s.dummy, s.dummyErr = s.hash(ctx, "not a password of anyone's") })
		if s.dummyErr != nil {
			return Operator{}, s.dummyErr
		}
		hash = s.dummy
	}
	ok, err := s.verify(ctx, hash, password)
	if err != nil {
		return Operator{}, err
	}
	if ok && known {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM login_failures WHERE name = ?`, name); err != nil {
			return Operator{}, fmt.Errorf("operator: login: %w", err)
		}
		o.Created = time.UnixMilli(created)
		return o, nil
	}
	var failures int
	err = s.db.QueryRowContext(ctx, `INSERT INTO login_failures(name, failures) VALUES(?, 1)
		ON CONFLICT(name) DO UPDATE SET failures = failures + 1 RETURNING failures`, counted).Scan(&failures)
	if err != nil {
		return Operator{}, fmt.Errorf("operator: login: %w", err)
	}
	if failures >= s.opt.MaxFailures {
		until := s.opt.Now().Add(s.opt.LockFor)
		if _, err := s.db.ExecContext(ctx, `UPDATE login_failures SET locked_until = ? WHERE name = ?`, ms(until), counted); err != nil {
			return Operator{}, fmt.Errorf("operator: login: %w", err)
		}
		return Operator{}, fmt.Errorf("%w (until %s)", ErrLocked, until.Format(time.RFC3339))
	}
	return Operator{}, ErrBadLogin
}

// unknownName is the key a login for a name that is no operator's is
// counted under: "?" and the start of its SHA-256, never the name itself.
func unknownName(name string) string {
	h := sha256.Sum256([]byte(name))
	return "?" + hex.EncodeToString(h[:8])
}

// Exists reports whether name is an operator's, for logging a failed
// login under the name only when it is one.
func (s *Store) Exists(ctx context.Context, name string) bool {
	_, err := s.Get(ctx, name)
	return err == nil
}

// Session is a logged-in operator.
type Session struct {
	Operator Operator
	// Token is the session cookie's value; only Login returns it (the
	// store keeps its SHA-256).
	Token string
	// CSRF is the token every state-changing request of the session must
	// carry in its X-CSRF-Token header.
	CSRF    string
	Created time.Time
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Login checks name and password (authenticate) and starts a session.
func (s *Store) Login(ctx context.Context, name, password string) (Session, error) {
	o, err := s.authenticate(ctx, name, password)
	if err != nil {
		return Session{}, err
	}
	token, err := randomToken(32)
	if err != nil {
		return Session{}, err
	}
	csrf, err := randomToken(32)
	if err != nil {
		return Session{}, err
	}
	now := s.opt.Now()
	// Sessions past their time are swept here, at the rare write.
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE created < ? OR seen < ?`,
		ms(now.Add(-s.opt.MaxAge)), ms(now.Add(-s.opt.IdleFor))); err != nil {
		return Session{}, fmt.Errorf("operator: login: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO sessions(token_hash, name, csrf, created, seen) VALUES(?,?,?,?,?)`,
		tokenHash(token), o.Name, csrf, ms(now), ms(now)); err != nil {
		return Session{}, fmt.Errorf("operator: login: %w", err)
	}
	return Session{Operator: o, Token: token, CSRF: csrf, Created: now}, nil
}

// Session returns the live session of token, with its operator as the
// store has it now (a role changed or a password reset since login
// counts at once). Using a session keeps it alive for IdleFor more, up to
// MaxAge after login.
func (s *Store) Session(ctx context.Context, token string) (Session, error) {
	if token == "" {
		return Session{}, ErrNoSession
	}
	th := tokenHash(token)
	var ses Session
	var created, seen, opCreated int64
	err := s.db.QueryRowContext(ctx, `SELECT s.csrf, s.created, s.seen, o.name, o.role, o.must_change, o.created
		FROM sessions s JOIN operators o ON o.name = s.name WHERE s.token_hash = ?`, th).
		Scan(&ses.CSRF, &created, &seen, &ses.Operator.Name, &ses.Operator.Role, &ses.Operator.MustChange, &opCreated)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("operator: session: %w", err)
	}
	now := s.opt.Now()
	ses.Created, ses.Operator.Created = time.UnixMilli(created), time.UnixMilli(opCreated)
	if now.Sub(ses.Created) > s.opt.MaxAge || now.Sub(time.UnixMilli(seen)) > s.opt.IdleFor {
		_, _ = s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, th)
		return Session{}, ErrNoSession
	}
	// Written at most once a minute: the dashboard asks every 2 s.
	if now.Sub(time.UnixMilli(seen)) > time.Minute {
		if _, err := s.db.ExecContext(ctx, `UPDATE sessions SET seen = ? WHERE token_hash = ?`, ms(now), th); err != nil {
			return Session{}, fmt.Errorf("operator: session: %w", err)
		}
	}
	return ses, nil
}

// Logout ends the session of token.
func (s *Store) Logout(ctx context.Context, token string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash(token)); err != nil {
		return fmt.Errorf("operator: logout: %w", err)
	}
	return nil
}

// Entry is one line of the hall's audit log: who did what to which kiosk.
// Detail is English and carries no personal data (a profile is named by
// its SM3 digest, not its text).
type Entry struct {
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"`
	Operator string    `json:"operator"`
	Action   Action    `json:"action"`
	Target   string    `json:"target,omitempty"`
	Detail   string    `json:"detail,omitempty"`
}

// Action is what an audit entry records; in JSON and the store the bare
// word.
type Action string

// Actions of the hall's audit log.
const (
	ActLogin          Action = "login"                  // an operator logged in
	ActLoginFailed    Action = "login_failed"           // a wrong name or password
	ActLoginLocked    Action = "login_locked"           // a login refused because the name is locked
	ActLogout         Action = "logout"                 // an operator logged out
	ActPasswordChange Action = "password_changed"       // an operator changed its own password
	ActPasswordFailed Action = "password_change_failed" // … with a wrong old password
	ActRefused        Action = "refused"                // a request the operator's role may not make
	ActCommand        Action = "command"                // a signed command sent to a kiosk
	ActCommandFailed  Action = "command_failed"         // a command that could not be published
	ActPush           Action = "push"                   // a profile rollout started
	ActOperatorAdd    Action = "operator_add"           // an operator added
	ActOperatorRemove Action = "operator_remove"        // an operator removed
	ActPasswordReset  Action = "password_reset"         // an operator's password reset by an administrator
)

// Record appends e to the audit log; its Seq and (when zero) At are set
// by the store.
func (s *Store) Record(ctx context.Context, e Entry) error {
	if e.At.IsZero() {
		e.At = s.opt.Now()
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO audit(at, operator, action, target, detail) VALUES(?,?,?,?,?)`,
		ms(e.At), e.Operator, e.Action, e.Target, e.Detail); err != nil {
		return fmt.Errorf("operator: audit %s by %s: %w", e.Action, e.Operator, err)
	}
	return nil
}

// Audit returns the newest limit entries of the audit log, newest first.
func (s *Store) Audit(ctx context.Context, limit int) ([]Entry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, at, operator, action, target, detail FROM audit ORDER BY seq DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("operator: audit: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at int64
		if err := rows.Scan(&e.Seq, &at, &e.Operator, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, fmt.Errorf("operator: audit: %w", err)
		}
		e.At = time.UnixMilli(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("operator: audit: %w", err)
	}
	return out, nil
}

// loginName is the form of a name a login is counted under: trimmed and
// lower-case, as names are stored.
func loginName(name string) string { return strings.ToLower(strings.TrimSpace(name)) }
