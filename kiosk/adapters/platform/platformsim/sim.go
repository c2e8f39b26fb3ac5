package platformsim

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/catalog/catalogyaml"
)

// chinaTime is China Standard Time (UTC+8, no daylight saving); case numbers
// carry the platform's local date.
var chinaTime = time.FixedZone("CST", 8*60*60)

// maxApplication bounds the body of an application the simulator accepts.
const maxApplication = 1 << 20

// Sim plays a provincial platform on HTTP with the protocol described at
// platform.Envelope: it validates and accepts applications (201, case
// number SC/CQ + YYYYMMDD in China time + a 6-digit daily sequence),
// honours the idempotency key (the same request_id again: 200 with the
// same Receipt and duplicate:true, never a second case; the same
// request_id with any other content, compared by the SM3 digest of the
// whole application: 422 platform.CodeKeyReused), and answers case and
// health queries and a plain track page (/track/{number}) for the
// receipt's QR code. Cases are held in memory, and also in a SQLite Store
// when one is given (WithStore), so that they survive a restart. Cases
// move from 已受理 to 办理中 to 已办结 over time (WithProgress). GET
// /sim/cases lists them. Fault switches (SetDown, SetDelay, FailNext) and
// random faults (Faults) let tests, the kiosk's simulator panel and
// platformsim make it fail. It is an http.Handler and safe for concurrent
// use.
//
// Every API request must be signed (platform.SM2Signer) by a kiosk the
// simulator trusts, within platform.ClockSkew of its clock and with a
// nonce it has not seen; otherwise it answers 401 with
// platform.CodeUnsigned … platform.CodeBadSignature. Every API answer is
// signed with the platform key (platform.SignResponse). By default the
// simulator trusts the demo kiosk (platform.DemoAppID,
// platform.DemoKioskKey) and signs with platform.DemoPlatformKey:
// simulation only.
type Sim struct {
	province  string
	prefix    string
	log       *slog.Logger
	mux       *http.ServeMux
	now       func() time.Time
	kiosks    map[string]*ecdsa.PublicKey // trusted kiosks by app id
	key       *sm2.PrivateKey             // signs answers
	store     *Store                      // nil: in memory only
	publicURL string                      // base of track URLs; "": the address a request arrived on
	progress  [2]time.Duration            // received -> 办理中, received -> 已办结; 0 = never
	catalog   catalog.Catalog             // served at /api/v1/catalog; bundles are expanded from it
	licences  map[string][]ELicence       // e-licences by holder's id number

	mu         sync.Mutex
	down       bool
	delay      time.Duration
	faults     Faults
	failLeft   int
	failCode   int
	received   int
	seq        map[string]int // YYYYMMDD -> last sequence number given
	cases      []*simCase     // in order of creation
	byKey      map[string]*simCase
	byNumber   map[string]*simCase
	codes      map[string]issuedCode          // codes issued, by subject or token
	codeKey    [32]byte                       // MAC key of the legacy app codes
	codeKID    string                         // key id of the app tokens it signs
	businesses []platform.Business            // the business registry it plays
	nonces     map[string]time.Time           // app id + nonce -> request timestamp
	pruned     time.Time                      // when nonces were last pruned
	evals      map[string]platform.Evaluation // 好差评 by case number
	evalOrder  []string                       // case numbers in the order first rated
}

// Option configures a Sim.
type Option func(*Sim)

// WithTrustedKiosk makes the simulator accept requests signed by appID with
// pub. Once any kiosk is given, the demo kiosk is no longer trusted unless
// it is given too.
func WithTrustedKiosk(appID string, pub *ecdsa.PublicKey) Option {
	return func(s *Sim) { s.kiosks[appID] = pub }
}

// WithKey makes the simulator sign its answers with key instead of
// platform.DemoPlatformKey.
func WithKey(key *sm2.PrivateKey) Option {
	return func(s *Sim) { s.key = key }
}

// WithPublicURL makes the receipts' track_url start with base (such as
// https://zwfw.example/sc) instead of the address a request arrived on.
func WithPublicURL(base string) Option {
	return func(s *Sim) { s.publicURL = base }
}

// WithStore makes the simulator keep its cases in st (and start with
// the cases st holds). The caller closes st after the simulator is done.
func WithStore(st *Store) Option {
	return func(s *Sim) { s.store = st }
}

// WithCodeKeyID makes the simulator sign the app tokens it issues under key
// id kid (the file name of the public key in the kiosk's
// platform.*.code_key_dir) instead of platform.DemoCodeKeyID.
func WithCodeKeyID(kid string) Option {
	return func(s *Sim) { s.codeKID = kid }
}

