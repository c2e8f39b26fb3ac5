package platform

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"sckiosk/internal/sm2pem"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/msg"
	"sckiosk/kiosk/core/qrpayload"
)

// Endpoint is one province's platform as a kiosk profile names it: its URL,
// the app id it knows the kiosk by and the files that secure talking to
// it. It has the fields of profile.Endpoint, so a profile's endpoint
// converts to it.
type Endpoint struct {
	URL             string
	AppID           string // X-App-Id this platform gave the kiosk; "" means Config.KioskID
	KeyFile         string // this kiosk's SM2 private key for this platform (PEM)
	PlatformKeyFile string // the platform's SM2 public key (PEM)
	CAFile          string // the certificate authorities (PEM) an https URL must chain to
	CodeKeyDir      string // the public keys (PEM) that sign app codes, one <key id>.pem each
	DemoKeys        bool   // the profile allows the demo keys off loopback (checked by the profile)
}

// Config is how a kiosk talks to the platforms: its id and one endpoint
// per province (GB/T 2260 code). Files it names are read by ClientOptions
// and CodeGate; an endpoint without them uses the simulator's demo
// identity.
type Config struct {
	KioskID   string              // the app id of an endpoint that names none
	Endpoints map[string]Endpoint // by province code
}

// province is an endpoint with its province code.
type province struct {
	code string
	ep   Endpoint
}

// provinces lists the endpoints, Sichuan first, then by code: Sichuan's
// key signs the kiosk's receipts and its code keys check app codes.
func (c Config) provinces() []province {
	codes := slices.Sorted(maps.Keys(c.Endpoints))
	out := make([]province, 0, len(codes))
	if ep, ok := c.Endpoints[application.Sichuan]; ok {
		out = append(out, province{application.Sichuan, ep})
	}
	for _, code := range codes {
		if code != application.Sichuan {
			out = append(out, province{code, c.Endpoints[code]})
		}
	}
	return out
}

// appID is the app id the kiosk signs as towards ep.
func (c Config) appID(ep Endpoint) string {
	if ep.AppID != "" {
		return ep.AppID
	}
	return c.KioskID
}

// URLs are the endpoints for NewClient: province code -> base URL, for the
// provinces that have one.
func (c Config) URLs() map[string]string {
	urls := map[string]string{}
	for _, p := range c.provinces() {
		if p.ep.URL != "" {
			urls[p.code] = p.ep.URL
		}
	}
	return urls
}

// Hosts maps each platform's host (lower case) to its province code, so a
// tracking URL names the platform that issued it.
func (c Config) Hosts() map[string]string {
	hosts := map[string]string{}
	for _, p := range c.provinces() {
		if u, err := url.Parse(p.ep.URL); err == nil && u.Host != "" {
			hosts[strings.ToLower(u.Host)] = p.code
		}
	}
	return hosts
}

// ClientOptions give a Client, for each province, the kiosk's signing key
// and app id there, the platform's public key and the CAs its endpoint
// names (pinned for that endpoint only: one province's CA never vouches
// for another's platform). A province without a key file is signed for with the
// demo identity, and one without a platform key file trusts the demo
// platform key (the profile allows that only on loopback or with
// demo_keys).
func (c Config) ClientOptions() ([]ClientOption, error) {
	var opts []ClientOption
	for _, p := range c.provinces() {
		ep := p.ep
		if ep.KeyFile != "" {
			key, err := sm2pem.ReadPrivateKey(ep.KeyFile, "kiosk key")
			if err != nil {
				return nil, fmt.Errorf("platform: client options: province %s: %w", p.code, err)
			}
			signer, err := NewSM2Signer(c.appID(ep), key)
			if err != nil {
				return nil, fmt.Errorf("platform: client options: province %s: %w", p.code, err)
			}
			opts = append(opts, WithProvinceSigner(p.code, signer))
		}
		if ep.PlatformKeyFile != "" {
			pub, err := sm2pem.ReadPublicKey(ep.PlatformKeyFile, "platform key")
			if err != nil {
				return nil, fmt.Errorf("platform: client options: province %s: %w", p.code, err)
			}
			opts = append(opts, WithPlatformKey(p.code, pub))
		}
		if ep.CAFile != "" {
			pem, err := os.ReadFile(ep.CAFile)
			if err != nil {
				return nil, fmt.Errorf("platform: client options: province %s: pinned CA: %w", p.code, err)
			}
			opts = append(opts, WithProvinceCA(p.code, pem))
		}
	}
	return opts, nil
}

