package platform

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"

	"sckiosk/kiosk/core/application"
)

func TestSM3Vector(t *testing.T) {
	sum := sm3.Sum([]byte("abc"))
	if got := hex.EncodeToString(sum[:]); got != "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0" {
		t.Errorf("SM3(abc) = %s", got)
	}
}

func TestRequestString(t *testing.T) {
	got := string(RequestString("POST", "/api/v1/applications", "1767225600", "00112233445566778899aabbccddeeff", []byte("abc")))
	want := "POST\n/api/v1/applications\n1767225600\n00112233445566778899aabbccddeeff\n" +
		"66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
	if got != want {
		t.Errorf("RequestString = %q, want %q", got, want)
	}
	if r := string(ResponseString(201, "GET", "/p", "1", "n", nil)); !strings.HasPrefix(r, "201\nGET\n/p\n1\nn\n") {
		t.Errorf("ResponseString = %q", r)
	}
}

func TestDemoKeysAreDeterministicAndDistinct(t *testing.T) {
	a, b := DemoKioskKey(), DemoKioskKey()
	if !a.Equal(b) {
		t.Error("DemoKioskKey differs between calls")
	}
	if a.Equal(DemoPlatformKey()) {
		t.Error("demo kiosk and platform keys are the same")
	}
}

func TestKeyPEMRoundTrip(t *testing.T) {
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	privPEM, err := MarshalPrivateKeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM, err := MarshalPublicKeyPEM(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := ParsePrivateKeyPEM(privPEM)
	if err != nil || !k2.Equal(key) {
		t.Fatalf("private key round trip: %v", err)
	}
	p2, err := ParsePublicKeyPEM(pubPEM)
	if err != nil || !p2.Equal(&key.PublicKey) {
		t.Fatalf("public key round trip: %v", err)
	}
	for _, bad := range []string{"", "junk", string(pubPEM)} {
		if _, err := ParsePrivateKeyPEM([]byte(bad)); err == nil {
			t.Errorf("ParsePrivateKeyPEM(%.20q) succeeded", bad)
		}
	}
}

// TestSimRefusesBadSignatures sends hand-made requests and checks the 401s.
func TestSimRefusesBadSignatures(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	sim := NewSim(application.Sichuan, nil, WithSimClock(func() time.Time { return now }))
	srv := httptest.NewServer(sim)
	defer srv.Close()
	other, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	replayed := http.Header{}

	tests := []struct {
		name     string
		prepare  func(t *testing.T, req *http.Request, body []byte)
		wantHTTP int
		wantCode int
		wantMsg  string
	}{
		{"unsigned", func(*testing.T, *http.Request, []byte) {}, 401, CodeUnsigned, "missing"},
		{"unknown app", func(t *testing.T, r *http.Request, b []byte) {
			sign(t, r, b, "stranger", DemoKioskKey(), now)
		}, 401, CodeUnknownApp, "X-App-Id"},
		{"clock behind", func(t *testing.T, r *http.Request, b []byte) {
			sign(t, r, b, DemoAppID, DemoKioskKey(), now.Add(-6*time.Minute))
		}, 401, CodeClockSkew, "±5m"},
		{"clock ahead", func(t *testing.T, r *http.Request, b []byte) {
			sign(t, r, b, DemoAppID, DemoKioskKey(), now.Add(6*time.Minute))
		}, 401, CodeClockSkew, "±5m"},
		{"within window", func(t *testing.T, r *http.Request, b []byte) {
			sign(t, r, b, DemoAppID, DemoKioskKey(), now.Add(-4*time.Minute))
		}, 200, CodeOK, "ok"},
		{"wrong key", func(t *testing.T, r *http.Request, b []byte) {
			sign(t, r, b, DemoAppID, other, now)
		}, 401, CodeBadSignature, "does not verify"},
		{"tampered body", func(t *testing.T, r *http.Request, b []byte) {
			sign(t, r, append([]byte(nil), "tampered"...), DemoAppID, DemoKioskKey(), now)
		}, 401, CodeBadSignature, "does not verify"},
		{"tampered path", func(t *testing.T, r *http.Request, b []byte) {
			sign(t, r, b, DemoAppID, DemoKioskKey(), now)
			r.URL.Path = "/api/v1/health/"
		}, 401, CodeBadSignature, "does not verify"},
		{"first use of a nonce", func(t *testing.T, r *http.Request, b []byte) {
			sign(t, r, b, DemoAppID, DemoKioskKey(), now)
			replayed = r.Header.Clone()
		}, 200, CodeOK, "ok"},
		{"replay", func(t *testing.T, r *http.Request, b []byte) {
			r.Header = replayed
		}, 401, CodeReplay, "already used"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/health", nil)
			tt.prepare(t, req, nil)
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var env Envelope
			if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantHTTP || env.Code != tt.wantCode || !strings.Contains(env.Message, tt.wantMsg) {
				t.Errorf("got %d %+v, want %d code %d with %q", resp.StatusCode, env, tt.wantHTTP, tt.wantCode, tt.wantMsg)
			}
			if resp.Header.Get(HeaderSignature) == "" {
				t.Error("refusal is not signed")
			}
		})
	}
}

func sign(t *testing.T, r *http.Request, body []byte, appID string, key *sm2.PrivateKey, at time.Time) {
	t.Helper()
	s, err := NewSM2Signer(appID, key)
	if err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return at }
	if err := s.Sign(r, body); err != nil {
		t.Fatal(err)
	}
}

