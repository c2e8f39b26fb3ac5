package platformsim

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"sync/atomic"
)

// Exchange is one request a simulator answered and its answer, as they
// were on the wire.
type Exchange struct {
	Method      string
	URL         string // path and query as received (RequestURI)
	Header      http.Header
	Body        []byte
	Status      int
	Answer      http.Header
	AnswerBody  []byte
	Unsupported bool // no endpoint had the path (404) or the method (405)
	Injected    bool // a fault switch made the answer up (FailNext, a broken catalogue)
}

// observer is the function every simulator reports its exchanges to, nil
// when none is installed.
var observer atomic.Pointer[func(Exchange)]

// ObserveExchanges makes every simulator of the process report each
// exchange it completes to f, until the returned function is called. It
// is for contract tests (the OpenAPI document checks every answer a test
// suite sees); f must be safe for concurrent use. An answer abandoned by
// a connection-reset fault is not reported.
func ObserveExchanges(f func(Exchange)) (stop func()) {
	observer.Store(&f)
	return func() { observer.CompareAndSwap(&f, nil) }
}

// serveObserved serves r through a recorder and reports the exchange.
func (s *Sim) serveObserved(w http.ResponseWriter, r *http.Request, f func(Exchange)) {
	head, err := io.ReadAll(io.LimitReader(r.Body, maxApplication+1))
	if err != nil {
		head = nil
	}
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(head), r.Body))
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	x := Exchange{Method: r.Method, URL: r.URL.RequestURI(), Header: r.Header.Clone(), Body: head}
	x.Unsupported = s.route(rec, r)
	if rec.hijacked || !rec.wrote {
		return // the answer was lost on purpose (a fault, a client gone)
	}
	x.Status, x.Answer, x.AnswerBody = rec.status, w.Header().Clone(), rec.body.Bytes()
	x.Injected = rec.injected
	f(x)
}

// recorder passes an answer through and keeps a copy.
type recorder struct {
	http.ResponseWriter
	status   int
	wrote    bool
	hijacked bool
	injected bool
	body     bytes.Buffer
}

func (rc *recorder) WriteHeader(status int) {
	if !rc.wrote {
		rc.status, rc.wrote = status, true
	}
	rc.ResponseWriter.WriteHeader(status)
}

func (rc *recorder) Write(p []byte) (int, error) {
	rc.wrote = true
	rc.body.Write(p)
	return rc.ResponseWriter.Write(p)
}

// Hijack lets the reset faults take the connection over.
func (rc *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	rc.hijacked = true
	hj, ok := rc.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	return hj.Hijack()
}

// Flush passes a flush on.
func (rc *recorder) Flush() {
	if fl, ok := rc.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
}
