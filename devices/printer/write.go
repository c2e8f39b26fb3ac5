package printer

import (
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// writeChunk is the unit of progress of a job write.
const writeChunk = 512

// write sends job in chunks from a goroutine that holds the port token.
// On success or an I/O error the token is back with the caller. On
// ErrWriteTimeout the goroutine keeps the token and the conn is marked
// stalled until the blocked write returns; then it stops, releases the
// port and asks the session to poll.
func (d *Driver) write(c *conn, job []byte) error {
	progress := make(chan struct{}, 1)
	result := make(chan error, 1)
	var settled atomic.Bool // set by whichever side decides the outcome first
	go func() {
		err := writeChunks(c.port, job, progress, &settled)
		if settled.CompareAndSwap(false, true) {
			result <- err
			return
		}
		// Print gave up on this job: drop the rest, and what the last
		// blocked write left in the host's buffers, and free the port.
		if err != nil && !errors.Is(err, errAbandoned) {
			c.fail(fmt.Errorf("printer: write abandoned job: %w", err))
		}
		d.discardOutput(c)
		d.log.Info("stalled job's write returned, rest dropped")
		c.stalled.Store(false)
		c.release()
		select {
		case c.kick <- struct{}{}:
		default:
		}
	}()
	timer := time.NewTimer(d.opts.WriteTimeout)
	defer timer.Stop()
	for {
		select {
		case err := <-result:
			return err
		case <-progress:
			timer.Reset(d.opts.WriteTimeout)
		case <-timer.C:
			c.stalled.Store(true)
			if settled.CompareAndSwap(false, true) {
				d.discardOutput(c)
				return ErrWriteTimeout
			}
			c.stalled.Store(false)
			return <-result
		}
	}
}

// discardOutput drops the bytes of a dropped job that are still queued in
// the host (serial driver, USB adapter, pty) and have not reached the
// printer, so they cannot come out on the next citizen's receipt when the
// line moves again. Bytes the printer already took in are beyond reach.
func (d *Driver) discardOutput(c *conn) {
	f, ok := c.port.(interface{ ResetOutputBuffer() error })
	if !ok {
		return
	}
	if err := f.ResetOutputBuffer(); err != nil {
		d.log.Warn("discard queued job bytes", "err", err)
	}
}

// errAbandoned ends the write of a job Print gave up on.
var errAbandoned = errors.New("job abandoned")

func writeChunks(w io.Writer, job []byte, progress chan<- struct{}, abandoned *atomic.Bool) error {
	for off := 0; off < len(job); {
		if abandoned.Load() {
			return errAbandoned
		}
		end := min(off+writeChunk, len(job))
		n, err := w.Write(job[off:end])
		off += n
		if err != nil {
			return err
		}
		if n == 0 {
			return io.ErrShortWrite
		}
		select {
		case progress <- struct{}{}:
		default:
		}
	}
	return nil
}
