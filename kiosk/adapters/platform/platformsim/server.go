package platformsim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Server is a Sim serving HTTP on a TCP listener.
type Server struct {
	srv    *http.Server
	ln     net.Listener
	cancel context.CancelFunc
	done   chan struct{}
	err    error // set before done is closed
}

// Start serves the simulator on addr ("127.0.0.1:0" picks a free port) until
// Shutdown or Close.
func (s *Sim) Start(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("platform sim: listen %s: %w", addr, err)
	}
	base, cancel := context.WithCancel(context.Background())
	ss := &Server{
		ln:     ln,
		cancel: cancel,
		done:   make(chan struct{}),
		srv: &http.Server{
			Handler:           s,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			IdleTimeout:       2 * time.Minute,
			BaseContext:       func(net.Listener) context.Context { return base },
			ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		},
	}
	go func() {
		err := ss.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		ss.err = err
		close(ss.done)
	}()
	s.log.Info("sim listening", "url", ss.URL())
	return ss, nil
}

// URL returns the base URL of the server, e.g. "http://127.0.0.1:8451".
func (ss *Server) URL() string { return "http://" + ss.ln.Addr().String() }

// Addr returns the address the server listens on.
func (ss *Server) Addr() net.Addr { return ss.ln.Addr() }

// Done is closed when the server has stopped serving.
func (ss *Server) Done() <-chan struct{} { return ss.done }

// Err returns why the server stopped, nil after Shutdown or Close. It is
// meaningful once Done is closed.
func (ss *Server) Err() error {
	select {
	case <-ss.done:
		return ss.err
	default:
		return nil
	}
}

// Shutdown stops accepting connections, abandons answers held back by the
// delay switch and waits for the others until ctx ends, then closes what
// remains.
func (ss *Server) Shutdown(ctx context.Context) error {
	ss.cancel()
	err := ss.srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, ss.srv.Close())
		return fmt.Errorf("platform sim: shutdown: %w", err)
	}
	<-ss.done
	return nil
}

// Close stops the server at once.
func (ss *Server) Close() error {
	ss.cancel()
	if err := ss.srv.Close(); err != nil {
		return fmt.Errorf("platform sim: close: %w", err)
	}
	<-ss.done
	return nil
}

// readBody reads at most limit bytes of r and reports whether there was
// more.
func readBody(r io.Reader, limit int64) ([]byte, bool, error) {
	raw, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(raw)) > limit {
		return raw[:limit], true, nil
	}
	return raw, false, nil
}

// nopBody makes a read body readable again.
func nopBody(raw []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(raw)) }
