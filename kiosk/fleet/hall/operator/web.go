package operator

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"sckiosk/kiosk/fleet/hallstate"
)

// CookieName is the session cookie. The __Host- prefix makes the browser
// keep it only when it is Secure, for this host alone and for every path.
const CookieName = "__Host-hall_session"

// CSRFHeader carries the session's CSRF token on every state-changing
// request.
const CSRFHeader = "X-CSRF-Token"

// Web puts the operator store in front of the dashboard's HTTP API. Every
// request must name one of Hosts (when set); a POST must come from the
// dashboard's own origin (Origin, and Sec-Fetch-Site where the browser
// sends it), be application/json and carry the session's CSRF token; and
// Guard checks the operator's role. The threat model is in docs/fleet.md.
type Web struct {
	Store *Store
	Log   *slog.Logger // nil: discard
	// Hosts are the Host headers (host:port, or host for port 80/443)
	// the dashboard answers; empty: any, as long as a POST's Origin is
	// the same host.
	Hosts []string
	// LoginsPerMinute is how many login attempts one address may make a
	// minute, right or wrong; 0: 10.
	LoginsPerMinute int

	once  sync.Once
	mu    sync.Mutex
	tries map[string][]time.Time // remote address -> recent login attempts
	lg    *slog.Logger
}

func (w *Web) init() {
	w.once.Do(func() {
		w.tries = map[string][]time.Time{}
		w.lg = w.Log
		if w.lg == nil {
			w.lg = slog.New(slog.DiscardHandler)
		}
		w.lg = w.lg.With("component", "operators")
		if w.LoginsPerMinute <= 0 {
			w.LoginsPerMinute = 10
		}
	})
}

// Headers wraps h with what every answer of the dashboard carries: no
// framing by another site, no MIME sniffing, no referrer, no caching.
func Headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		hd := rw.Header()
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(rw, r)
	})
}

// Refusal is why a request was refused, in the JSON error's "code".
type Refusal string

// Refusals.
const (
	RefusedHost        Refusal = "host"         // Host is not one the dashboard answers to
	RefusedOrigin      Refusal = "origin"       // a POST from another origin, or with none
	RefusedContentType Refusal = "content_type" // a POST that is not application/json
	RefusedLogin       Refusal = "login"        // no session, or it expired
	RefusedCSRF        Refusal = "csrf"         // no CSRF token, or not the session's
	RefusedMustChange  Refusal = "must_change"  // the password is one-time: change it first
	RefusedRole        Refusal = "role"         // the operator's role may not do this
	RefusedRate        Refusal = "rate"         // too many login attempts from this address
	RefusedLocked      Refusal = "locked"       // too many failed logins for this name
)

// Refuse writes a JSON error with code and an English message.
func Refuse(rw http.ResponseWriter, status int, code Refusal, msg string) {
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(status)
	_ = json.NewEncoder(rw).Encode(map[string]string{"error": msg, "code": string(code)})
}

// checkRequest checks Host and, on anything but GET and HEAD, Origin and
// Content-Type. It writes the refusal and returns false when one fails.
func (w *Web) checkRequest(rw http.ResponseWriter, r *http.Request) bool {
	if len(w.Hosts) > 0 && !slices.Contains(w.Hosts, r.Host) {
		Refuse(rw, http.StatusMisdirectedRequest, RefusedHost, "unknown host")
		return false
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	if !sameOrigin(r) {
		w.lg.Warn("cross-site request refused", "path", r.URL.Path, "origin", r.Header.Get("Origin"), "from", r.RemoteAddr)
		Refuse(rw, http.StatusForbidden, RefusedOrigin, "cross-site request refused")
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		Refuse(rw, http.StatusUnsupportedMediaType, RefusedContentType, "application/json expected")
		return false
	}
	return true
}

// sameOrigin reports whether a state-changing request comes from the
// dashboard's own pages: its Origin names this Host (a reverse proxy that
// ends TLS keeps Host, so the scheme is not compared), and a browser that
// sends Sec-Fetch-Site says same-origin. A request without Origin is
// refused: every browser sends it on a POST, and a script (curl) can.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return false
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

// sessionOf returns the session of r's cookie.
func (w *Web) sessionOf(r *http.Request) (Session, error) {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return Session{}, ErrNoSession
	}
	return w.Store.Session(r.Context(), c.Value)
}

// Handler is an endpoint behind Guard: it gets the caller's session.
type Handler func(rw http.ResponseWriter, r *http.Request, s Session)

