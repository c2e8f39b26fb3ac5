package hall

import (
	"context"
	"errors"
	"fmt"
	"time"

	"sckiosk/kiosk/fleet"
)

// Pinger proves each online kiosk's command path: every Every it sends
// the kiosk a signed ping on its command topic and waits Timeout for the
// answer. A kiosk that does not answer shows as 指令不通 (NoCommand) and
// is pinged again every Timeout until it answers; the kiosk, for its
// part, reconnects when it has heard no ping for longer than its own
// fleet.ping_timeout.
type Pinger struct {
	Server  *Server
	Every   time.Duration // between pings of one kiosk; 0 means 3 minutes
	Timeout time.Duration // wait for the answer; 0 means 30 s
	// Parallel bounds the pings in flight; 0 means 64.
	Parallel int
}

// ErrPingConfig is a ping timeout not shorter than the period.
var ErrPingConfig = errors.New("hall: --ping-timeout must be shorter than --ping-every")

func (p *Pinger) defaults() error {
	if p.Every <= 0 {
		p.Every = 3 * time.Minute
	}
	if p.Timeout <= 0 {
		p.Timeout = 30 * time.Second
	}
	if p.Parallel <= 0 {
		p.Parallel = 64
	}
	if p.Timeout >= p.Every {
		return fmt.Errorf("%w (%v, %v)", ErrPingConfig, p.Timeout, p.Every)
	}
	return nil
}

// Check reports whether the settings are usable (with the defaults
// filled in).
func (p *Pinger) Check() error { return p.defaults() }

// Run pings until ctx ends.
func (p *Pinger) Run(ctx context.Context) error {
	if err := p.defaults(); err != nil {
		return err
	}
	s := p.Server
	next := map[string]time.Time{}
	busy := map[string]bool{}
	done := make(chan string, p.Parallel)
	slots := p.Parallel
	tick := time.NewTicker(min(p.Timeout/2, 5*time.Second))
	defer tick.Stop()
	for {
		now := s.cfg.Now()
		for _, v := range s.cfg.Registry.List() {
			key := v.Key()
			if slots == 0 {
				break
			}
			if busy[key] || (v.Status != Online && v.Status != NoCommand) || now.Before(next[key]) {
				continue
			}
			busy[key], slots = true, slots-1
			if v.Status == NoCommand {
				next[key] = now.Add(p.Timeout) // until it answers again
			} else {
				next[key] = now.Add(p.Every)
			}
			go func() {
				p.ping(ctx, key)
				done <- key
			}()
		}
		for waiting := true; waiting; {
			select {
			case <-ctx.Done():
				for ; slots < p.Parallel; slots++ {
					<-done
				}
				return nil
			case key := <-done:
				delete(busy, key)
				slots++
			case <-tick.C:
				waiting = false
			}
		}
	}
}

// ping sends one signed ping and records the outcome.
func (p *Pinger) ping(ctx context.Context, key string) {
	s := p.Server
	v, ok := s.cfg.Registry.Get(key)
	if !ok {
		return
	}
	now := s.cfg.Now()
	c := fleet.Command{ID: fleet.NewCommandID(), Kiosk: v.Kiosk, Action: fleet.ActionPing, IssuedAt: now,
		ExpiresAt: now.Add(p.Timeout), Issuer: s.cfg.Issuer}
	env, err := fleet.Sign(c, s.cfg.Key, s.cfg.KeyID)
	if err != nil {
		s.log.Error("ping not signed", "kiosk", key, "err", err)
		return
	}
	ch := make(chan fleet.Reply, 1)
	s.mu.Lock()
	s.replies[c.ID] = ch
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.replies, c.ID)
		s.mu.Unlock()
	}()
	answered := false
	if err := s.cfg.Pub.Publish(v.Identity.Topic(fleet.KindCmd), env, false, 1); err != nil {
		s.log.Warn("ping not sent", "kiosk", key, "err", err)
	} else {
		t := time.NewTimer(p.Timeout)
		defer t.Stop()
		select {
		case r := <-ch:
			answered = r.OK
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
	if !answered && !v.PingLost {
		s.log.Warn("kiosk did not answer its ping: commands do not reach it", "kiosk", key, "timeout", p.Timeout)
	}
	if answered && v.PingLost {
		s.log.Info("kiosk answers its ping again", "kiosk", key)
	}
	s.cfg.Registry.Pinged(key, answered, s.cfg.Now())
}
