package platformsim

import (
	"math/rand/v2"
	"net"
	"net/http"
	"time"
)

// Faults is the simulator's random fault injection, applied to every API
// request (not to /track or /sim). Rates are probabilities from 0 to 1,
// drawn independently per request.
type Faults struct {
	// Latency is added to every answer.
	Latency time.Duration
	// ErrorRate answers HTTP 500 before the request is processed.
	ErrorRate float64
	// ResetRate resets the connection (TCP RST) before the request is
	// processed.
	ResetRate float64
	// DropAfterCommitRate processes the request (an application becomes a
	// case) and then resets the connection instead of answering: the lost
	// answer the idempotency key exists for.
	DropAfterCommitRate float64
	// SlowRate holds an answer back for SlowDelay more.
	SlowRate float64
	// SlowDelay is the extra wait of a slow answer; 0 means 5 s.
	SlowDelay time.Duration
}

// SetFaults replaces the fault injection.
func (s *Sim) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.log.Info("sim faults", "latency", f.Latency, "error_rate", f.ErrorRate, "reset_rate", f.ResetRate,
		"drop_after_commit_rate", f.DropAfterCommitRate, "slow_rate", f.SlowRate, "slow_delay", f.SlowDelay)
}

// Faults returns the fault injection in force.
func (s *Sim) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// faultPlan is what the faults decided for one request.
type faultPlan struct {
	fail      bool // HTTP 500 before processing
	reset     bool // reset before processing
	dropAfter bool // process, then reset
	extra     time.Duration
}

func (f Faults) plan() faultPlan {
	p := faultPlan{extra: f.Latency}
	hit := func(rate float64) bool { return rate > 0 && rand.Float64() < rate }
	p.reset = hit(f.ResetRate)
	p.fail = !p.reset && hit(f.ErrorRate)
	p.dropAfter = hit(f.DropAfterCommitRate)
	if hit(f.SlowRate) {
		d := f.SlowDelay
		if d <= 0 {
			d = 5 * time.Second
		}
		p.extra += d
	}
	return p
}

// resetConn drops the client's connection with a TCP reset, without an
// answer.
func resetConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // close sends RST
	}
	_ = conn.Close()
}
