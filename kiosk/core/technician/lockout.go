package technician

import (
	"sync"
	"time"
)

// Lockout defaults: five wrong PINs in a row lock the keypad for five
// minutes.
const (
	DefaultMaxFailures = 5
	DefaultLockFor     = 5 * time.Minute
)

// Lockout counts wrong PINs and locks entry after MaxFailures in a row. It
// reads time only through the injected clock, so tests drive it by hand. A
// right PIN resets the count; the lock ends by itself after LockFor, and the
// count starts again from zero. Safe for concurrent use.
type Lockout struct {
	maxFailures int
	lockFor     time.Duration
	now         func() time.Time

	mu       sync.Mutex
	failures int
	until    time.Time
}

// NewLockout returns a lockout with the defaults (5 wrong PINs, 5 minutes)
// reading time from now.
func NewLockout(now func() time.Time) *Lockout {
	return NewLockoutWith(DefaultMaxFailures, DefaultLockFor, now)
}

// NewLockoutWith returns a lockout after maxFailures wrong PINs for lockFor.
func NewLockoutWith(maxFailures int, lockFor time.Duration, now func() time.Time) *Lockout {
	if maxFailures < 1 {
		maxFailures = 1
	}
	return &Lockout{maxFailures: maxFailures, lockFor: lockFor, now: now}
}

// Status is what the keypad screen shows.
type Status struct {
	Locked    bool
	Remaining time.Duration // of the lock, when Locked
	TriesLeft int           // wrong PINs left before the lock
}

// Status reports whether entry is locked now.
func (l *Lockout) Status() Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.statusLocked(l.now())
}

func (l *Lockout) statusLocked(now time.Time) Status {
	if !l.until.IsZero() {
		if now.Before(l.until) {
			return Status{Locked: true, Remaining: l.until.Sub(now)}
		}
		l.until, l.failures = time.Time{}, 0
	}
	return Status{TriesLeft: l.maxFailures - l.failures}
}

// Record notes one PIN attempt (ok: it was right) and returns the status
// after it. Attempts while locked are not counted and do not extend the
// lock; the caller must not verify PINs while locked.
func (l *Lockout) Record(ok bool) Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if s := l.statusLocked(now); s.Locked {
		return s
	}
	if ok {
		l.failures = 0
		return Status{TriesLeft: l.maxFailures}
	}
	l.failures++
	if l.failures >= l.maxFailures {
		l.until = now.Add(l.lockFor)
	}
	return l.statusLocked(now)
}

// State is what a lockout must remember across a restart, so that turning
// the kiosk off and on again does not give an attacker five new tries.
// The zero State is a fresh lockout.
type State struct {
	Failures int       // wrong PINs in a row, not yet locked
	Until    time.Time // end of the lock; zero when not locked
}

// State returns what the lockout remembers now, for the caller to keep.
func (l *Lockout) State() State {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.statusLocked(l.now()) // an expired lock is forgotten first
	return State{Failures: l.failures, Until: l.until}
}

// Restore takes back a State kept before a restart. It trusts it only as
// far as this lockout's rules allow: the count is kept within
// [0, maxFailures] (a count at the limit locks), and a lock never lasts
// longer from now than lockFor, so a clock set back while the kiosk was
// off cannot lock the keypad for days.
func (l *Lockout) Restore(s State) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.failures = min(max(s.Failures, 0), l.maxFailures)
	l.until = time.Time{}
	switch {
	case !s.Until.IsZero() && now.Before(s.Until):
		l.until = s.Until
		if limit := now.Add(l.lockFor); l.until.After(limit) {
			l.until = limit
		}
	case !s.Until.IsZero():
		l.failures = 0 // the lock has run out while the kiosk was off
	case l.failures >= l.maxFailures:
		l.until = now.Add(l.lockFor)
	}
}

// Gate checks PINs against a stored hash behind a Lockout.
type Gate struct {
	hash    string
	lockout *Lockout
}

// NewGate returns a gate for hash (see CheckHash) with the default lockout.
func NewGate(hash string, now func() time.Time) (*Gate, error) {
	if err := CheckHash(hash); err != nil {
		return nil, err
	}
	return &Gate{hash: hash, lockout: NewLockout(now)}, nil
}

// Enter checks pin. While locked it does not look at the PIN at all.
func (g *Gate) Enter(pin string) (ok bool, st Status, err error) {
	if st := g.lockout.Status(); st.Locked {
		return false, st, nil
	}
	ok, err = VerifyPIN(g.hash, pin)
	if err != nil {
		return false, g.lockout.Status(), err
	}
	return ok, g.lockout.Record(ok), nil
}

// Status reports the lockout's state.
func (g *Gate) Status() Status { return g.lockout.Status() }

// Lockout is the gate's lockout, whose State the caller keeps across
// restarts.
func (g *Gate) Lockout() *Lockout { return g.lockout }
