package qrpayload

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm2"

	"sckiosk/kiosk/core/msg"
)

// Kind is what a code is.
type Kind string

// Kinds of codes.
const (
	KindUnknown  Kind = "unknown"
	KindReceipt  Kind = "receipt"
	KindApp      Kind = "app"
	KindELicence Kind = "licence"
	KindBusiness Kind = "business"
)

// Reasons a code is refused. Each has its own notice (Notice).
var (
	ErrUnrecognized = errors.New("qrpayload: unrecognised code")
	ErrMalformed    = errors.New("qrpayload: malformed code")
	ErrForged       = errors.New("qrpayload: signature does not verify")
	ErrExpired      = errors.New("qrpayload: code expired")
	ErrNotYetValid  = errors.New("qrpayload: code issued in the future")
	ErrLifetime     = errors.New("qrpayload: code lifetime over the limit")
	ErrUnknownKey   = errors.New("qrpayload: unknown key id")
	ErrWrongHost    = errors.New("qrpayload: host not allowed")
	ErrCheckChar    = errors.New("qrpayload: e-licence identifier check character wrong")
	ErrUSCC         = errors.New("qrpayload: unified social credit code check fails")
)

var notices = []struct {
	err    error
	notice msg.Key
}{
	{ErrUnrecognized, msg.QRUnrecognized},
	{ErrMalformed, msg.QRMalformed},
	{ErrForged, msg.QRForged},
	{ErrExpired, msg.QRExpired},
	{ErrNotYetValid, msg.QRNotYetValid},
	{ErrLifetime, msg.QRLifetime},
	{ErrUnknownKey, msg.QRUnknownKey},
	{ErrWrongHost, msg.QRWrongHost},
	{ErrCheckChar, msg.QRCheckChar},
	{ErrUSCC, msg.QRUSCC},
}

// Notice returns what to tell the citizen about a refusal err (one of the
// Err… values, possibly wrapped), or no message when err is nil.
func Notice(err error) msg.Text {
	if err == nil {
		return msg.Text{}
	}
	for _, n := range notices {
		if errors.Is(err, n.err) {
			return msg.New(n.notice)
		}
	}
	return msg.New(msg.QRUnrecognized)
}

// MaxAppTTL is the longest lifetime (exp − iat) of a signed app token: the
// 天府通办 亮码 page counts down 300 s.
const MaxAppTTL = 300 * time.Second

// MaxTextLen is the longest code text considered at all.
const MaxTextLen = 4096

// Payload is a classified code. Fields beyond Kind are set per kind; the
// code text itself is personal data and is only logged through LogValue.
type Payload struct {
	Kind  Kind
	Valid bool
	// Err is the reason a code is refused (wraps an Err… value); nil when
	// Valid.
	Err error
	// Online is true when the platform must still resolve or confirm the
	// code (app codes, e-licences, business licences, track URLs).
	Online bool
	// Signed is true when an SM2 signature was verified offline.
	Signed bool

	KeyID    string    // signed forms
	Subject  string    // app token: the platform's opaque subject id
	Type     string    // app token: "id" or "health"
	Issued   time.Time // signed forms
	Expires  time.Time // app token
	Case     string    // receipt: case number (办件编号)
	Request  string    // offline receipt: the application's request_id (its case did not exist yet)
	Province string    // receipt
	LicID    string    // e-licence identifier (GB/T 36904)
	Token    string    // e-licence token or app token (TFTB:1)
	URL      string    // business licence or track URL (allowed hosts only)
	USCC     string    // business licence, when the URL carries one

	text string
}

// Reason is what to tell the citizen about a refused payload, or no
// message when it is valid.
func (p Payload) Reason() msg.Text { return Notice(p.Err) }

// Text returns the code as scanned.
func (p Payload) Text() string { return p.text }

// LogValue logs a payload with its text masked.
func (p Payload) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("kind", string(p.Kind)), slog.Bool("valid", p.Valid), slog.String("text", Mask(p.text))}
	if p.Err != nil {
		attrs = append(attrs, slog.String("err", p.Err.Error()))
	}
	return slog.GroupValue(attrs...)
}

