package platformsim

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm2"

	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/catalog/catalogyaml"
	"sckiosk/kiosk/core/identity"
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
// request_id for a different item or applicant: 422), and answers case and
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
	province string
	prefix   string
	log      *slog.Logger
	mux      *http.ServeMux
	now      func() time.Time
	kiosks   map[string]*ecdsa.PublicKey // trusted kiosks by app id
	key      *sm2.PrivateKey             // signs answers
	store    *Store                      // nil: in memory only
	progress [2]time.Duration            // received -> 办理中, received -> 已办结; 0 = never
	catalog  catalog.Catalog             // served at /api/v1/catalog; bundles are expanded from it
	licences map[string][]ELicence       // e-licences by holder's id number

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
		s.store.cases, s.store.seq, s.store.evals = nil, nil, nil
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
	s.mux.HandleFunc("GET /track/{number}", s.serve(s.track))
	s.mux.HandleFunc("GET /sim/cases", s.listCases)
	s.mux.HandleFunc("GET /sim/evaluations", s.listEvaluations)
	s.mux.HandleFunc("GET /sim/codes/{kind}", s.sampleCode)
	s.mux.HandleFunc("/", s.serve(func(*http.Request) simAnswer {
		return simFail(http.StatusNotFound, platform.CodeNotFound, "无此接口 / no such endpoint")
	}))
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
			st.Code, st.Status, st.UpdatedAt = step.code, platform.StatusText(step.code), at
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
	text := platform.StatusText(code)
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

// ServeHTTP answers one request of the platform protocol.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// simAnswer is an answer computed before it is written, so that the delay
// switch can hold it back.
type simAnswer struct {
	status int
	env    platform.Envelope
	text   string // plain-text body instead of env when not empty
}

func simOK(status int, data any) simAnswer {
	raw, err := json.Marshal(data)
	if err != nil {
		return simFail(http.StatusInternalServerError, platform.CodeInternal, "内部错误 / internal error")
	}
	return simAnswer{status: status, env: platform.Envelope{Code: platform.CodeOK, Message: "ok", Data: raw}}
}

func simFail(status, code int, message string) simAnswer {
	return simAnswer{status: status, env: platform.Envelope{Code: code, Message: message}}
}

// serve wraps a handler with the fault switches, the signature check, the
// delay and the signing of the answer.
func (s *Sim) serve(h func(*http.Request) simAnswer) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		api := strings.HasPrefix(r.URL.Path, "/api/")
		s.mu.Lock()
		if r.Method == http.MethodPost && r.URL.Path == "/api/v1/applications" {
			s.received++
		}
		down, delay := s.down, s.delay
		injected := 0
		if !down && api && s.failLeft > 0 {
			s.failLeft--
			injected = s.failCode
		}
		var plan faultPlan
		if api {
			plan = s.faults.plan()
			delay += plan.extra
		}
		s.mu.Unlock()

		var a simAnswer
		switch {
		case down:
			a = simFail(http.StatusServiceUnavailable, platform.CodeUnavailable, "平台维护中 / platform unavailable (simulated)")
		case injected != 0:
			a = simFail(injected, injected*100, "模拟故障 / injected fault")
		case plan.reset:
			s.log.Info("sim fault: connection reset before processing", "path", r.URL.Path)
			resetConn(w)
			return
		case plan.fail:
			a = simFail(http.StatusInternalServerError, platform.CodeInternal, "模拟故障 / injected fault (error rate)")
		case api:
			var bad bool
			if a, bad = s.authenticate(r); !bad {
				a = h(r)
			}
		default:
			a = h(r)
		}
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				s.log.Info("sim answer lost: client gone during delay", "path", r.URL.Path, "status", a.status)
				return
			}
		}
		if plan.dropAfter && !down && injected == 0 && !plan.fail {
			s.log.Info("sim fault: answer dropped after processing", "path", r.URL.Path, "status", a.status)
			resetConn(w)
			return
		}
		s.write(w, r, a, api)
	}
}

// write sends a, signed when it answers an API request.
func (s *Sim) write(w http.ResponseWriter, r *http.Request, a simAnswer, api bool) {
	var body []byte
	if a.text != "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		body = []byte(a.text)
	} else {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		var err error
		if body, err = json.Marshal(a.env); err != nil {
			a = simFail(http.StatusInternalServerError, platform.CodeInternal, "内部错误 / internal error")
			body, _ = json.Marshal(a.env)
		}
		body = append(body, '\n')
	}
	if a.status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "2")
	}
	if api {
		if err := platform.SignResponse(s.key, w.Header(), r, a.status, body, s.now()); err != nil {
			s.log.Error("sim cannot sign answer", "err", err)
		}
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(body)
}