// TestClientVerifiesAnswers feeds the client answers that must not be
// trusted.
func TestClientVerifiesAnswers(t *testing.T) {
	other, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"code":0,"message":"ok","data":{"province":"51"}}`
	tests := []struct {
		name  string
		write func(w http.ResponseWriter, r *http.Request)
	}{
		{"unsigned", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200)
			w.Write([]byte(body))
		}},
		{"other key", func(w http.ResponseWriter, r *http.Request) {
			SignResponse(other, w.Header(), r, 200, []byte(body), time.Now())
			w.WriteHeader(200)
			w.Write([]byte(body))
		}},
		{"tampered body", func(w http.ResponseWriter, r *http.Request) {
			SignResponse(DemoPlatformKey(), w.Header(), r, 200, []byte(body), time.Now())
			w.WriteHeader(200)
			w.Write([]byte(strings.Replace(body, "51", "50", 1)))
		}},
		{"tampered status", func(w http.ResponseWriter, r *http.Request) {
			SignResponse(DemoPlatformKey(), w.Header(), r, 503, []byte(body), time.Now())
			w.WriteHeader(200)
			w.Write([]byte(body))
		}},
		{"other nonce", func(w http.ResponseWriter, r *http.Request) {
			r.Header.Set(HeaderNonce, "0000000000000000")
			SignResponse(DemoPlatformKey(), w.Header(), r, 200, []byte(body), time.Now())
			w.WriteHeader(200)
			w.Write([]byte(body))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(tt.write))
			defer srv.Close()
			c, err := NewClient(map[string]string{application.Sichuan: srv.URL}, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = c.Health(context.Background(), application.Sichuan)
			if !errors.Is(err, ErrSignature) || !errors.Is(err, ErrUnavailable) {
				t.Errorf("err = %v, want ErrSignature and ErrUnavailable", err)
			}
		})
	}
}

// TestProductionKeys runs a client and a simulator with their own keys:
// the demo identity is then refused.
func TestProductionKeys(t *testing.T) {
	kioskKey, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	platKey, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sim := NewSim(application.Sichuan, nil, WithTrustedKiosk("K-510104-001", &kioskKey.PublicKey), WithSimKey(platKey))
	signer, err := NewSM2Signer("K-510104-001", kioskKey)
	if err != nil {
		t.Fatal(err)
	}
	c := newSimClientWith(t, []*Sim{sim}, WithSigner(signer), WithPlatformKey(application.Sichuan, &platKey.PublicKey))
	if _, err := c.Submit(context.Background(), testApp(t, "prod-1", application.Sichuan)); err != nil {
		t.Fatalf("submit with production keys: %v", err)
	}

	demo := newSimClient(t, sim) // demo kiosk key, demo platform key
	_, err = demo.Submit(context.Background(), testApp(t, "prod-2", application.Sichuan))
	if !errors.Is(err, ErrSignature) {
		t.Errorf("demo client against production sim: err = %v, want ErrSignature (answer signed by another key)", err)
	}
	demoSigned := newSimClientWith(t, []*Sim{sim}, WithPlatformKey(application.Sichuan, &platKey.PublicKey))
	_, err = demoSigned.Submit(context.Background(), testApp(t, "prod-3", application.Sichuan))
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Code != CodeUnknownApp || !errors.Is(err, ErrRejected) {
		t.Errorf("demo kiosk against production sim: err = %v, want a rejection with code %d", err, CodeUnknownApp)
	}
	if n := len(sim.Applications()); n != 1 {
		t.Errorf("sim holds %d applications, want 1", n)
	}
}

// TestPinnedCA talks https to the simulator with its CA pinned, and fails
// with another CA.
func TestPinnedCA(t *testing.T) {
	srv := httptest.NewTLSServer(NewSim(application.Sichuan, nil))
	defer srv.Close()
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	c, err := NewClient(map[string]string{application.Sichuan: srv.URL}, nil, nil, WithCA(caPEM))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Health(context.Background(), application.Sichuan); err != nil {
		t.Fatalf("health over pinned https: %v", err)
	}

	// httptest servers share one certificate: make another CA.
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "other CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	otherPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	c2, err := NewClient(map[string]string{application.Sichuan: srv.URL}, nil, nil, WithCA(otherPEM))
	if err != nil {
		t.Fatal(err)
	}
	if err := c2.Health(context.Background(), application.Sichuan); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("health with another CA: err = %v, want a certificate error", err)
	}
	if _, err := NewClient(map[string]string{application.Sichuan: srv.URL}, nil, nil, WithCA([]byte("junk"))); err == nil {
		t.Error("NewClient accepted a CA PEM without a certificate")
	}
}

func TestSignerHeaders(t *testing.T) {
	req, _ := http.NewRequest(http.MethodPost, "http://x/api/v1/applications", bytes.NewReader([]byte("{}")))
	now := time.Unix(1767225600, 0)
	sign(t, req, []byte("{}"), DemoAppID, DemoKioskKey(), now)
	if req.Header.Get(HeaderAppID) != DemoAppID || req.Header.Get(HeaderTimestamp) != strconv.FormatInt(now.Unix(), 10) ||
		len(req.Header.Get(HeaderNonce)) != 32 || req.Header.Get(HeaderSignature) == "" {
		t.Errorf("headers = %v", req.Header)
	}
	first := req.Header.Get(HeaderNonce)
	sign(t, req, []byte("{}"), DemoAppID, DemoKioskKey(), now)
	if req.Header.Get(HeaderNonce) == first {
		t.Error("nonce repeated")
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{"-3", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"soon", 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}

	sim := NewSim(application.Sichuan, nil)
	sim.SetDown(true)
	c := newSimClient(t, sim)
	_, err := c.Submit(context.Background(), testApp(t, "ra", application.Sichuan))
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.RetryAfter != 2*time.Second || !errors.Is(err, ErrUnavailable) {
		t.Errorf("err = %v (%+v), want ErrUnavailable with RetryAfter 2s", err, apiErr)
	}
}
