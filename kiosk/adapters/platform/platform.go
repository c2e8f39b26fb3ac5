// Package platform is the kiosk's view of the provincial government service
// platform (四川 天府通办, 重庆 渝快办): the messages, a client that talks
// HTTP to it, and the handler of the simulator that plays it on loopback.
package platform

import (
	"context"
	"errors"
	"time"
)

// Province codes (first two digits of GB/T 2260) of the platforms a kiosk
// reaches for 川渝通办.
const (
	Sichuan   = "51"
	Chongqing = "50"
)

// Applicant is the person applying. Number and Name are personal data: they
// travel to the platform and nowhere else.
type Applicant struct {
	IDType string `json:"id_type"` // 证件类型代码 (GA/T 2000.156), 111 = 居民身份证
	Number string `json:"id_number"`
	Name   string `json:"name"`
	Phone  string `json:"phone,omitempty"`
}

// Application is one 办件 submitted from the kiosk.
type Application struct {
	RequestID      string            `json:"request_id"` // idempotency key, made once per application
	ItemCode       string            `json:"item_code"`  // 实施编码
	ItemName       string            `json:"item_name"`
	Province       string            `json:"province"` // handling platform: 51 or 50
	Applicant      Applicant         `json:"applicant"`
	Fields         map[string]string `json:"fields"`
	AcceptDivision string            `json:"accept_division"` // 受理地: the kiosk's GB/T 2260 code
	HandleDivision string            `json:"handle_division"` // 办理地
	Mode           string            `json:"mode"`            // 通办 mode, e.g. 全程网办
	KioskID        string            `json:"kiosk_id"`
	SubmittedAt    time.Time         `json:"submitted_at"`
	// Licences are the e-licences the citizen agreed to use instead of
	// paper materials (数据多跑路), from Client.QueryLicence.
	Licences []LicenceRef `json:"licences,omitempty"`
}

// Receipt is the platform's acknowledgement of an application.
type Receipt struct {
	RequestID  string    `json:"request_id"`
	CaseNumber string    `json:"case_number"` // 办件编号
	Status     string    `json:"status"`      // e.g. 已受理
	AcceptedAt time.Time `json:"accepted_at"`
	TrackURL   string    `json:"track_url"` // what the receipt's QR code carries
	Duplicate  bool      `json:"duplicate"` // true when request_id had been seen: the same case
	// Linked are the case numbers of the member items when the application
	// was for a 一件事一次办 bundle: one linked case per member, in the
	// order of the bundle. CaseNumber is then the bundle's own case.
	Linked []string `json:"linked,omitempty"`
}

// Submitter is what the outbox needs of a platform.
type Submitter interface {
	Submit(ctx context.Context, app Application) (Receipt, error)
}

// ErrRejected wraps a platform answer that retrying cannot change (4xx):
// the application is kept for a technician, never resent blindly.
var ErrRejected = errors.New("platform rejected the application")