// authenticate checks the signature of an API request; bad is true when
// the answer a must be sent instead of serving it. The body is read and
// put back for the handler.
func (s *Sim) authenticate(r *http.Request) (a simAnswer, bad bool) {
	unauthorized := func(code int, msg string) (simAnswer, bool) {
		s.log.Info("sim refused request", "path", r.URL.Path, "app_id", r.Header.Get(platform.HeaderAppID), "reason", msg)
		return simFail(http.StatusUnauthorized, code, msg), true
	}
	raw, tooLarge, err := readBody(r.Body, maxApplication)
	switch {
	case err != nil:
		return simFail(http.StatusBadRequest, platform.CodeBadRequest, "请求读取失败 / cannot read the request body"), true
	case tooLarge:
		return simFail(http.StatusRequestEntityTooLarge, platform.CodeTooLarge, "请求过大 / request too large"), true
	}
	r.Body = nopBody(raw)
	appID, tsText := r.Header.Get(platform.HeaderAppID), r.Header.Get(platform.HeaderTimestamp)
	nonce, sig := r.Header.Get(platform.HeaderNonce), r.Header.Get(platform.HeaderSignature)
	if appID == "" || tsText == "" || nonce == "" || sig == "" {
		return unauthorized(platform.CodeUnsigned, "缺少签名头 / missing X-App-Id, X-Timestamp, X-Nonce or X-Signature")
	}
	pub, known := s.kiosks[appID]
	if !known {
		return unauthorized(platform.CodeUnknownApp, "未知的终端应用标识 / unknown X-App-Id")
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	now := s.now()
	if err != nil {
		return unauthorized(platform.CodeClockSkew, "时间戳格式错误 / X-Timestamp is not Unix seconds")
	}
	if skew := now.Sub(time.Unix(ts, 0)); skew > platform.ClockSkew || skew < -platform.ClockSkew {
		return unauthorized(platform.CodeClockSkew, fmt.Sprintf("时间戳超出±5分钟 / X-Timestamp is %s off the platform clock (limit ±5m)", skew.Round(time.Second)))
	}
	if len(nonce) < 16 || len(nonce) > 64 {
		return unauthorized(platform.CodeUnsigned, "随机数长度应为16至64 / X-Nonce must have 16 to 64 characters")
	}
	if !platform.VerifyRequest(pub, r, raw) {
		return unauthorized(platform.CodeBadSignature, "签名验证失败 / X-Signature does not verify")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.pruned) > platform.ClockSkew {
		for k, t := range s.nonces {
			if now.Sub(t) > 2*platform.ClockSkew {
				delete(s.nonces, k)
			}
		}
		s.pruned = now
	}
	key := appID + "\x00" + nonce
	if _, seen := s.nonces[key]; seen {
		return unauthorized(platform.CodeReplay, "请求重放 / X-Nonce already used")
	}
	s.nonces[key] = time.Unix(ts, 0)
	return simAnswer{}, false
}

// submit accepts an application.
func (s *Sim) submit(r *http.Request) simAnswer {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxApplication+1))
	if err != nil {
		return simFail(http.StatusBadRequest, platform.CodeBadRequest, "请求读取失败 / cannot read the request body")
	}
	if len(raw) > maxApplication {
		return simFail(http.StatusRequestEntityTooLarge, platform.CodeTooLarge, "申请过大 / application too large")
	}
	var app application.Application
	if err := json.Unmarshal(raw, &app); err != nil {
		return simFail(http.StatusBadRequest, platform.CodeBadRequest, "申请不是有效的JSON / body is not a valid JSON application")
	}
	if a, bad := s.validate(r, app); bad {
		s.log.Info("sim rejected application", "request_id", app.RequestID, "item", app.ItemCode, "reason", a.env.Message)
		return a
	}

	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, seen := s.byKey[app.RequestID]; seen {
		if c.app.ItemCode != app.ItemCode || c.app.Applicant.Number != app.Applicant.Number {
			return simFail(http.StatusUnprocessableEntity, platform.CodeKeyReused,
				"幂等键已用于另一申请 / idempotency key already used for a different application")
		}
		rc := c.receipt
		rc.Duplicate = true
		s.log.Info("sim duplicate application", "request_id", app.RequestID, "case", rc.CaseNumber)
		return simOK(http.StatusOK, rc)
	}
	var members []catalog.Item
	if it, ok := s.catalog.Find(app.ItemCode); ok {
		for _, code := range it.Bundle {
			if m, ok := s.catalog.Find(code); ok {
				members = append(members, m)
			}
		}
	}
	day := now.In(chinaTime).Format("20060102")
	first := s.seq[day] + 1
	last := first + len(members)
	if last > 999999 {
		return simFail(http.StatusServiceUnavailable, platform.CodeUnavailable, "今日办件编号已用尽 / case numbers for today exhausted")
	}
	number := fmt.Sprintf("%s%s%06d", s.prefix, day, first)
	c := newSimCase(app, number, now, trackURL(r, number), platform.StatusAccepted, now)
	cs := []*simCase{c}
	for i, m := range members {
		mapp := app
		mapp.RequestID = fmt.Sprintf("%s#%d", app.RequestID, i+1)
		mapp.ItemCode, mapp.ItemName = m.Code, m.Name
		mapp.Fields = maps.Clone(app.Fields)
		mnum := fmt.Sprintf("%s%s%06d", s.prefix, day, first+i+1)
		cs = append(cs, newSimCase(mapp, mnum, now, trackURL(r, mnum), platform.StatusAccepted, now))
		c.receipt.Linked = append(c.receipt.Linked, mnum)
	}
	if s.store != nil {
		if err := s.store.insert(cs, day, last); err != nil {
			s.log.Error("sim cannot store case", "request_id", app.RequestID, "err", err)
			return simFail(http.StatusInternalServerError, platform.CodeInternal, "办件存储失败 / cannot store the case")
		}
	}
	s.seq[day] = last
	for _, x := range cs {
		s.cases = append(s.cases, x)
		s.byKey[x.app.RequestID] = x
		s.byNumber[x.receipt.CaseNumber] = x
	}
	s.log.Info("sim accepted application", "request_id", app.RequestID, "case", number, "item", app.ItemCode,
		"linked", len(members), "applicant", identity.MaskNumber(app.Applicant.Number))
	return simOK(http.StatusCreated, c.receipt)
}