// WithProgress makes cases move by themselves: 已受理 becomes 办理中
// toProcessing after it was received and 已办结 toDone after it was
// received. 0 disables a step. The default is 2 and 10 minutes.
func WithProgress(toProcessing, toDone time.Duration) Option {
	return func(s *Sim) { s.progress = [2]time.Duration{toProcessing, toDone} }
}

// WithFaults starts the simulator with the fault injection f (SetFaults).
func WithFaults(f Faults) Option {
	return func(s *Sim) { s.faults = f }
}

// WithCatalog makes the simulator serve c (and expand the bundles of c)
// instead of the sample catalogue (catalogyaml.Sample).
func WithCatalog(c catalog.Catalog) Option {
	return func(s *Sim) { s.catalog = c }
}

// WithClock makes the simulator read the time from now (tests).
func WithClock(now func() time.Time) Option {
	return func(s *Sim) { s.now = now }
}

// simCase is one case held by the simulator.
type simCase struct {
	app     application.Application
	receipt application.Receipt
	status  platform.CaseStatus
}

// New returns a simulator of the platform of province (Sichuan gives case
// numbers SC…, Chongqing CQ…), configured by opts. log may be nil.
func New(province string, log *slog.Logger, opts ...Option) *Sim {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Sim{
		province: province,
		prefix:   CasePrefix(province),
		log:      log.With("sim", "platform", "province", province),
		now:      time.Now,
		seq:      make(map[string]int),
		byKey:    make(map[string]*simCase),
		byNumber: make(map[string]*simCase),
		kiosks:   make(map[string]*ecdsa.PublicKey),
		nonces:   make(map[string]time.Time),
		evals:    make(map[string]platform.Evaluation),
		progress: [2]time.Duration{2 * time.Minute, 10 * time.Minute},
	}
	for _, o := range opts {
		o(s)
	}
	if s.store != nil {
		for _, c := range s.store.cases {
			s.cases = append(s.cases, c)
			s.byKey[c.app.RequestID] = c
			s.byNumber[c.receipt.CaseNumber] = c
		}
		maps.Copy(s.seq, s.store.seq)
		for _, e := range s.store.evals {
			s.evals[e.CaseNumber] = e
			s.evalOrder = append(s.evalOrder, e.CaseNumber)
		}
		maps.Copy(s.nonces, s.store.nonces)
		s.store.cases, s.store.seq, s.store.evals, s.store.nonces = nil, nil, nil, nil
		s.log.Info("sim loaded cases", "count", len(s.cases), "store", s.store.path)
	}
	if len(s.kiosks) == 0 {
		s.kiosks[platform.DemoAppID] = &platform.DemoKioskKey().PublicKey
	}
	if s.key == nil {
		s.key = platform.DemoPlatformKey()
	}
	if s.catalog.Version == "" {
		c, err := catalogyaml.Sample()
		if err != nil {
			s.log.Error("sim has no catalogue", "err", err)
		}
		s.catalog = c
	}
	if s.licences == nil {
		s.licences = DemoLicences()
	}
	if s.businesses == nil {
		s.businesses = DemoBusinesses()
	}
	_, _ = rand.Read(s.codeKey[:])
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /api/v1/codes/verify", s.serve(s.verifyCode))
	s.mux.HandleFunc("POST /api/v1/applications", s.serve(s.submit))
	s.mux.HandleFunc("GET /api/v1/cases/{number}", s.serve(s.caseStatus))
	s.mux.HandleFunc("GET /api/v1/health", s.serve(s.health))
	s.mux.HandleFunc("GET /api/v1/catalog", s.serve(s.serveCatalog))
	s.mux.HandleFunc("POST /api/v1/elicences/query", s.serve(s.queryLicence))
	s.mux.HandleFunc("POST /api/v1/evaluations", s.serve(s.evaluate))
	s.mux.HandleFunc("GET /api/v1/requests/{request_id}", s.serve(s.requestStatus))
	s.mux.HandleFunc("GET /track/{number}", s.serve(s.track))
	s.mux.HandleFunc("GET /track/request/{request_id}", s.serve(s.trackRequest))
	s.mux.HandleFunc("GET /sim/cases", s.listCases)
	s.mux.HandleFunc("GET /sim/evaluations", s.listEvaluations)
	s.mux.HandleFunc("GET /sim/codes/{kind}", s.sampleCode)
	// Anything else is answered by route: 404 or 405, signed under /api/.
	return s
}

