package catalog

import (
	"testing"

	"sckiosk/kiosk/core/msg"
	"sckiosk/ui/text"
)

// zh is t as the citizen reads it.
func zh(t msg.Text) string { return text.Chinese.Render(t) }

func TestFieldValidate(t *testing.T) {
	phone := Field{Label: "联系电话", Kind: Phone, Required: true}
	choice := Field{Label: "事由", Kind: Choice, Required: true, Options: []string{"居住", "就业"}}
	tests := []struct {
		f    Field
		in   string
		want string
	}{
		{phone, "13812345678", ""},
		{phone, "", "请填写联系电话"},
		{phone, "1381234567", "请输入11位手机号码"},
		{phone, "23812345678", "请输入11位手机号码"},
		{choice, "就业", ""},
		{choice, "旅游", "请选择事由"},
		{Field{Label: "备注", Kind: Text}, "", ""},
		{Field{Label: "备注", Kind: Text, Max: 2}, "三个字", "备注不能超过2个字"},
		{Field{Label: "代办人身份证号", Kind: IDNo}, "11010519491231002X", ""},
		{Field{Label: "代办人身份证号", Kind: IDNo}, "110105194912310021", "号码有误，请核对"},
		{Field{Label: "统一社会信用代码", Kind: USCC}, "91510100MA6CXY1243", ""},
		{Field{Label: "统一社会信用代码", Kind: USCC}, "91510100MA6CXY1244", "代码有误，请核对营业执照"},
		{Field{Label: "参保日期", Kind: Date}, "20260101", ""},
		{Field{Label: "参保日期", Kind: Date}, "20261301", "参保日期应为8位日期，例如20260101"},
	}
	for _, tt := range tests {
		if got := zh(tt.f.Validate(tt.in)); got != tt.want {
			t.Errorf("%s.Validate(%q) = %q, want %q", tt.f.Label, tt.in, got, tt.want)
		}
	}
}

func TestPage(t *testing.T) {
	c := Builtin()
	items, pages := c.Page(0, 4)
	if len(items) != 4 || pages != 2 {
		t.Fatalf("page 0: %d items, %d pages", len(items), pages)
	}
	items, _ = c.Page(9, 4)
	if len(items) != len(c.Items)-4 {
		t.Fatalf("last page clamps: %d items", len(items))
	}
}

func TestBuiltinItemsAreComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, it := range Builtin().Items {
		if seen[it.Code] || it.Name == "" || (it.Province != "51" && it.Province != "50") || len(it.Fields) == 0 {
			t.Errorf("bad item %+v", it)
		}
		seen[it.Code] = true
	}
}
