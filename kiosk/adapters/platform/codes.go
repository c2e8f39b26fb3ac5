package platform

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/msg"
	"sckiosk/kiosk/core/qrpayload"
)

// Identity is who a verified code belongs to. It is personal data.
type Identity struct {
	IDType string `json:"id_type"` // 持证主体代码类型: 111 公民身份号码, 001 统一社会信用代码
	Number string `json:"id_number"`
	Name   string `json:"name"`
	Kind   string `json:"kind,omitempty"` // app, health, licence or business: how it was shown
}

// Business is the market entity (市场主体) a business-licence code names.
type Business struct {
	USCC     string `json:"uscc"`      // 统一社会信用代码 (GB 32100)
	Name     string `json:"name"`      // 名称
	Type     string `json:"type"`      // 类型, e.g. 有限责任公司, 个体工商户
	LegalRep string `json:"legal_rep"` // 法定代表人/经营者: personal data
	Status   string `json:"status"`    // 登记状态: 存续, 注销, 吊销
}

// Code kinds of a CodeResult.
const (
	CodeKindApp      = "app"      // 天府通办 identity code
	CodeKindHealth   = "health"   // 天府健康通 code inside 天府通办
	CodeKindLicence  = "licence"  // e-licence 亮证 code
	CodeKindBusiness = "business" // business-licence QR
)

// CodeResult is what the platform says of a code it verified: who holds it
// and, per kind, the licence, the enterprise or the health state.
type CodeResult struct {
	Kind     string                  `json:"kind"`
	Holder   *Identity               `json:"holder,omitempty"`   // the person or enterprise the code identifies
	Health   string                  `json:"health,omitempty"`   // health codes: green, yellow or red
	Licence  *application.LicenceRef `json:"licence,omitempty"`  // 亮证 codes
	Business *Business               `json:"business,omitempty"` // business-licence codes
}

// CodeError is a code the platform refused; Notice tells the citizen why,
// as a message the UI's text package words.
type CodeError struct {
	Notice msg.Text
	Err    error
}

// Error describes the refusal without the citizen notice.
func (e *CodeError) Error() string { return "platform: code refused: " + e.Err.Error() }

// Unwrap returns the underlying API error.
func (e *CodeError) Unwrap() error { return e.Err }

// AppCodeTTL is how long a code shown in an app stays valid: the 天府通办
// 亮码 page refreshes itself, so an old screenshot must not work. It is
// qrpayload.MaxAppTTL, the limit the kiosk checks offline.
const AppCodeTTL = qrpayload.MaxAppTTL

// Codes of code verification answers.
const (
	CodeBadCode  = 42201 // signature does not verify, or not a code of ours
	CodeExpired  = 41001 // issued, but older than AppCodeTTL
	CodeRevoked  = 41002 // the licence is revoked, or the enterprise closed
	CodeKindNone = 42202 // a well-formed code of a kind the platform does not resolve
)

// VerifyCode asks the Sichuan platform what a code is and who it belongs
// to: POST {base}/api/v1/codes/verify {"code": "..."}, for app and health
// codes (TFTB:…), 亮证 codes (ELIC:…) and business-licence URLs. A refused
// code gives a *CodeError whose Notice the kiosk shows; a platform that
// cannot be reached gives an error wrapping ErrUnavailable.
func (c *Client) VerifyCode(ctx context.Context, code string) (CodeResult, error) {
	body, err := json.Marshal(map[string]string{"code": code})
	if err != nil {
		return CodeResult{}, fmt.Errorf("platform: verify code: %w", err)
	}
	ans, err := c.roundTrip(ctx, request{op: "verify code", province: application.Sichuan, method: http.MethodPost,
		path: []string{"api", "v1", "codes", "verify"}, body: body})
	if err != nil {
		return CodeResult{}, err
	}
	if err := ans.class(); err != nil {
		if errors.Is(err, ErrRejected) {
			return CodeResult{}, &CodeError{Notice: msg.New(codeNotice(code, ans.env.Code)), Err: err}
		}
		return CodeResult{}, err
	}
	var res CodeResult
	if err := json.Unmarshal(ans.env.Data, &res); err != nil || !res.complete() {
		return CodeResult{}, fmt.Errorf("platform: verify code: %w: answer without a holder", ErrUnavailable)
	}
	return res, nil
}

// complete reports whether r names who the code identifies, as its kind
// requires.
func (r CodeResult) complete() bool {
	h := r.Holder
	if h == nil || strings.TrimSpace(h.Name) == "" || h.Number == "" {
		return false
	}
	switch r.Kind {
	case CodeKindApp, CodeKindHealth:
		return identity.ValidateNumber(h.Number) == nil
	case CodeKindLicence:
		ok, _ := qrpayload.ValidELicenceID(licenceIDOf(r.Licence))
		return ok
	case CodeKindBusiness:
		return r.Business != nil && identity.ValidateUSCC(r.Business.USCC) == nil
	}
	return false
}

func licenceIDOf(l *application.LicenceRef) string {
	if l == nil {
		return ""
	}
	return l.ID
}

// codeNotice is what the citizen is told when the platform refuses code:
// a message by the code's kind (a 亮证 code, a business-licence URL, else
// an app code) and the platform's answer code.
func codeNotice(code string, apiCode int) msg.Key {
	switch {
	case strings.HasPrefix(code, "ELIC:"):
		switch apiCode {
		case CodeExpired:
			return msg.LicenceCodeExpired
		case CodeRevoked:
			return msg.LicenceRevoked
		}
		return msg.LicenceCodeRefused
	case strings.HasPrefix(strings.ToLower(code), "http"):
		if apiCode == CodeRevoked {
			return msg.BusinessClosed
		}
		return msg.BusinessCodeRefused
	}
	if apiCode == CodeExpired {
		return msg.QRExpired
	}
	return msg.AppCodeRefused
}

// DemoCodeKeyID is the key id under which the simulator signs app tokens
// with its platform key (DemoPlatformKey unless platformsim.WithKey).
const DemoCodeKeyID = "demo-p1"

// DemoCodeChecker returns a qrpayload.Checker that trusts the demo keys:
// app tokens signed by DemoPlatformKey (key id DemoCodeKeyID) and receipts
// signed by DemoKioskKey (key id DemoAppID), with trackHosts as the
// platform's hosts. It is for simulation and tests only.
func DemoCodeChecker(trackHosts ...string) *qrpayload.Checker {
	return &qrpayload.Checker{
		PlatformKeys: map[string]*ecdsa.PublicKey{DemoCodeKeyID: &DemoPlatformKey().PublicKey},
		KioskKeys:    map[string]*ecdsa.PublicKey{DemoAppID: &DemoKioskKey().PublicKey},
		TrackHosts:   trackHosts,
	}
}
