// Package webdriver is a minimal W3C WebDriver client, enough for tests
// to drive a headless browser through chromedriver: start the driver,
// open and close a session, navigate, find elements by CSS selector, read
// their text, click them, type into them and run scripts. It uses only
// the standard library.
package webdriver

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"sckiosk/internal/logbuf"
)

// elementKey is the W3C web element identifier's JSON key.
const elementKey = "element-6066-11e4-a52e-4f735466cecf"

// Error codes of the W3C specification that callers test for.
const (
	CodeNoSuchElement = "no such element"
	CodeStaleElement  = "stale element reference"
)

// Error is an error the WebDriver server answered with.
type Error struct {
	Status  int    // HTTP status
	Code    string // W3C error code, e.g. "no such element"
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("webdriver: %s (HTTP %d): %s", e.Code, e.Status, e.Message)
}

// IsCode reports whether err is a WebDriver error with this code.
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// Client talks to one WebDriver server.
type Client struct {
	URL  string       // e.g. http://127.0.0.1:9515, no trailing slash
	HTTP *http.Client // nil: a client with a 2-minute timeout
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 2 * time.Minute}
}

// do sends one command and decodes the "value" of the answer into out
// (when out is not nil).
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("webdriver: %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.URL+path, rd)
	if err != nil {
		return fmt.Errorf("webdriver: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return fmt.Errorf("webdriver: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("webdriver: %s %s: %w", method, path, err)
	}
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("webdriver: %s %s: HTTP %d, not JSON: %.200q", method, path, resp.StatusCode, raw)
	}
	if resp.StatusCode >= 400 {
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(env.Value, &e)
		if e.Error == "" {
			e.Error = "unknown error"
		}
		return &Error{Status: resp.StatusCode, Code: e.Error, Message: e.Message}
	}
	if out == nil || len(env.Value) == 0 {
		return nil
	}
	if err := json.Unmarshal(env.Value, out); err != nil {
		return fmt.Errorf("webdriver: %s %s: %w", method, path, err)
	}
	return nil
}

// Ready reports whether the server accepts new sessions (GET /status).
func (c *Client) Ready(ctx context.Context) (bool, error) {
	var st struct {
		Ready bool `json:"ready"`
	}
	if err := c.do(ctx, http.MethodGet, "/status", nil, &st); err != nil {
		return false, err
	}
	return st.Ready, nil
}

// Session is one browser session.
type Session struct {
	c  *Client
	ID string
	// Capabilities are those the server granted.
	Capabilities map[string]any
}

// NewSession starts a browser with these capabilities (alwaysMatch), e.g.
// {"browserName": "chrome", "goog:chromeOptions": {...}}.
func (c *Client) NewSession(ctx context.Context, capabilities map[string]any) (*Session, error) {
	var out struct {
		SessionID    string         `json:"sessionId"`
		Capabilities map[string]any `json:"capabilities"`
	}
	body := map[string]any{"capabilities": map[string]any{"alwaysMatch": capabilities}}
	if err := c.do(ctx, http.MethodPost, "/session", body, &out); err != nil {
		return nil, err
	}
	if out.SessionID == "" {
		return nil, errors.New("webdriver: new session: no session id in the answer")
	}
	return &Session{c: c, ID: out.SessionID, Capabilities: out.Capabilities}, nil
}

func (s *Session) path(p string) string { return "/session/" + s.ID + p }

// Delete ends the session and closes the browser.
func (s *Session) Delete(ctx context.Context) error {
	return s.c.do(ctx, http.MethodDelete, s.path(""), nil, nil)
}

// Navigate loads url and waits for it to load.
func (s *Session) Navigate(ctx context.Context, url string) error {
	return s.c.do(ctx, http.MethodPost, s.path("/url"), map[string]string{"url": url}, nil)
}

// Screenshot returns a PNG of the page as the browser's window shows it.
func (s *Session) Screenshot(ctx context.Context) ([]byte, error) {
	var b64 string
	if err := s.c.do(ctx, http.MethodGet, s.path("/screenshot"), nil, &b64); err != nil {
		return nil, err
	}
	png, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("webdriver: screenshot: %w", err)
	}
	return png, nil
}

// Element is an element of the page a session shows.
type Element struct {
	s  *Session
	ID string
}

// FindElement returns the first element matching a CSS selector; an error
// with CodeNoSuchElement when there is none.
func (s *Session) FindElement(ctx context.Context, css string) (*Element, error) {
	var ref map[string]string
	if err := s.c.do(ctx, http.MethodPost, s.path("/element"), map[string]string{"using": "css selector", "value": css}, &ref); err != nil {
		return nil, err
	}
	if ref[elementKey] == "" {
		return nil, fmt.Errorf("webdriver: find %q: no element reference in the answer", css)
	}
	return &Element{s: s, ID: ref[elementKey]}, nil
}