// Guard serves h to a logged-in operator whose role may do p: Host,
// Origin and Content-Type are checked (checkRequest), then the session,
// then, on a POST, its CSRF token, then that the password is not one to
// change, then the role.
func (w *Web) Guard(p hallstate.Permission, h Handler) http.Handler {
	return w.guard(p, false, h)
}

func (w *Web) guard(p hallstate.Permission, evenMustChange bool, h Handler) http.Handler {
	w.init()
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if !w.checkRequest(rw, r) {
			return
		}
		s, err := w.sessionOf(r)
		if errors.Is(err, ErrNoSession) {
			Refuse(rw, http.StatusUnauthorized, RefusedLogin, "log in first")
			return
		} else if err != nil {
			w.lg.Error("session look-up failed", "err", err)
			Refuse(rw, http.StatusInternalServerError, RefusedLogin, "session look-up failed")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			got := r.Header.Get(CSRFHeader)
			if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.CSRF)) != 1 {
				w.lg.Warn("request without the session's CSRF token refused", "path", r.URL.Path, "operator", s.Operator.Name)
				Refuse(rw, http.StatusForbidden, RefusedCSRF, "CSRF token missing or wrong")
				return
			}
		}
		if s.Operator.MustChange && !evenMustChange {
			Refuse(rw, http.StatusForbidden, RefusedMustChange, "change the one-time password first")
			return
		}
		if !s.Operator.Role.Can(p) {
			w.lg.Warn("request refused for the operator's role", "path", r.URL.Path, "operator", s.Operator.Name, "role", s.Operator.Role, "needs", p)
			_ = w.Store.Record(r.Context(), Entry{Operator: s.Operator.Name, Action: ActRefused, Target: r.URL.Path, Detail: "role " + string(s.Operator.Role) + " lacks " + string(p)})
			Refuse(rw, http.StatusForbidden, RefusedRole, "your role may not do this")
			return
		}
		h(rw, r, s)
	})
}

// allowLogin counts a login attempt from addr and reports whether it is
// within LoginsPerMinute.
func (w *Web) allowLogin(addr string, now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	recent := w.tries[addr][:0]
	for _, t := range w.tries[addr] {
		if now.Sub(t) < time.Minute {
			recent = append(recent, t)
		}
	}
	if len(recent) >= w.LoginsPerMinute {
		w.tries[addr] = recent
		return false
	}
	w.tries[addr] = append(recent, now)
	if len(w.tries) > 10000 { // many addresses: forget those quiet for a minute
		for a, ts := range w.tries {
			if len(ts) == 0 || now.Sub(ts[len(ts)-1]) >= time.Minute {
				delete(w.tries, a)
			}
		}
	}
	return true
}

// me is what the page learns of its operator: who, what role, what it may
// do, and the CSRF token to send.
type me struct {
	Operator
	Permissions []hallstate.Permission `json:"permissions"`
	CSRF        string                 `json:"csrf"`
}

func meOf(s Session) me {
	return me{Operator: s.Operator, Permissions: s.Operator.Role.Permissions(), CSRF: s.CSRF}
}

func (w *Web) setCookie(rw http.ResponseWriter, s Session) {
	http.SetCookie(rw, &http.Cookie{Name: CookieName, Value: s.Token, Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, MaxAge: int(w.Store.opt.MaxAge / time.Second)})
}

