package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"sckiosk/kiosk/fleet/hall/operator"

	"sckiosk/kiosk/fleet/hallstate"
)

func TestMain(m *testing.M) {
	storeOptions.Cost = operator.Cost{Time: 1, Memory: 64, Threads: 1}
	os.Exit(m.Run())
}

func TestExposure(t *testing.T) {
	tests := []struct {
		name string
		e    exposure
		want string // "" for allowed, else part of the refusal
	}{
		{"all loopback, demo key", exposure{HTTP: "127.0.0.1:8080", MQTT: "127.0.0.1:1883"}, ""},
		{"localhost, demo key", exposure{HTTP: "localhost:8080", MQTT: "[::1]:1883"}, ""},
		{"dashboard everywhere, no TLS", exposure{HTTP: "0.0.0.0:8080", MQTT: "127.0.0.1:1883", FleetKey: true}, "--http-cert"},
		{"dashboard on all interfaces by port only", exposure{HTTP: ":8080", MQTT: "127.0.0.1:1883", FleetKey: true}, "--insecure-http"},
		{"dashboard on a LAN address with TLS", exposure{HTTP: "192.168.1.10:8443", MQTT: "0.0.0.0:1883", TLS: true, FleetKey: true}, ""},
		{"dashboard behind the proxy", exposure{HTTP: "0.0.0.0:8080", MQTT: "0.0.0.0:1883", InsecureHTTP: true, FleetKey: true}, ""},
		{"broker everywhere, demo key", exposure{HTTP: "127.0.0.1:8080", MQTT: "0.0.0.0:1883"}, "demo fleet key"},
		{"dashboard with TLS, demo key", exposure{HTTP: "0.0.0.0:8443", MQTT: "127.0.0.1:1883", TLS: true}, "demo fleet key"},
		{"province broker, demo key", exposure{HTTP: "127.0.0.1:8080", Broker: "tls://mqtt.sc.gov.cn:8883"}, "demo fleet key"},
		{"local broker, demo key", exposure{HTTP: "127.0.0.1:8080", Broker: "mqtt://127.0.0.1:1883"}, ""},
		{"a host name is not loopback", exposure{HTTP: "hall.local:8080", MQTT: "127.0.0.1:1883", FleetKey: true}, "--http-cert"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.e.check()
			if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("check() = %v, want %q", err, tc.want)
			}
		})
	}
}

// writeFleetKey writes a new SM2 private key (PEM) and returns its path.
func writeFleetKey(t *testing.T) string {
	t.Helper()
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := smx509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "fleet.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The real binary's entry point refuses to start exposed: it returns
// before it opens its store or listens on anything.
func TestRefusesToStartExposed(t *testing.T) {
	key := writeFleetKey(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"plain HTTP off loopback", []string{"--http", "0.0.0.0:0", "--mqtt", "127.0.0.1:0", "--fleet-key", key, "--key-id", "k"}, "not a loopback address"},
		{"demo key with the broker off loopback", []string{"--http", "127.0.0.1:0", "--mqtt", "0.0.0.0:0"}, "demo fleet key"},
		{"demo key with the dashboard behind a proxy", []string{"--http", "0.0.0.0:0", "--insecure-http", "--mqtt", "127.0.0.1:0"}, "demo fleet key"},
		{"half a TLS pair", []string{"--http", "127.0.0.1:0", "--mqtt", "127.0.0.1:0", "--http-cert", "x.pem"}, "go together"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			var stdout, stderr bytes.Buffer
			code := run(append(tc.args, "--data-dir", dir), &stdout, &stderr)
			if code != 2 || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("run = %d, stderr %q; want 2 and %q", code, stderr.String(), tc.want)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the refused start made its data dir: %v", err)
			}
		})
	}
}

var otpLine = regexp.MustCompile(`one-time password ([A-Za-z0-9]{20})\n`)

