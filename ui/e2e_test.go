package ui_test

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"sckiosk/devices/device"
	"sckiosk/devices/idcard"
	"sckiosk/devices/printer/escpos"
	"sckiosk/devices/printer/printersim"
	"sckiosk/internal/logbuf"
	"sckiosk/kiosk/adapters/platform/platformsim"
	"sckiosk/kiosk/adapters/profile"
	"sckiosk/kiosk/assembly/simrig"
	"sckiosk/kiosk/assembly/wire"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/msg"
	"sckiosk/kiosk/core/session"
	"sckiosk/kiosk/core/technician"
	"sckiosk/ui"
	words "sckiosk/ui/text"
)

// harness is a whole kiosk on simulated devices, with the test goroutine
// acting as Fyne's UI goroutine: states are queued and shown by pump.
type harness struct {
	t      *testing.T
	rig    *simrig.Rig
	kiosk  *wire.Kiosk
	screen *ui.Kiosk
	mu     sync.Mutex
	latest session.State
	logs   *logbuf.Buffer
}

func newHarness(t *testing.T) *harness { return newHarnessWith(t, nil) }

// newHarnessWith lets a test change the profile before the kiosk is built.
func newHarnessWith(t *testing.T, edit func(*profile.Profile)) *harness {
	t.Helper()
	test.NewTempApp(t)
	ctx, cancel := context.WithCancel(context.Background())
	logs := &logbuf.Buffer{}
	log := slog.New(slog.NewTextHandler(io.MultiWriter(logs), &slog.HandlerOptions{Level: slog.LevelDebug}))
	rig, err := simrig.Start(ctx, filepath.Join(t.TempDir(), "dev"), escpos.Paper80, log)
	if err != nil {
		t.Fatal(err)
	}
	prof := rig.Profile(profile.Default())
	prof.DataDir = t.TempDir()
	if edit != nil {
		edit(&prof)
	}
	k, err := wire.Build(prof, catalog.Builtin(), log, wire.Options{Tick: 200 * time.Millisecond, PollInterval: 30 * time.Millisecond, SubmitWait: 3 * time.Second, KeepCatalog: true})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { k.Run(ctx); close(done) }()
	h := &harness{t: t, rig: rig, kiosk: k, logs: logs}
	h.screen = ui.NewKiosk(k.Runtime.Send)
	test.NewWindow(h.screen.Content()).Resize(ui.Portrait)
	k.Runtime.Subscribe(func(s session.State) { h.mu.Lock(); h.latest = s; h.mu.Unlock() })
	t.Cleanup(func() {
		cancel()
		<-done
		rig.Close()
	})
	return h
}

// waitFor pumps states to the screen until cond holds.
func (h *harness) waitFor(what string, cond func(session.State) bool) session.State {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		h.mu.Lock()
		s := h.latest
		h.mu.Unlock()
		h.screen.Show(s)
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s; screen %v, notice %q", what, s.Screen, zh(s.Notice))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (h *harness) onScreen(sc session.Screen) session.State {
	h.t.Helper()
	return h.waitFor(sc.String(), func(s session.State) bool { return s.Screen == sc })
}

// tap finds the button or check labelled label on the screen and taps it.
func (h *harness) tap(label string) {
	h.t.Helper()
	var found fyne.Tappable
	walk(h.screen.Content(), func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *ui.Button:
			if w.Text == label && found == nil {
				found = w
			}
		case *widget.Check:
			if strings.HasPrefix(w.Text, label) && found == nil {
				found = w
			}
		}
	})
	if found == nil {
		h.t.Fatalf("no %q on screen %v", label, h.screen.Current().Screen)
	}
	test.Tap(found)
}

// texts returns every string visible on the screen.
func (h *harness) texts() string {
	var b strings.Builder
	walk(h.screen.Content(), func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *canvas.Text:
			b.WriteString(w.Text + "\n")
		case *widget.Label:
			b.WriteString(w.Text + "\n")
		case *ui.Button:
			b.WriteString(w.Text + "\n")
		case *widget.Check:
			b.WriteString(w.Text + "\n")
		}
	})
	return b.String()
}

