package hall_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"sckiosk/kiosk/fleet"
	"sckiosk/kiosk/fleet/hall"
	"sckiosk/kiosk/fleet/hall/operator"
	"sckiosk/kiosk/fleet/hallstate"
)

// Every endpoint of the API, as each role and as nobody: the role check
// is on the server, endpoint by endpoint. A refused request reaches no
// kiosk; an allowed command reaches the kiosk with its operator's name,
// and the hall's audit log says who did it.
func TestRoles(t *testing.T) {
	h := startHall(t, 200*time.Millisecond)
	k := startKiosk(t, h, &fakeKiosk{name: "SC-0001"})
	h.waitOnline(t, k)
	command := map[string]any{"kiosk": key("SC-0001"), "action": fleet.ActionSelfTest}
	push := map[string]any{"targets": []string{key("SC-0001")}, "profile": "ui:\n  idle_timeout: 120s\n"}
	tests := []struct {
		who              string // "" is nobody
		view, cmd, pushd int
	}{
		{"", 401, 401, 401},
		{"viewer", 200, 403, 403},
		{"window", 200, 403, 403},
		{"ops", 200, 200, 403},
		{"admin", 200, 200, 200},
	}
	for _, tc := range tests {
		t.Run("as "+tc.who, func(t *testing.T) {
			c := &apiClient{base: h.web.URL}
			if tc.who != "" {
				c = h.login(t, tc.who)
			}
			var v map[string]any
			if code := c.get(t, "/api/kiosks", &v); code != tc.view {
				t.Errorf("GET /api/kiosks: %d %v, want %d", code, v, tc.view)
			}
			before := len(k.commands(fleet.ActionSelfTest))
			code, out := c.post(t, "/api/command", command)
			if code != tc.cmd {
				t.Errorf("POST /api/command: %d %v, want %d", code, out, tc.cmd)
			}
			if got := k.commands(fleet.ActionSelfTest); code == 200 {
				if len(got) != before+1 || got[len(got)-1].Operator != tc.who {
					t.Errorf("the kiosk got %+v, want a self_test from %s", got, tc.who)
				}
			} else if len(got) != before {
				t.Errorf("a refused command reached the kiosk")
			}
			code, out = c.post(t, "/api/push", push)
			if code != tc.pushd {
				t.Errorf("POST /api/push: %d %v, want %d", code, out, tc.pushd)
			}
			if code == 200 && out["by"] != tc.who {
				t.Errorf("rollout by %v, want %s", out["by"], tc.who)
			}
		})
	}
	eventually(t, 20*time.Second, "the push to reach the kiosk", func() (bool, string) {
		got := k.commands(fleet.ActionProfile)
		return len(got) == 1 && got[0].Operator == "admin", "no profile from admin yet"
	})
	if n := len(h.srv.Rollouts()); n != 1 {
		t.Errorf("%d rollouts, want only the administrator's", n)
	}
	log, err := h.ops.Audit(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, e := range log {
		seen = append(seen, e.Operator+" "+string(e.Action)+" "+e.Target)
	}
	all := strings.Join(seen, "\n")
	for _, want := range []string{
		"ops command " + key("SC-0001"), "admin command " + key("SC-0001"), "admin push " + key("SC-0001"),
		"viewer refused /api/command", "viewer refused /api/push", "ops refused /api/push", "viewer login",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("the hall's audit log lacks %q:\n%s", want, all)
		}
	}
}

