package platform_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/adapters/platform/platformsim"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/msg"
	"sckiosk/kiosk/core/qrpayload"
	"sckiosk/ui/text"
)

// An endpoint's code_key_dir replaces the demo keys: codes signed by a key
// in it are resolved to the person or enterprise, the demo key's codes are
// refused offline as an unregistered issuer, and a pinned CA on an http
// endpoint is caught by the profile check (profile tests).
func TestCodeGateWithProfileKeys(t *testing.T) {
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pem, err := platform.MarshalPublicKeyPEM(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "p2026.pem"), pem, 0o644); err != nil {
		t.Fatal(err)
	}
	sim := platformsim.New(application.Sichuan, nil, platformsim.WithKey(key), platformsim.WithCodeKeyID("p2026"))
	srv := httptest.NewServer(sim)
	defer srv.Close()
	client, err := platform.NewClient(map[string]string{application.Sichuan: srv.URL}, srv.Client(), nil,
		platform.WithPlatformKey(application.Sichuan, &key.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	cfg := platform.Config{Endpoints: map[string]platform.Endpoint{application.Sichuan: {URL: srv.URL, CodeKeyDir: dir}}}
	gate, err := cfg.CodeGate(client)
	if err != nil {
		t.Fatal(err)
	}
	li := platform.Identity{IDType: "111", Number: "11010519491231002X", Name: "李四"}
	biz := platformsim.DemoBusinesses()[0]
	bizCode, err := sim.IssueBusinessCode(biz.USCC)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, code string
		source     identity.Source
		number     string
	}{
		{"app code", sim.IssueAppCode(li), identity.SourceQR, li.Number},
		{"health code", sim.IssueHealthCode(li, "green"), identity.SourceQR, li.Number},
		{"business licence", bizCode, identity.SourceBusiness, biz.USCC},
	}
	for _, tt := range tests {
		p, err := gate.Verify(context.Background(), tt.code)
		if err != nil || p.Number != tt.number || p.Source != tt.source {
			t.Errorf("%s: %+v, %v", tt.name, p.Mask(), err)
		}
	}
	demoSigned := platformsim.New(application.Sichuan, nil).IssueAppCode(li)
	_, err = gate.Verify(context.Background(), demoSigned)
	var n interface{ Message() msg.Text }
	if !errors.Is(err, qrpayload.ErrUnknownKey) || !errors.As(err, &n) || text.Chinese.Render(n.Message()) != "二维码的签发机构未登记，无法核验" {
		t.Errorf("demo-signed code with production keys: %v", err)
	}
	if got := (identity.Person{Source: identity.SourceBusiness}).IDTypeCode(); got != "001" {
		t.Errorf("enterprise IDTypeCode = %s, want 001", got)
	}
}

// platform.sichuan.ca_file pins the CA of an https platform: the client
// talks to a server whose certificate chains to it and to no other.
func TestProfileCAFilePinsTheCA(t *testing.T) {
	sim := platformsim.New(application.Sichuan, nil)
	srv := httptest.NewTLSServer(sim)
	defer srv.Close()
	other := httptest.NewUnstartedServer(sim) // a certificate of another CA
	other.TLS = &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}
	other.StartTLS()
	defer other.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pemCert(srv.Certificate().Raw), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		url string
		ok  bool
	}{{srv.URL, true}, {other.URL, false}} {
		cfg := platform.Config{Endpoints: map[string]platform.Endpoint{application.Sichuan: {URL: tt.url, CAFile: ca}}}
		opts, err := cfg.ClientOptions()
		if err != nil {
			t.Fatal(err)
		}
		c, err := platform.NewClient(map[string]string{application.Sichuan: tt.url}, nil, nil, opts...)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.VerifyCode(context.Background(), sim.IssueAppCode(platformsim.DemoHolder()))
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok %v", tt.url, err, tt.ok)
		}
	}
}

func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "other CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// A key file that cannot be read stops the kiosk with the file named; the
// URLs and hosts of the endpoints route requests and tracking codes.
func TestConfigKeyFilesAndRoutes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "kiosk.pem")
	if err := os.WriteFile(bad, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []platform.Config{
		{Endpoints: map[string]platform.Endpoint{application.Sichuan: {URL: "http://127.0.0.1:1", KeyFile: bad}}},
		{Endpoints: map[string]platform.Endpoint{application.Chongqing: {URL: "http://127.0.0.1:1", PlatformKeyFile: filepath.Join(dir, "missing.pem")}}},
		{Endpoints: map[string]platform.Endpoint{application.Sichuan: {URL: "http://127.0.0.1:1", CAFile: filepath.Join(dir, "missing.pem")}}},
	} {
		if _, err := cfg.ClientOptions(); err == nil || !strings.HasPrefix(err.Error(), "platform: client options: ") {
			t.Errorf("%+v: err = %v", cfg, err)
		}
	}
	if _, err := (platform.Config{Endpoints: map[string]platform.Endpoint{application.Sichuan: {CodeKeyDir: dir}}}).CodeGate(nil); err == nil || !strings.Contains(err.Error(), "code key "+bad) {
		t.Errorf("code key dir with a bad key: %v", err)
	}
	cfg := platform.Config{Endpoints: map[string]platform.Endpoint{
		application.Sichuan:   {URL: "https://GW.sc.example/api"},
		application.Chongqing: {URL: "https://gw.cq.example"},
	}}
	if got := cfg.URLs(); len(got) != 2 || got[application.Sichuan] != "https://GW.sc.example/api" {
		t.Errorf("URLs = %v", got)
	}
	if got := cfg.Hosts(); len(got) != 2 || got["gw.sc.example"] != application.Sichuan || got["gw.cq.example"] != application.Chongqing {
		t.Errorf("Hosts = %v", got)
	}
	if got := (platform.Config{Endpoints: map[string]platform.Endpoint{application.Sichuan: {URL: "http://x"}}}).URLs(); len(got) != 1 {
		t.Errorf("URLs of one province = %v", got)
	}
}