// The first start with no operator prints a one-time password for
// "admin" on stdout, once, never into the log; it logs in only to change
// it. A second start prints nothing.
func TestFirstStartOneTimePassword(t *testing.T) {
	dir := t.TempDir()
	st, err := openStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	var stdout, logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))
	if made, err := firstAdmin(ctx, st, &stdout, log); !made || err != nil {
		t.Fatalf("firstAdmin = %v, %v", made, err)
	}
	m := otpLine.FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("no one-time password on stdout: %q", stdout.String())
	}
	otp := m[1]
	if strings.Contains(logged.String(), otp) || !strings.Contains(logged.String(), "one-time password") {
		t.Errorf("the log %q has the password, or does not say where it went", logged.String())
	}
	stdout.Reset()
	if made, err := firstAdmin(ctx, st, &stdout, log); made || err != nil || stdout.Len() != 0 {
		t.Errorf("second start: %v, %v, printed %q", made, err, stdout.String())
	}
	ses, err := st.Login(ctx, "admin", otp)
	if err != nil || !ses.Operator.MustChange || ses.Operator.Role != hallstate.RoleAdmin {
		t.Fatalf("login with the one-time password: %+v, %v", ses.Operator, err)
	}
}

// hallserver admin: init from a password file (once), add, list, reset,
// remove and the audit of all of it.
func TestAdminCommands(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(t.TempDir(), "admin.pw")
	if err := os.WriteFile(pw, []byte("the hall's own password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	admin := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(append(append([]string{"admin"}, args...), "--data-dir", dir), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	if code, _, errs := admin("init"); code != 2 || !strings.Contains(errs, "--password-file is required") {
		t.Errorf("init without a file: %d %q", code, errs)
	}
	if code, out, errs := admin("init", "--password-file", pw); code != 0 || !strings.Contains(out, "administrator admin created") {
		t.Fatalf("init: %d %q %q", code, out, errs)
	}
	if code, _, errs := admin("init", "--password-file", pw); code != 1 || !strings.Contains(errs, "already has operators") {
		t.Errorf("a second init: %d %q", code, errs)
	}
	code, out, errs := admin("add", "li.wei", "--role", "viewer")
	m := regexp.MustCompile(`one-time password: (\S+)`).FindStringSubmatch(out)
	if code != 0 || m == nil || !strings.Contains(out, "查看") {
		t.Fatalf("add: %d %q %q", code, out, errs)
	}
	if code, _, errs := admin("add", "zhang", "--role", "root"); code != 1 || !strings.Contains(errs, "--role") {
		t.Errorf("add with an unknown role: %d %q", code, errs)
	}
	if code, _, errs := admin("add", "li.wei", "--role", "ops"); code != 1 || !strings.Contains(errs, "exists") {
		t.Errorf("add twice: %d %q", code, errs)
	}
	code, out, _ = admin("list")
	if code != 0 || !regexp.MustCompile(`admin\s+admin\s+配置管理员`).MatchString(out) || !regexp.MustCompile(`li.wei\s+viewer\s+查看.*must change password`).MatchString(out) {
		t.Errorf("list: %d\n%s", code, out)
	}
	if code, out, errs := admin("reset", "li.wei"); code != 0 || !strings.Contains(out, "one-time password: ") || strings.Contains(out, m[1]) {
		t.Errorf("reset: %d %q %q", code, out, errs)
	}
	if code, _, errs := admin("remove", "admin"); code != 1 || !strings.Contains(errs, "last configuration administrator") {
		t.Errorf("remove the last admin: %d %q", code, errs)
	}
	if code, _, errs := admin("remove", "li.wei"); code != 0 {
		t.Errorf("remove: %d %q", code, errs)
	}
	code, out, _ = admin("audit")
	for _, want := range []string{"operator_add", "admin", "password_reset", "operator_remove", "li.wei", "(cli "} {
		if !strings.Contains(out, want) {
			t.Errorf("audit lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "the hall's own password") {
		t.Error("a password in the audit log")
	}
	st, err := openStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if ses, err := st.Login(context.Background(), "admin", "the hall's own password"); err != nil || ses.Operator.MustChange {
		t.Errorf("the administrator from the file: %+v, %v", ses.Operator, err)
	}
}

func TestDashboardHosts(t *testing.T) {
	lo := &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 8080}
	if got := strings.Join(dashboardHosts("", lo), " "); got != "127.0.0.1:8080 localhost:8080 [::1]:8080" {
		t.Errorf("loopback: %q", got)
	}
	if got := dashboardHosts("", &net.TCPAddr{IP: net.IPv4zero, Port: 8080}); got != nil {
		t.Errorf("all interfaces: %q", got)
	}
	if got := strings.Join(dashboardHosts(" hall.example:8443, 10.0.0.5:8443 ", lo), " "); got != "hall.example:8443 10.0.0.5:8443" {
		t.Errorf("given: %q", got)
	}
}