func walk(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	f(o)
	switch c := o.(type) {
	case *fyne.Container:
		for _, child := range c.Objects {
			walk(child, f)
		}
	case fyne.Widget:
		if _, ok := o.(*ui.Button); ok {
			return
		}
		r := test.WidgetRenderer(c)
		for _, child := range r.Objects() {
			walk(child, f)
		}
	}
}

func devicesOnline(s session.State) bool {
	return s.DeviceUsable(device.IDCard) && s.DeviceUsable(device.Printer) && s.DeviceUsable(device.Scanner)
}

// zh is a message of the core as the citizen reads it.
func zh(t msg.Text) string { return words.Chinese.Render(t) }

// A citizen places a card, picks an item, fills the form and confirms: the
// platform gets exactly one application with the right fields, the printer
// a receipt with the case number, and after the visit nothing personal is
// left in the core or on the screen.
func TestCitizenVisitEndToEnd(t *testing.T) {
	h := newHarness(t)
	h.waitFor("devices online", devicesOnline)
	card := idcard.SampleCard()

	h.tap("开始办理")
	h.onScreen(session.Identifying)
	if err := h.rig.PlaceCard(); err != nil {
		t.Fatal(err)
	}
	h.onScreen(session.ChooseItem)
	if !strings.Contains(h.texts(), "您好，张*") {
		t.Fatalf("no masked greeting on screen:\n%s", h.texts())
	}
	h.tap("居住证签注")
	h.onScreen(session.ItemGuide)
	h.tap("开始填写")
	h.onScreen(session.Form)
	for _, d := range "13812345678" {
		h.tap(string(d))
	}
	h.waitFor("phone typed", func(s session.State) bool { return s.Values["phone"] == "13812345678" })
	h.tap("就业")
	h.waitFor("reason chosen", func(s session.State) bool { return s.Values["reason"] == "就业" })
	h.tap("下一步")
	h.onScreen(session.Review)
	h.tap("□ 我已阅读并同意")
	h.waitFor("consent", func(s session.State) bool { return s.Consent })
	h.tap("确认提交")
	s := h.onScreen(session.Done)
	if s.Result.Queued || s.Result.CaseNumber == "" {
		t.Fatalf("result = %+v, want a case number from the platform", s.Result)
	}

	apps := h.rig.Platform["51"].Applications()
	if len(apps) != 1 {
		t.Fatalf("platform received %d applications, want 1", len(apps))
	}
	a := apps[0]
	if a.ItemCode != "11510100MB0000001K3510100001001" || a.Applicant.Number != card.Number || a.Applicant.Name != card.Name ||
		a.Applicant.Phone != "13812345678" || a.Fields["reason"] != "就业" || a.AcceptDivision != "510107" || a.RequestID == "" {
		t.Fatalf("application = %+v", a)
	}
	if n := len(h.rig.Platform["50"].Applications()); n != 0 {
		t.Fatalf("Chongqing received %d applications", n)
	}
	// 数据多跑路: with the consent given on review, the household register
	// comes from the platform as an e-licence, not on paper.
	if len(a.Licences) != 1 || a.Licences[0].Type != "居民户口簿" || !strings.HasPrefix(a.Licences[0].ID, "1.2.156.3005.2.") {
		t.Fatalf("licences %+v", a.Licences)
	}

	s = h.waitFor("printed", func(s session.State) bool { return s.Result.Printed || !s.Result.PrintNotice.IsZero() })
	if !s.Result.PrintNotice.IsZero() {
		t.Fatalf("print failed: %s", zh(s.Result.PrintNotice))
	}
	var rc printersim.Receipt
	h.waitFor("receipt cut", func(session.State) bool { rc = h.rig.LastReceipt(); return rc.Raw != nil })
	if !strings.Contains(rc.Text, s.Result.CaseNumber) || !strings.Contains(rc.Text, "免交材料") {
		t.Fatalf("receipt lacks case number %s or the e-licence line:\n%s", s.Result.CaseNumber, rc.Text)
	}
	if len(rc.QR) == 0 || rc.QR[0] != s.Result.TrackCode {
		t.Fatalf("receipt QR %v, want %q", rc.QR, s.Result.TrackCode)
	}
	if strings.Contains(rc.Text, card.Number) || strings.Contains(rc.Text, card.Name) {
		t.Fatalf("receipt carries unmasked identity:\n%s", rc.Text)
	}

	caseNumber := s.Result.CaseNumber
	h.tap("完成")
	s = h.onScreen(session.Idle)
	if s.Person != nil || s.Values != nil || s.Item != nil || !reflect.DeepEqual(s.Result, session.Result{}) {
		t.Fatalf("core keeps visit data after the visit: %+v", s)
	}
	screenText := h.texts()
	for _, secret := range []string{card.Name, card.Number, card.Address, "13812345678", "*"} {
		if strings.Contains(screenText, secret) {
			t.Fatalf("screen shows %q after the visit:\n%s", secret, screenText)
		}
	}
	logs := h.logs.String()
	for _, secret := range []string{card.Name, card.Number, card.Address, "13812345678"} {
		if strings.Contains(logs, secret) {
			t.Fatalf("log carries %q", secret)
		}
	}
	// The outbox has delivered and purged the personal payload.
	entries, err := h.kiosk.Outbox.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].HasPayload || entries[0].CaseNumber != caseNumber {
		t.Fatalf("outbox entries = %+v, want one sent entry for %s without payload", entries, caseNumber)
	}
}