func clearCookie(rw http.ResponseWriter) {
	http.SetCookie(rw, &http.Cookie{Name: CookieName, Value: "", Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

func decode(rw http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(rw, r.Body, 4<<10)).Decode(v); err != nil {
		Refuse(rw, http.StatusBadRequest, "", "malformed request")
		return false
	}
	return true
}

func writeJSON(rw http.ResponseWriter, v any) {
	rw.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(rw).Encode(v)
}

// Mount adds the operator's own endpoints to mux:
//
//	POST /api/login     {"name", "password"} -> the session cookie and {"name", "role", "must_change", "permissions", "csrf"}
//	GET  /api/me        the same for the session's operator
//	POST /api/logout    ends the session
//	POST /api/password  {"old", "new"}: the operator's own password (required first after a one-time or reset one)
//	GET  /api/operators the operators                                   (配置管理员)
//	POST /api/operators {"action": "add"|"remove"|"reset", "name", "role"} (配置管理员)
//	GET  /api/audit     the newest 200 entries of the hall's audit log   (配置管理员)
func (w *Web) Mount(mux *http.ServeMux) {
	w.init()
	mux.HandleFunc("POST /api/login", w.login)
	mux.Handle("GET /api/me", w.guard(hallstate.PermView, true, func(rw http.ResponseWriter, _ *http.Request, s Session) {
		writeJSON(rw, meOf(s))
	}))
	mux.Handle("POST /api/logout", w.guard(hallstate.PermView, true, func(rw http.ResponseWriter, r *http.Request, s Session) {
		c, _ := r.Cookie(CookieName)
		if err := w.Store.Logout(r.Context(), c.Value); err != nil {
			Refuse(rw, http.StatusInternalServerError, "", "logout failed")
			return
		}
		w.audit(r.Context(), Entry{Operator: s.Operator.Name, Action: ActLogout})
		clearCookie(rw)
		writeJSON(rw, map[string]bool{"ok": true})
	}))
	mux.Handle("POST /api/password", w.guard(hallstate.PermView, true, w.changePassword))
	mux.Handle("GET /api/operators", w.Guard(hallstate.PermOperators, w.listOperators))
	mux.Handle("POST /api/operators", w.Guard(hallstate.PermOperators, w.manageOperator))
	mux.Handle("GET /api/audit", w.Guard(hallstate.PermOperators, w.auditLog))
}

// operatorView is one operator as the administrator's page lists it.
type operatorView struct {
	Operator
	LockedUntil time.Time `json:"locked_until,omitzero"`
}

func (w *Web) listOperators(rw http.ResponseWriter, r *http.Request, _ Session) {
	ops, err := w.Store.List(r.Context())
	if err != nil {
		Refuse(rw, http.StatusInternalServerError, "", "cannot list operators")
		return
	}
	out := make([]operatorView, 0, len(ops))
	for _, o := range ops {
		until, _ := w.Store.LockedUntil(r.Context(), o.Name)
		out = append(out, operatorView{Operator: o, LockedUntil: until})
	}
	writeJSON(rw, out)
}

// manageOperator is an administrator adding, removing or resetting an
// operator: {"action": "add"|"remove"|"reset", "name": …, "role": …}.
// add and reset answer with a one-time password, shown to the
// administrator once, which the operator must change at the first login.
func (w *Web) manageOperator(rw http.ResponseWriter, r *http.Request, s Session) {
	var req struct {
		Action string         `json:"action"`
		Name   string         `json:"name"`
		Role   hallstate.Role `json:"role"`
	}
	if !decode(rw, r, &req) {
		return
	}
	if err := CheckName(req.Name); err != nil {
		Refuse(rw, http.StatusBadRequest, "", err.Error())
		return
	}
	var otp string
	var err error
	detail := ""
	switch req.Action {
	case "add":
		if otp, err = NewOneTimePassword(); err == nil {
			err = w.Store.Add(r.Context(), req.Name, req.Role, otp, true)
		}
		detail = "role " + string(req.Role)
	case "reset":
		if otp, err = NewOneTimePassword(); err == nil {
			err = w.Store.ResetPassword(r.Context(), req.Name, otp)
		}
	case "remove":
		if req.Name == s.Operator.Name {
			Refuse(rw, http.StatusBadRequest, "", "you cannot remove yourself")
			return
		}
		err = w.Store.Remove(r.Context(), req.Name)
	default:
		Refuse(rw, http.StatusBadRequest, "", "action is add, remove or reset")
		return
	}
	switch {
	case errors.Is(err, ErrExists), errors.Is(err, ErrRole), errors.Is(err, ErrLastAdmin):
		Refuse(rw, http.StatusBadRequest, "", err.Error())
		return
	case errors.Is(err, ErrNoOperator):
		Refuse(rw, http.StatusNotFound, "", err.Error())
		return
	case err != nil:
		w.lg.Error("operator change failed", "action", req.Action, "operator", req.Name, "err", err)
		Refuse(rw, http.StatusInternalServerError, "", "operator change failed")
		return
	}
	action := map[string]Action{"add": ActOperatorAdd, "reset": ActPasswordReset, "remove": ActOperatorRemove}[req.Action]
	w.audit(r.Context(), Entry{Operator: s.Operator.Name, Action: action, Target: req.Name, Detail: detail})
	w.lg.Info("operator changed", "action", action, "operator", req.Name, "by", s.Operator.Name)
	out := map[string]string{"name": req.Name}
	if otp != "" {
		out["one_time_password"] = otp
	}
	writeJSON(rw, out)
}

func (w *Web) auditLog(rw http.ResponseWriter, r *http.Request, _ Session) {
	entries, err := w.Store.Audit(r.Context(), 200)
	if err != nil {
		Refuse(rw, http.StatusInternalServerError, "", "cannot read the audit log")
		return
	}
	if entries == nil {
		entries = []Entry{}
	}
	writeJSON(rw, entries)
}

func (w *Web) audit(ctx context.Context, e Entry) {
	if err := w.Store.Record(ctx, e); err != nil {
		w.lg.Error("audit entry not written", "action", e.Action, "operator", e.Operator, "err", err)
	}
}

// remoteHost is the address a login is counted under: the peer's, or,
// when the peer is a reverse proxy on loopback, the address the proxy
// appended last to X-Forwarded-For (a client's own entries come before
// it and are not believed).
func remoteHost(r *http.Request) string {
	h, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		h = r.RemoteAddr
	}
	if ip := net.ParseIP(h); ip == nil || !ip.IsLoopback() {
		return h
	}
	xff := r.Header.Values("X-Forwarded-For")
	if len(xff) == 0 {
		return h
	}
	parts := strings.Split(xff[len(xff)-1], ",")
	if last := strings.TrimSpace(parts[len(parts)-1]); net.ParseIP(last) != nil {
		return last
	}
	return h
}

func (w *Web) login(rw http.ResponseWriter, r *http.Request) {
	if !w.checkRequest(rw, r) {
		return
	}
	var req struct {
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	if !decode(rw, r, &req) {
		return
	}
	from := remoteHost(r)
	if !w.allowLogin(from, time.Now()) {
		w.lg.Warn("login attempts from one address over the limit", "from", from)
		Refuse(rw, http.StatusTooManyRequests, RefusedRate, "too many login attempts; wait a minute")
		return
	}
	name := loginName(req.Name)
	s, err := w.Store.Login(r.Context(), name, req.Password)
	// A failed login is logged under the name only when it is an
	// operator's: what was typed into the name field may be a password.
	shown := name
	if err != nil && (CheckName(name) != nil || !w.Store.Exists(r.Context(), name)) {
		shown = "(unknown name)"
	}
	switch {
	case errors.Is(err, ErrLocked):
		w.lg.Warn("login refused: locked", "operator", shown, "from", from)
		w.audit(r.Context(), Entry{Operator: shown, Action: ActLoginLocked, Detail: "from " + from})
		Refuse(rw, http.StatusTooManyRequests, RefusedLocked, "too many failed logins; try again later")
		return
	case errors.Is(err, ErrBadLogin):
		w.lg.Warn("login failed", "operator", shown, "from", from)
		w.audit(r.Context(), Entry{Operator: shown, Action: ActLoginFailed, Detail: "from " + from})
		Refuse(rw, http.StatusUnauthorized, RefusedLogin, "wrong name or password")
		return
	case err != nil:
		w.lg.Error("login failed", "operator", shown, "err", err)
		Refuse(rw, http.StatusInternalServerError, RefusedLogin, "login failed")
		return
	}
	w.lg.Info("operator logged in", "operator", s.Operator.Name, "role", s.Operator.Role, "from", from)
	w.audit(r.Context(), Entry{Operator: s.Operator.Name, Action: ActLogin, Detail: "from " + from})
	w.setCookie(rw, s)
	writeJSON(rw, meOf(s))
}

func (w *Web) changePassword(rw http.ResponseWriter, r *http.Request, s Session) {
	var req struct {
		Old string `json:"old"`
		New string `json:"new"`
	}
	if !decode(rw, r, &req) {
		return
	}
	err := w.Store.ChangePassword(r.Context(), s.Operator.Name, req.Old, req.New)
	switch {
	case errors.Is(err, ErrWeakPassword):
		Refuse(rw, http.StatusBadRequest, "", err.Error())
		return
	case errors.Is(err, ErrBadLogin), errors.Is(err, ErrLocked):
		w.audit(r.Context(), Entry{Operator: s.Operator.Name, Action: ActPasswordFailed})
		Refuse(rw, http.StatusForbidden, RefusedLogin, "the old password is wrong")
		return
	case err != nil:
		w.lg.Error("password change failed", "operator", s.Operator.Name, "err", err)
		Refuse(rw, http.StatusInternalServerError, "", "password change failed")
		return
	}
	w.audit(r.Context(), Entry{Operator: s.Operator.Name, Action: ActPasswordChange})
	w.lg.Info("operator changed its password", "operator", s.Operator.Name)
	// Every session of the operator ended with the change; this one goes
	// on under a new token.
	ns, err := w.Store.Login(r.Context(), s.Operator.Name, req.New)
	if err != nil {
		clearCookie(rw)
		Refuse(rw, http.StatusUnauthorized, RefusedLogin, "password changed; log in again")
		return
	}
	w.setCookie(rw, ns)
	writeJSON(rw, meOf(ns))
}
