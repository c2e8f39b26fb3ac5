package platform

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"sckiosk/kiosk/core/application"
)

// Envelope wraps every answer of a platform: {"code":0,"message":"ok",
// "data":{...}}. It is the project's own protocol (the real provincial
// interfaces of 天府通办 and 渝快办 are not public), modelled on common
// government gateways and on the data items of GB/T 39046-2020:
//
//	POST {base}/api/v1/applications   body: Application (JSON),
//	                                  header Idempotency-Key: <request_id>;
//	                                  data: Receipt
//	GET  {base}/api/v1/cases/{number} data: CaseStatus
//	GET  {base}/api/v1/health         data: Health
//
// The HTTP status carries the class of an answer and Code refines it: 0 is
// success, otherwise Code = HTTP status × 100 + n (40001 a missing field,
// 50300 platform down …), so that an answer from a gateway that always
// says HTTP 200 can still be classified by its code. Message is a human
// text; the simulator writes "中文 / English" and never puts personal data
// in it. The Client reads the classes so:
//
//	200, 201                        success; Receipt.Duplicate is true when
//	                                the request_id had been seen before
//	409 with a case number in data  the same request_id was accepted
//	                                earlier: that Receipt, Duplicate=true
//	409 without one, 408, 425, 429, transient: ErrUnavailable
//	401 with CodeReplay, 5xx,
//	transport errors, timeouts,
//	answers without a valid signature
//	other 4xx                       permanent: ErrRejected (ErrNotFound for
//	                                a case query naming no known case)
type Envelope struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// Envelope codes used by the simulator. Other platforms may use other n in
// HTTP status × 100 + n; the Client only relies on the hundreds.
const (
	CodeOK            = 0
	CodeBadRequest    = 40000 // the body is not a readable application
	CodeMissingField  = 40001 // a required data item is missing or malformed
	CodeWrongProvince = 40002 // the application belongs to another platform
	CodeContentType   = 40004 // the body is not sent as application/json (UTF-8)
	CodeUnknownField  = 40005 // the body has a field the API does not define
	CodeUnsigned      = 40100 // signature headers missing or malformed
	CodeUnknownApp    = 40101 // X-App-Id names no kiosk the platform trusts
	CodeClockSkew     = 40102 // X-Timestamp outside ±ClockSkew
	CodeReplay        = 40103 // X-Nonce already seen
	CodeBadSignature  = 40104 // X-Signature does not verify
	CodeNotFound      = 40400 // no such case (or no such endpoint)
	CodeMethod        = 40500 // the path is an endpoint, the method is not one of it
	CodeTooLarge      = 41300 // the body exceeds the platform's limit
	CodeKeyReused     = 42201 // the idempotency key names a different application
	CodeUnknownItem   = 42203 // item_code is in no catalogue of the platform
	CodeInternal      = 50000 // platform error
	CodeUnavailable   = 50300 // platform down or overloaded
)

// Case status codes (proStatus of the 好差评 exchange; GB/T 39046 has no
// single case status list).
const (
	StatusWaiting  = 1 // 待受理
	StatusAccepted = 2 // 已受理
	StatusDone     = 3 // 已办结
	// StatusProcessing is the simulator's step between 已受理 and 已办结.
	StatusProcessing = 4 // 办理中
)

// CaseStatus is the platform's answer about one case (办件). It carries no
// personal data.
type CaseStatus struct {
	CaseNumber string    `json:"case_number"`
	ItemCode   string    `json:"item_code"`
	ItemName   string    `json:"item_name"`
	Code       int       `json:"status_code"` // StatusWaiting, StatusAccepted, StatusProcessing, StatusDone
	Status     string    `json:"status"`      // the platform's name of Code (已受理), for people reading the JSON
	AcceptedAt time.Time `json:"accepted_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// State is the case's state by its status code, CaseUnknown for a code
// the kiosk does not know. The kiosk shows this, in its own words, not
// the platform's Status text.
func (s CaseStatus) State() application.CaseState {
	switch s.Code {
	case StatusWaiting:
		return application.CaseWaiting
	case StatusAccepted:
		return application.CaseAccepted
	case StatusProcessing:
		return application.CaseProcessing
	case StatusDone:
		return application.CaseDone
	}
	return application.CaseUnknown
}

// Health is the data of a health answer.
type Health struct {
	Province string    `json:"province"`
	Name     string    `json:"name"`
	Time     time.Time `json:"time"`
}

// Sentinel errors of the platform client, for errors.Is.
var (
	// ErrRejected wraps a platform answer that retrying cannot change
	// (4xx): the application is kept for a technician, never resent
	// blindly.
	ErrRejected = errors.New("platform rejected the application")
	// ErrUnavailable marks a failure that retrying later can cure: the
	// platform answered 5xx (or 408/425/429, or 409 while the same request is
	// in flight), or the network failed or timed out. The outbox backs off
	// and resends with the same request_id.
	ErrUnavailable = errors.New("platform unavailable")
	// ErrNotFound is the answer to a query for a case the platform does not
	// know.
	ErrNotFound = errors.New("platform: case not found")
	// ErrUnknownProvince means no endpoint is configured for the province of
	// a request; it is a configuration error of the kiosk.
	ErrUnknownProvince = errors.New("platform: no endpoint for province")
)

// APIError is an error answer of a platform. It unwraps to ErrRejected,
// ErrUnavailable or ErrNotFound according to its class.
type APIError struct {
	Province string // 51 or 50
	Op       string // "submit", "case status", "health"
	Status   int    // HTTP status
	Code     int    // envelope code, 0 if the answer had no envelope
	Message  string // the platform's text
	// RetryAfter is the wait the platform asked for (Retry-After header of
	// a 429 or 503), 0 when it asked for none.
	RetryAfter time.Duration
	class      error
}

// Error describes the answer in English with the platform's own message.
func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "no message"
	}
	return fmt.Sprintf("platform %s: %s: %v (HTTP %d, code %d): %s", e.Province, e.Op, e.class, e.Status, e.Code, msg)
}

// Unwrap returns the class of the error: ErrRejected, ErrUnavailable or
// ErrNotFound.
func (e *APIError) Unwrap() error { return e.class }