// CasePrefix returns the letters that start the case numbers of the
// platform of province: SC for Sichuan, CQ for Chongqing, ZW otherwise.
func CasePrefix(province string) string {
	switch province {
	case application.Sichuan:
		return "SC"
	case application.Chongqing:
		return "CQ"
	}
	return "ZW"
}

// Province returns the province code the simulator plays.
func (s *Sim) Province() string { return s.province }

// SetDown makes the simulator answer 503 to every request while down is true.
func (s *Sim) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
	s.log.Info("sim fault switch", "down", down)
}

// SetDelay makes the simulator wait d before writing each answer. The work
// (storing a case) is done first, so an answer given up by the client while
// it waits is a lost response: the case exists, the kiosk does not know it.
// The wait ends early when the request's context ends.
func (s *Sim) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = max(d, 0)
	s.log.Info("sim fault switch", "delay", s.delay)
}

// FailNext makes the next n API requests fail with HTTP status (a 4xx or
// 5xx; anything else means 500) before they are processed.
func (s *Sim) FailNext(n int, status int) {
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failLeft, s.failCode = max(n, 0), status
	s.log.Info("sim fault switch", "fail_next", s.failLeft, "status", status)
}

// Applications returns the applications the simulator holds, one per case,
// in the order the cases were created.
func (s *Sim) Applications() []application.Application {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]application.Application, len(s.cases))
	for i, c := range s.cases {
		out[i] = c.app
		out[i].Fields = maps.Clone(c.app.Fields)
	}
	return out
}

// Cases returns the status of every case, in the order they were created.
func (s *Sim) Cases() []platform.CaseStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	out := make([]platform.CaseStatus, len(s.cases))
	for i, c := range s.cases {
		out[i] = s.effective(c, now)
	}
	return out
}

// effective is c's status at now, moved on by the progress steps.
func (s *Sim) effective(c *simCase, now time.Time) platform.CaseStatus {
	st := c.status
	if st.Code != platform.StatusAccepted && st.Code != platform.StatusProcessing {
		return st
	}
	for _, step := range []struct {
		after time.Duration
		code  int
	}{{s.progress[1], platform.StatusDone}, {s.progress[0], platform.StatusProcessing}} {
		at := st.AcceptedAt.Add(step.after)
		if step.after > 0 && !now.Before(at) && at.After(st.UpdatedAt) {
			st.Code, st.Status, st.UpdatedAt = step.code, statusText(step.code), at
			break
		}
	}
	return st
}

// simCaseJSON is one element of GET /sim/cases.
type simCaseJSON struct {
	CaseNo     string    `json:"case_no"`
	RequestID  string    `json:"request_id"`
	ItemCode   string    `json:"item_code"`
	ReceivedAt time.Time `json:"received_at"`
	Status     string    `json:"status"`
}

// listCases answers GET /sim/cases: every case, oldest first, without
// personal data. It is the simulator's own inspection endpoint, not part
// of the platform protocol: unsigned and unauthenticated.
func (s *Sim) listCases(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	now := s.now()
	out := make([]simCaseJSON, len(s.cases))
	for i, c := range s.cases {
		out[i] = simCaseJSON{CaseNo: c.receipt.CaseNumber, RequestID: c.app.RequestID, ItemCode: c.app.ItemCode,
			ReceivedAt: c.receipt.AcceptedAt, Status: s.effective(c, now).Status}
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(out)
}

// Received returns how many application POSTs reached the simulator,
// duplicates, failures and rejections included.
func (s *Sim) Received() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.received
}

// SetCaseStatus moves a case to status code (platform.StatusWaiting,
// platform.StatusAccepted, platform.StatusProcessing or
// platform.StatusDone), as the back office would. The progress steps
// (WithProgress) only move a case on from a later time.
func (s *Sim) SetCaseStatus(caseNumber string, code int) error {
	text := statusText(code)
	if text == "" {
		return fmt.Errorf("platform sim: set case status: unknown status code %d", code)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.byNumber[caseNumber]
	if !ok {
		return fmt.Errorf("platform sim: set case status %s: %w", caseNumber, platform.ErrNotFound)
	}
	now := s.now()
	if s.store != nil {
		if err := s.store.setStatus(caseNumber, code, now); err != nil {
			return err
		}
	}
	c.status.Code, c.status.Status, c.status.UpdatedAt = code, text, now
	return nil
}
