package platformsim

import (
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/qrpayload"
)

// Simulator side: it issues codes as the 天府通办 app, the e-licence app
// and the business registry would, and resolves them.

// appCodePrefix starts the legacy online-only app code: TFTB:1:token:mac.
const appCodePrefix = "TFTB:1:"

// issuedCode is a code the simulator issued: what it resolves to.
type issuedCode struct {
	res platform.CodeResult
	at  time.Time
}

// IssueAppCode makes a signed 天府通办 identity code (TFTB:2, lifetime
// platform.AppCodeTTL) for id, as the app shows it: an opaque subject the
// platform maps back to id, signed with the simulator's platform key.
func (s *Sim) IssueAppCode(id platform.Identity) string {
	return s.issueToken(qrpayload.AppTypeID, platform.CodeResult{Kind: platform.CodeKindApp, Holder: &id})
}

// IssueHealthCode makes a signed 天府健康通 code for id with health state
// green, yellow or red.
func (s *Sim) IssueHealthCode(id platform.Identity, health string) string {
	return s.issueToken(qrpayload.AppTypeHealth, platform.CodeResult{Kind: platform.CodeKindHealth, Holder: &id, Health: health})
}

func (s *Sim) issueToken(typ string, res platform.CodeResult) string {
	sub := randomHex(12)
	now := s.now()
	code, err := qrpayload.SignAppToken(s.key, s.codeKeyID(), typ, sub, now, platform.AppCodeTTL)
	if err != nil {
		panic("platform: sim app token: " + err.Error()) // fields are ours and valid
	}
	s.remember(sub, res, now)
	return code
}

// IssueLegacyAppCode makes an online-only app code TFTB:1:token:mac: the
// platform alone can resolve it.
func (s *Sim) IssueLegacyAppCode(id platform.Identity) string {
	token := randomHex(12)
	s.remember(token, platform.CodeResult{Kind: platform.CodeKindApp, Holder: &id}, s.now())
	return appCodePrefix + token + ":" + s.mac(token)
}

// IssueLicenceCode makes a 亮证 code for the e-licence of type licType
// (e.g. 结婚证) that holder holds, valid for platform.AppCodeTTL. It fails
// when the simulator holds no such licence.
func (s *Sim) IssueLicenceCode(holder platform.Identity, licType string) (string, error) {
	for _, l := range s.licences[holder.Number] {
		if l.Type != licType {
			continue
		}
		token := randomHex(16)
		code, err := qrpayload.ELicenceCode(l.ID, token)
		if err != nil {
			return "", fmt.Errorf("platform: sim licence code: %w", err)
		}
		lic := l
		holder.Kind = platform.CodeKindLicence
		s.remember(token, platform.CodeResult{Kind: platform.CodeKindLicence, Holder: &holder, Licence: &lic}, s.now())
		return code, nil
	}
	return "", fmt.Errorf("platform: sim licence code: %w", platform.ErrNoLicence)
}

// IssueBusinessCode makes the QR text of the business licence of the
// demo enterprise uscc (DemoBusinesses): the 2016-onward form, a
// gsxt.gov.cn URL with an opaque token and a millisecond time. Unlike app
// codes it does not expire.
func (s *Sim) IssueBusinessCode(uscc string) (string, error) {
	for _, b := range s.businesses {
		if b.USCC == uscc {
			token := randomHex(16)
			bb := b
			s.remember(token, platform.CodeResult{Kind: platform.CodeKindBusiness, Business: &bb,
				Holder: &platform.Identity{IDType: "001", Number: b.USCC, Name: b.Name, Kind: platform.CodeKindBusiness}}, time.Time{})
			return fmt.Sprintf("http://www.gsxt.gov.cn/%%7B%s-%d%%7D", token, s.now().UnixMilli()), nil
		}
	}
	return "", fmt.Errorf("platform: sim business code: no demo enterprise %s", identity.MaskNumber(uscc))
}

// remember records an issued code under key; a zero at never expires.
func (s *Sim) remember(key string, res platform.CodeResult, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.codes == nil {
		s.codes = map[string]issuedCode{}
	}
	now := s.now()
	for k, c := range s.codes { // forget codes long dead, so the map stays small
		if !c.at.IsZero() && now.Sub(c.at) > 2*platform.AppCodeTTL {
			delete(s.codes, k)
		}
	}
	s.codes[key] = issuedCode{res: res, at: at}
}

func (s *Sim) issued(key string) (issuedCode, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.codes[key]
	return c, ok
}

func (s *Sim) codeKeyID() string {
	if s.codeKID != "" {
		return s.codeKID
	}
	return platform.DemoCodeKeyID
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Sim) mac(token string) string {
	m := hmac.New(sha256.New, s.codeKey[:])
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))[:16]
}

var (
	simBadCode = simFail(http.StatusUnprocessableEntity, platform.CodeBadCode, "二维码无效 / code does not verify")
	simExpired = simFail(http.StatusGone, platform.CodeExpired, "二维码已过期 / code expired")
)