// Mask shortens s for logs: its length and at most its first 4 runes, and
// only when they are printable ASCII.
func Mask(s string) string {
	head := ""
	for i, r := range s {
		if i >= 4 || r < 0x20 || r > 0x7e {
			break
		}
		head += string(r)
	}
	return fmt.Sprintf("[%d]%s****", len(s), head)
}

// Checker classifies and verifies codes offline.
type Checker struct {
	// PlatformKeys verify app tokens, by key id.
	PlatformKeys map[string]*ecdsa.PublicKey
	// KioskKeys verify receipt codes, by key id.
	KioskKeys map[string]*ecdsa.PublicKey
	// TrackHosts are the hosts whose /track/CASE URLs are receipts (the
	// platform's public hosts, lower case, optionally with :port).
	TrackHosts []string
	// Skew is the clock tolerance for issued-at; 0 means 30 s.
	Skew time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (c *Checker) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Checker) skew() time.Duration {
	if c.Skew > 0 {
		return c.Skew
	}
	return 30 * time.Second
}

func refuse(p Payload, err error) Payload {
	p.Valid = false
	p.Err = err
	return p
}

// Prefixes of the text forms.
const (
	prefixReceipt  = "SCR:1:"
	prefixApp1     = "TFTB:1:"
	prefixApp2     = "TFTB:2:"
	prefixELicence = "ELIC:1:"
)

// Check classifies text and verifies what can be verified offline. It
// never returns an error: a refused code has Valid false, Err set and a
// Reason.
func (c *Checker) Check(text string) Payload {
	p := Payload{Kind: KindUnknown, text: text}
	if len(text) > MaxTextLen || !utf8.ValidString(text) {
		return refuse(p, ErrUnrecognized)
	}
	t := strings.TrimSpace(text)
	switch {
	case strings.HasPrefix(t, prefixReceipt):
		p.Kind = KindReceipt
		return c.checkReceipt(p, t)
	case strings.HasPrefix(t, prefixApp1):
		p.Kind = KindApp
		return checkApp1(p, t)
	case strings.HasPrefix(t, prefixApp2):
		p.Kind = KindApp
		return c.checkApp2(p, t)
	case strings.HasPrefix(t, prefixELicence):
		p.Kind = KindELicence
		return checkELicence(p, strings.TrimPrefix(t, prefixELicence))
	case strings.HasPrefix(t, ELicenceRoot):
		p.Kind = KindELicence
		return checkELicence(p, t)
	case hasScheme(t):
		return c.checkURL(p, t)
	}
	return refuse(p, ErrUnrecognized)
}