// newSimCase makes a case received at with status code since updated.
func newSimCase(app application.Application, number string, at time.Time, track string, code int, updated time.Time) *simCase {
	return &simCase{
		app: app,
		receipt: application.Receipt{
			RequestID:  app.RequestID,
			CaseNumber: number,
			Status:     platform.StatusText(platform.StatusAccepted),
			AcceptedAt: at,
			TrackURL:   track,
		},
		status: platform.CaseStatus{
			CaseNumber: number,
			ItemCode:   app.ItemCode,
			ItemName:   app.ItemName,
			Code:       code,
			Status:     platform.StatusText(code),
			AcceptedAt: at,
			UpdatedAt:  updated,
		},
	}
}

// validate checks the required data items of app; bad is true when the
// answer a must be sent instead of accepting.
func (s *Sim) validate(r *http.Request, app application.Application) (a simAnswer, bad bool) {
	missing := func(msg string) (simAnswer, bool) {
		return simFail(http.StatusBadRequest, platform.CodeMissingField, msg), true
	}
	switch key := r.Header.Get("Idempotency-Key"); {
	case strings.TrimSpace(app.RequestID) == "":
		return missing("缺少申请流水号 / missing request_id")
	case key != "" && key != app.RequestID:
		return missing("幂等键与申请流水号不一致 / Idempotency-Key does not match request_id")
	case strings.Contains(app.RequestID, "#"):
		return missing("申请流水号不能含# / request_id must not contain '#'")
	case strings.TrimSpace(app.ItemCode) == "":
		return missing("缺少事项实施编码 / missing item_code")
	case utf8.RuneCountInString(app.Applicant.Number) != 18:
		return missing("申请人证件号码应为18位 / applicant id_number must have 18 characters")
	case strings.TrimSpace(app.Applicant.Name) == "":
		return missing("缺少申请人姓名 / missing applicant name")
	case s.checkLicences(app) != "":
		return missing("电子证照引用无效：" + s.checkLicences(app) + " / a licence reference is not one of the applicant's e-licences")
	case app.Province != s.province:
		return simFail(http.StatusBadRequest, platform.CodeWrongProvince,
			fmt.Sprintf("申请不属于本平台（%s） / application for province %q sent to platform %s", s.province, app.Province, s.province)), true
	}
	return simAnswer{}, false
}

// trackURL is where the receipt's QR code points: this simulator's own
// track page.
func trackURL(r *http.Request, number string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/track/" + number
}

func (s *Sim) caseStatus(r *http.Request) simAnswer {
	st, found := s.lookup(r.PathValue("number"))
	if !found {
		return simFail(http.StatusNotFound, platform.CodeNotFound, "未找到该办件 / case not found")
	}
	return simOK(http.StatusOK, st)
}

func (s *Sim) health(*http.Request) simAnswer {
	name := "一体化政务服务平台（模拟）"
	switch s.province {
	case application.Sichuan:
		name = "四川省一体化政务服务平台（模拟）"
	case application.Chongqing:
		name = "重庆市渝快办平台（模拟）"
	}
	return simOK(http.StatusOK, platform.Health{Province: s.province, Name: name, Time: s.now()})
}

// track is the page a citizen's phone opens from the receipt's QR code. It
// shows no personal data.
func (s *Sim) track(r *http.Request) simAnswer {
	st, found := s.lookup(r.PathValue("number"))
	if !found {
		return simAnswer{status: http.StatusNotFound, text: "未找到该办件 / case not found\n"}
	}
	return simAnswer{status: http.StatusOK, text: fmt.Sprintf("办件编号 %s\n事项 %s\n状态 %s\n受理时间 %s\n",
		st.CaseNumber, st.ItemName, st.Status, st.AcceptedAt.In(chinaTime).Format("2006-01-02 15:04"))}
}

func (s *Sim) lookup(number string) (platform.CaseStatus, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, found := s.byNumber[number]
	if !found {
		return platform.CaseStatus{}, false
	}
	return s.effective(c, s.now()), true
}

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
