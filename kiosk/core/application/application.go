// Package application holds the messages a kiosk exchanges with a
// provincial government service platform (四川 天府通办, 重庆 渝快办) about
// an application (办件): the application with its applicant and e-licence
// references, the platform's receipt, and how reachable the platform is.
//
// The pure session core builds applications, the runtime and the outbox
// carry them and the platform client (kiosk/adapters/platform) sends them.
// This package is the leaf they share: it does no I/O and imports nothing
// that does, so the core can use its types without linking the network,
// the database or the simulator.
package application

import (
	"context"
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
	// paper materials (数据多跑路), from the platform's answers to
	// LicenceQuery.
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

// Submitter is what the outbox needs of a platform. The platform client
// is one; its errors say whether resending can help (see
// kiosk/adapters/platform: ErrRejected, ErrUnavailable).
type Submitter interface {
	Submit(ctx context.Context, app Application) (Receipt, error)
}

// LicenceRef is a reference to a citizen's e-licence (电子证照) held by the
// platform, attached to an application in place of a paper material
// (数据多跑路). It carries the licence's GB/T 36904 identifier, not its
// content: the handling department fetches the licence itself.
type LicenceRef struct {
	Type   string `json:"licence_type"` // material it stands for, e.g. 居民户口簿
	ID     string `json:"licence_id"`   // GB/T 36904 identifier, 1.2.156.3005.2.…
	Name   string `json:"name"`         // licence name as issued, e.g. 居民户口簿
	Issuer string `json:"issuer"`       // issuing authority
}

// LicenceQuery asks the platform for the reference of one of a citizen's
// e-licences. Consent must be true: the citizen agreed on screen that the
// platform may use the licence for this application.
type LicenceQuery struct {
	IDNumber    string `json:"id_number"`
	LicenceType string `json:"licence_type"` // e.g. 居民户口簿, 结婚证, 营业执照, 不动产权证书, 出生医学证明
	Consent     bool   `json:"consent"`
}