func hasScheme(t string) bool {
	l := strings.ToLower(t)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// splitSigned splits "body:sig" at the last ':' and decodes sig.
func splitSigned(t string) (body string, sig []byte, ok bool) {
	i := strings.LastIndexByte(t, ':')
	if i < 0 {
		return "", nil, false
	}
	// Strict: a signature has one encoding, not several that differ in
	// unused padding bits.
	sig, err := base64.RawURLEncoding.Strict().DecodeString(t[i+1:])
	if err != nil || len(sig) < 8 || len(sig) > 80 {
		return "", nil, false
	}
	return t[:i], sig, true
}

func verifySig(keys map[string]*ecdsa.PublicKey, kid, body string, sig []byte) error {
	pub, ok := keys[kid]
	if !ok || pub == nil {
		return fmt.Errorf("%w %q", ErrUnknownKey, kid)
	}
	if !sm2.VerifyASN1WithSM2(pub, nil, []byte(body), sig) {
		return ErrForged
	}
	return nil
}

func parseUnix(s string) (time.Time, bool) {
	if len(s) > 12 || !allDigits(s) {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}

// checkReceipt: SCR:1:kid:province:case:iat:sig.
func (c *Checker) checkReceipt(p Payload, t string) Payload {
	body, sig, ok := splitSigned(t)
	if !ok {
		return refuse(p, ErrMalformed)
	}
	f := strings.Split(strings.TrimPrefix(body, prefixReceipt), ":")
	if len(f) != 4 || !isToken(f[0], 64) || !isToken(f[1], 16) || !isCase(f[2]) {
		return refuse(p, ErrMalformed)
	}
	iat, ok := parseUnix(f[3])
	if !ok {
		return refuse(p, ErrMalformed)
	}
	p.KeyID, p.Province, p.Case, p.Issued = f[0], f[1], f[2], iat
	if err := verifySig(c.KioskKeys, f[0], body, sig); err != nil {
		return refuse(p, err)
	}
	p.Signed = true
	if iat.After(c.now().Add(c.skew())) {
		return refuse(p, ErrNotYetValid)
	}
	p.Valid = true
	return p
}

// isCase reports whether s can be a case number: 1–50 ASCII letters and
// digits (the platform client's rule).
// isRequestID reports whether s can be an application's request_id: 1 to
// 64 letters, digits, '-' or '_'.
func isRequestID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func isCase(s string) bool {
	if s == "" || len(s) > 50 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte("0123456789abcdef", s[i]) < 0 {
			return false
		}
	}
	return true
}

// checkApp1: the online form TFTB:1:token:mac (24 + 16 hex); only the
// platform can verify it.
func checkApp1(p Payload, t string) Payload {
	f := strings.Split(strings.TrimPrefix(t, prefixApp1), ":")
	if len(f) != 2 || !isHex(f[0], 24) || !isHex(f[1], 16) {
		return refuse(p, ErrMalformed)
	}
	p.Token = f[0]
	p.Valid, p.Online = true, true
	return p
}

// App token types.
const (
	AppTypeID     = "id"     // identity (亮码)
	AppTypeHealth = "health" // 天府健康通 health code; state resolved online
)

// checkApp2: TFTB:2:typ:kid:sub:iat:exp:sig.
func (c *Checker) checkApp2(p Payload, t string) Payload {
	body, sig, ok := splitSigned(t)
	if !ok {
		return refuse(p, ErrMalformed)
	}
	f := strings.Split(strings.TrimPrefix(body, prefixApp2), ":")
	if len(f) != 5 || (f[0] != AppTypeID && f[0] != AppTypeHealth) || !isToken(f[1], 64) || !isToken(f[2], 64) {
		return refuse(p, ErrMalformed)
	}
	iat, ok1 := parseUnix(f[3])
	exp, ok2 := parseUnix(f[4])
	if !ok1 || !ok2 {
		return refuse(p, ErrMalformed)
	}
	p.Type, p.KeyID, p.Subject, p.Issued, p.Expires = f[0], f[1], f[2], iat, exp
	if err := verifySig(c.PlatformKeys, f[1], body, sig); err != nil {
		return refuse(p, err)
	}
	p.Signed = true
	if !exp.After(iat) || exp.Sub(iat) > MaxAppTTL {
		return refuse(p, ErrLifetime)
	}
	now := c.now()
	if iat.After(now.Add(c.skew())) {
		return refuse(p, ErrNotYetValid)
	}
	if !now.Before(exp) {
		return refuse(p, ErrExpired)
	}
	p.Valid, p.Online = true, true
	return p
}

// checkELicence: "<identifier>:<token>" (after ELIC:1:) or a bare
// identifier (refused: without a token nothing can be resolved).
func checkELicence(p Payload, t string) Payload {
	id, token, hasToken := strings.Cut(t, ":")
	ok, badCheck := ValidELicenceID(id)
	if badCheck {
		return refuse(p, ErrCheckChar)
	}
	if !ok || !hasToken || !isToken(token, 128) || len(token) < 8 {
		return refuse(p, ErrMalformed)
	}
	p.LicID, p.Token = id, token
	p.Valid, p.Online = true, true
	return p
}

// BusinessHost reports whether host is on the business-licence allow-list:
// gsxt.gov.cn or one of its subdomains (www., zj., zzlz., …).
func BusinessHost(host string) bool {
	return host == "gsxt.gov.cn" || strings.HasSuffix(host, ".gsxt.gov.cn")
}

func (c *Checker) trackHost(hostport string) bool {
	for _, h := range c.TrackHosts {
		if strings.EqualFold(h, hostport) {
			return true
		}
	}
	return false
}

// checkURL handles http(s) URLs: business licences on gsxt.gov.cn, track
// URLs on the platform's hosts, and refuses every other host.
func (c *Checker) checkURL(p Payload, t string) Payload {
	u, err := url.Parse(t)
	if err != nil || u.Host == "" || u.User != nil || u.Opaque != "" {
		return refuse(p, ErrUnrecognized)
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if scheme != "http" && scheme != "https" || !isASCIIHost(host) {
		return refuse(p, ErrWrongHost)
	}
	if c.trackHost(strings.ToLower(u.Host)) {
		p.Kind = KindReceipt
		if id, ok := strings.CutPrefix(u.EscapedPath(), "/track/request/"); ok {
			// An offline receipt: the platform finds the case by request_id.
			if !isRequestID(id) {
				return refuse(p, ErrMalformed)
			}
			p.Request, p.URL = id, u.String()
			p.Valid, p.Online = true, true
			return p
		}
		num, ok := strings.CutPrefix(u.EscapedPath(), "/track/")
		if !ok || !isCase(num) {
			return refuse(p, ErrMalformed)
		}
		p.Case, p.URL = num, u.String()
		p.Valid, p.Online = true, true
		return p
	}
	if u.Port() != "" || !BusinessHost(host) {
		return refuse(p, ErrWrongHost)
	}
	p.Kind = KindBusiness
	p.URL = u.String()
	if code, ok := usccIn(u); ok {
		if !ValidUSCC(code) {
			p.USCC = code
			return refuse(p, ErrUSCC)
		}
		p.USCC = code
	}
	p.Valid, p.Online = true, true
	return p
}

func isASCIIHost(h string) bool {
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// usccIn finds a unified social credit code a business-licence URL
// carries: the query parameters uscc / creditCode / serial (the "亮照" link
// has serial=<USCC>-SAIC_SHOW_…).
func usccIn(u *url.URL) (string, bool) {
	q := u.Query()
	for _, k := range []string{"uscc", "creditCode", "serial"} {
		v := q.Get(k)
		if v == "" {
			continue
		}
		code, _, _ := strings.Cut(v, "-")
		return strings.ToUpper(code), true
	}
	return "", false
}

// Signing, for the platform simulator, kioskctl qr make and tests.

func sign(key *sm2.PrivateKey, body string) (string, error) {
	sig, err := key.Sign(rand.Reader, []byte(body), sm2.DefaultSM2SignerOpts)
	if err != nil {
		return "", fmt.Errorf("qrpayload: sign: %w", err)
	}
	return body + ":" + base64.RawURLEncoding.EncodeToString(sig), nil
}

// SignAppToken makes a compact signed app token "TFTB:2:…" as the platform
// would issue it: typ is AppTypeID or AppTypeHealth, kid the platform key
// id, sub the platform's opaque subject id, valid from iat for ttl
// (at most MaxAppTTL).
func SignAppToken(key *sm2.PrivateKey, kid, typ, sub string, iat time.Time, ttl time.Duration) (string, error) {
	if typ != AppTypeID && typ != AppTypeHealth || !isToken(kid, 64) || !isToken(sub, 64) || ttl <= 0 || ttl > MaxAppTTL {
		return "", fmt.Errorf("qrpayload: sign app token: bad fields")
	}
	body := fmt.Sprintf("%s%s:%s:%s:%d:%d", prefixApp2, typ, kid, sub, iat.Unix(), iat.Add(ttl).Unix())
	return sign(key, body)
}

// SignReceipt makes a signed receipt code "SCR:1:…" for case number
// caseNo in province, signed by the kiosk key kid.
func SignReceipt(key *sm2.PrivateKey, kid, province, caseNo string, iat time.Time) (string, error) {
	if !isToken(kid, 64) || !isToken(province, 16) || !isCase(caseNo) {
		return "", fmt.Errorf("qrpayload: sign receipt: bad fields")
	}
	return sign(key, fmt.Sprintf("%s%s:%s:%s:%d", prefixReceipt, kid, province, caseNo, iat.Unix()))
}

// ELicenceCode makes the text of an e-licence 亮证 code.
func ELicenceCode(id, token string) (string, error) {
	if ok, _ := ValidELicenceID(id); !ok || !isToken(token, 128) || len(token) < 8 {
		return "", fmt.Errorf("qrpayload: e-licence code: bad identifier or token")
	}
	return prefixELicence + id + ":" + token, nil
}