// fillAndConfirm walks from the item list to the confirmed application for
// 居住证签注.
func (h *harness) fillAndConfirm() {
	h.t.Helper()
	h.tap("居住证签注")
	h.onScreen(session.ItemGuide)
	h.tap("开始填写")
	h.onScreen(session.Form)
	for _, d := range "13812345678" {
		h.tap(string(d))
	}
	h.tap("居住")
	h.waitFor("form filled", func(s session.State) bool {
		return s.Values["phone"] == "13812345678" && s.Values["reason"] == "居住"
	})
	h.tap("下一步")
	h.onScreen(session.Review)
	h.tap("□ 我已阅读并同意")
	h.waitFor("consent", func(s session.State) bool { return s.Consent })
	h.tap("确认提交")
}

// Every kind of code a citizen may show identifies through the platform
// simulator: the health code and a 亮证 code the person, a business
// licence the enterprise; shown to the serial scanner or to the camera.
func TestEveryCodeKindIdentifies(t *testing.T) {
	for _, tt := range []struct {
		kind, name string
		source     identity.Source
		camera     bool
	}{
		{simrig.CodeHealth, simrig.SampleAppIdentity().Name, identity.SourceQR, false},
		{simrig.CodeLicence, simrig.SampleAppIdentity().Name, identity.SourceQR, false},
		{simrig.CodeBusiness, platformsim.DemoBusinesses()[0].Name, identity.SourceBusiness, false},
		{simrig.CodeApp, simrig.SampleAppIdentity().Name, identity.SourceQR, true},
		{simrig.CodeLicence, simrig.SampleAppIdentity().Name, identity.SourceQR, true},
	} {
		name := tt.kind
		if tt.camera {
			name += " to the camera"
		}
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			h.waitFor("devices online", devicesOnline)
			h.waitFor("camera online", func(s session.State) bool { return s.DeviceUsable(device.Camera) })
			h.tap("开始办理")
			h.onScreen(session.Identifying)
			show := h.rig.ShowCode
			if tt.camera {
				show = h.rig.ShowToCamera
			}
			if err := show(tt.kind); err != nil {
				t.Fatal(err)
			}
			s := h.onScreen(session.ChooseItem)
			if s.Person == nil || s.Person.Name != tt.name || s.Person.Source != tt.source {
				t.Fatalf("person: got %v, want %s from %s", s.Person != nil, tt.name, tt.source)
			}
		})
	}
}

