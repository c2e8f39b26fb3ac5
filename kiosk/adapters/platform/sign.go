package platform

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"sckiosk/internal/sm2pem"
)

// Headers of the signature scheme. A request carries all four; an answer
// carries X-Timestamp, X-Nonce (the request's nonce, echoed) and
// X-Signature.
const (
	HeaderAppID     = "X-App-Id"
	HeaderTimestamp = "X-Timestamp"
	HeaderNonce     = "X-Nonce"
	HeaderSignature = "X-Signature"
)

// ClockSkew is how far a request's X-Timestamp may be from the platform's
// clock, either way.
const ClockSkew = 5 * time.Minute

// DemoAppID is the app id of the demo kiosk identity (DemoKioskKey).
const DemoAppID = "sckiosk-demo"

// ErrSignature marks an answer whose platform signature is missing or does
// not verify. Such an answer is never trusted: the error also wraps
// ErrUnavailable, so the outbox resends later with the same request_id.
var ErrSignature = errors.New("platform: signature does not verify")

// RequestString is the canonical string a kiosk signs for a request:
//
//	METHOD \n PATH \n TIMESTAMP \n NONCE \n hex(SM3(body))
//
// PATH is the escaped path as sent, with "?query" when there is one;
// TIMESTAMP is Unix seconds in decimal; the SM3 of an empty body is the SM3
// of zero bytes.
func RequestString(method, path, timestamp, nonce string, body []byte) []byte {
	sum := sm3.Sum(body)
	return []byte(strings.Join([]string{method, path, timestamp, nonce, hex.EncodeToString(sum[:])}, "\n"))
}

// ResponseString is the canonical string a platform signs for an answer:
//
//	STATUS \n METHOD \n PATH \n TIMESTAMP \n NONCE \n hex(SM3(body))
//
// with the request's method, path and nonce, so that an answer cannot be
// replayed for another request.
func ResponseString(status int, method, path, timestamp, nonce string, body []byte) []byte {
	return append([]byte(strconv.Itoa(status)+"\n"), RequestString(method, path, timestamp, nonce, body)...)
}

// requestPath is the PATH element of the canonical strings.
func requestPath(r *http.Request) string {
	p := r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		p += "?" + r.URL.RawQuery
	}
	return p
}

