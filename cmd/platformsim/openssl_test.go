package main

// Interoperability with Debian's openssl (OpenSSL 3, SM2/SM3): a client
// written from docs/platform-api.md alone, with keys made by openssl,
// signs requests the simulator accepts and verifies its answers.
// The test skips when openssl lacks SM2; PLATFORM_REQUIRE_OPENSSL=1 (CI)
// makes that a failure.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/identity"
)

// openssl runs the openssl command with args in dir and returns stdout.
func openssl(t *testing.T, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// requireOpenSSL skips the test when openssl cannot make an SM2 key, or
// fails it when PLATFORM_REQUIRE_OPENSSL=1.
func requireOpenSSL(t *testing.T, dir string) {
	t.Helper()
	err := exec.Command("openssl", "genpkey", "-algorithm", "SM2", "-out", filepath.Join(dir, "probe.pem")).Run()
	if err == nil {
		return
	}
	if os.Getenv("PLATFORM_REQUIRE_OPENSSL") == "1" {
		t.Fatalf("PLATFORM_REQUIRE_OPENSSL=1 but openssl cannot make an SM2 key (apt-get install openssl): %v", err)
	}
	t.Skipf("openssl without SM2 (%v); PLATFORM_REQUIRE_OPENSSL=1 makes this a failure", err)
}

// sm3Hex is hex(SM3(data)) as openssl computes it.
func sm3Hex(t *testing.T, dir string, data []byte) string {
	t.Helper()
	f := filepath.Join(dir, "sm3-input")
	if err := os.WriteFile(f, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out := string(openssl(t, dir, "dgst", "-sm3", "-r", f))
	return strings.Fields(out)[0]
}

// opensslRequest sends a request signed by the openssl command with
// keyFile (in dir) as appID, SM2 user id distid, and returns the answer
// and its body.
func opensslRequest(t *testing.T, dir, keyFile, appID, distid, url, method, path string, body []byte, nonce string) (*http.Response, []byte) {
	t.Helper()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	canon := strings.Join([]string{method, path, ts, nonce, sm3Hex(t, dir, body)}, "\n")
	if err := os.WriteFile(filepath.Join(dir, "req"), []byte(canon), 0o600); err != nil {
		t.Fatal(err)
	}
	sig := openssl(t, dir, "dgst", "-sm3", "-sign", keyFile, "-sigopt", "distid:"+distid, "req")
	req, err := http.NewRequest(method, url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-App-Id", appID)
	req.Header.Set("X-Timestamp", ts)
	req.Header.Set("X-Nonce", nonce)
	req.Header.Set("X-Signature", base64.StdEncoding.EncodeToString(sig))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("X-Nonce") != nonce {
		t.Fatalf("answer nonce %q, sent %q", resp.Header.Get("X-Nonce"), nonce)
	}
	return resp, raw
}

// The demo kiosk key, derived with openssl from the public seed as
// docs/platform-api.md says, signs requests a default simulator accepts.
func TestOpenSSLDemoKioskFromDocs(t *testing.T) {
	dir := t.TempDir()
	requireOpenSSL(t, dir)
	d := sm3Hex(t, dir, []byte("sckiosk demo kiosk SM2 key, for simulation only"))
	cnf := "asn1=SEQUENCE:ec\n[ec]\nversion=INTEGER:1\nkey=FORMAT:HEX,OCTETSTRING:" + d + "\nparams=EXPLICIT:0,OID:1.2.156.10197.1.301\n"
	if err := os.WriteFile(filepath.Join(dir, "demo.cnf"), []byte(cnf), 0o600); err != nil {
		t.Fatal(err)
	}
	openssl(t, dir, "asn1parse", "-genconf", "demo.cnf", "-out", "demo.der", "-noout")
	openssl(t, dir, "pkey", "-inform", "DER", "-in", "demo.der", "-out", "demo.key")
	pub := openssl(t, dir, "pkey", "-in", "demo.key", "-pubout")
	published, err := os.ReadFile("../../docs/keys/demo-kiosk.pub.pem")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pub, published) {
		t.Fatalf("derived key %s is not docs/keys/demo-kiosk.pub.pem", pub)
	}
	url, stop := start(t, "--listen", "127.0.0.1:0")
	defer stop()
	resp, body := opensslRequest(t, dir, "demo.key", "sckiosk-demo", "1234567812345678", url, http.MethodGet, "/api/v1/health", nil, "00112233445566778899aabbccddeeff")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTP %d: %s", resp.StatusCode, body)
	}
}

func TestOpenSSLInterop(t *testing.T) {
	dir := t.TempDir()
	requireOpenSSL(t, dir)
	openssl(t, dir, "genpkey", "-algorithm", "SM2", "-out", "kiosk.key")
	openssl(t, dir, "pkey", "-in", "kiosk.key", "-pubout", "-out", "kiosk.pub")
	openssl(t, dir, "genpkey", "-algorithm", "SM2", "-out", "platform.key")
	openssl(t, dir, "pkey", "-in", "platform.key", "-pubout", "-out", "platform.pub")
	url, stop := start(t, "--listen", "127.0.0.1:0", "--key", filepath.Join(dir, "platform.key"),
		"--trust-kiosk", "OSSL-KIOSK="+filepath.Join(dir, "kiosk.pub"))
	defer stop()

	first := "51010419900101123"
	check, err := identity.CheckDigit(first)
	if err != nil {
		t.Fatal(err)
	}
	app, err := json.Marshal(application.Application{
		RequestID: "ossl-1", ItemCode: "11510100MB0000001K3510100001001", ItemName: "户口迁移", Province: application.Sichuan,
		Applicant:      application.Applicant{IDType: "111", Number: first + string(check), Name: "张三丰", Phone: "13800138000"},
		Fields:         map[string]string{"reason": "工作调动"},
		AcceptDivision: "510104", SubmittedAt: time.Now(),
	})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, method, path string
		body               []byte
		distid             string
		wantStatus         int
	}{
		{"application", http.MethodPost, "/api/v1/applications", app, "1234567812345678", http.StatusCreated},
		{"health", http.MethodGet, "/api/v1/health", nil, "1234567812345678", http.StatusOK},
		{"UTF-8 path, escaped upper-case", http.MethodGet, "/api/v1/cases/%E5%8A%9E%E4%BB%B6", nil, "1234567812345678", http.StatusNotFound},
		{"another user id", http.MethodGet, "/api/v1/health", nil, "1234567812345679", http.StatusUnauthorized},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := opensslRequest(t, dir, "kiosk.key", "OSSL-KIOSK", tt.distid, url, tt.method, tt.path, tt.body, fmt.Sprintf("%032x", time.Now().UnixNano()+int64(i)))
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("HTTP %d, want %d: %s", resp.StatusCode, tt.wantStatus, body)
			}
			// The answer's signature, checked by openssl with the key
			// given by --key: STATUS, METHOD and PATH on lines of their own.
			ans := strings.Join([]string{strconv.Itoa(resp.StatusCode), tt.method, tt.path,
				resp.Header.Get("X-Timestamp"), resp.Header.Get("X-Nonce"), sm3Hex(t, dir, body)}, "\n")
			asig, err := base64.StdEncoding.DecodeString(resp.Header.Get("X-Signature"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "ans"), []byte(ans), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "ans.sig"), asig, 0o600); err != nil {
				t.Fatal(err)
			}
			out := openssl(t, dir, "dgst", "-sm3", "-verify", "platform.pub", "-sigopt", "distid:1234567812345678", "-signature", "ans.sig", "ans")
			if !strings.Contains(string(out), "Verified OK") {
				t.Fatalf("openssl does not verify the answer: %s", out)
			}
		})
	}
}

