package platformsim

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/core/application"
)

// TestSimRefusesBadSignatures sends hand-made requests and checks the 401s.
func TestSimRefusesBadSignatures(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	sim := New(application.Sichuan, nil, WithClock(func() time.Time { return now }))
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
		{"unsigned", func(*testing.T, *http.Request, []byte) {}, 401, platform.CodeUnsigned, "missing"},
		{"unknown app", func(t *testing.T, r *http.Request, b []byte) {
			sign(t, r, b, "stranger", platform.DemoKioskKey(), now)
		}, 401, platform.CodeUnknownApp, "X-App-Id"},
		{"clock behind", func(t *testing.T, r *http.Request, b []byte) {
			sign(t, r, b, platform.DemoAppID, platform.DemoKioskKey(), now.Add(-6*time.Minute))
		}, 401, platform.CodeClockSkew, "±5m"},
		{"clock ahead", func(t *testing.T, r *http.Request, b []byte) {
			sign(t, r, b, platform.DemoAppID, platform.DemoKioskKey(), now.Add(6*time.Minute))
		}, 401, platform.CodeClockSkew, "±5m"},
		{"within window", func(t *testing.T, r *http.Request, b []byte) {
			sign(t, r, b, platform.DemoAppID, platform.DemoKioskKey(), now.Add(-4*time.Minute))
		}, 200, platform.CodeOK, "ok"},
		{"wrong key", func(t *testing.T, r *http.Request, b []byte) {
			sign(t, r, b, platform.DemoAppID, other, now)
		}, 401, platform.CodeBadSignature, "does not verify"},
		{"tampered body", func(t *testing.T, r *http.Request, b []byte) {
			sign(t, r, append([]byte(nil), "tampered"...), platform.DemoAppID, platform.DemoKioskKey(), now)
		}, 401, platform.CodeBadSignature, "does not verify"},
		{"tampered path", func(t *testing.T, r *http.Request, b []byte) {
			sign(t, r, b, platform.DemoAppID, platform.DemoKioskKey(), now)
			r.URL.Path = "/api/v1/health/"
		}, 401, platform.CodeBadSignature, "does not verify"},
		{"first use of a nonce", func(t *testing.T, r *http.Request, b []byte) {
			sign(t, r, b, platform.DemoAppID, platform.DemoKioskKey(), now)
			replayed = r.Header.Clone()
		}, 200, platform.CodeOK, "ok"},
		{"replay", func(t *testing.T, r *http.Request, b []byte) {
			r.Header = replayed
		}, 401, platform.CodeReplay, "already used"},
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
			var env platform.Envelope
			if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantHTTP || env.Code != tt.wantCode || !strings.Contains(env.Message, tt.wantMsg) {
				t.Errorf("got %d %+v, want %d code %d with %q", resp.StatusCode, env, tt.wantHTTP, tt.wantCode, tt.wantMsg)
			}
			if resp.Header.Get(platform.HeaderSignature) == "" {
				t.Error("refusal is not signed")
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
	sim := New(application.Sichuan, nil, WithTrustedKiosk("K-510104-001", &kioskKey.PublicKey), WithKey(platKey))
	signer, err := platform.NewSM2Signer("K-510104-001", kioskKey)
	if err != nil {
		t.Fatal(err)
	}
	c := newSimClientWith(t, []*Sim{sim}, platform.WithSigner(signer), platform.WithPlatformKey(application.Sichuan, &platKey.PublicKey))
	if _, err := c.Submit(context.Background(), testApp(t, "prod-1", application.Sichuan)); err != nil {
		t.Fatalf("submit with production keys: %v", err)
	}

	demo := newSimClient(t, sim) // demo kiosk key, demo platform key
	_, err = demo.Submit(context.Background(), testApp(t, "prod-2", application.Sichuan))
	if !errors.Is(err, platform.ErrSignature) {
		t.Errorf("demo client against production sim: err = %v, want ErrSignature (answer signed by another key)", err)
	}
	demoSigned := newSimClientWith(t, []*Sim{sim}, platform.WithPlatformKey(application.Sichuan, &platKey.PublicKey))
	_, err = demoSigned.Submit(context.Background(), testApp(t, "prod-3", application.Sichuan))
	var apiErr *platform.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != platform.CodeUnknownApp || !errors.Is(err, platform.ErrRejected) {
		t.Errorf("demo kiosk against production sim: err = %v, want a rejection with code %d", err, platform.CodeUnknownApp)
	}
	if n := len(sim.Applications()); n != 1 {
		t.Errorf("sim holds %d applications, want 1", n)
	}
}

// TestPinnedCA talks https to the simulator with its CA pinned, and fails
// with another CA.
func TestPinnedCA(t *testing.T) {
	srv := httptest.NewTLSServer(New(application.Sichuan, nil))
	defer srv.Close()
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	c, err := platform.NewClient(map[string]string{application.Sichuan: srv.URL}, nil, nil, platform.WithCA(caPEM))
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
	c2, err := platform.NewClient(map[string]string{application.Sichuan: srv.URL}, nil, nil, platform.WithCA(otherPEM))
	if err != nil {
		t.Fatal(err)
	}
	if err := c2.Health(context.Background(), application.Sichuan); !errors.Is(err, platform.ErrUnavailable) || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("health with another CA: err = %v, want a certificate error", err)
	}
	if _, err := platform.NewClient(map[string]string{application.Sichuan: srv.URL}, nil, nil, platform.WithCA([]byte("junk"))); err == nil {
		t.Error("NewClient accepted a CA PEM without a certificate")
	}
}

func sign(t *testing.T, r *http.Request, body []byte, appID string, key *sm2.PrivateKey, at time.Time) {
	t.Helper()
	s := clockSigner{appID: appID, key: key, now: func() time.Time { return at }}
	if err := s.Sign(r, body); err != nil {
		t.Fatal(err)
	}
}

// TestRetryAfter: a simulator that is down asks for a wait, and the
// client's error carries it.
func TestRetryAfter(t *testing.T) {
	sim := New(application.Sichuan, nil)
	sim.SetDown(true)
	c := newSimClient(t, sim)
	_, err := c.Submit(context.Background(), testApp(t, "ra", application.Sichuan))
	var apiErr *platform.APIError
	if !errors.As(err, &apiErr) || apiErr.RetryAfter != 2*time.Second || !errors.Is(err, platform.ErrUnavailable) {
		t.Errorf("err = %v (%+v), want ErrUnavailable with RetryAfter 2s", err, apiErr)
	}
}