func TestAppCodeIdentifies(t *testing.T) {
	h := newHarness(t)
	h.waitFor("devices online", devicesOnline)
	h.tap("开始办理")
	h.onScreen(session.Identifying)
	if err := h.rig.ShowCode("forged"); err != nil {
		t.Fatal(err)
	}
	h.waitFor("forged code refused", func(s session.State) bool {
		return s.Screen == session.Identifying && strings.Contains(zh(s.Notice), "二维码无效或已过期")
	})
	if !strings.Contains(h.texts(), "二维码无效或已过期") {
		t.Fatalf("refusal not on screen:\n%s", h.texts())
	}
	if err := h.rig.ShowCode("app"); err != nil {
		t.Fatal(err)
	}
	s := h.onScreen(session.ChooseItem)
	if s.Person == nil || s.Person.Name != simrig.SampleAppIdentity().Name {
		t.Fatalf("person = %+v", s.Person)
	}
	h.fillAndConfirm()
	h.onScreen(session.Done)
	apps := h.rig.Platform["51"].Applications()
	if len(apps) != 1 || apps[0].Applicant.Number != simrig.SampleAppIdentity().Number {
		t.Fatalf("applications = %+v", apps)
	}
}

// With the network cut, the citizen still gets a receipt saying the
// application is saved and not yet in effect; when the network returns
// the outbox delivers it exactly once, and the receipt's QR code (the
// platform's track page for its request_id) then shows the case.
func TestNetworkCutQueuesAndDeliversOnce(t *testing.T) {
	h := newHarness(t)
	h.waitFor("devices online", devicesOnline)
	h.rig.SetNetworkDown(true)
	h.tap("开始办理")
	h.rig.PlaceCard()
	h.onScreen(session.ChooseItem)
	h.fillAndConfirm()
	s := h.waitFor("queued receipt", func(s session.State) bool { return s.Screen == session.Done })
	if !s.Result.Queued || !strings.HasPrefix(s.Result.CaseNumber, "Q-") {
		t.Fatalf("result = %+v, want a queued local reference", s.Result)
	}
	if !strings.Contains(h.texts(), "申请已保存，尚未生效") || !strings.Contains(h.texts(), "本机受理号") {
		t.Fatalf("screen does not say the application is kept and not yet in effect:\n%s", h.texts())
	}
	track := s.Result.TrackCode
	if !strings.Contains(track, "/track/request/"+s.Result.RequestID) {
		t.Fatalf("offline QR code %q does not name the application's request_id %s", track, s.Result.RequestID)
	}
	var rc printersim.Receipt
	h.waitFor("receipt cut", func(session.State) bool { rc = h.rig.LastReceipt(); return rc.Raw != nil })
	if !strings.Contains(rc.Text, s.Result.CaseNumber) || !strings.Contains(rc.Text, "尚未提交") {
		t.Fatalf("queued receipt:\n%s", rc.Text)
	}
	h.tap("完成")
	h.onScreen(session.Idle)
	if n := len(h.rig.Platform["51"].Applications()); n != 0 {
		t.Fatalf("platform got %d applications through a cut network", n)
	}

	h.rig.SetNetworkDown(false)
	h.kiosk.Outbox.Kick()
	deadline := time.Now().Add(20 * time.Second)
	for {
		pending, sent, _, err := h.kiosk.Outbox.Stats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if pending == 0 && sent == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox not delivered: pending %d sent %d", pending, sent)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := len(h.rig.Platform["51"].Applications()); n != 1 {
		t.Fatalf("platform holds %d applications, want exactly 1", n)
	}
	h.rig.RemoveCard()
	h.waitFor("card lifted", func(s session.State) bool { return !s.CardOnReader })
	if err := h.rig.ShowCode(track); err != nil {
		t.Fatal(err)
	}
	s = h.onScreen(session.CaseView)
	if s.Case == nil || !strings.HasPrefix(s.Case.CaseNumber, "SC") || s.Person != nil {
		t.Fatalf("offline receipt's code shows %+v, person %v", s.Case, s.Person)
	}
}

// A printer out of paper prints nothing — no bytes left in it for the next
// citizen — and the citizen is shown the receipt's QR code and the cause.
func TestPaperOutShowsQROnScreen(t *testing.T) {
	h := newHarness(t)
	h.waitFor("devices online", devicesOnline)
	h.rig.SetPaperOut(true)
	h.tap("开始办理")
	h.rig.PlaceCard()
	h.onScreen(session.ChooseItem)
	h.fillAndConfirm()
	s := h.waitFor("print refused", func(s session.State) bool { return s.Screen == session.Done && !s.Result.PrintNotice.IsZero() })
	if !strings.Contains(zh(s.Result.PrintNotice), "打印机缺纸") {
		t.Fatalf("print notice %q", zh(s.Result.PrintNotice))
	}
	if !strings.Contains(h.texts(), "打印机缺纸") {
		t.Fatalf("cause not on screen:\n%s", h.texts())
	}
	st := h.rig.Printer.Stats()
	if st.Receipts != 0 || st.DroppedBytes != 0 {
		t.Fatalf("printer received a job while out of paper: %+v", st)
	}
}