// The demo platform key published in docs/keys verifies the answers of a
// simulator started without --key, with openssl alone.
func TestOpenSSLVerifiesDemoPlatformKey(t *testing.T) {
	dir := t.TempDir()
	requireOpenSSL(t, dir)
	url, stop := start(t, "--listen", "127.0.0.1:0")
	defer stop()
	req, err := http.NewRequest(http.MethodGet, url+"/api/v1/health", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Nonce", "0123456789abcdef0123456789abcdef")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned request: HTTP %d", resp.StatusCode)
	}
	ans := strings.Join([]string{"401", "GET", "/api/v1/health", resp.Header.Get("X-Timestamp"),
		"0123456789abcdef0123456789abcdef", sm3Hex(t, dir, body)}, "\n")
	sig, err := base64.StdEncoding.DecodeString(resp.Header.Get("X-Signature"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ans"), []byte(ans), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ans.sig"), sig, 0o600); err != nil {
		t.Fatal(err)
	}
	pub, err := filepath.Abs("../../docs/keys/demo-platform.pub.pem")
	if err != nil {
		t.Fatal(err)
	}
	out := openssl(t, dir, "dgst", "-sm3", "-verify", pub, "-sigopt", "distid:1234567812345678", "-signature", "ans.sig", "ans")
	if !strings.Contains(string(out), "Verified OK") {
		t.Fatalf("openssl: %s", out)
	}
}
