package ui_test

import (
	"strings"
	"testing"
	"time"

	"sckiosk/kiosk/adapters/platform/platformsim"
	"sckiosk/kiosk/assembly/simrig"
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/session"
)

// A business licence lists only the items an enterprise applies for, and
// its form shows the licence's name and 统一社会信用代码, read-only: the case
// is made with the enterprise as applicant (id_type 001).
func TestBusinessLicenceAppliesAsAnEnterprise(t *testing.T) {
	h := newHarness(t)
	h.waitFor("devices online", devicesOnline)
	h.tap("开始办理")
	h.onScreen(session.Identifying)
	if err := h.rig.ShowCode(simrig.CodeBusiness); err != nil {
		t.Fatal(err)
	}
	s := h.onScreen(session.ChooseItem)
	items := s.Items()
	if len(items) == 0 {
		t.Fatal("no item for an enterprise")
	}
	for _, it := range items {
		if !it.Accepts(catalog.LegalPerson) {
			t.Errorf("%s listed for a business licence", it.Name)
		}
	}
	h.tap("个体工商户年度报告")
	h.onScreen(session.ItemGuide)
	h.tap("开始填写")
	h.onScreen(session.Form)
	biz := platformsim.DemoBusinesses()[0]
	if texts := h.texts(); !strings.Contains(texts, "统一社会信用代码："+biz.USCC[:4]) || !strings.Contains(texts, "企业名称："+biz.Name) {
		t.Fatalf("the licence's name and credit code are not on the form:\n%s", texts)
	}
	for _, d := range "13812345678" {
		h.tap(string(d))
	}
	h.tap("下一步")
	h.onScreen(session.Review)
	h.tap("□ 我已阅读并同意")
	h.waitFor("consent", func(s session.State) bool { return s.Consent })
	h.tap("确认提交")
	h.onScreen(session.Done)
	apps := h.rig.Platform["51"].Applications()
	if len(apps) != 1 || apps[0].Applicant.IDType != "001" || apps[0].Applicant.Number != biz.USCC {
		t.Fatalf("applications %+v", apps)
	}
}

// A receipt that did not print for want of paper is printed again, by
// 重新打印回执, once paper is back.
func TestReprintOncePaperIsBack(t *testing.T) {
	h := newHarness(t)
	h.waitFor("devices online", devicesOnline)
	h.rig.SetPaperOut(true)
	h.tap("开始办理")
	h.rig.PlaceCard()
	h.onScreen(session.ChooseItem)
	h.fillAndConfirm()
	s := h.waitFor("print refused", func(s session.State) bool { return s.Screen == session.Done && !s.Result.PrintNotice.IsZero() })
	h.rig.SetPaperOut(false)
	h.waitFor("reprint offered", func(s session.State) bool { return s.CanReprint() })
	h.tap("重新打印回执")
	h.waitFor("printed", func(s session.State) bool { return s.Result.Printed })
	// The simulator files the receipt on its own goroutine, a moment after
	// the driver has seen it through (CI once looked in between).
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		rc := h.rig.LastReceipt()
		if strings.Contains(rc.Text, s.Result.CaseNumber) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("reprinted receipt:\n%s", rc.Text)
		}
	}
}
