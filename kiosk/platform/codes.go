package platform

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Identity is who a verified code belongs to. It is personal data.
type Identity struct {
	IDType string `json:"id_type"` // GA/T 2000.156, 111 = 居民身份证
	Number string `json:"id_number"`
	Name   string `json:"name"`
	Kind   string `json:"kind"` // app (天府通办亮码); later: elicence, business
}

// CodeError is a code the platform refused; Notice tells the citizen why.
type CodeError struct {
	Notice string
	Err    error
}

// Error describes the refusal without the citizen notice.
func (e *CodeError) Error() string { return "platform: code refused: " + e.Err.Error() }

// Unwrap returns the underlying API error.
func (e *CodeError) Unwrap() error { return e.Err }

// AppCodeTTL is how long an app code stays valid after it is shown: the
// 天府通办 亮码 refreshes itself, so an old screenshot must not work.
const AppCodeTTL = 5 * time.Minute

// VerifyCode asks the Sichuan platform who an app code (天府通办亮码) belongs
// to: POST {base}/api/v1/codes/verify {"code": "..."}. A refused code gives
// a *CodeError whose Notice the kiosk shows; a platform that cannot be
// reached gives an error wrapping ErrUnavailable.
func (c *Client) VerifyCode(ctx context.Context, code string) (Identity, error) {
	body, err := json.Marshal(map[string]string{"code": code})
	if err != nil {
		return Identity{}, fmt.Errorf("platform: verify code: %w", err)
	}
	ans, err := c.roundTrip(ctx, request{op: "verify code", province: Sichuan, method: http.MethodPost,
		path: []string{"api", "v1", "codes", "verify"}, body: body})
	if err != nil {
		return Identity{}, err
	}
	if err := ans.class(); err != nil {
		if errors.Is(err, ErrRejected) {
			notice := "二维码无效，请在天府通办App中刷新后重新出示"
			if ans.env.Code == CodeExpired {
				notice = "二维码已过期，请在天府通办App中刷新后重新出示"
			}
			return Identity{}, &CodeError{Notice: notice, Err: err}
		}
		return Identity{}, err
	}
	var id Identity
	if err := json.Unmarshal(ans.env.Data, &id); err != nil || id.Number == "" || id.Name == "" {
		return Identity{}, fmt.Errorf("platform: verify code: %w: answer without an identity", ErrUnavailable)
	}
	return id, nil
}

// Codes of code verification answers.
const (
	CodeBadCode = 42201 // signature does not verify, or not a code of ours
	CodeExpired = 41001 // issued, but older than AppCodeTTL
)

// appCodePrefix starts every app code the simulator issues: TFTB:1:token:mac.
const appCodePrefix = "TFTB:1:"

// IssueAppCode makes an app code for id, as the 天府通办 app would show it.
// The code carries a random token and a MAC over it; the identity stays on
// the platform.
func (s *Sim) IssueAppCode(id Identity) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	s.mu.Lock()
	if s.codes == nil {
		s.codes = map[string]issuedCode{}
	}
	s.codes[token] = issuedCode{id: id, at: s.now()}
	s.mu.Unlock()
	return appCodePrefix + token + ":" + s.mac(token)
}

type issuedCode struct {
	id Identity
	at time.Time
}

func (s *Sim) mac(token string) string {
	m := hmac.New(sha256.New, s.codeKey[:])
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))[:16]
}

func (s *Sim) verifyCode(r *http.Request) simAnswer {
	var req struct {
		Code string `json:"code"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 8<<10)).Decode(&req); err != nil {
		return simFail(http.StatusBadRequest, CodeBadRequest, "请求格式错误 / malformed request")
	}
	rest, ok := strings.CutPrefix(req.Code, appCodePrefix)
	token, mac, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 || !hmac.Equal([]byte(mac), []byte(s.mac(token))) {
		return simFail(http.StatusUnprocessableEntity, CodeBadCode, "二维码无效 / code does not verify")
	}
	s.mu.Lock()
	issued, known := s.codes[token]
	s.mu.Unlock()
	if !known || s.now().Sub(issued.at) > AppCodeTTL {
		return simFail(http.StatusGone, CodeExpired, "二维码已过期 / code expired")
	}
	return simOK(http.StatusOK, issued.id)
}