// CodeGate checks every scanned code offline (signatures, expiry, hosts)
// before anything reaches the network, and asks client who an app,
// 亮证 or business-licence code identifies. The keys that sign app codes
// are Sichuan's code_key_dir (or its platform key); with none it trusts the
// simulator's demo keys.
func (c Config) CodeGate(client *Client) (qrpayload.Gate, error) {
	var hosts []string
	for _, p := range c.provinces() {
		if u, err := url.Parse(p.ep.URL); err == nil && u.Host != "" {
			hosts = append(hosts, strings.ToLower(u.Host))
		}
	}
	chk := DemoCodeChecker(hosts...)
	keys, err := codeKeys(c.Endpoints[application.Sichuan])
	if err != nil {
		return qrpayload.Gate{}, fmt.Errorf("platform: code gate: %w", err)
	}
	if len(keys) > 0 {
		// Production keys replace the demo ones, for app codes and
		// receipts alike: a receipt signed by the demo kiosk is no receipt.
		chk = &qrpayload.Checker{PlatformKeys: keys, TrackHosts: hosts}
		if kk, id, err := c.kioskPublicKey(); err == nil && kk != nil {
			chk.KioskKeys = map[string]*ecdsa.PublicKey{id: kk}
		}
	}
	return qrpayload.Gate{Checker: chk, Online: codeVerifier{client}}, nil
}

// codeKeys reads the public keys that sign app codes: every <key id>.pem
// in ep.CodeKeyDir, or else ep.PlatformKeyFile under the key id "51".
func codeKeys(ep Endpoint) (map[string]*ecdsa.PublicKey, error) {
	keys := map[string]*ecdsa.PublicKey{}
	add := func(kid, path string) error {
		pub, err := sm2pem.ReadPublicKey(path, "code key")
		if err != nil {
			return err
		}
		keys[kid] = pub
		return nil
	}
	if ep.CodeKeyDir != "" {
		files, err := filepath.Glob(filepath.Join(ep.CodeKeyDir, "*.pem"))
		if err != nil {
			return nil, fmt.Errorf("code keys: %w", err)
		}
		for _, f := range files {
			if err := add(strings.TrimSuffix(filepath.Base(f), ".pem"), f); err != nil {
				return nil, err
			}
		}
		return keys, nil
	}
	if ep.PlatformKeyFile != "" {
		if err := add(application.Sichuan, ep.PlatformKeyFile); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// kioskPublicKey is the public half of the kiosk's own signing key (which
// signs its receipts: Sichuan's first) and the app id it goes with, or nil
// when no endpoint names one.
func (c Config) kioskPublicKey() (*ecdsa.PublicKey, string, error) {
	for _, p := range c.provinces() {
		if p.ep.KeyFile == "" {
			continue
		}
		key, err := sm2pem.ReadPrivateKey(p.ep.KeyFile, "kiosk key")
		if err != nil {
			return nil, "", err
		}
		return &key.PublicKey, c.appID(p.ep), nil
	}
	return nil, "", nil
}

// codeVerifier asks the platform who an app, 亮证 or business-licence code
// identifies: a person, or an enterprise (持证主体代码类型 001).
type codeVerifier struct{ c *Client }

// Verify implements qrpayload.IdentityVerifier. Its errors carry what to
// tell the citizen (a Message method).
func (v codeVerifier) Verify(ctx context.Context, code string) (identity.Person, error) {
	res, err := v.c.VerifyCode(ctx, code)
	if err != nil {
		var ce *CodeError
		if errors.As(err, &ce) {
			// The client says why, as a message key.
			return identity.Person{}, noticeError{err: err, msg: ce.Notice}
		}
		return identity.Person{}, noticeError{err: err, msg: msg.New(msg.CodeCheckUnavailable)}
	}
	h := res.Holder
	if h.IDType == "001" {
		return identity.Person{Source: identity.SourceBusiness, Name: h.Name, Number: h.Number}, nil
	}
	return identity.Person{Source: identity.SourceQR, Name: h.Name, Number: h.Number}, nil
}

// noticeError carries what to tell the citizen about err; the runtime
// finds it through the Message method.
type noticeError struct {
	err error
	msg msg.Text
}

// Error is the underlying error's text, for the log.
func (e noticeError) Error() string { return e.err.Error() }

// Unwrap returns the underlying error.
func (e noticeError) Unwrap() error { return e.err }

// Message is what to tell the citizen.
func (e noticeError) Message() msg.Text { return e.msg }