// sm2Sign signs msg with key: SM2 over SM3 with Z computed for the default
// user id 1234567812345678, ASN.1 DER, base64.
func sm2Sign(key *sm2.PrivateKey, msg []byte) (string, error) {
	sig, err := key.Sign(rand.Reader, msg, sm2.DefaultSM2SignerOpts)
	if err != nil {
		return "", fmt.Errorf("sm2 sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// sm2Verify checks a base64 signature made by sm2Sign.
func sm2Verify(pub *ecdsa.PublicKey, msg []byte, sig64 string) bool {
	sig, err := base64.StdEncoding.DecodeString(sig64)
	return err == nil && len(sig) > 0 && sm2.VerifyASN1WithSM2(pub, nil, msg, sig)
}

// SM2Signer signs requests as one kiosk (AppID) with its SM2 key. It
// implements Signer.
type SM2Signer struct {
	appID string
	key   *sm2.PrivateKey
	now   func() time.Time
}

var _ Signer = (*SM2Signer)(nil)

// NewSM2Signer returns a signer for the kiosk appID with key.
func NewSM2Signer(appID string, key *sm2.PrivateKey) (*SM2Signer, error) {
	if strings.TrimSpace(appID) == "" || key == nil {
		return nil, errors.New("platform: new signer: want an app id and a key")
	}
	return &SM2Signer{appID: appID, key: key, now: time.Now}, nil
}

// Sign sets X-App-Id, X-Timestamp, a fresh random X-Nonce and X-Signature
// over RequestString.
func (s *SM2Signer) Sign(req *http.Request, body []byte) error {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Errorf("nonce: %w", err)
	}
	nonce := hex.EncodeToString(b[:])
	ts := strconv.FormatInt(s.now().Unix(), 10)
	sig, err := sm2Sign(s.key, RequestString(req.Method, requestPath(req), ts, nonce, body))
	if err != nil {
		return err
	}
	req.Header.Set(HeaderAppID, s.appID)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderNonce, nonce)
	req.Header.Set(HeaderSignature, sig)
	return nil
}

// SignResponse sets X-Timestamp, X-Nonce and X-Signature on h for an answer
// with status and body to req, signed with the platform's key. It is what
// the simulator does for every API answer; tests of clients use it too.
func SignResponse(key *sm2.PrivateKey, h http.Header, req *http.Request, status int, body []byte, now time.Time) error {
	ts := strconv.FormatInt(now.Unix(), 10)
	nonce := req.Header.Get(HeaderNonce)
	sig, err := sm2Sign(key, ResponseString(status, req.Method, requestPath(req), ts, nonce, body))
	if err != nil {
		return fmt.Errorf("platform: sign response: %w", err)
	}
	h.Set(HeaderTimestamp, ts)
	h.Set(HeaderNonce, nonce)
	h.Set(HeaderSignature, sig)
	return nil
}

// VerifyRequest checks a kiosk's signature on req, whose body is body:
// X-Signature over the RequestString of its method, path, X-Timestamp and
// X-Nonce, made with the key whose public half is pub. It is the check the
// simulator makes on every API request; the age of the timestamp and the
// freshness of the nonce are the caller's to check.
func VerifyRequest(pub *ecdsa.PublicKey, req *http.Request, body []byte) bool {
	h := req.Header
	msg := RequestString(req.Method, requestPath(req), h.Get(HeaderTimestamp), h.Get(HeaderNonce), body)
	return sm2Verify(pub, msg, h.Get(HeaderSignature))
}

// verifyResponse checks the platform's signature on an answer to req.
func verifyResponse(pub *ecdsa.PublicKey, req *http.Request, resp *http.Response, body []byte) error {
	ts, nonce, sig := resp.Header.Get(HeaderTimestamp), resp.Header.Get(HeaderNonce), resp.Header.Get(HeaderSignature)
	switch {
	case sig == "" || ts == "":
		return fmt.Errorf("%w: answer is not signed", ErrSignature)
	case nonce != req.Header.Get(HeaderNonce):
		return fmt.Errorf("%w: answer is for another request (nonce)", ErrSignature)
	case !sm2Verify(pub, ResponseString(resp.StatusCode, req.Method, requestPath(req), ts, nonce, body), sig):
		return fmt.Errorf("%w: bad signature", ErrSignature)
	}
	return nil
}

// Seeds of the demo key pairs. They are public: the demo identities are for
// simulation only and must never be trusted by a real platform.
const (
	demoKioskSeed    = "sckiosk demo kiosk SM2 key, for simulation only"
	demoPlatformSeed = "sckiosk demo platform SM2 key, for simulation only"
)

// DemoKioskKey returns the demo kiosk's SM2 key (app id DemoAppID), derived
// deterministically from a public seed. It is for simulation only: every
// copy of this program knows it. The simulator trusts it by default, so
// `kiosk --sim`, kioskctl and platformsim work with no key set-up.
func DemoKioskKey() *sm2.PrivateKey { return demoKey(demoKioskSeed) }

// DemoPlatformKey returns the demo platform's SM2 key, with which the
// simulator signs its answers and which a Client trusts by default. It is
// for simulation only, like DemoKioskKey.
func DemoPlatformKey() *sm2.PrivateKey { return demoKey(demoPlatformSeed) }

// demoKey derives a private key from seed: the first SM3 chain value that
// is a valid SM2 scalar.
func demoKey(seed string) *sm2.PrivateKey {
	d := sm3.Sum([]byte(seed))
	for {
		if k, err := sm2.NewPrivateKey(d[:]); err == nil {
			return k
		}
		d = sm3.Sum(d[:])
	}
}

// ParsePrivateKeyPEM reads an SM2 private key from PEM: PKCS#8 ("PRIVATE
// KEY") or SEC 1 ("EC PRIVATE KEY"). It is sm2pem.ParsePrivateKey.
func ParsePrivateKeyPEM(data []byte) (*sm2.PrivateKey, error) {
	k, err := sm2pem.ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("platform: %w", err)
	}
	return k, nil
}

// ParsePublicKeyPEM reads an SM2 public key from a PEM "PUBLIC KEY" (PKIX)
// block. It is sm2pem.ParsePublicKey.
func ParsePublicKeyPEM(data []byte) (*ecdsa.PublicKey, error) {
	pub, err := sm2pem.ParsePublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("platform: %w", err)
	}
	return pub, nil
}

// MarshalPrivateKeyPEM encodes key as PKCS#8 PEM.
func MarshalPrivateKeyPEM(key *sm2.PrivateKey) ([]byte, error) {
	der, err := smx509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("platform: marshal private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// MarshalPublicKeyPEM encodes pub as PKIX PEM.
func MarshalPublicKeyPEM(pub *ecdsa.PublicKey) ([]byte, error) {
	der, err := smx509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("platform: marshal public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}
