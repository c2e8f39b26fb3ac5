package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"sckiosk/kiosk/fleet/hall/operator"
)

// lockedBuffer is a bytes.Buffer safe to write from the server's
// goroutines while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns
// their paths and a pool that trusts it.
func selfSigned(t *testing.T) (string, string, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hall"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert, kfile := filepath.Join(dir, "dash.pem"), filepath.Join(dir, "dash.key")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kfile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return cert, kfile, pool
}

// The real entry point, first start, dashboard over HTTPS: the one-time
// password appears on stdout and nowhere in the log, the dashboard
// answers only over TLS, and the password logs in (to change it). A
// SIGINT stops the server.
func TestServeFirstStartOverTLS(t *testing.T) {
	cert, key, pool := selfSigned(t)
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"--http", "127.0.0.1:0", "--mqtt", "127.0.0.1:0", "--http-cert", cert, "--http-key", key,
			"--data-dir", filepath.Join(t.TempDir(), "data")}, &stdout, &stderr)
	}()
	urlRE := regexp.MustCompile(`msg=dashboard url=(https://127\.0\.0\.1:\d+)/`)
	var base string
	deadline := time.Now().Add(60 * time.Second)
	for base == "" {
		select {
		case code := <-done:
			t.Fatalf("hallserver ended with %d:\n%s", code, stderr.String())
		default:
		}
		if m := urlRE.FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no dashboard URL in the log:\n%s", stderr.String())
		} else {
			time.Sleep(50 * time.Millisecond)
		}
	}
	m := otpLine.FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("no one-time password on stdout: %q", stdout.String())
	}
	if strings.Contains(stderr.String(), m[1]) {
		t.Fatal("the one-time password is in the log")
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if resp, err := http.Get("http" + strings.TrimPrefix(base, "https") + "/"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP on the TLS port: %d, want Go's 400 for it", resp.StatusCode)
		}
	}
	body := strings.NewReader(`{"name":"admin","password":"` + m[1] + `"}`)
	req, _ := http.NewRequest("POST", base+"/api/login", body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", base)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var me map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&me)
	resp.Body.Close()
	if resp.StatusCode != 200 || me["must_change"] != true || me["role"] != "admin" {
		t.Fatalf("login over TLS: %d %v", resp.StatusCode, me)
	}
	var secure bool
	for _, c := range resp.Cookies() {
		secure = secure || (c.Name == operator.CookieName && c.Secure && c.HttpOnly)
	}
	if !secure {
		t.Errorf("no Secure, HttpOnly session cookie: %v", resp.Header["Set-Cookie"])
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("hallserver ended with %d after SIGINT:\n%s", code, stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("hallserver did not stop on SIGINT")
	}
}
