package hall_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"sckiosk/kiosk/fleet"
	"sckiosk/kiosk/fleet/agent"
	"sckiosk/kiosk/fleet/hall"
	"sckiosk/kiosk/fleet/hall/operator"
	"sckiosk/kiosk/fleet/hallstate"
)

// eventually polls cond every 50 ms until it holds or timeout passes;
// cond returns whether it holds and what it saw, for the failure message.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, saw := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s; last saw: %s", timeout, what, saw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

const division, hallName = "510107", "wuhou"

func key(kiosk string) string {
	return fleet.Identity{Division: division, Hall: hallName, Kiosk: kiosk}.Key()
}

// testHall is a hall as cmd/hallserver wires it: an embedded broker, a
// registry following kiosk/#, the hall server with the demo fleet key and
// its dashboard on an httptest server.
type testHall struct {
	broker *hall.Broker
	reg    *hall.Registry
	srv    *hall.Server
	mqtt   *url.URL
	web    *httptest.Server
	ops    *operator.Store
	admin  *apiClient // logged in as the administrator

	mu      sync.Mutex
	answers []answer // every API request the dashboard answered
}

// answer is one API request and the status it got.
type answer struct {
	method, path, origin string
	status               int
}

// answered returns the API requests answered so far.
func (h *testHall) answered() []answer {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.answers)
}

// statusRecorder keeps the status an http.Handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// Operators of every test hall: one per role, each with its own password.
var testOperators = []struct {
	name string
	role hallstate.Role
}{{"admin", hallstate.RoleAdmin}, {"ops", hallstate.RoleOps}, {"viewer", hallstate.RoleViewer}, {"window", hallstate.RoleWindow}}

func passwordOf(name string) string { return "password of " + name }

// cheapCost keeps argon2id quick in tests; the hashing code is the same.
var cheapCost = operator.Cost{Time: 1, Memory: 64, Threads: 1}

// admins maps a test hall's dashboard URL to its administrator's session,
// for post.
var admins sync.Map

func startHall(t *testing.T, canaryWait time.Duration) *testHall {
	t.Helper()
	b, err := hall.StartBroker("127.0.0.1:0", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	h := &testHall{broker: b, reg: &hall.Registry{}}
	if err := b.Subscribe(fleet.Root+"/#", func(topic string, p []byte) { h.reg.Handle(topic, p) }); err != nil {
		t.Fatal(err)
	}
	h.mqtt, _ = url.Parse("mqtt://" + b.Addr())
	h.srv, err = hall.New(hall.Config{Registry: h.reg, Pub: b, Key: fleet.DemoKey(), KeyID: fleet.DemoKeyID,
		Issuer: "test@" + division + "/" + hallName, CanaryWait: canaryWait})
	if err != nil {
		t.Fatal(err)
	}
	h.ops, err = operator.Open(filepath.Join(t.TempDir(), "hall.db"), operator.Options{Cost: cheapCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.ops.Close() })
	for _, o := range testOperators {
		if err := h.ops.Add(context.Background(), o.name, o.role, passwordOf(o.name), false); err != nil {
			t.Fatal(err)
		}
	}
	h.srv, err = hall.New(hall.Config{Registry: h.reg, Pub: b, Key: fleet.DemoKey(), KeyID: fleet.DemoKeyID,
		Issuer: "test@" + division + "/" + hallName, CanaryWait: canaryWait,
		Operators: &operator.Web{Store: h.ops, LoginsPerMinute: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	handler := h.srv.Handler(ctx)
	h.web = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		handler.ServeHTTP(rec, r)
		if strings.HasPrefix(r.URL.Path, "/api/") {
			h.mu.Lock()
			h.answers = append(h.answers, answer{r.Method, r.URL.Path, r.Header.Get("Origin"), rec.status})
			h.mu.Unlock()
		}
	}))
	t.Cleanup(func() { cancel(); h.web.Close() })
	h.admin = h.login(t, "admin")
	admins.Store(h.web.URL, h.admin)
	t.Cleanup(func() { admins.Delete(h.web.URL) })
	return h
}

// apiClient is an operator's session with the dashboard API, as the
// dashboard's script holds it: the session cookie and the CSRF token.
type apiClient struct {
	base, cookie, csrf string
}

// login logs name in with its test password.
func (h *testHall) login(t *testing.T, name string) *apiClient {
	t.Helper()
	c := &apiClient{base: h.web.URL}
	code, out, resp := c.do(t, "POST", "/api/login", map[string]string{"name": name, "password": passwordOf(name)}, nil)
	if code != http.StatusOK {
		t.Fatalf("login %s: %d %v", name, code, out)
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == operator.CookieName {
			c.cookie = ck.Value
			if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" {
				t.Errorf("session cookie %+v: want Secure, HttpOnly, SameSite=Strict, Path=/", ck)
			}
		}
	}
	c.csrf, _ = out["csrf"].(string)
	if c.cookie == "" || c.csrf == "" {
		t.Fatalf("login %s: no session cookie or CSRF token: %v", name, out)
	}
	return c
}