// verifyCode answers POST /api/v1/codes/verify.
func (s *Sim) verifyCode(r *http.Request) simAnswer {
	var req struct {
		Code string `json:"code"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 8<<10)).Decode(&req); err != nil {
		return simFail(http.StatusBadRequest, platform.CodeBadRequest, "请求格式错误 / malformed request")
	}
	if rest, ok := strings.CutPrefix(req.Code, appCodePrefix); ok {
		token, mac, ok := strings.Cut(rest, ":")
		if !ok || !hmac.Equal([]byte(mac), []byte(s.mac(token))) {
			return simBadCode
		}
		return s.resolve(token, true)
	}
	chk := &qrpayload.Checker{PlatformKeys: map[string]*ecdsa.PublicKey{s.codeKeyID(): &s.key.PublicKey}, Now: s.now}
	p := chk.Check(req.Code)
	if !p.Valid {
		if errors.Is(p.Err, qrpayload.ErrExpired) {
			return simExpired
		}
		return simBadCode
	}
	switch p.Kind {
	case qrpayload.KindApp:
		return s.resolve(p.Subject, true)
	case qrpayload.KindELicence:
		ans := s.resolve(p.Token, true)
		if c, ok := s.issued(p.Token); ok && c.res.Licence != nil && c.res.Licence.ID != p.LicID {
			return simBadCode // a token of another licence
		}
		return ans
	case qrpayload.KindBusiness:
		token, ok := gsxtToken(p.URL)
		if !ok {
			return simBadCode
		}
		c, known := s.issued(token)
		if known && c.res.Business != nil && c.res.Business.Status != "存续" {
			return simFail(http.StatusGone, platform.CodeRevoked, "企业已注销或吊销 / the enterprise is closed")
		}
		return s.resolve(token, false)
	}
	return simFail(http.StatusUnprocessableEntity, platform.CodeKindNone, "平台不核验此类二维码 / not a code the platform resolves")
}

// resolve answers with the code issued under key; expires says whether it
// lives platform.AppCodeTTL.
func (s *Sim) resolve(key string, expires bool) simAnswer {
	c, ok := s.issued(key)
	switch {
	case !ok && expires:
		return simExpired // issued too long ago to be remembered, or never
	case !ok:
		return simBadCode
	case expires && s.now().Sub(c.at) > platform.AppCodeTTL:
		return simExpired
	}
	res := c.res
	if res.Holder != nil {
		// The holder says how the code was shown, as the document's
		// Identity.kind enum does: never "".
		h := *res.Holder
		h.Kind = res.Kind
		res.Holder = &h
	}
	return simOK(http.StatusOK, res)
}

// gsxtToken takes the opaque token out of a business-licence URL: the path
// "/{token-epochms}" of the 2016-onward form, or the serial parameter of the
// 亮照 form.
func gsxtToken(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	if serial := u.Query().Get("serial"); serial != "" {
		return serial, true
	}
	p := strings.TrimSuffix(strings.TrimPrefix(u.Path, "/{"), "}")
	token, ms, ok := strings.Cut(p, "-")
	if _, err := strconv.ParseInt(ms, 10, 64); !ok || err != nil || len(token) < 8 {
		return "", false
	}
	return token, true
}

// DemoBusinesses are the enterprises the simulator's business registry
// holds: fictitious, with codes that pass the GB 32100 check.
func DemoBusinesses() []platform.Business {
	return []platform.Business{
		{USCC: withUSCCCheck("91510107MA6CXY124"), Name: "成都市武侯区示例科技有限公司", Type: "有限责任公司（自然人投资或控股）", LegalRep: "张三", Status: "存续"},
		{USCC: withUSCCCheck("92510104MA6DQ0021"), Name: "成都市锦江区李四小吃店", Type: "个体工商户", LegalRep: "李四", Status: "存续"},
		{USCC: withUSCCCheck("91500103MA5U0000X"), Name: "重庆市渝中区示例贸易有限公司", Type: "有限责任公司", LegalRep: "王五", Status: "注销"},
	}
}

// withUSCCCheck appends the GB 32100 check character to first17.
func withUSCCCheck(first17 string) string {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	for i := 0; i < len(alphabet); i++ {
		if c := first17 + alphabet[i:i+1]; identity.ValidateUSCC(c) == nil {
			return c
		}
	}
	panic("platform: demo USCC: bad first 17 characters " + first17) // constant input only
}

// DemoHolder is the person the simulator's sample codes belong to: 李四, the
// holder of demo e-licences (DemoLicences), fictitious.
func DemoHolder() platform.Identity {
	for n := range DemoLicences() {
		if strings.HasPrefix(n, "51010419850615") {
			return platform.Identity{IDType: "111", Number: n, Name: "李四"}
		}
	}
	panic("platform: demo holder missing from DemoLicences") // constant data
}

// sampleCode answers GET /sim/codes/{kind}: a fresh code of kind (app,
// health, licence or business) as plain text, for DemoHolder or the first
// demo enterprise; licence takes ?type= (default 居民户口簿). It lets tools
// and people fetch codes from a standalone platformsim.
func (s *Sim) sampleCode(w http.ResponseWriter, r *http.Request) {
	var code string
	var err error
	switch kind := r.PathValue("kind"); kind {
	case platform.CodeKindApp:
		code = s.IssueAppCode(DemoHolder())
	case platform.CodeKindHealth:
		code = s.IssueHealthCode(DemoHolder(), "green")
	case platform.CodeKindLicence:
		typ := r.URL.Query().Get("type")
		if typ == "" {
			typ = "居民户口簿"
		}
		code, err = s.IssueLicenceCode(DemoHolder(), typ)
	case platform.CodeKindBusiness:
		code, err = s.IssueBusinessCode(s.businesses[0].USCC)
	default:
		err = fmt.Errorf("no sample code of kind %q (app, health, licence or business)", kind)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, code)
}
