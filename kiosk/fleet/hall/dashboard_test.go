package hall_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"sckiosk/internal/webdriver"
	"sckiosk/kiosk/fleet"
	"sckiosk/kiosk/fleet/hall/operator"
	"sckiosk/kiosk/fleet/hallstate"
)

const (
	chromedriverPath = "/usr/bin/chromedriver"
	chromiumPath     = "/usr/bin/chromium"
)

// browser starts chromedriver on a free port and a headless Chromium
// session. Without Debian's chromium and chromium-driver the test skips,
// unless DASHBOARD_REQUIRE_CHROMIUM=1 (CI), where it fails.
func browser(t *testing.T) *webdriver.Session {
	t.Helper()
	for _, p := range []string{chromedriverPath, chromiumPath} {
		if _, err := exec.LookPath(p); err != nil {
			if os.Getenv("DASHBOARD_REQUIRE_CHROMIUM") == "1" {
				t.Fatalf("DASHBOARD_REQUIRE_CHROMIUM=1 but %v", err)
			}
			t.Skipf("no headless browser (%v): apt-get install chromium chromium-driver", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	d, err := webdriver.StartDriver(ctx, chromedriverPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Stop)
	s, err := d.NewSession(ctx, map[string]any{
		"browserName": "chrome",
		"goog:chromeOptions": map[string]any{
			"binary": chromiumPath,
			"args":   []string{"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000"},
		},
	})
	if err != nil {
		t.Fatalf("no Chromium session: %v\nchromedriver said:\n%s", err, d.Output())
	}
	t.Cleanup(func() { // before d.Stop: the driver closes the browser
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := s.Delete(ctx); err != nil {
			t.Logf("closing Chromium: %v", err)
		}
	})
	return s
}

// page drives the dashboard in the browser.
type page struct {
	t *testing.T
	s *webdriver.Session
}

func (p *page) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}

// dashState is what the dashboard shows, read in one script so that it
// is consistent (the page re-renders every 2 s).
type dashState struct {
	Title   string `json:"title"`
	Updated string `json:"updated"`
	Online  string `json:"online"`
	Offline string `json:"offline"`
	Stale   string `json:"stale"`
	Reply   string `json:"reply"`
	Rows    []struct {
		Key     string `json:"key"`
		Status  string `json:"status"`
		Class   string `json:"class"`
		Devices string `json:"devices"`
	} `json:"rows"`
	Rollouts []struct {
		Stage string `json:"stage"`
		Text  string `json:"text"`
	} `json:"rollouts"`
}

func (st dashState) String() string {
	b, _ := json.MarshalIndent(st, "", "  ")
	return string(b)
}

func (st dashState) row(key string) (status, class, devices string, ok bool) {
	for _, r := range st.Rows {
		if r.Key == key {
			return r.Status, r.Class, r.Devices, true
		}
	}
	return "", "", "", false
}

const snapshotJS = `
const text = s => { const e = document.querySelector(s); return e ? e.innerText : ""; };
return {
  title: document.title, updated: text("#updated"),
  online: text("#n-online"), offline: text("#n-offline"), stale: text("#n-stale"), reply: text("#reply"),
  rows: [...document.querySelectorAll("#kiosks tbody tr[data-kiosk]")].map(tr => {
    const st = tr.querySelector("td.status"), dev = tr.querySelector("td.devices");
    return { key: tr.dataset.kiosk, status: st ? st.innerText : "", class: st ? st.className : "", devices: dev ? dev.innerText : "" };
  }),
  rollouts: [...document.querySelectorAll("#rollouts tr.rollout")].map(tr => ({ stage: tr.dataset.stage, text: tr.innerText })),
};`

func (p *page) state() (dashState, error) {
	ctx, cancel := p.ctx()
	defer cancel()
	var st dashState
	err := p.s.ExecuteScript(ctx, snapshotJS, nil, &st)
	return st, err
}

// waitFor polls the page until cond holds; it fails the test with the
// last state seen otherwise.
func (p *page) waitFor(what string, timeout time.Duration, cond func(dashState) bool) dashState {
	p.t.Helper()
	var st dashState
	var err error
	eventually(p.t, timeout, what, func() (bool, string) {
		st, err = p.state()
		if err != nil {
			return false, err.Error()
		}
		return cond(st), st.String()
	})
	return st
}

// find returns the element matching css, waiting a little for it to be
// (re-)rendered.
func (p *page) find(css string) *webdriver.Element {
	p.t.Helper()
	var el *webdriver.Element
	eventually(p.t, 10*time.Second, css, func() (bool, string) {
		ctx, cancel := p.ctx()
		defer cancel()
		var err error
		el, err = p.s.FindElement(ctx, css)
		return err == nil, errString(err)
	})
	return el
}

// click clicks the element matching css. The dashboard replaces its
// table every 2 s, so an element found just before may be gone: find it
// again then.
func (p *page) click(css string) {
	p.t.Helper()
	eventually(p.t, 10*time.Second, "a click on "+css, func() (bool, string) {
		ctx, cancel := p.ctx()
		defer cancel()
		el, err := p.s.FindElement(ctx, css)
		if err == nil {
			err = el.Click(ctx)
		}
		if err != nil && !webdriver.IsCode(err, webdriver.CodeStaleElement) && !webdriver.IsCode(err, webdriver.CodeNoSuchElement) {
			p.t.Fatalf("click %s: %v", css, err)
		}
		return err == nil, errString(err)
	})
}

func (p *page) text(css string) string {
	p.t.Helper()
	var txt string
	eventually(p.t, 10*time.Second, "the text of "+css, func() (bool, string) {
		ctx, cancel := p.ctx()
		defer cancel()
		el, err := p.s.FindElement(ctx, css)
		if err == nil {
			txt, err = el.Text(ctx)
		}
		return err == nil, errString(err)
	})
	return txt
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// shot saves the page as DASHBOARD_SCREENSHOTS/name.png when that
// variable names a directory (for the docs); otherwise it does nothing.
func (p *page) shot(name string) {
	p.t.Helper()
	dir := os.Getenv("DASHBOARD_SCREENSHOTS")
	if dir == "" {
		return
	}
	ctx, cancel := p.ctx()
	defer cancel()
	png, err := p.s.Screenshot(ctx)
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
	if err != nil {
		p.t.Errorf("screenshot %s: %v", name, err)
	}
}

// open navigates to url.
func (p *page) open(url string) {
	p.t.Helper()
	ctx, cancel := p.ctx()
	defer cancel()
	if err := p.s.Navigate(ctx, url); err != nil {
		p.t.Fatal(err)
	}
}

// visible reports which of the page's panels show: login, change, app.
func (p *page) visible() (string, error) {
	ctx, cancel := p.ctx()
	defer cancel()
	var v string
	err := p.s.ExecuteScript(ctx, `return ["login", "change", "app"].filter(id => !document.getElementById(id).hidden).join(",");`, nil, &v)
	return v, err
}

// waitPanel waits until exactly the panel named shows.
func (p *page) waitPanel(panel string) {
	p.t.Helper()
	eventually(p.t, 20*time.Second, "the "+panel+" panel", func() (bool, string) {
		v, err := p.visible()
		if err != nil {
			return false, err.Error()
		}
		return v == panel, "showing " + v
	})
}

// typeInto clears the input matching css and types s.
func (p *page) typeInto(css, s string) {
	p.t.Helper()
	el := p.find(css)
	ctx, cancel := p.ctx()
	defer cancel()
	if err := el.Clear(ctx); err != nil {
		p.t.Fatal(err)
	}
	if err := el.SendKeys(ctx, s); err != nil {
		p.t.Fatal(err)
	}
}

// login logs in through the page's form and waits for the dashboard.
func (p *page) login(name, password string) {
	p.t.Helper()
	p.waitPanel("login")
	p.typeInto("#login-name", name)
	p.typeInto("#login-password", password)
	p.click("#login-go")
	p.waitPanel("app")
}

// fetchJSON runs fetch in the page, as its own script would, and returns
// the status and the JSON answer.
func (p *page) fetchJSON(script string) (int, map[string]any) {
	p.t.Helper()
	ctx, cancel := p.ctx()
	defer cancel()
	var out struct {
		Status int            `json:"status"`
		Body   map[string]any `json:"body"`
	}
	if err := p.s.ExecuteScript(ctx, "return "+script+".then(async r => ({status: r.status, body: await r.json()}));", nil, &out); err != nil {
		p.t.Fatal(err)
	}
	return out.Status, out.Body
}

func rowCSS(kiosk string) string { return `#kiosks tr[data-kiosk="` + key(kiosk) + `"]` }

// The hall dashboard in headless Chromium against a real broker, hall
// server and three kiosk agents: it shows the kiosks and their faults,
// runs a command, notices a kiosk going away and pushes a profile through
// a canary.
func TestDashboardInChromium(t *testing.T) {
	began := time.Now()
	s := browser(t)
	t.Logf("Chromium up in %s", time.Since(began).Round(time.Millisecond))

	const canaryWait = 2 * time.Second
	h := startHall(t, canaryWait)
	k1 := startKiosk(t, h, &fakeKiosk{name: "SC-0001", devices: map[string]fleet.Device{
		"printer": {State: "fault", Reason: "paper out", Notice: "缺纸"}, "idcard": {State: "online"}}})
	k2 := startKiosk(t, h, &fakeKiosk{name: "SC-0002"})
	k3 := startKiosk(t, h, &fakeKiosk{name: "SC-0003"})
	h.waitOnline(t, k1, k2, k3)

	p := &page{t: t, s: s}
	p.open(h.web.URL + "/")
	p.login("admin", passwordOf("admin"))

	// Every kiosk, online, with the printer fault on the right row.
	st := p.waitFor("three kiosks online", 20*time.Second, func(st dashState) bool {
		return len(st.Rows) == 3 && st.Online == "3" && st.Offline == "0" && st.Stale == "0"
	})
	if st.Title != "自助终端运行状态 · 大厅看板" || !strings.HasPrefix(st.Updated, "更新于") {
		t.Errorf("title %q, updated %q", st.Title, st.Updated)
	}
	for i, k := range []*fakeKiosk{k1, k2, k3} {
		if st.Rows[i].Key != key(k.name) {
			t.Errorf("row %d is %s, want %s", i, st.Rows[i].Key, key(k.name))
		}
		status, class, devices, _ := st.row(key(k.name))
		if status != "在线" || !slices.Contains(strings.Fields(class), "online") {
			t.Errorf("%s: status %q class %q, want 在线 / online", k.name, status, class)
		}
		if k == k1 {
			if !strings.Contains(devices, "缺纸") || !strings.Contains(devices, "printer") {
				t.Errorf("%s: devices %q, want the printer's 缺纸", k.name, devices)
			}
		} else if devices != "正常" || strings.Contains(devices, "缺纸") {
			t.Errorf("%s: devices %q, want 正常", k.name, devices)
		}
	}
	// The same, through WebDriver's own element look-up.
	if got := p.text(rowCSS("SC-0001") + " td.devices .fault"); got != "printer: 缺纸" {
		t.Errorf("SC-0001 fault cell = %q", got)
	}
	if got := p.text("#n-online"); got != "3" {
		t.Errorf("#n-online = %q", got)
	}

	// 自检 on one row: the signed command reaches that kiosk only and its
	// reply shows.
	p.click(rowCSS("SC-0002") + ` button[data-a="self_test"]`)
	p.waitFor("the self-test reply", 30*time.Second, func(st dashState) bool {
		return strings.Contains(st.Reply, key("SC-0002")+" self_test：成功 — did self_test")
	})
	if n1, n2, n3 := len(k1.commands(fleet.ActionSelfTest)), len(k2.commands(fleet.ActionSelfTest)), len(k3.commands(fleet.ActionSelfTest)); n1 != 0 || n2 != 1 || n3 != 0 {
		t.Errorf("self_test received by SC-0001/2/3: %d/%d/%d, want 0/1/0", n1, n2, n3)
	}
	// 日志 shows the lines the kiosk sent.
	p.click(rowCSS("SC-0001") + ` button[data-a="log_tail"]`)
	st = p.waitFor("the log tail", 30*time.Second, func(st dashState) bool {
		return strings.Contains(st.Reply, key("SC-0001")+" log_tail：成功")
	})
	for _, l := range logLines {
		if !strings.Contains(st.Reply, l) {
			t.Errorf("#reply %q lacks the log line %q", st.Reply, l)
		}
	}

	// A kiosk shuts down: its row turns 离线 and the counts follow.
	stopped := time.Now()
	k3.stop()
	p.waitFor("SC-0003 offline", 15*time.Second, func(st dashState) bool {
		status, class, _, _ := st.row(key("SC-0003"))
		return status == "离线" && slices.Contains(strings.Fields(class), "offline") && st.Online == "2" && st.Offline == "1"
	})
	t.Logf("offline shown %s after the kiosk stopped", time.Since(stopped).Round(time.Millisecond))
	if got := p.text(rowCSS("SC-0003") + " td.status"); got != "离线" {
		t.Errorf("SC-0003 status = %q", got)
	}
	if got := p.text(rowCSS("SC-0002") + " td.status"); got != "在线" {
		t.Errorf("SC-0002 status = %q", got)
	}

	// It comes back. (It must before the push: 全部终端 includes offline
	// kiosks, which never answer; an offline canary stops the rollout
	// after a minute's wait, an offline other delays "done" by one.)
	k3.start(t, h)
	p.waitFor("SC-0003 back online", 20*time.Second, func(st dashState) bool {
		status, _, _, _ := st.row(key("SC-0003"))
		return status == "在线" && st.Online == "3" && st.Offline == "0"
	})

	// 下发配置 to every kiosk with a canary first.
	const profile = "ui:\n  idle_timeout: 120s"
	area := p.find("#profile")
	ctx, cancel := p.ctx()
	defer cancel()
	if err := area.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if err := area.SendKeys(ctx, profile); err != nil {
		t.Fatal(err)
	}
	if v, err := area.Property(ctx, "value"); err != nil || v != profile {
		t.Fatalf("#profile value = %q, %v; want %q", v, err, profile)
	}
	if v, err := p.find("#canary").Property(ctx, "checked"); err != nil || v != true {
		t.Fatalf("#canary checked = %v, %v", v, err)
	}
	if v, err := p.find("#target").Property(ctx, "value"); err != nil || v != "*" {
		t.Fatalf("#target = %v, %v; want * (全部终端)", v, err)
	}
	// The province signature goes with the push: a file that is not JSON
	// is refused on the page, and one for other bytes by the hall.
	p.typeInto("#province-sig", "not json")
	p.click("#push")
	p.waitFor("the page to refuse a signature that is not JSON", 20*time.Second, func(st dashState) bool {
		return st.Reply == "下发失败：省级签名文件不是有效的 JSON"
	})
	p.typeInto("#province-sig", `{"format":"sckiosk-layer-sig/1","layer_sm3":"00","kiosks":["SC-0001"],"expires":"2030-01-01T00:00:00Z","sig":"AA=="}`)
	p.click("#push")
	p.waitFor("the hall to refuse a signature of other bytes", 20*time.Second, func(st dashState) bool {
		return strings.HasPrefix(st.Reply, "下发失败：") && len(st.Rollouts) == 0
	})
	p.typeInto("#province-sig", "")
	pushed := time.Now()
	p.click("#push")
	st = p.waitFor("the rollout to start", 20*time.Second, func(st dashState) bool {
		return strings.HasPrefix(st.Reply, "已开始下发 ") && len(st.Rollouts) == 1
	})
	id := strings.TrimPrefix(st.Reply, "已开始下发 ")
	stages := []string{st.Rollouts[0].Stage}
	st = p.waitFor("the rollout to finish", 60*time.Second, func(st dashState) bool {
		if len(st.Rollouts) == 1 && st.Rollouts[0].Stage != stages[len(stages)-1] {
			stages = append(stages, st.Rollouts[0].Stage)
		}
		return len(st.Rollouts) == 1 && st.Rollouts[0].Stage != "canary" && st.Rollouts[0].Stage != "rolling"
	})
	t.Logf("rollout %s: stages seen on the page %v, %s after the click", id, stages, time.Since(pushed).Round(time.Millisecond))
	ro := st.Rollouts[0]
	if ro.Stage != "done" {
		t.Fatalf("rollout ended %q:\n%s", ro.Stage, st)
	}
	for _, want := range []string{id, "admin", "完成", key("SC-0001"), "canary healthy; sending to the rest",
		key("SC-0001") + "：ok: profile applied", key("SC-0002") + "：ok: profile applied", key("SC-0003") + "：ok: profile applied"} {
		if !strings.Contains(ro.Text, want) {
			t.Errorf("rollout row %q lacks %q", ro.Text, want)
		}
	}
	if stages[0] != "canary" {
		t.Errorf("the rollout first showed as %q, want canary", stages[0])
	}
	// The kiosks got the profile as typed, the canary (first by key)
	// CanaryWait before the others.
	var canaryAt time.Time
	for _, k := range []*fakeKiosk{k1, k2, k3} {
		got := k.commands(fleet.ActionProfile)
		if len(got) != 1 || got[0].Profile != profile {
			t.Fatalf("%s received %+v, want the profile once", k.name, got)
		}
		if k == k1 {
			canaryAt = got[0].at
		} else if gap := got[0].at.Sub(canaryAt); gap < canaryWait {
			t.Errorf("%s got the profile %s after the canary, want at least %s", k.name, gap, canaryWait)
		}
	}
	if rs := h.srv.Rollouts(); len(rs) != 1 || rs[0].ID != id || rs[0].Stage != "done" || rs[0].Canary != key("SC-0001") {
		t.Errorf("server rollouts = %+v", rs)
	}
	t.Logf("whole test %s", time.Since(began).Round(time.Millisecond))
}

// attackPage is another site's page that a logged-in operator's browser
// opens: it posts a restart to the dashboard as a text/plain form, as a
// no-cors text/plain fetch and as a JSON fetch (which needs a CORS
// pre-flight the dashboard never grants).
const attackPage = `<!doctype html><html><body>
<iframe name="sink"></iframe>
<form id="f" method="POST" action="%[1]s/api/command" enctype="text/plain" target="sink">
<input name='{"kiosk":"%[2]s","action":"restart","x":"' value='"}'></form>
<script>
document.getElementById("f").submit();
fetch("%[1]s/api/command", {method: "POST", mode: "no-cors", credentials: "include", headers: {"Content-Type": "text/plain"},
  body: JSON.stringify({kiosk: "%[2]s", action: "restart"})}).catch(() => {});
fetch("%[1]s/api/command", {method: "POST", credentials: "include", headers: {"Content-Type": "application/json"},
  body: JSON.stringify({kiosk: "%[2]s", action: "restart"})}).catch(() => {});
document.title = "sent";
</script></body></html>`

// The dashboard's login in headless Chromium: a wrong password is told;
// a read-only operator sees no command buttons and no push form, and the
// API refuses its push and command even from the page's own script with
// its CSRF token; a one-time password must be changed first; and a page
// of another origin that a logged-in administrator opens cannot make the
// browser restart a kiosk.
func TestDashboardLoginInChromium(t *testing.T) {
	s := browser(t)
	h := startHall(t, time.Second)
	k := startKiosk(t, h, &fakeKiosk{name: "SC-0001"})
	h.waitOnline(t, k)
	p := &page{t: t, s: s}
	p.open(h.web.URL + "/")

	// A wrong password.
	p.waitPanel("login")
	p.shot("hall-login")
	p.typeInto("#login-name", "viewer")
	p.typeInto("#login-password", "not the password")
	p.click("#login-go")
	eventually(t, 10*time.Second, "the login error", func() (bool, string) {
		ctx, cancel := p.ctx()
		defer cancel()
		el, err := s.FindElement(ctx, "#login-error")
		if err != nil {
			return false, err.Error()
		}
		txt, err := el.Text(ctx)
		return txt == "用户名或密码错误", txt + errString(err)
	})

	// The read-only operator.
	p.login("viewer", passwordOf("viewer"))
	st := p.waitFor("the kiosk", 20*time.Second, func(st dashState) bool { return len(st.Rows) == 1 && st.Online == "1" })
	p.shot("hall-viewer")
	if got := p.text("#who-role"); got != "查看" {
		t.Errorf("role shown %q, want 查看", got)
	}
	if got := p.text(rowCSS("SC-0001") + " td:last-child"); got != "—" {
		t.Errorf("a viewer's action cell %q, want no buttons", got)
	}
	for _, sec := range []string{"#push-section", "#operators-section"} {
		if v, err := p.find(sec).Property(context.Background(), "hidden"); err != nil || v != true {
			t.Errorf("%s hidden = %v, %v; want hidden for a viewer", sec, v, err)
		}
	}
	_ = st
	withCSRF := `fetch("/api/me").then(r => r.json()).then(me => fetch(%q, {method: "POST", headers: {"Content-Type": "application/json", "X-CSRF-Token": me.csrf}, body: %q}))`
	code, out := p.fetchJSON(fmt.Sprintf(withCSRF, "/api/push", `{"all":true,"profile":"ui:\n  idle_timeout: 120s\n"}`))
	if code != http.StatusForbidden || out["code"] != "role" {
		t.Errorf("a viewer's push from the page: %d %v, want 403 role", code, out)
	}
	code, out = p.fetchJSON(fmt.Sprintf(withCSRF, "/api/command", fmt.Sprintf(`{"kiosk":%q,"action":"restart"}`, key("SC-0001"))))
	if code != http.StatusForbidden || out["code"] != "role" {
		t.Errorf("a viewer's command from the page: %d %v, want 403 role", code, out)
	}
	p.click("#logout")
	p.waitPanel("login")

	// A one-time password: the change form first, then the dashboard.
	otp, err := operator.NewOneTimePassword()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.ops.Add(context.Background(), "first.admin", hallstate.RoleAdmin, otp, true); err != nil {
		t.Fatal(err)
	}
	p.typeInto("#login-name", "first.admin")
	p.typeInto("#login-password", otp)
	p.click("#login-go")
	p.waitPanel("change")
	p.typeInto("#change-old", otp)
	p.typeInto("#change-new", "a new password for the hall")
	p.typeInto("#change-again", "a new password for the hall")
	p.click("#change-go")
	p.waitPanel("app")
	p.waitFor("the kiosk for the new administrator", 20*time.Second, func(st dashState) bool { return len(st.Rows) == 1 })
	if ops, _ := h.ops.Get(context.Background(), "first.admin"); ops.MustChange {
		t.Error("the one-time password is still to be changed after the change")
	}
	// The administrator adds an operator; the least powerful role is the
	// one offered first, and the one-time password is shown once.
	p.typeInto("#op-name", "zhou.qi")
	if v, err := p.find("#op-role").Property(context.Background(), "value"); err != nil || v != "viewer" {
		t.Errorf("role offered first: %v, %v; want viewer", v, err)
	}
	p.click("#op-add")
	eventually(t, 20*time.Second, "the new operator's one-time password", func() (bool, string) {
		ctx, cancel := p.ctx()
		defer cancel()
		el, err := s.FindElement(ctx, "#op-result")
		if err != nil {
			return false, err.Error()
		}
		txt, err := el.Text(ctx)
		return strings.HasPrefix(txt, "zhou.qi 的一次性密码："), txt + errString(err)
	})
	if o, err := h.ops.Get(context.Background(), "zhou.qi"); err != nil || o.Role != hallstate.RoleViewer || !o.MustChange {
		t.Errorf("zhou.qi = %+v, %v; want a viewer with a password to change", o, err)
	}
	if got := p.text(`#operators tr[data-op="zhou.qi"] td:nth-child(2)`); got != "查看" {
		t.Errorf("zhou.qi's role shown %q", got)
	}
	p.shot("hall-admin")

	// The page's own origin, but a JSON post without the CSRF token (a
	// script that got in some other way, or a token-less client): refused.
	code, out = p.fetchJSON(fmt.Sprintf(`fetch("/api/command", {method: "POST", headers: {"Content-Type": "application/json"}, body: %q})`,
		fmt.Sprintf(`{"kiosk":%q,"action":"restart"}`, key("SC-0001"))))
	if code != http.StatusForbidden || out["code"] != "csrf" {
		t.Errorf("a JSON post without the CSRF token: %d %v, want 403 csrf", code, out)
	}

	// Another site's page, opened by the logged-in administrator. The
	// same host on another port is another origin but the same site, so
	// the SameSite cookie goes along: the Origin check alone stops it.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, attackPage, h.web.URL, key("SC-0001"))
	}))
	defer evil.Close()
	before := len(h.answered())
	p.open(evil.URL + "/")
	var cross []answer
	eventually(t, 20*time.Second, "the cross-site posts to arrive", func() (bool, string) {
		cross = nil
		for _, a := range h.answered()[before:] {
			if a.path == "/api/command" && a.method == "POST" {
				cross = append(cross, a)
			}
		}
		return len(cross) >= 2, fmt.Sprint(cross)
	})
	time.Sleep(500 * time.Millisecond) // a third request, if the browser sends one, lands too
	// The form and the no-cors fetch arrive as POSTs and are refused for
	// their origin; the JSON fetch stops at its pre-flight (OPTIONS),
	// which gets no CORS grant.
	for _, a := range h.answered()[before:] {
		switch {
		case a.path != "/api/command":
		case a.method == "POST" && (a.status != http.StatusForbidden || a.origin != evil.URL):
			t.Errorf("cross-site POST from %q answered %d, want 403", a.origin, a.status)
		case a.method == "OPTIONS" && a.status < 400:
			t.Errorf("the pre-flight of a cross-site JSON post answered %d", a.status)
		case a.method != "POST" && a.method != "OPTIONS":
			t.Errorf("cross-site %s %s answered %d", a.method, a.path, a.status)
		}
	}
	if got := k.commands(fleet.ActionRestart); len(got) != 0 {
		t.Errorf("another site's page restarted the kiosk: %+v", got)
	}
}
