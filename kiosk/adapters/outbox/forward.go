package outbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/core/application"
)

// Run forwards due pending entries to sub, one at a time and oldest first,
// until ctx ends; then it returns nil. A submission cut short by ctx does
// not count as an attempt; the entry is sent again by the next Run. Only one
// Run may be active on an Outbox (ErrRunning).
//
// Local storage failing (a full disk) is backed off like the platform: an
// entry whose outcome cannot be recorded stays pending, is held back with
// its own exponential back-off and sent again later with the same
// request_id (the platform answers with the case it made), while the
// entries behind it go on in order; the forwarder's own queries failing
// back it off as a whole.
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
			for id, st := range o.stuck { // try at once; a further failure backs off longer
				st.until = time.Time{}
				o.stuck[id] = st
			}
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
			o.storeFails++
			wait = o.backoff(o.storeFails)
			o.log.Error("outbox forwarder: cannot read the queue; backing off", "retry_in", wait.Round(time.Millisecond), "err", err)
		} else {
			o.storeFails = 0
		}
		if p, ok := sub.(Prober); ok && o.opt.ProbeInterval > 0 {
			if next := o.lastContact.Add(o.probeInterval()); !time.Now().Before(next) {
				o.probe(ctx, p)
				wait = min(wait, o.probeInterval()) // the next probe is due then
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
// next one is due. An entry whose outcome cannot be recorded is held back
// (holdBack) and the next due entry is sent; an error means the queue
// itself could not be read.
func (o *Outbox) forwardDue(ctx context.Context, sub application.Submitter) (time.Duration, error) {
	for ctx.Err() == nil {
		now := time.Now()
		held, release := o.held(now)
		stuck, unstuck := o.stuckIDs(now)
		if !unstuck.IsZero() && (release.IsZero() || unstuck.Before(release)) {
			release = unstuck
		}
		var (
			id        int64
			requestID string
			province  string
			attempts  int
			payload   []byte
		)
		where, args := dueFilter(held, stuck)
		err := o.db.QueryRowContext(ctx, `
			SELECT id, request_id, province, attempts, payload FROM entries
			WHERE state = 'pending' AND next_attempt_at <= ?`+where+`
			ORDER BY id LIMIT 1`, append([]any{toMillis(now)}, args...)...).Scan(&id, &requestID, &province, &attempts, &payload)
		if errors.Is(err, sql.ErrNoRows) {
			return o.untilNextDue(ctx, now, where, args, release)
		}
		if err != nil {
			return 0, fmt.Errorf("outbox: next due entry: %w", err)
		}
		if err := o.send(ctx, sub, id, requestID, province, attempts, payload); err != nil {
			o.holdBack(id, requestID, err)
			continue
		}
		delete(o.stuck, id)
	}
	return 0, ctx.Err()
}

// holdBack keeps entry id, whose outcome could not be recorded, from being
// sent again before its back-off has passed; it stays pending on disk.
func (o *Outbox) holdBack(id int64, requestID string, err error) {
	st := o.stuck[id]
	st.failures++
	wait := o.backoff(st.failures)
	st.until = time.Now().Add(wait)
	o.stuck[id] = st
	o.log.Error("outbox: outcome not recorded (local storage); entry held back, the others go on",
		"id", id, "request_id", requestID, "failures", st.failures, "retry_in", wait.Round(time.Millisecond), "err", err)
}

// stuckIDs returns the entries held back at now, and the earliest time one
// of them is released (zero if none).
func (o *Outbox) stuckIDs(now time.Time) (ids []int64, release time.Time) {
	for id, st := range o.stuck {
		if now.Before(st.until) {
			ids = append(ids, id)
			if release.IsZero() || st.until.Before(release) {
				release = st.until
			}
		}
	}
	slices.Sort(ids)
	return ids, release
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
		case errors.Is(err, platform.ErrUnknownProvince):
			o.log.Debug("outbox probe", "province", prov, "err", err)
		default:
			// Unreachable, a 5xx, an unsigned or refused answer: any
			// health answer but "ok" means applications will not go
			// through either. The breaker counts it as a failed
			// submission.
			var retryAfter time.Duration
			if ae, ok := errors.AsType[*platform.APIError](err); ok {
				retryAfter = ae.RetryAfter
			}
			o.log.Debug("outbox probe failed", "province", prov, "err", err)
			o.failed(prov, time.Now(), errorText(err, nil), retryAfter)
		}
	}
	o.publish(ctx)
}

// probeInterval is how long the forwarder may sit idle before probing:
// ProbeInterval while every platform it knows of is online, and at most
// RecheckInterval while one is unknown or failing, so a kiosk that started
// without a network sees the platform come back (or go offline) soon.
func (o *Outbox) probeInterval() time.Duration {
	h := o.Health()
	if h.State == application.PlatformOnline && !slices.Contains(slices.Collect(maps.Values(h.Provinces)), application.PlatformUnknown) {
		return o.opt.ProbeInterval
	}
	return min(o.opt.ProbeInterval, o.opt.RecheckInterval)
}

// dueFilter is the SQL condition that leaves out the provinces held back
// by their breakers and the entries held back by holdBack.
func dueFilter(held []string, stuck []int64) (string, []any) {
	var where string
	var args []any
	if len(held) > 0 {
		where += " AND province NOT IN (?" + strings.Repeat(", ?", len(held)-1) + ")"
		for _, p := range held {
			args = append(args, p)
		}
	}
	if len(stuck) > 0 {
		where += " AND id NOT IN (?" + strings.Repeat(", ?", len(stuck)-1) + ")"
		for _, id := range stuck {
			args = append(args, id)
		}
	}
	return where, args
}

// untilNextDue returns the wait until the earliest pending entry that the
// filter where (dueFilter) lets through is due, or release (a province or
// an entry held back is released), at most PollInterval.
func (o *Outbox) untilNextDue(ctx context.Context, now time.Time, where string, args []any, release time.Time) (time.Duration, error) {
	var next sql.NullInt64
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
	var mask *strings.Replacer // for what the platform echoes back
	if err != nil {
		mask = personalMasker(app)
	}
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
		text := errorText(err, mask)
		log.Warn("application rejected by the platform; kept for a technician", "err", text)
		return o.record(ctx, id, `UPDATE entries SET state = 'rejected', attempts = ?, last_error = ? WHERE id = ? AND state = 'pending'`,
			attempts, text, id)
	default:
		delay := o.backoff(attempts)
		var retryAfter time.Duration
		if ae, ok := errors.AsType[*platform.APIError](err); ok && ae.RetryAfter > 0 {
			retryAfter = min(ae.RetryAfter, o.opt.BackoffMax)
			delay = max(delay, retryAfter)
		}
		text := errorText(err, mask)
		o.failed(province, now, text, retryAfter)
		log.Warn("application not delivered; will retry", "retry_in", delay.Round(time.Millisecond), "err", text)
		return o.record(ctx, id, `UPDATE entries SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ? AND state = 'pending'`,
			attempts, toMillis(now.Add(delay)), text, id)
	}
}

// record applies the outcome of an attempt. It uses a context that
// survives ctx so that an outcome learnt just before shutdown is kept.
func (o *Outbox) record(ctx context.Context, id int64, query string, args ...any) error {
	if o.recordFault != nil {
		if err := o.recordFault(id); err != nil {
			return fmt.Errorf("outbox: record outcome of entry %d: %w", id, err)
		}
	}
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
