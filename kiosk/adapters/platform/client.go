package platform

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"sckiosk/kiosk/core/application"
)

// maxAnswer bounds how much of an answer the client reads.
const maxAnswer = 1 << 20

// defaultTimeout bounds one request when the caller gives no http.Client.
const defaultTimeout = 30 * time.Second

// Signer authenticates a request to a platform, for example with an SM2
// signature over the SM3 digest of the body and a timestamp. It is called
// once per request after every other header is set; body is the exact bytes
// sent (nil for a GET).
type Signer interface {
	Sign(req *http.Request, body []byte) error
}

// ClientOption configures a Client.
type ClientOption func(*Client)

// WithSigner makes the client sign every request with s.
func WithSigner(s Signer) ClientOption {
	return func(c *Client) { c.signer = s }
}

// WithProvinceSigner makes the client sign the requests to the platform of
// province with s, overriding WithSigner there: each platform knows the
// kiosk by its own app id and key.
func WithProvinceSigner(province string, s Signer) ClientOption {
	return func(c *Client) { c.signers[province] = s }
}

// WithPlatformKey makes the client verify the answers of the platform of
// province with pub instead of the demo platform key.
func WithPlatformKey(province string, pub *ecdsa.PublicKey) ClientOption {
	return func(c *Client) { c.platformKeys[province] = pub }
}

// WithCA pins the certificate authorities (PEM) that https endpoints
// without their own (WithProvinceCA) must chain to: the system roots are
// then not trusted. Given more than once, the CAs add up. NewClient fails
// when caPEM holds no certificate.
func WithCA(caPEM []byte) ClientOption {
	return func(c *Client) { c.caPEM = appendPEM(c.caPEM, caPEM) }
}

// WithProvinceCA pins the certificate authorities (PEM) that the endpoint
// of province must chain to, and only that endpoint: a certificate issued
// by another province's CA (or by a CA of WithCA, or the system roots) is
// refused there. Given more than once for a province, its CAs add up.
// NewClient fails when caPEM holds no certificate.
func WithProvinceCA(province string, caPEM []byte) ClientOption {
	return func(c *Client) { c.provinceCAs[province] = appendPEM(c.provinceCAs[province], caPEM) }
}

// appendPEM joins PEM texts.
func appendPEM(to, pem []byte) []byte {
	if len(to) > 0 && len(pem) > 0 {
		to = append(to, '\n')
	}
	return append(to, pem...)
}

// WithUserAgent sets the User-Agent header of every request.
func WithUserAgent(ua string) ClientOption {
	return func(c *Client) { c.userAgent = ua }
}

// Client talks HTTP to the provincial platforms, routing each request by
// province, with the protocol described at Envelope. It implements
// Submitter and is safe for concurrent use. Every request goes through one
// path, where a Signer authenticates it, and every answer's platform
// signature (SignResponse) is verified before it is read.
//
// Without WithSigner the client signs as the demo kiosk (DemoAppID,
// DemoKioskKey), and without WithPlatformKey it trusts the demo platform key:
// that is what the simulator expects out of the box, and it is for
// simulation only; a production profile must give real keys.
type Client struct {
	endpoints    map[string]*url.URL
	http         *http.Client
	log          *slog.Logger
	signer       Signer                      // for provinces without their own
	signers      map[string]Signer           // by province
	platformKeys map[string]*ecdsa.PublicKey // by province
	caPEM        []byte                      // CAs of provinces without their own
	provinceCAs  map[string][]byte           // by province
	https        map[string]*http.Client     // by province; c.http for the others
	userAgent    string
}

var _ application.Submitter = (*Client)(nil)