// do sends one request as the dashboard's script does (its own Origin,
// JSON, the cookie and CSRF token when it has them); edit changes the
// request before it goes.
func (c *apiClient) do(t *testing.T, method, path string, body any, edit func(*http.Request)) (int, map[string]any, *http.Response) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if method != "GET" {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", c.base)
		if c.csrf != "" {
			req.Header.Set(operator.CSRFHeader, c.csrf)
		}
	}
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: operator.CookieName, Value: c.cookie})
	}
	if edit != nil {
		edit(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: answer not JSON: %v", method, path, err)
	}
	return resp.StatusCode, out, resp
}

// get decodes the JSON answer to GET path into v and returns the status.
func (c *apiClient) get(t *testing.T, path string, v any) int {
	t.Helper()
	req, err := http.NewRequest("GET", c.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: operator.CookieName, Value: c.cookie})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: answer not JSON: %v", path, err)
	}
	return resp.StatusCode
}

func (c *apiClient) post(t *testing.T, path string, body any) (int, map[string]any) {
	t.Helper()
	code, out, _ := c.do(t, "POST", path, body, nil)
	return code, out
}

// fakeKiosk is a kiosk's fleet agent with a scripted health and command
// handler; it records the commands it accepted.
type fakeKiosk struct {
	name string
	// refuseProfile makes it answer apply_profile with OK false.
	refuseProfile bool
	devices       map[string]fleet.Device

	mu   sync.Mutex
	cmds []received

	cancel context.CancelFunc
	done   chan struct{}
}

type received struct {
	fleet.Command
	at time.Time
}

// logLines is what a fake kiosk answers log_tail with.
var logLines = []string{"10:00:01 INFO kiosk started", "10:00:02 WARN printer: paper out"}

func (k *fakeKiosk) handle(_ context.Context, c fleet.Command) fleet.Reply {
	k.mu.Lock()
	k.cmds = append(k.cmds, received{c, time.Now()})
	k.mu.Unlock()
	switch c.Action {
	case fleet.ActionProfile:
		if k.refuseProfile {
			return fleet.Reply{OK: false, Message: "profile invalid: ui.idle_timeout out of range"}
		}
		return fleet.Reply{OK: true, Message: "profile applied"}
	case fleet.ActionLogTail:
		return fleet.Reply{OK: true, Message: "2 lines", Lines: logLines}
	default:
		return fleet.Reply{OK: true, Message: "did " + c.Action}
	}
}

func (k *fakeKiosk) health() fleet.Health {
	devs := map[string]fleet.Device{"printer": {State: "online"}, "idcard": {State: "online"}}
	if k.devices != nil {
		devs = k.devices
	}
	return fleet.Health{Profile: "0123456789abcdef", Platform: "online", Devices: devs}
}

// commands returns the accepted commands with this action.
func (k *fakeKiosk) commands(action string) []received {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []received
	for _, c := range k.cmds {
		if c.Action == action {
			out = append(out, c)
		}
	}
	return out
}