// A technician opens maintenance with five taps in the hidden corner and
// the PIN, prints a test receipt, and every step lands in the audit log.
func TestTechnicianMode(t *testing.T) {
	hash, err := technician.HashPIN("2468", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessWith(t, func(p *profile.Profile) { p.Technician.PINHash = hash })
	h.waitFor("devices online", devicesOnline)
	var corner fyne.Tappable
	walk(h.screen.Content(), func(o fyne.CanvasObject) {
		if ta, ok := o.(fyne.Tappable); ok && corner == nil {
			if _, isButton := o.(*ui.Button); !isButton {
				corner = ta
			}
		}
	})
	if corner == nil {
		t.Fatal("no hidden corner on the attract screen")
	}
	for i := 0; i < 5; i++ {
		test.Tap(corner)
	}
	h.onScreen(session.TechPIN)
	for _, d := range "1111" {
		h.tap(string(d))
	}
	h.tap("确定")
	h.waitFor("wrong PIN refused", func(s session.State) bool { return strings.Contains(zh(s.Tech.Notice), "口令错误") })
	for _, d := range "2468" {
		h.tap(string(d))
	}
	h.tap("确定")
	h.onScreen(session.TechMenu)
	before := h.rig.Printer.Stats().Receipts
	h.tap("打印测试回执")
	h.waitFor("test printed", func(s session.State) bool { return zh(s.Tech.Notice) == "测试回执已打印" })
	// The driver is done once the bytes are out; the simulator counts the
	// receipt when it has parsed the cut, on its own goroutine.
	h.waitFor("test receipt cut by the printer", func(session.State) bool { return h.rig.Printer.Stats().Receipts >= before+1 })
	if got := h.rig.Printer.Stats().Receipts; got != before+1 {
		t.Fatalf("%d test receipts reached the printer, want 1", got-before)
	}
	h.tap("退出维护")
	h.onScreen(session.Idle)
	h.kiosk.Audit.Close()
	log, err := os.ReadFile(filepath.Join(h.kiosk.Profile.DataDir, "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"wrong PIN", "technician mode entered", "command print_test"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("audit log lacks %q", want)
		}
	}
	// The PIN as a value of its own, not four digits inside a hash.
	if regexp.MustCompile(`(^|[^0-9a-fA-F])2468([^0-9a-fA-F]|$)`).Match(log) {
		t.Fatal("audit log carries the PIN")
	}
}

// Scanning a receipt's QR code on the attract screen shows the case's
// progress, and nothing about the person.
func TestReceiptCodeShowsCaseStatus(t *testing.T) {
	h := newHarness(t)
	h.waitFor("devices online", devicesOnline)
	h.tap("开始办理")
	if err := h.rig.PlaceCard(); err != nil {
		t.Fatal(err)
	}
	h.onScreen(session.ChooseItem)
	h.fillAndConfirm()
	s := h.waitFor("printed", func(s session.State) bool {
		return s.Screen == session.Done && (s.Result.Printed || !s.Result.PrintNotice.IsZero())
	})
	caseNumber, track := s.Result.CaseNumber, s.Result.TrackCode
	h.tap("完成")
	h.onScreen(session.Idle)
	h.rig.RemoveCard()
	if err := h.rig.ShowCode(track); err != nil {
		t.Fatal(err)
	}
	s = h.onScreen(session.CaseView)
	if s.Case == nil || s.Case.CaseNumber != caseNumber || s.Case.Status == application.CaseUnknown || s.Person != nil {
		t.Fatalf("case view %+v person %v", s.Case, s.Person)
	}
	if !strings.Contains(h.texts(), caseNumber) {
		t.Fatalf("case number not on screen:\n%s", h.texts())
	}
	h.tap("返回首页")
	h.onScreen(session.Idle)
}
