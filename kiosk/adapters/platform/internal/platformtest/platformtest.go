// Package platformtest holds the fixtures the platform client's tests and
// the simulator's tests share: a fictitious applicant and application.
package platformtest

import (
	"testing"
	"time"

	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/identity"
)

// Name is the fictitious applicant's name; Item is a Sichuan service item
// and ItemChongqing a Chongqing one, both of the built-in catalogue, which
// the simulator knows.
const (
	Name          = "张三丰"
	Item          = "11510100MB0000001K3510100001001"
	ItemChongqing = "11500000MB0000005X3500000005001"
)

// Number is a valid fictitious citizen identity number.
func Number(t testing.TB) string {
	t.Helper()
	first := "51010419900101123"
	c, err := identity.CheckDigit(first)
	if err != nil {
		t.Fatal(err)
	}
	return first + string(c)
}

// App is a complete application with the given request id and province,
// for an item of that province (Item for any but Chongqing).
func App(t testing.TB, requestID, province string) application.Application {
	t.Helper()
	item := Item
	if province == application.Chongqing {
		item = ItemChongqing
	}
	return application.Application{
		RequestID:      requestID,
		ItemCode:       item,
		ItemName:       "户口迁移",
		Province:       province,
		Applicant:      application.Applicant{IDType: "111", Number: Number(t), Name: Name, Phone: "13800138000"},
		Fields:         map[string]string{"reason": "工作调动"},
		AcceptDivision: "510104",
		HandleDivision: "500103",
		Mode:           "全程网办",
		KioskID:        "K-510104-001",
		SubmittedAt:    time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
	}
}
