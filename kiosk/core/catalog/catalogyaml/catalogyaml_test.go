package catalogyaml

import (
	"strings"
	"testing"

	"sckiosk/kiosk/core/catalog"
)

// usccValid reports whether s is an 18-character unified social credit
// code with a valid check character (GB 32100).
func usccValid(s string) bool {
	const cs = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	if len(s) != 18 {
		return false
	}
	sum, w := 0, 1
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(cs, s[i])
		if v < 0 {
			return false
		}
		sum += v * w
		w = w * 3 % 31
	}
	return cs[(31-sum%31)%31] == s[17]
}

func TestSampleCatalog(t *testing.T) {
	c, err := Sample()
	if err != nil {
		t.Fatal(err)
	}
	var single, crossProvince, bundles int
	for _, it := range c.Items {
		if len(it.Code) != 31 || !usccValid(it.Code[:18]) || strings.Trim(it.Code[18:], "0123456789") != "" ||
			(it.Code[18] != '2' && it.Code[18] != '3') {
			t.Errorf("%s %s: not shaped like a 实施编码 (USCC + level + 12-digit basic code)", it.Code, it.Name)
		}
		if it.Department == "" || it.Conditions == "" || len(it.Materials) == 0 || it.Flow == "" ||
			it.LegalDue == "" || it.Due == "" || it.Fee == "" || it.Category == "" || it.Mode == "" {
			t.Errorf("%s %s: an 实施清单 element is missing: %+v", it.Code, it.Name, it)
		}
		if len(it.Fields) < 3 || it.Fields[0].Prefill != catalog.FromName || it.Fields[1].Prefill != catalog.FromNumber {
			t.Errorf("%s: form does not open with the applicant fields", it.Code)
		}
		if len(it.Bundle) > 0 {
			bundles++
		} else {
			single++
		}
		if strings.Contains(it.Mode, "川渝通办") {
			crossProvince++
		}
	}
	if single < 30 || crossProvince < 10 || bundles < 3 {
		t.Errorf("sample catalogue has %d items, %d 川渝通办, %d bundles; want ≥30, ≥10, ≥3", single, crossProvince, bundles)
	}
	for _, name := range []string{"新生儿出生一件事", "企业开办一件事", "退休一件事"} {
		found := false
		for _, it := range c.Items {
			found = found || it.Name == name && len(it.Bundle) >= 2
		}
		if !found {
			t.Errorf("no bundle %s", name)
		}
	}
	// Each call is a fresh copy.
	c.Items[0].Name = "changed"
	if c2, _ := Sample(); c2.Items[0].Name == "changed" {
		t.Error("Sample shares its items between calls")
	}
}

// The sample catalogue marks who applies and what must not wait offline:
// enterprises' items open with the licence's name and credit code, read
// only; 挂失-type items are refused offline with what to do meanwhile; an
// item that needs the printer promises nothing the kiosk does not print.
func TestSampleApplicantsAndOfflineRules(t *testing.T) {
	c, err := Sample()
	if err != nil {
		t.Fatal(err)
	}
	legal, refuse := 0, 0
	for _, it := range c.Items {
		if it.Accepts(catalog.LegalPerson) {
			legal++
			f := it.For(catalog.LegalPerson).Fields
			if f[0].Label != "企业名称" || !f[0].ReadOnly || f[1].Label != "统一社会信用代码" || f[1].Kind != catalog.USCC || !f[1].ReadOnly {
				t.Errorf("%s: an enterprise's form opens with %+v", it.Name, f[:2])
			}
			for _, fl := range f[2:] {
				if fl.Kind == catalog.USCC || fl.Label == "企业名称" {
					t.Errorf("%s: an enterprise is asked %s again", it.Name, fl.Label)
				}
			}
		}
		if it.Accepts(catalog.NaturalPerson) {
			if f := it.For(catalog.NaturalPerson).Fields; f[1].Label != "公民身份号码" {
				t.Errorf("%s: a person's form opens with %+v", it.Name, f[:2])
			}
		}
		if strings.Contains(it.Name, "挂失") && it.Offline != catalog.OfflineRefuse {
			t.Errorf("%s: a 挂失 is accepted offline", it.Name)
		}
		if it.Offline == catalog.OfflineRefuse {
			refuse++
			if it.OfflineNote == "" {
				t.Errorf("%s: refused offline without saying what to do meanwhile", it.Name)
			}
		}
		if strings.Contains(it.Next, "随回执一并打印") || strings.Contains(it.Next, "在本机打印") {
			t.Errorf("%s: promises a document the kiosk does not print: %s", it.Name, it.Next)
		}
	}
	if legal < 3 || refuse < 1 {
		t.Errorf("%d items for enterprises, %d refused offline", legal, refuse)
	}
	if it, _ := c.Find("11510100MB1A0001XN3510100101001"); it.Accepts(catalog.LegalPerson) {
		t.Error("社会保障卡申领 accepts a business licence")
	}
}
