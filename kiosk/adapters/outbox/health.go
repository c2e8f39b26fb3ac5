package outbox

import (
	"context"
	"maps"
	"reflect"
	"slices"
	"time"

	"sckiosk/kiosk/core/application"
)

// Health is a snapshot of the outbox and of the platforms it sends to, for
// the UI and the status model. It carries no personal data. A platform's
// state is what was measured: application.PlatformUnknown until a probe or
// a submission has been answered or has failed.
type Health struct {
	State     application.PlatformState            `json:"state"`    // overall
	Pending   int                                  `json:"pending"`  // outbox depth: applications not yet delivered
	Rejected  int                                  `json:"rejected"` // parked for a technician
	Provinces map[string]application.PlatformState `json:"provinces,omitempty"`
	// LastError is the last failed attempt's error (English, no personal
	// data); "" after a success.
	LastError   string    `json:"last_error,omitempty"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	// NextTry is when an open breaker lets the next submission through;
	// zero when no breaker is open.
	NextTry time.Time `json:"next_try,omitzero"`
}

// breaker is the circuit breaker of one province's platform: after
// BreakerThreshold transient failures in a row it opens for
// BreakerCooldown (doubling on each failed trial, at most BackoffMax),
// then lets one submission through (half-open); a success closes it. A
// Retry-After answer holds the province back for that long too.
type breaker struct {
	failures int
	cooldown time.Duration
	until    time.Time // no submission to this province before
}

func (b *breaker) state(threshold int) application.PlatformState {
	switch {
	case b.failures >= threshold:
		return application.PlatformOffline
	case b.failures > 0:
		return application.PlatformDegraded
	}
	return application.PlatformOnline
}

// OnHealthChange makes the outbox call f with a new snapshot each time the
// health changes (depth, state, last error). f is called synchronously,
// from the goroutine that made the change, in order; it must not block
// (a Fyne UI hands it to fyne.Do). nil removes the callback.
func (o *Outbox) OnHealthChange(f func(Health)) {
	o.hmu.Lock()
	defer o.hmu.Unlock()
	o.onHealth = f
}

// Health returns the latest snapshot. It does no I/O.
func (o *Outbox) Health() Health {
	o.hmu.Lock()
	defer o.hmu.Unlock()
	h := o.health
	h.Provinces = maps.Clone(h.Provinces)
	return h
}

// held returns the provinces the breakers hold back at now, and the
// earliest time one of them is released (zero if none).
func (o *Outbox) held(now time.Time) (provinces []string, release time.Time) {
	o.hmu.Lock()
	defer o.hmu.Unlock()
	for p, b := range o.breakers {
		if now.Before(b.until) {
			provinces = append(provinces, p)
			if release.IsZero() || b.until.Before(release) {
				release = b.until
			}
		}
	}
	slices.Sort(provinces)
	return provinces, release
}

// succeeded records an answer from the platform of province (a receipt or
// a rejection: either way it is up).
func (o *Outbox) succeeded(province string, now time.Time) {
	o.hmu.Lock()
	defer o.hmu.Unlock()
	b := o.breaker(province)
	if b.failures >= o.opt.BreakerThreshold {
		o.log.Info("platform reachable again; circuit closed", "province", province)
	}
	*b = breaker{}
	o.lastError, o.lastSuccess = "", now
}

// failed records a transient failure of the platform of province;
// retryAfter is the wait it asked for, 0 for none.
func (o *Outbox) failed(province string, now time.Time, errText string, retryAfter time.Duration) {
	o.hmu.Lock()
	defer o.hmu.Unlock()
	b := o.breaker(province)
	b.failures++
	o.lastError = errText
	if b.failures >= o.opt.BreakerThreshold {
		if b.cooldown == 0 {
			b.cooldown = o.opt.BreakerCooldown
		} else {
			b.cooldown = min(2*b.cooldown, max(o.opt.BackoffMax, o.opt.BreakerCooldown))
		}
		b.until = now.Add(b.cooldown)
		o.log.Warn("platform unreachable; circuit open", "province", province, "failures", b.failures,
			"retry_at", b.until.Format(time.RFC3339))
	}
	if retryAfter > 0 {
		b.until = maxTime(b.until, now.Add(min(retryAfter, o.opt.BackoffMax)))
	}
}

// halfOpen lets every breaker try again at once (Kick).
func (o *Outbox) halfOpen() {
	o.hmu.Lock()
	defer o.hmu.Unlock()
	for _, b := range o.breakers {
		b.until = time.Time{}
	}
}

func (o *Outbox) breaker(province string) *breaker {
	b, ok := o.breakers[province]
	if !ok {
		b = &breaker{}
		o.breakers[province] = b
	}
	return b
}

// publish recomputes the snapshot and calls the callback when it changed.
// Calls are serialised so that the callback sees snapshots in order.
func (o *Outbox) publish(ctx context.Context) {
	o.pubMu.Lock()
	defer o.pubMu.Unlock()
	pending, _, rejected, err := o.Stats(context.WithoutCancel(ctx))
	o.hmu.Lock()
	h := Health{
		Pending:     pending,
		Rejected:    rejected,
		Provinces:   make(map[string]application.PlatformState, len(o.breakers)),
		LastError:   o.lastError,
		LastSuccess: o.lastSuccess,
	}
	if err != nil { // keep the last known counts
		h.Pending, h.Rejected = o.health.Pending, o.health.Rejected
	}
	// A province of Options.Provinces that has neither answered nor failed
	// yet is unknown: the kiosk shows what it measured, not a hope.
	for _, p := range o.opt.Provinces {
		h.Provinces[p] = application.PlatformUnknown
	}
	offline, measured := 0, 0
	for p, b := range o.breakers {
		st := b.state(o.opt.BreakerThreshold)
		h.Provinces[p] = st
		measured++
		if st == application.PlatformOffline {
			offline++
			if h.NextTry.IsZero() || b.until.Before(h.NextTry) {
				h.NextTry = b.until
			}
		}
	}
	switch {
	case measured == 0:
		h.State = application.PlatformUnknown
	case offline == measured:
		h.State = application.PlatformOffline
	default:
		h.State = application.PlatformOnline
		for _, b := range o.breakers {
			if b.state(o.opt.BreakerThreshold) != application.PlatformOnline {
				h.State = application.PlatformDegraded
			}
		}
	}
	changed := !reflect.DeepEqual(h, o.health)
	if changed {
		o.health = h
	}
	f := o.onHealth
	o.hmu.Unlock()
	if changed {
		if h.State != o.loggedState {
			o.log.Info("platform state", "state", h.State, "pending", h.Pending)
			o.loggedState = h.State
		}
		if f != nil {
			f(Health{State: h.State, Pending: h.Pending, Rejected: h.Rejected, Provinces: maps.Clone(h.Provinces),
				LastError: h.LastError, LastSuccess: h.LastSuccess, NextTry: h.NextTry})
		}
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
