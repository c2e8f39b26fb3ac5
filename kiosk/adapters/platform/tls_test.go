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
	"io"
	"log"
	"math/big"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/adapters/platform/platformsim"
	"sckiosk/kiosk/core/application"
)

// testCA is a certificate authority made for one test, and a server
// certificate for 127.0.0.1 it issued.
type testCA struct {
	pemFile string // the CA certificate, PEM, as a profile's ca_file names it
	server  tls.Certificate
}

func newTestCA(t *testing.T, dir, name string) testCA {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name + " platform CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: name + " platform"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, name+"-ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644); err != nil {
		t.Fatal(err)
	}
	return testCA{pemFile: file, server: tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: leafKey}}
}

// startTLS serves a simulator of province on loopback with a certificate
// of ca.
func startTLS(t *testing.T, province string, ca testCA) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(platformsim.New(province, nil))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.server}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestEachProvinceTrustsOnlyItsCA: two platforms on loopback TLS, each
// with a certificate of its own province's CA. Each endpoint trusts only
// the CA file it names: the other province's CA does not vouch for it, and
// neither do the system roots.
func TestEachProvinceTrustsOnlyItsCA(t *testing.T) {
	dir := t.TempDir()
	scCA, cqCA := newTestCA(t, dir, "sc"), newTestCA(t, dir, "cq")
	scURL, cqURL := startTLS(t, application.Sichuan, scCA), startTLS(t, application.Chongqing, cqCA)

	type want struct{ sc, cq bool }
	tests := []struct {
		name   string
		scCA   string
		cqCA   string
		expect want
	}{
		{"each its own CA", scCA.pemFile, cqCA.pemFile, want{true, true}},
		{"CAs swapped", cqCA.pemFile, scCA.pemFile, want{false, false}},
		{"both name Sichuan's CA", scCA.pemFile, scCA.pemFile, want{true, false}},
		{"only Sichuan names a CA", scCA.pemFile, "", want{true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := platform.Config{KioskID: "K-1", Endpoints: map[string]platform.Endpoint{
				application.Sichuan:   {URL: scURL, CAFile: tt.scCA},
				application.Chongqing: {URL: cqURL, CAFile: tt.cqCA},
			}}
			opts, err := cfg.ClientOptions()
			if err != nil {
				t.Fatal(err)
			}
			c, err := platform.NewClient(cfg.URLs(), nil, nil, opts...)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []struct {
				province string
				ok       bool
			}{{application.Sichuan, tt.expect.sc}, {application.Chongqing, tt.expect.cq}} {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				err := c.Health(ctx, p.province)
				cancel()
				var unknown x509.UnknownAuthorityError
				switch {
				case p.ok && err != nil:
					t.Errorf("province %s: %v, want a trusted answer", p.province, err)
				case !p.ok && !errors.As(err, &unknown):
					t.Errorf("province %s: %v, want an unknown-authority refusal", p.province, err)
				}
			}
		})
	}
}
