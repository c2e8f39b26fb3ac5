package platformsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"sckiosk/kiosk/adapters/platform"
)

// ServeHTTP answers one request of the platform protocol. With an
// exchange observer installed (ObserveExchanges), it reports the request
// and its answer too.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if obs := observer.Load(); obs != nil {
		s.serveObserved(w, r, *obs)
		return
	}
	s.route(w, r)
}

// route hands r to its endpoint. A path that is not in canonical form
// (`//`, `/./`, `/../`) is answered 404 itself, signed like any API
// answer, rather than redirected by the mux: a redirect cannot be signed
// over the request it answers, and a signed request must be sent to its
// canonical path. A path that is an endpoint for other methods gets 405
// with Allow. It reports whether r named no endpoint.
func (s *Sim) route(w http.ResponseWriter, r *http.Request) (unsupported bool) {
	canonical := canonicalPath(r.URL.Path)
	if _, pattern := s.mux.Handler(r); canonical && pattern != "" {
		s.mux.ServeHTTP(w, r) // sets the path values
		return false
	}
	var allow []string
	if canonical {
		allow = s.allowed(r)
	}
	if len(allow) == 0 {
		s.serve(func(*http.Request) simAnswer {
			return simFail(http.StatusNotFound, platform.CodeNotFound, "无此接口 / no such endpoint")
		})(w, r)
		return true
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	s.serve(func(*http.Request) simAnswer {
		return simFail(http.StatusMethodNotAllowed, platform.CodeMethod, "不支持的请求方法 / method not allowed, use "+strings.Join(allow, " or "))
	})(w, r)
	return true
}

// allowed lists the methods the mux serves r's path with.
func (s *Sim) allowed(r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" {
			out = append(out, m)
		}
	}
	if len(out) > 0 && out[0] == http.MethodGet {
		out = slices.Insert(out, 1, http.MethodHead)
	}
	return out
}

// canonicalPath reports whether p is its own path.Clean (a trailing slash
// aside), as the mux would serve it without a redirect.
func canonicalPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	c := path.Clean(p)
	return c == p || (strings.HasSuffix(p, "/") && c+"/" == p)
}

// simAnswer is an answer computed before it is written, so that the delay
// switch can hold it back.
type simAnswer struct {
	status int
	env    platform.Envelope
	text   string // plain-text body instead of env when not empty
	// injected marks an answer a fault switch made up (FailNext, a broken
	// catalogue): it may break the published API on purpose.
	injected bool
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
		api := strings.HasPrefix(path.Clean(r.URL.Path), "/api/")
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
			a.injected = true
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
		signed := body
		if r.Method == http.MethodHead {
			signed = nil // no body is sent: the signature covers the bytes received, none
		}
		if err := platform.SignResponse(s.key, w.Header(), r, a.status, signed, s.now()); err != nil {
			s.log.Error("sim cannot sign answer", "err", err)
		}
	}
	if rc, ok := w.(*recorder); ok {
		rc.injected = a.injected
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
	if !unixSeconds(tsText) {
		// Malformed, not skewed: a header in the wrong form is 40100.
		return unauthorized(platform.CodeUnsigned, "时间戳格式错误 / X-Timestamp is not Unix seconds (decimal digits)")
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	now := s.now()
	if err != nil {
		return unauthorized(platform.CodeUnsigned, "时间戳格式错误 / X-Timestamp is not Unix seconds (decimal digits)")
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
		if s.store != nil {
			if err := s.store.pruneNonces(now.Add(-2 * platform.ClockSkew)); err != nil {
				s.log.Warn("sim cannot prune nonces", "err", err)
			}
		}
		s.pruned = now
	}
	key := nonceKey(appID, nonce)
	if _, seen := s.nonces[key]; seen {
		return unauthorized(platform.CodeReplay, "请求重放 / X-Nonce already used")
	}
	if s.store != nil {
		// Kept before the request is served, so that a replay after a
		// restart is refused too; without that record, nothing is served.
		fresh, err := s.store.addNonce(appID, nonce, time.Unix(ts, 0))
		if err != nil {
			s.log.Error("sim cannot record nonce", "err", err)
			return simFail(http.StatusInternalServerError, platform.CodeInternal, "内部错误 / internal error"), true
		}
		if !fresh {
			return unauthorized(platform.CodeReplay, "请求重放 / X-Nonce already used")
		}
	}
	s.nonces[key] = time.Unix(ts, 0)
	return simAnswer{}, false
}

// unixSeconds reports whether v is Unix seconds as the protocol writes
// them: 1 to 19 decimal digits, no sign, no space.
func unixSeconds(v string) bool {
	if len(v) == 0 || len(v) > 19 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}
