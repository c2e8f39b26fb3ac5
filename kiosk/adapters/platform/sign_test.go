package platform

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
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
}