// NewClient returns a client for the platforms in endpoints (province code,
// e.g. Sichuan, -> base URL such as "https://gw.example/sc"). httpClient
// carries timeouts and TLS; nil means a client with a 30 s timeout. log may
// be nil.
func NewClient(endpoints map[string]string, httpClient *http.Client, log *slog.Logger, opts ...ClientOption) (*Client, error) {
	if len(endpoints) == 0 {
		return nil, errors.New("platform: new client: no endpoints")
	}
	if httpClient == nil {
		httpClient = &http.Client{Timeout: defaultTimeout}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Client{
		endpoints:    make(map[string]*url.URL, len(endpoints)),
		http:         httpClient,
		log:          log,
		platformKeys: map[string]*ecdsa.PublicKey{},
		signers:      map[string]Signer{},
		provinceCAs:  map[string][]byte{},
		https:        map[string]*http.Client{},
		userAgent:    "sckiosk-platform-client/1",
	}
	provinces := make([]string, 0, len(endpoints))
	for p := range endpoints {
		provinces = append(provinces, p)
	}
	sort.Strings(provinces)
	for _, p := range provinces {
		u, err := url.Parse(endpoints[p])
		if err != nil {
			return nil, fmt.Errorf("platform: new client: endpoint for %s: %w", p, err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("platform: new client: endpoint for %s: want an http(s) URL with a host, got %q", p, endpoints[p])
		}
		if u.Scheme == "http" && !isLoopback(u.Hostname()) {
			log.Warn("platform endpoint without TLS", "province", p, "host", u.Host)
		}
		c.endpoints[p] = u
	}
	for _, o := range opts {
		o(c)
	}
	demoSigner := c.signer == nil
	if demoSigner {
		signer, err := NewSM2Signer(DemoAppID, DemoKioskKey())
		if err != nil {
			return nil, fmt.Errorf("platform: new client: %w", err)
		}
		c.signer = signer
	}
	for _, p := range provinces {
		demo := false
		if c.signers[p] == nil {
			c.signers[p], demo = c.signer, demoSigner
		}
		if c.platformKeys[p] == nil {
			c.platformKeys[p], demo = &DemoPlatformKey().PublicKey, true
		}
		if u := c.endpoints[p]; demo && !isLoopback(u.Hostname()) {
			log.Warn("platform client uses the demo identity (simulation only) for a non-loopback endpoint",
				"province", p, "host", u.Host)
		}
	}
	for _, p := range provinces {
		pem, own := c.provinceCAs[p]
		if !own {
			continue
		}
		hc, err := pinnedClient(c.http, pem)
		if err != nil {
			return nil, fmt.Errorf("platform: new client: province %s: %w", p, err)
		}
		c.https[p] = hc
	}
	if c.caPEM != nil {
		hc, err := pinnedClient(c.http, c.caPEM)
		if err != nil {
			return nil, fmt.Errorf("platform: new client: %w", err)
		}
		c.http = hc
	}
	return c, nil
}

// pinnedClient is a copy of base whose transport trusts only the CAs in
// caPEM, TLS 1.2 at least; base is left alone.
func pinnedClient(base *http.Client, caPEM []byte) (*http.Client, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("pinned CA: no certificate in PEM")
	}
	hc := *base
	tr, ok := hc.Transport.(*http.Transport)
	if hc.Transport == nil {
		tr, ok = http.DefaultTransport.(*http.Transport)
	}
	if !ok {
		return nil, fmt.Errorf("pinned CA: cannot configure transport %T", hc.Transport)
	}
	tr = tr.Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	hc.Transport = tr
	return &hc, nil
}

// httpFor is the HTTP client for the platform of province: the one that
// trusts that province's own CAs when it has some.
func (c *Client) httpFor(province string) *http.Client {
	if hc, ok := c.https[province]; ok {
		return hc
	}
	return c.http
}

// Submit sends app to the platform of app.Province with app.RequestID as the
// idempotency key. Resending the same application returns the same case with
// Duplicate set. Errors wrap ErrRejected (do not resend), ErrUnavailable
// (resend later, same request_id) or ErrUnknownProvince.
func (c *Client) Submit(ctx context.Context, app application.Application) (application.Receipt, error) {
	body, err := json.Marshal(app)
	if err != nil {
		return application.Receipt{}, fmt.Errorf("platform: submit: encode application: %w", err)
	}
	ans, err := c.roundTrip(ctx, request{
		op:       "submit",
		province: app.Province,
		method:   http.MethodPost,
		path:     []string{"api", "v1", "applications"},
		body:     body,
		key:      app.RequestID,
	})
	if err != nil {
		return application.Receipt{}, err
	}
	var rc application.Receipt
	decodeErr := json.Unmarshal(ans.env.Data, &rc)
	if ans.status == http.StatusConflict {
		if decodeErr == nil && rc.CaseNumber != "" {
			rc.Duplicate = true
		} else {
			return application.Receipt{}, ans.apiError(ErrUnavailable) // the same key is still in flight
		}
	} else if err := ans.class(); err != nil {
		return application.Receipt{}, err
	}
	if decodeErr != nil || rc.CaseNumber == "" {
		return application.Receipt{}, fmt.Errorf("platform %s: submit: %w: answer without a case number", app.Province, ErrUnavailable)
	}
	if rc.RequestID == "" {
		rc.RequestID = app.RequestID
	}
	if rc.RequestID != app.RequestID {
		return application.Receipt{}, fmt.Errorf("platform %s: submit: %w: answer for request %q, sent %q", app.Province, ErrUnavailable, rc.RequestID, app.RequestID)
	}
	c.log.Debug("platform accepted application", "province", app.Province, "request_id", app.RequestID,
		"case", rc.CaseNumber, "duplicate", rc.Duplicate)
	return rc, nil
}

// CaseStatus asks the platform of province about a case. An unknown case
// gives an error wrapping ErrNotFound.
func (c *Client) CaseStatus(ctx context.Context, province, caseNumber string) (CaseStatus, error) {
	if !validCaseNumber(caseNumber) {
		return CaseStatus{}, fmt.Errorf("platform: case status: invalid case number %q", caseNumber)
	}
	ans, err := c.roundTrip(ctx, request{
		op:       "case status",
		province: province,
		method:   http.MethodGet,
		path:     []string{"api", "v1", "cases", caseNumber},
	})
	if err != nil {
		return CaseStatus{}, err
	}
	if err := ans.class(); err != nil {
		return CaseStatus{}, err
	}
	var st CaseStatus
	if err := json.Unmarshal(ans.env.Data, &st); err != nil {
		return CaseStatus{}, fmt.Errorf("platform %s: case status: %w: decode: %w", province, ErrUnavailable, err)
	}
	return st, nil
}

// Health checks that the platform of province answers. A nil error means it
// is up.
func (c *Client) Health(ctx context.Context, province string) error {
	ans, err := c.roundTrip(ctx, request{
		op:       "health",
		province: province,
		method:   http.MethodGet,
		path:     []string{"api", "v1", "health"},
	})
	if err != nil {
		return err
	}
	return ans.class()
}

// request is one call to a platform.
type request struct {
	op       string
	province string
	method   string
	path     []string // segments below the base URL, escaped when joined
	body     []byte   // JSON, nil for none
	key      string   // Idempotency-Key, "" for none
}

// answer is a platform's reply to a request.
type answer struct {
	req        request
	status     int
	env        Envelope
	retryAfter time.Duration
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP
// date; 0 when absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(max(n, 0)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// roundTrip sends r and reads the answer. Transport failures and unreadable
// answers come back as errors wrapping ErrUnavailable; classifying the
// status is left to the caller.
func (c *Client) roundTrip(ctx context.Context, r request) (answer, error) {
	base, ok := c.endpoints[r.province]
	if !ok {
		return answer{}, fmt.Errorf("platform: %s: %w %q", r.op, ErrUnknownProvince, r.province)
	}
	target := base.JoinPath(r.path...)
	var rd io.Reader
	if r.body != nil {
		rd = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target.String(), rd)
	if err != nil {
		return answer{}, fmt.Errorf("platform %s: %s: build request: %w", r.province, r.op, err)
	}
	// A signed request must not be resent as it is: its nonce would be a
	// replay. Without GetBody the transport does not retry a POST on a
	// broken connection; the caller (the outbox) resends, signed afresh.
	req.GetBody = nil
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	if r.key != "" {
		req.Header.Set("Idempotency-Key", r.key)
	}
	if s := c.signers[r.province]; s != nil {
		if err := s.Sign(req, r.body); err != nil {
			return answer{}, fmt.Errorf("platform %s: %s: sign: %w", r.province, r.op, err)
		}
	}
	start := time.Now()
	resp, err := c.httpFor(r.province).Do(req)
	if err != nil {
		c.log.Debug("platform request failed", "province", r.province, "op", r.op, "request_id", r.key,
			"elapsed", time.Since(start), "err", err)
		return answer{}, fmt.Errorf("platform %s: %s: %w: %w", r.province, r.op, ErrUnavailable, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return answer{}, fmt.Errorf("platform %s: %s: %w: read answer: %w", r.province, r.op, ErrUnavailable, err)
	}
	if err := verifyResponse(c.platformKeys[r.province], req, resp, raw); err != nil {
		c.log.Warn("platform answer refused", "province", r.province, "op", r.op, "request_id", r.key,
			"status", resp.StatusCode, "err", err)
		return answer{}, fmt.Errorf("platform %s: %s: %w: answer HTTP %d %s: %w", r.province, r.op, ErrUnavailable,
			resp.StatusCode, http.StatusText(resp.StatusCode), err)
	}
	ans := answer{req: r, status: resp.StatusCode, retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}
	if err := json.Unmarshal(raw, &ans.env); err != nil {
		// Not an envelope: a proxy's error page, say. Keep the status.
		ans.env = Envelope{Code: 0, Message: http.StatusText(resp.StatusCode)}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return answer{}, fmt.Errorf("platform %s: %s: %w: answer is not a JSON envelope", r.province, r.op, ErrUnavailable)
		}
	}
	c.log.Debug("platform answered", "province", r.province, "op", r.op, "request_id", r.key,
		"status", resp.StatusCode, "code", ans.env.Code, "elapsed", time.Since(start))
	return ans, nil
}

// class returns nil for a successful answer, or an *APIError of the class
// the Envelope documentation gives.
func (a answer) class() error {
	s, code := a.status, a.env.Code
	switch {
	case s >= 200 && s < 300 && code == CodeOK:
		return nil
	case s >= 200 && s < 300:
		s = code / 100 // an HTTP-200 gateway: the code carries the class
	}
	switch {
	case s == http.StatusRequestTimeout, s == http.StatusConflict, s == http.StatusTooEarly, s == http.StatusTooManyRequests:
		return a.apiError(ErrUnavailable)
	case s == http.StatusUnauthorized && a.env.Code == CodeReplay:
		// The same signed request arrived twice (a proxy or transport
		// resent it): sending again signs it afresh.
		return a.apiError(ErrUnavailable)
	case s == http.StatusNotFound && (a.req.op == "case status" || a.req.op == "case by request" || a.req.op == "evaluate"):
		return a.apiError(ErrNotFound)
	case s >= 400 && s < 500:
		return a.apiError(ErrRejected)
	default:
		return a.apiError(ErrUnavailable)
	}
}

func (a answer) apiError(class error) *APIError {
	return &APIError{
		Province:   a.req.province,
		Op:         a.req.op,
		Status:     a.status,
		Code:       a.env.Code,
		Message:    a.env.Message,
		RetryAfter: a.retryAfter,
		class:      class,
	}
}

// validCaseNumber reports whether n can be a case number: 1 to 50 letters,
// digits, '-' or '_' (GB/T 39046 办件编号 an..50).
func validCaseNumber(n string) bool {
	if n == "" || len(n) > 50 {
		return false
	}
	for _, r := range n {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