// What a page of another site can make a logged-in operator's browser
// send is refused before it is read: a text/plain form post, a JSON post
// from another origin, one without Origin, and one from the dashboard's
// own origin without the session's CSRF token.
func TestCrossSiteRefused(t *testing.T) {
	h := startHall(t, time.Second)
	k := startKiosk(t, h, &fakeKiosk{name: "SC-0001"})
	h.waitOnline(t, k)
	body := map[string]any{"kiosk": key("SC-0001"), "action": fleet.ActionRestart}
	tests := []struct {
		name string
		edit func(*http.Request)
		code int
		why  operator.Refusal
	}{
		{"text/plain from another site", func(r *http.Request) {
			r.Header.Set("Origin", "https://evil.example")
			r.Header.Set("Content-Type", "text/plain")
			r.Header.Del(operator.CSRFHeader)
			r.Header.Set("Sec-Fetch-Site", "cross-site")
		}, 403, operator.RefusedOrigin},
		{"JSON from another site", func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") }, 403, operator.RefusedOrigin},
		{"same host, fetch says cross-site", func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") }, 403, operator.RefusedOrigin},
		{"no Origin", func(r *http.Request) { r.Header.Del("Origin") }, 403, operator.RefusedOrigin},
		{"Origin null", func(r *http.Request) { r.Header.Set("Origin", "null") }, 403, operator.RefusedOrigin},
		{"text/plain from the dashboard", func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }, 415, operator.RefusedContentType},
		{"form from the dashboard", func(r *http.Request) { r.Header.Set("Content-Type", "application/x-www-form-urlencoded") }, 415, operator.RefusedContentType},
		{"JSON without the CSRF token", func(r *http.Request) { r.Header.Del(operator.CSRFHeader) }, 403, operator.RefusedCSRF},
		{"JSON with another session's CSRF token", func(r *http.Request) { r.Header.Set(operator.CSRFHeader, h.login(t, "ops").csrf) }, 403, operator.RefusedCSRF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, _ := h.admin.do(t, "POST", "/api/command", body, tc.edit)
			if code != tc.code || out["code"] != string(tc.why) {
				t.Errorf("%d %v, want %d %s", code, out, tc.code, tc.why)
			}
		})
	}
	if got := k.commands(fleet.ActionRestart); len(got) != 0 {
		t.Errorf("a refused request restarted the kiosk: %+v", got)
	}
	// The same request as the dashboard sends it goes through.
	if code, out := h.admin.post(t, "/api/command", body); code != 200 {
		t.Errorf("the dashboard's own request: %d %v", code, out)
	}
	// A login from another site is refused too (no logging a victim into
	// the attacker's account).
	c := &apiClient{base: h.web.URL}
	code, out, _ := c.do(t, "POST", "/api/login", map[string]string{"name": "ops", "password": passwordOf("ops")},
		func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") })
	if code != 403 || out["code"] != string(operator.RefusedOrigin) {
		t.Errorf("cross-site login: %d %v", code, out)
	}
}

// Five wrong passwords lock the name (HTTP 429), the right one included;
// the failures and the lock are in the hall's audit log.
func TestLoginLockout(t *testing.T) {
	h := startHall(t, time.Second)
	c := &apiClient{base: h.web.URL}
	try := func(pw string) (int, map[string]any) {
		code, out, _ := c.do(t, "POST", "/api/login", map[string]string{"name": "ops", "password": pw}, nil)
		return code, out
	}
	for i := 1; i <= 4; i++ {
		if code, out := try("not the password"); code != 401 || out["code"] != string(operator.RefusedLogin) {
			t.Fatalf("failure %d: %d %v", i, code, out)
		}
	}
	for _, pw := range []string{"not the password", passwordOf("ops")} {
		if code, out := try(pw); code != 429 || out["code"] != string(operator.RefusedLocked) {
			t.Fatalf("locked, %q: %d %v", pw, code, out)
		}
	}
	// The others are not affected.
	h.login(t, "viewer")
	log, _ := h.ops.Audit(context.Background(), 20)
	var failed, locked int
	for _, e := range log {
		if e.Operator == "ops" && e.Action == operator.ActLoginFailed {
			failed++
		}
		if e.Operator == "ops" && e.Action == operator.ActLoginLocked {
			locked++
		}
	}
	if failed != 4 || locked != 2 {
		t.Errorf("audit: %d failed, %d locked; want 4 and 2", failed, locked)
	}
}

// One address may try to log in only so often a minute, whatever names
// it tries.
func TestLoginRateLimit(t *testing.T) {
	h := startHall(t, time.Second)
	web := &operator.Web{Store: h.ops, LoginsPerMinute: 3}
	srv, err := hall.New(hall.Config{Registry: h.reg, Pub: h.broker, Key: fleet.DemoKey(), KeyID: fleet.DemoKeyID, Operators: web})
	if err != nil {
		t.Fatal(err)
	}
	mux := srv.Handler(context.Background())
	codes := []int{}
	for _, name := range []string{"a1", "b2", "c3", "d4", "admin"} {
		c := &apiClient{base: h.web.URL}
		req := newJSONRequest(t, c, "/api/login", map[string]string{"name": name, "password": "guess guess guess"})
		rec := newRecorder()
		mux.ServeHTTP(rec, req)
		codes = append(codes, rec.Code)
	}
	if want := []int{401, 401, 401, 429, 429}; !equalInts(codes, want) {
		t.Errorf("login answers %v, want %v", codes, want)
	}
}

// An operator with a one-time (or reset) password may do nothing but
// change it; afterwards the old session is gone and the new one works.
func TestMustChangeOverHTTP(t *testing.T) {
	h := startHall(t, time.Second)
	otp, err := operator.NewOneTimePassword()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.ops.Add(context.Background(), "new.admin", hallstate.RoleAdmin, otp, true); err != nil {
		t.Fatal(err)
	}
	c := &apiClient{base: h.web.URL}
	code, out, resp := c.do(t, "POST", "/api/login", map[string]string{"name": "new.admin", "password": otp}, nil)
	if code != 200 || out["must_change"] != true {
		t.Fatalf("login with the one-time password: %d %v", code, out)
	}
	c.cookie, c.csrf = cookieOf(resp), out["csrf"].(string)
	var v map[string]any
	if code := c.get(t, "/api/kiosks", &v); code != 403 || v["code"] != string(operator.RefusedMustChange) {
		t.Errorf("kiosks before the change: %d %v", code, v)
	}
	if code, out := c.post(t, "/api/push", map[string]any{"all": true, "profile": "ui:\n  idle_timeout: 120s\n"}); code != 403 {
		t.Errorf("push before the change: %d %v", code, out)
	}
	if code, out := c.post(t, "/api/password", map[string]string{"old": otp, "new": "short"}); code != 400 {
		t.Errorf("a short new password: %d %v", code, out)
	}
	code, out, resp = c.do(t, "POST", "/api/password", map[string]string{"old": otp, "new": "a good long password"}, nil)
	if code != 200 || out["must_change"] != false {
		t.Fatalf("change: %d %v", code, out)
	}
	old := c.cookie
	c.cookie, c.csrf = cookieOf(resp), out["csrf"].(string)
	if code := c.get(t, "/api/kiosks", &v); code != 200 {
		t.Errorf("kiosks after the change: %d %v", code, v)
	}
	if code := (&apiClient{base: h.web.URL, cookie: old}).get(t, "/api/kiosks", &v); code != 401 {
		t.Errorf("the session of the one-time password after the change: %d", code)
	}
}

func cookieOf(resp *http.Response) string {
	for _, ck := range resp.Cookies() {
		if ck.Name == operator.CookieName {
			return ck.Value
		}
	}
	return ""
}

func newJSONRequest(t *testing.T, c *apiClient, path string, body any) *http.Request {
	t.Helper()
	b, _ := json.Marshal(body)
	req := httptest.NewRequest("POST", c.base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", c.base)
	req.RemoteAddr = "192.0.2.7:40000"
	return req
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

func equalInts(a, b []int) bool { return slices.Equal(a, b) }

// Operators managed from the dashboard: only a configuration
// administrator may list, add, reset or remove them or read the audit
// log; an added operator gets a one-time password that works once, to be
// changed; every change is audited under the administrator's name.
func TestOperatorsOverHTTP(t *testing.T) {
	h := startHall(t, time.Second)
	for _, who := range []string{"viewer", "window", "ops"} {
		c := h.login(t, who)
		var v any
		if code := c.get(t, "/api/operators", &v); code != 403 {
			t.Errorf("%s lists operators: %d", who, code)
		}
		if code := c.get(t, "/api/audit", &v); code != 403 {
			t.Errorf("%s reads the audit log: %d", who, code)
		}
		if code, out := c.post(t, "/api/operators", map[string]any{"action": "add", "name": "mole." + who, "role": "admin"}); code != 403 {
			t.Errorf("%s adds an administrator: %d %v", who, code, out)
		}
	}
	code, out := h.admin.post(t, "/api/operators", map[string]any{"action": "add", "name": "wang.fang", "role": "ops"})
	otp, _ := out["one_time_password"].(string)
	if code != 200 || len(otp) != 20 {
		t.Fatalf("add: %d %v", code, out)
	}
	for _, tc := range []struct {
		body map[string]any
		code int
	}{
		{map[string]any{"action": "add", "name": "wang.fang", "role": "ops"}, 400},
		{map[string]any{"action": "add", "name": "Bad Name", "role": "ops"}, 400},
		{map[string]any{"action": "add", "name": "zhao", "role": "root"}, 400},
		{map[string]any{"action": "remove", "name": "admin"}, 400},
		{map[string]any{"action": "remove", "name": "nobody"}, 404},
		{map[string]any{"action": "promote", "name": "ops"}, 400},
	} {
		if code, out := h.admin.post(t, "/api/operators", tc.body); code != tc.code {
			t.Errorf("%v: %d %v, want %d", tc.body, code, out, tc.code)
		}
	}
	var list []map[string]any
	if code := h.admin.get(t, "/api/operators", &list); code != 200 || len(list) != len(testOperators)+1 {
		t.Fatalf("list: %d %v", code, list)
	}
	c := &apiClient{base: h.web.URL}
	code, out, _ = c.do(t, "POST", "/api/login", map[string]string{"name": "wang.fang", "password": otp}, nil)
	if code != 200 || out["must_change"] != true || out["role"] != "ops" {
		t.Fatalf("login with the one-time password: %d %v", code, out)
	}
	if code, out := h.admin.post(t, "/api/operators", map[string]any{"action": "remove", "name": "wang.fang"}); code != 200 {
		t.Fatalf("remove: %d %v", code, out)
	}
	var audit []operator.Entry
	if code := h.admin.get(t, "/api/audit", &audit); code != 200 {
		t.Fatalf("audit: %d", code)
	}
	var seen []string
	for _, e := range audit {
		seen = append(seen, e.Operator+" "+string(e.Action)+" "+e.Target)
	}
	all := strings.Join(seen, "\n")
	for _, want := range []string{"admin operator_add wang.fang", "admin operator_remove wang.fang", "wang.fang login", "ops refused /api/operators"} {
		if !strings.Contains(all, want) {
			t.Errorf("audit lacks %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, otp) {
		t.Error("the one-time password is in the audit log")
	}
}

// A failed login for a name that is no operator's is logged and audited
// as "(unknown name)": what was typed may be a password.
func TestFailedLoginHidesUnknownNames(t *testing.T) {
	h := startHall(t, time.Second)
	c := &apiClient{base: h.web.URL}
	for _, name := range []string{"My Secret Password", "hunter2hunter2", "ops"} {
		code, out, _ := c.do(t, "POST", "/api/login", map[string]string{"name": name, "password": "wrong wrong wrong"}, nil)
		if code != 401 {
			t.Fatalf("login %q: %d %v", name, code, out)
		}
	}
	log, _ := h.ops.Audit(context.Background(), 10)
	var names []string
	for _, e := range log {
		if e.Action == operator.ActLoginFailed {
			names = append(names, e.Operator)
		}
	}
	if got := strings.Join(names, ","); got != "ops,(unknown name),(unknown name)" {
		t.Errorf("failed logins audited as %q", got)
	}
}