// FindElements returns every element matching a CSS selector (none is
// not an error).
func (s *Session) FindElements(ctx context.Context, css string) ([]*Element, error) {
	var refs []map[string]string
	if err := s.c.do(ctx, http.MethodPost, s.path("/elements"), map[string]string{"using": "css selector", "value": css}, &refs); err != nil {
		return nil, err
	}
	out := make([]*Element, 0, len(refs))
	for _, r := range refs {
		out = append(out, &Element{s: s, ID: r[elementKey]})
	}
	return out, nil
}

// ExecuteScript runs script (a function body; arguments are in
// `arguments`) in the page and decodes what it returns into out (when out
// is not nil). Elements may be passed as arguments.
func (s *Session) ExecuteScript(ctx context.Context, script string, args []any, out any) error {
	wire := make([]any, len(args))
	for i, a := range args {
		if e, ok := a.(*Element); ok {
			a = map[string]string{elementKey: e.ID}
		}
		wire[i] = a
	}
	return s.c.do(ctx, http.MethodPost, s.path("/execute/sync"), map[string]any{"script": script, "args": wire}, out)
}

func (e *Element) path(p string) string { return e.s.path("/element/" + e.ID + p) }

// Text returns the element's rendered text.
func (e *Element) Text(ctx context.Context) (string, error) {
	var s string
	err := e.s.c.do(ctx, http.MethodGet, e.path("/text"), nil, &s)
	return s, err
}

// Property returns one of the element's DOM properties (e.g. "checked",
// "value", "className").
func (e *Element) Property(ctx context.Context, name string) (any, error) {
	var v any
	err := e.s.c.do(ctx, http.MethodGet, e.path("/property/"+name), nil, &v)
	return v, err
}

// Click clicks the element (scrolling it into view first).
func (e *Element) Click(ctx context.Context) error {
	return e.s.c.do(ctx, http.MethodPost, e.path("/click"), map[string]any{}, nil)
}

// Clear empties an input or a textarea.
func (e *Element) Clear(ctx context.Context) error {
	return e.s.c.do(ctx, http.MethodPost, e.path("/clear"), map[string]any{}, nil)
}

// SendKeys types text into the element ("\n" is the Enter key).
func (e *Element) SendKeys(ctx context.Context, text string) error {
	return e.s.c.do(ctx, http.MethodPost, e.path("/value"), map[string]string{"text": text}, nil)
}

// Driver is a WebDriver server process (chromedriver) on a local port.
type Driver struct {
	Client
	cmd  *exec.Cmd
	out  *logbuf.Buffer
	done chan struct{}
}

// StartDriver runs the WebDriver server at path with args plus
// --port=N on a free local port, and waits (up to ctx) until it is ready.
func StartDriver(ctx context.Context, path string, args ...string) (*Driver, error) {
	var lastErr error
	for range 3 { // the free port may be taken before the driver binds it
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		d, err := startDriver(ctx, path, port, args)
		if err == nil {
			return d, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("webdriver: free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func startDriver(ctx context.Context, path string, port int, args []string) (*Driver, error) {
	d := &Driver{Client: Client{URL: "http://127.0.0.1:" + strconv.Itoa(port)}, out: &logbuf.Buffer{}, done: make(chan struct{})}
	d.cmd = exec.Command(path, append([]string{"--port=" + strconv.Itoa(port)}, args...)...)
	d.cmd.Stdout, d.cmd.Stderr = d.out, d.out
	if err := d.cmd.Start(); err != nil {
		return nil, fmt.Errorf("webdriver: start %s: %w", path, err)
	}
	go func() { _ = d.cmd.Wait(); close(d.done) }()
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		ready, _ := d.Ready(rctx)
		cancel()
		if ready {
			return d, nil
		}
		select {
		case <-d.done:
			return nil, fmt.Errorf("webdriver: %s exited before it was ready: %s", path, strings.TrimSpace(d.out.String()))
		case <-ctx.Done():
			d.Stop()
			return nil, fmt.Errorf("webdriver: %s not ready: %w; output: %s", path, ctx.Err(), strings.TrimSpace(d.out.String()))
		case <-t.C:
		}
	}
}

// Output is what the driver printed so far.
func (d *Driver) Output() string { return d.out.String() }

// Stop asks the driver to shut down, kills it if it does not within a few
// seconds, and waits for it to exit. Delete sessions first: a killed
// driver may leave its browsers behind.
func (d *Driver) Stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = d.do(ctx, http.MethodGet, "/shutdown", nil, nil) // chromedriver's own endpoint
	select {
	case <-d.done:
		return
	case <-time.After(3 * time.Second):
	}
	_ = d.cmd.Process.Kill()
	<-d.done
}
