package printer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"sckiosk/devices/device"
	"sckiosk/devices/serialport"
)

// conn is one session's open port. Whoever holds the token may use the
// port; a job's writer goroutine keeps it until the write ends, even after
// Print gave up on it.
type conn struct {
	port    serialport.Port
	report  func(device.Status)
	token   chan struct{} // holds one value while the port is free
	failed  chan error    // an I/O failure outside the session goroutine
	kick    chan struct{} // ask the session to poll now
	done    chan struct{} // closed when the session ends
	stalled atomic.Bool   // a timed-out job's writer still holds the port
	replies chan byte     // DLE EOT reply bytes from the reader
	readEnd chan struct{} // closed when the reader stops using the port
	asbLost atomic.Bool   // the printer went deaf: enable ASB again when it answers
	asbSeq  atomic.Uint64 // ASB blocks applied; bumped under Driver.mu
}

func newConn(port serialport.Port, report func(device.Status)) *conn {
	c := &conn{
		port:    port,
		report:  report,
		token:   make(chan struct{}, 1),
		failed:  make(chan error, 1),
		kick:    make(chan struct{}, 1),
		done:    make(chan struct{}),
		replies: make(chan byte, 16),
		readEnd: make(chan struct{}),
	}
	c.token <- struct{}{}
	return c
}

// errSessionEnded means the session closed while a caller waited for the
// port.
var errSessionEnded = errors.New("session ended")

// acquire waits for the port.
func (c *conn) acquire(ctx context.Context) error {
	select {
	case <-c.token:
	case <-ctx.Done():
		return ctx.Err()
	case <-c.done:
		return errSessionEnded
	}
	select {
	case <-c.done:
		c.release()
		return errSessionEnded
	default:
		return nil
	}
}

// tryAcquire takes the port if it is free.
func (c *conn) tryAcquire() bool {
	select {
	case <-c.token:
		return true
	default:
		return false
	}
}

func (c *conn) release() { c.token <- struct{}{} }

// fail ends the session with err (the first failure wins).
func (c *conn) fail(err error) {
	select {
	case c.failed <- err:
	default:
	}
}

// query asks DLE EOT 1–4. answered is false when a reply did not come
// within timeout; err is a port I/O error. The caller holds the token.
func (c *conn) query(timeout time.Duration) (st Status, answered bool, err error) {
	c.drainReplies() // a late answer to an earlier query is stale
	for n := 1; n <= 4; n++ {
		if _, err := c.port.Write(StatusQuery(n)); err != nil {
			return st, false, fmt.Errorf("send DLE EOT %d: %w", n, err)
		}
		b, ok, err := c.readStatusByte(timeout)
		if err != nil {
			return st, false, fmt.Errorf("read DLE EOT %d reply: %w", n, err)
		}
		if !ok {
			return st, false, nil
		}
		if err := st.Apply(n, b); err != nil {
			return st, false, err
		}
	}
	return st, true, nil
}

func (c *conn) drainReplies() {
	for {
		select {
		case <-c.replies:
		default:
			return
		}
	}
}

// readStatusByte waits up to timeout for a DLE EOT reply from the reader.
// An error means the reader stopped (the line failed or the session ended).
func (c *conn) readStatusByte(timeout time.Duration) (byte, bool, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case b := <-c.replies:
		return b, true, nil
	case <-t.C:
		return 0, false, nil
	case <-c.readEnd:
		return 0, false, errReaderStopped
	}
}

// errReaderStopped means the port's reader ended: a read failed or the
// session closed.
var errReaderStopped = errors.New("port reader stopped")

// readLoop is the only reader of the port for the whole session. It splits
// what the printer sends into DLE EOT replies, which go to query, and ASB
// blocks, which go to onASB. A read error ends the session.
func (c *conn) readLoop(onASB func(Status), log *slog.Logger) {
	defer close(c.readEnd)
	if err := c.port.SetReadTimeout(100 * time.Millisecond); err != nil {
		c.fail(fmt.Errorf("printer: set read timeout: %w", err))
		return
	}
	var dm demux
	buf := make([]byte, 64)
	for {
		select {
		case <-c.done:
			return
		default:
		}
		n, err := c.port.Read(buf)
		dm.feed(buf[:n], func(r reply) {
			if !r.asb {
				select {
				case c.replies <- r.status:
				default:
					log.Debug("unexpected status byte dropped", "byte", r.status)
				}
				return
			}
			st, err := ParseASB(r.block)
			if err != nil { // cannot happen: demux checks the pattern
				return
			}
			onASB(st)
		})
		if err != nil {
			c.fail(fmt.Errorf("printer: read port: %w", err))
			return
		}
	}
}