// start runs (or runs again) the kiosk's agent; it trusts the demo fleet
// key and reports health every 150 ms.
func (k *fakeKiosk) start(t *testing.T, h *testHall) {
	t.Helper()
	id := fleet.Identity{Division: division, Hall: hallName, Kiosk: k.name}
	a, err := agent.New(agent.Config{
		Brokers: []*url.URL{h.mqtt}, Identity: id, Version: "1.4.0-test", KeepAlive: 2 * time.Second,
		HealthEvery: 150 * time.Millisecond, RetryMax: time.Second, Health: k.health,
		Verifier: &fleet.Verifier{Kiosk: k.name, Keys: map[string]*ecdsa.PublicKey{fleet.DemoKeyID: &fleet.DemoKey().PublicKey}},
		Handle:   k.handle,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = a.Run(ctx); close(done) }()
	k.cancel, k.done = cancel, done
	t.Cleanup(func() { cancel(); <-done })
}

// stop ends the agent as a kiosk shutting down does (clean offline state).
func (k *fakeKiosk) stop() {
	k.cancel()
	<-k.done
}

func startKiosk(t *testing.T, h *testHall, k *fakeKiosk) *fakeKiosk {
	t.Helper()
	k.start(t, h)
	return k
}

// waitOnline waits until the registry has every kiosk online with health.
func (h *testHall) waitOnline(t *testing.T, kiosks ...*fakeKiosk) {
	t.Helper()
	eventually(t, 20*time.Second, "kiosks online", func() (bool, string) {
		var saw []string
		all := true
		for _, k := range kiosks {
			v, ok := h.reg.Get(key(k.name))
			saw = append(saw, k.name+"="+string(v.Status))
			all = all && ok && v.Status == hall.Online && v.Health != nil
		}
		return all, strings.Join(saw, " ")
	})
}

// post sends body to url (a test hall's dashboard URL and path) as that
// hall's administrator.
func post(t *testing.T, url string, body any) (int, map[string]any) {
	t.Helper()
	var c *apiClient
	admins.Range(func(k, v any) bool {
		if strings.HasPrefix(url, k.(string)+"/") {
			c = v.(*apiClient)
		}
		return c == nil
	})
	if c == nil {
		t.Fatalf("post %s: not a test hall's URL", url)
	}
	return c.post(t, strings.TrimPrefix(url, c.base), body)
}

// The JSON API refuses what it must, runs commands and stops a rollout
// at a canary that refuses the profile.
func TestAPI(t *testing.T) {
	h := startHall(t, time.Second)
	k1 := startKiosk(t, h, &fakeKiosk{name: "SC-0001", refuseProfile: true})
	k2 := startKiosk(t, h, &fakeKiosk{name: "SC-0002"})
	k3 := startKiosk(t, h, &fakeKiosk{name: "SC-0003"})
	h.waitOnline(t, k1, k2, k3)

	t.Run("kiosks", func(t *testing.T) {
		var got struct {
			Counts map[string]int   `json:"counts"`
			Kiosks []hall.KioskView `json:"kiosks"`
		}
		if code := h.login(t, "viewer").get(t, "/api/kiosks", &got); code != http.StatusOK {
			t.Fatalf("GET /api/kiosks as a viewer: %d", code)
		}
		if got.Counts[string(hall.Online)] != 3 || len(got.Kiosks) != 3 || got.Kiosks[0].Kiosk != "SC-0001" {
			t.Errorf("/api/kiosks = %+v", got)
		}
	})

	t.Run("bad requests", func(t *testing.T) {
		for _, tt := range []struct {
			path string
			body any
		}{
			{"/api/push", map[string]any{"all": true, "profile": "ui: [idle_timeout: 120s", "canary": true}},
			{"/api/push", map[string]any{"all": true, "profile": "", "canary": true}},
			{"/api/push", map[string]any{"all": true, "profile": "just text", "canary": true}},
			{"/api/push", map[string]any{"targets": []string{key("SC-0404")}, "profile": "ui:\n  idle_timeout: 120s"}},
			{"/api/push", map[string]any{"targets": []string{}, "profile": "ui:\n  idle_timeout: 120s"}},
			{"/api/push", "not an object"},
			{"/api/command", map[string]any{"kiosk": key("SC-0002"), "action": "format_disk"}},
			{"/api/command", map[string]any{"kiosk": key("SC-0002"), "action": fleet.ActionProfile}},
			{"/api/command", "not an object"},
		} {
			code, out := post(t, h.web.URL+tt.path, tt.body)
			if msg, _ := out["error"].(string); code != http.StatusBadRequest || msg == "" {
				t.Errorf("POST %s %v: %d %v, want 400 with an error", tt.path, tt.body, code, out)
			}
		}
		if n := len(h.srv.Rollouts()); n != 0 {
			t.Errorf("%d rollouts started by bad requests", n)
		}
		if got := k2.commands(fleet.ActionProfile); len(got) != 0 {
			t.Errorf("a refused request reached a kiosk: %+v", got)
		}
	})

	t.Run("command", func(t *testing.T) {
		code, out := post(t, h.web.URL+"/api/command", map[string]any{"kiosk": key("SC-0002"), "action": fleet.ActionLogTail})
		rep, _ := out["reply"].(map[string]any)
		if code != http.StatusOK || rep == nil || rep["ok"] != true || rep["id"] != out["id"] {
			t.Fatalf("log_tail: %d %v", code, out)
		}
		lines, _ := json.Marshal(rep["lines"])
		if want, _ := json.Marshal(logLines); !bytes.Equal(lines, want) {
			t.Errorf("log_tail lines = %s, want %s", lines, want)
		}
		got := k2.commands(fleet.ActionLogTail)
		if len(got) != 1 || got[0].ID != out["id"] || got[0].Issuer != "test@510107/wuhou" || got[0].Kiosk != "SC-0002" {
			t.Errorf("kiosk received %+v", got)
		}
	})

	t.Run("canary refuses", func(t *testing.T) {
		code, out := post(t, h.web.URL+"/api/push", map[string]any{"all": true, "profile": "ui:\n  idle_timeout: 120s", "canary": true})
		if code != http.StatusOK || out["canary"] != key("SC-0001") || out["stage"] != string(hall.StageCanary) {
			t.Fatalf("push: %d %v", code, out)
		}
		var ro hall.Rollout
		eventually(t, 30*time.Second, "the rollout to stop at the canary", func() (bool, string) {
			rs := h.srv.Rollouts()
			if len(rs) != 1 {
				return false, "no rollout"
			}
			ro = rs[0]
			return ro.Stage == hall.StageFailed, string(ro.Stage)
		})
		if ro.ID != out["id"] || !strings.Contains(ro.Message, "canary refused the profile") ||
			!strings.Contains(ro.Results[key("SC-0001")], "profile invalid") || len(ro.Results) != 1 || ro.Ended.IsZero() {
			t.Errorf("rollout = %+v", ro)
		}
		if got := k1.commands(fleet.ActionProfile); len(got) != 1 || got[0].Profile != "ui:\n  idle_timeout: 120s" {
			t.Errorf("canary received %+v", got)
		}
		// The rest are spared, also after the canary wait.
		time.Sleep(1500 * time.Millisecond)
		for _, k := range []*fakeKiosk{k2, k3} {
			if got := k.commands(fleet.ActionProfile); len(got) != 0 {
				t.Errorf("%s got the profile the canary refused: %+v", k.name, got)
			}
		}
	})
}

// A kiosk that is not online is skipped (and never the canary): commands
// are not kept for it, so waiting for it would stall the roll-out.
func TestPushSkipsOfflineKiosks(t *testing.T) {
	h := startHall(t, 500*time.Millisecond)
	a := startKiosk(t, h, &fakeKiosk{name: "SC-0001"})
	b := startKiosk(t, h, &fakeKiosk{name: "SC-0002"})
	c := startKiosk(t, h, &fakeKiosk{name: "SC-0003"})
	h.waitOnline(t, a, b, c)
	a.stop() // SC-0001 sorts first: it would have been the canary
	eventually(t, 10*time.Second, "SC-0001 offline", func() (bool, string) {
		v, _ := h.reg.Get(key("SC-0001"))
		return v.Status == hall.Offline, string(v.Status)
	})
	code, out := post(t, h.web.URL+"/api/push", map[string]any{"all": true, "canary": true, "profile": "ui:\n  idle_timeout: 120s\n"})
	if code != http.StatusOK || out["canary"] != key("SC-0002") {
		t.Fatalf("push: %d %v", code, out)
	}
	eventually(t, 20*time.Second, "roll-out done", func() (bool, string) {
		ro := h.srv.Rollouts()[0]
		return ro.Stage == hall.StageDone, string(ro.Stage) + " " + ro.Message
	})
	ro := h.srv.Rollouts()[0]
	if !strings.HasPrefix(ro.Results[key("SC-0001")], "skipped") || len(b.commands(fleet.ActionProfile)) != 1 || len(c.commands(fleet.ActionProfile)) != 1 {
		t.Fatalf("results %v", ro.Results)
	}
	if code, _ := post(t, h.web.URL+"/api/command", map[string]any{"kiosk": key("SC-9999"), "action": "self_test"}); code != http.StatusNotFound {
		t.Errorf("command to an unknown kiosk: HTTP %d, want 404", code)
	}
}

// Push hands out a copy of the rollout: the caller (the /api/push
// handler) may read or change it while the canary goroutine writes the
// live one's results, and the hall's own record stays as it was. Under
// -race the JSON encoding below also proves the copy is not shared.
func TestPushHandsOutACopy(t *testing.T) {
	h := startHall(t, 300*time.Millisecond)
	a := startKiosk(t, h, &fakeKiosk{name: "SC-0001"})
	b := startKiosk(t, h, &fakeKiosk{name: "SC-0002"})
	h.waitOnline(t, a, b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ro, err := h.srv.Push(ctx, []string{key("SC-0001"), key("SC-0002")}, "ui:\n  idle_timeout: 120s\n", true)
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := json.Marshal(ro); err != nil {
			t.Fatal(err)
		}
		if rs := h.srv.Rollouts(); rs[0].Stage == hall.StageDone || rs[0].Stage == hall.StageFailed {
			break
		}
		time.Sleep(time.Millisecond)
	}
	ro.Results["intruder"] = "changed by the caller"
	ro.Targets[0] = "changed by the caller"
	got := h.srv.Rollouts()[0]
	if got.Stage != hall.StageDone || len(got.Results) != 2 || got.Targets[0] != key("SC-0001") {
		t.Errorf("the hall's rollout = %+v, want done with the two kiosks' results and its own targets", got)
	}
	if len(ro.Results) != 1 {
		t.Errorf("the copy changed after Push returned: %v", ro.Results)
	}
}

// The push API passes a province signature (kioskctl profile sign) on to
// the kiosks inside the signed command, unchanged: only a kiosk checks it.
func TestPushCarriesProvinceSignature(t *testing.T) {
	h := startHall(t, 500*time.Millisecond)
	k := startKiosk(t, h, &fakeKiosk{name: "SC-0001"})
	h.waitOnline(t, k)
	layer := "platform:\n  sichuan:\n    url: https://zwfw2.sc.example/gw\n"
	sig, err := fleet.SignLayer(fleet.DemoKey(), []byte(layer), []string{"SC-0001"}, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// A layer changed after signing (here: its last newline) is refused
	// at once, before any kiosk sees it.
	code, out := post(t, h.web.URL+"/api/push", map[string]any{"targets": []string{key("SC-0001")}, "profile": strings.TrimSpace(layer), "province_sig": sig})
	if code != http.StatusBadRequest || !strings.Contains(fmt.Sprint(out["error"]), "other layer bytes") {
		t.Errorf("push of other bytes: %d %v", code, out)
	}
	code, out = post(t, h.web.URL+"/api/push", map[string]any{"targets": []string{key("SC-0001")}, "profile": layer, "province_sig": sig})
	if code != http.StatusOK {
		t.Fatalf("push: %d %v", code, out)
	}
	eventually(t, 20*time.Second, "the kiosk to receive the layer", func() (bool, string) {
		return len(k.commands(fleet.ActionProfile)) == 1, "not yet"
	})
	got := k.commands(fleet.ActionProfile)[0]
	if got.ProvinceSig == nil || got.ProvinceSig.Sig != sig.Sig || got.Profile != layer ||
		got.ProvinceSig.Verify(&fleet.DemoKey().PublicKey, []byte(got.Profile), "SC-0001", time.Now()) != nil {
		t.Errorf("kiosk received %+v with signature %+v", got, got.ProvinceSig)
	}
}
