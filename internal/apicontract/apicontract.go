// Package apicontract checks exchanges with the platform simulator against
// the published OpenAPI document, docs/platform-api.yaml, so that the
// document and the simulator cannot drift apart: every answer must have a
// status, headers and body the document allows for its operation, and every
// request the simulator accepted (2xx) must be one the document allows.
// Tests install a Contract as the simulator's exchange observer
// (platformsim.ObserveExchanges) and fail when it found a violation.
package apicontract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// DocPath is the OpenAPI document's path relative to the module root.
const DocPath = "docs/platform-api.yaml"

// Exchange is one request the simulator answered, as it was on the wire.
type Exchange struct {
	Method      string
	URL         string // path and query as received
	Header      http.Header
	Body        []byte
	Status      int
	Answer      http.Header
	AnswerBody  []byte
	Unsupported bool // the simulator found no route (404/405): not an operation of the document
	Injected    bool // a fault switch of the simulator made the answer up: not checked
}

// Contract validates exchanges against the OpenAPI document. It is safe
// for concurrent use.
type Contract struct {
	doc    *openapi3.T
	router routers.Router

	mu         sync.Mutex
	violations []string
	seen       map[string]int // "METHOD /path/template STATUS" -> count
}

// Load reads and validates the OpenAPI document at path.
func Load(path string) (*Contract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("apicontract: load %s: %w", path, err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("apicontract: %s is not a valid OpenAPI document: %w", path, err)
	}
	// The servers name the default ports; tests listen on any port, so
	// operations are found by path alone.
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("apicontract: route %s: %w", path, err)
	}
	return &Contract{doc: doc, router: router, seen: map[string]int{}}, nil
}

// LoadFromModule finds the module root above the working directory (a test
// runs in its package's directory) and loads DocPath there.
func LoadFromModule() (*Contract, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("apicontract: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return Load(filepath.Join(dir, DocPath))
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, errors.New("apicontract: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Check validates one exchange and returns what is wrong with it, nil when
// it keeps the contract. It does not record the result (Observe does).
func (c *Contract) Check(x Exchange) error {
	_, err := c.check(x)
	return err
}

func (c *Contract) check(x Exchange) (string, error) {
	if x.Injected {
		return "injected fault", nil
	}
	req, err := http.NewRequest(x.Method, "http://platform.test"+x.URL, bytes.NewReader(x.Body))
	if err != nil {
		return "", fmt.Errorf("rebuild request: %w", err)
	}
	req.Header = x.Header.Clone()
	if x.Method == http.MethodHead {
		// The document describes GET; a HEAD answer is a GET answer
		// without its body, so its status is checked as the GET's.
		req.Method = http.MethodGet
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		var re *routers.RouteError
		if errors.As(err, &re) && x.Unsupported && (x.Status == http.StatusNotFound || x.Status == http.StatusMethodNotAllowed) {
			return fmt.Sprintf("%s (no route) %d", x.Method, x.Status), nil
		}
		return "", fmt.Errorf("the simulator answered %d to an operation the document does not have: %w", x.Status, err)
	}
	key := fmt.Sprintf("%s %s %d", route.Method, route.Path, x.Status)
	in := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			AuthenticationFunc: signatureHeaderPresent,
			MultiError:         true,
		},
	}
	var errs []error
	if x.Status >= 200 && x.Status < 300 {
		// A request the simulator accepted must be one the document
		// allows; a refused one may be anything (that is why it was
		// refused).
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			errs = append(errs, fmt.Errorf("accepted request breaks the document: %w", err))
		}
	}
	if x.Method != http.MethodHead {
		out := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in,
			Status:                 x.Status,
			Header:                 x.Answer,
			Body:                   io.NopCloser(bytes.NewReader(x.AnswerBody)),
			Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
			errs = append(errs, fmt.Errorf("answer breaks the document: %w", err))
		}
		if op := route.Operation; op.Security == nil || len(*op.Security) > 0 {
			if route.Path != "" && strings.HasPrefix(route.Path, "/api/") && x.Answer.Get("X-Signature") == "" {
				errs = append(errs, errors.New("answer of a signed operation has no X-Signature"))
			}
		}
	}
	return key, errors.Join(errs...)
}

// signatureHeaderPresent is the document's kioskSignature scheme as far as
// a schema can check it: the header is there. The simulator verifies it.
func signatureHeaderPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.RequestValidationInput.Request.Header.Get("X-Signature") == "" {
		return errors.New("no X-Signature")
	}
	return nil
}

// Observe checks x and records a violation; it fits
// platformsim.ObserveExchanges.
func (c *Contract) Observe(x Exchange) {
	key, err := c.check(x)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.violations = append(c.violations, fmt.Sprintf("%s %s -> %d: %v\n    answer: %.300s", x.Method, x.URL, x.Status, err, x.AnswerBody))
		return
	}
	c.seen[key]++
}

// Violations returns every violation recorded so far.
func (c *Contract) Violations() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.violations)
}

// Seen returns how many valid exchanges each operation and status had, as
// "METHOD /path/template STATUS".
func (c *Contract) Seen() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.seen))
	for k, v := range c.seen {
		out[k] = v
	}
	return out
}

// Operations lists the document's operations as "METHOD /path/template".
func (c *Contract) Operations() []string {
	var out []string
	for path, item := range c.doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, method+" "+path)
		}
	}
	slices.Sort(out)
	return out
}

// Report writes the violations to w, and, when every test of the package
// ran (all is true), the operations of the document that no exchange
// answered with a 2xx. It returns whether the contract held.
func (c *Contract) Report(w io.Writer, all bool) bool {
	ok := true
	for _, v := range c.Violations() {
		fmt.Fprintf(w, "contract: %s\n", v)
		ok = false
	}
	if !all {
		return ok
	}
	seen := c.Seen()
	for _, op := range c.Operations() {
		hit := false
		for k := range seen {
			if strings.HasPrefix(k, op+" 2") {
				hit = true
				break
			}
		}
		if !hit {
			fmt.Fprintf(w, "contract: no test exchanged a successful %s with the simulator\n", op)
			ok = false
		}
	}
	return ok
}
