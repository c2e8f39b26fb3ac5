package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"sckiosk/devices/idcard"
	"sckiosk/kiosk/adapters/outbox"
	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/adapters/platform/platformsim"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/identity"
)

// startSim serves a Sichuan platform simulator on loopback.
func startSim(t *testing.T) (*platformsim.Sim, string) {
	t.Helper()
	sim := platformsim.New(application.Sichuan, nil)
	srv, err := sim.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return sim, srv.URL()
}

// lsJSON runs outbox ls --json on dir.
func lsJSON(t *testing.T, dir string) []outbox.Entry {
	t.Helper()
	code, out, stderr := kioskctl(t, "outbox", "ls", "--data", dir, "--json")
	if code != 0 {
		t.Fatalf("outbox ls: exit %d: %s", code, stderr)
	}
	var entries []outbox.Entry
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		t.Fatalf("outbox ls --json: %v\n%s", err, out)
	}
	return entries
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\n$`)

func TestOutboxAddSendList(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	sim, url := startSim(t)
	var ids []string
	for range 3 {
		code, out, stderr := kioskctl(t, "outbox", "add", "--data", dir, "--sample")
		if code != 0 || !uuidRE.MatchString(out) {
			t.Fatalf("outbox add: exit %d, stdout %q, stderr %s", code, out, stderr)
		}
		ids = append(ids, strings.TrimSpace(out))
	}
	if fi, err := os.Stat(filepath.Join(dir, "outbox.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v %v", fi, err)
	}
	entries := lsJSON(t, dir)
	card := idcard.SampleCard()
	if len(entries) != 3 {
		t.Fatalf("%d entries after 3 adds", len(entries))
	}
	for i, e := range entries {
		if e.RequestID != ids[i] || e.State != outbox.StatePending || !e.HasPayload || e.Province != application.Sichuan {
			t.Errorf("entry %d = %+v", i, e)
		}
	}
	code, out, _ := kioskctl(t, "outbox", "ls", "--data", dir)
	if code != 0 || strings.Contains(out, card.Name) || strings.Contains(out, card.Number) || !strings.Contains(out, ids[0]) {
		t.Errorf("outbox ls: exit %d, personal data or request id wrong:\n%s", code, out)
	}

	code, out, stderr := kioskctl(t, "outbox", "send", "--data", dir, "--platform", url, "--until-empty", "--timeout", "15s")
	if code != 0 || !strings.Contains(out, "pending 0  sent 3  rejected 0") {
		t.Fatalf("outbox send: exit %d\n%s%s", code, out, stderr)
	}
	if got := len(sim.Cases()); got != 3 {
		t.Errorf("simulator has %d cases, want 3", got)
	}
	for _, e := range lsJSON(t, dir) {
		if e.State != outbox.StateSent || e.CaseNumber == "" || e.HasPayload {
			t.Errorf("after send: %+v", e)
		}
	}
	// Sending again sends nothing and ends at once.
	if code, out, _ := kioskctl(t, "outbox", "send", "--data", dir, "--platform", url, "--until-empty"); code != 0 || len(sim.Cases()) != 3 {
		t.Errorf("second send: exit %d, %d cases\n%s", code, len(sim.Cases()), out)
	}

	// --db is an alternative to --data (README: outbox list --db).
	code, out, _ = kioskctl(t, "outbox", "list", "--db", filepath.Join(dir, "outbox.db"))
	if code != 0 || strings.Count(out, "sent") != 3 {
		t.Errorf("outbox list --db: exit %d\n%s", code, out)
	}
	code, out, _ = kioskctl(t, "outbox", "stats", "--db", filepath.Join(dir, "outbox.db"))
	if code != 0 || out != "pending 0  sent 3  rejected 0\n" {
		t.Errorf("outbox stats: exit %d %q", code, out)
	}
	code, out, _ = kioskctl(t, "outbox", "purge", "--data", dir)
	if code != 0 || out != "3 entries purged\n" || len(lsJSON(t, dir)) != 0 {
		t.Errorf("outbox purge: exit %d %q", code, out)
	}
}

func TestOutboxSendTimeoutRetryPurge(t *testing.T) {
	dir := t.TempDir()
	sim, url := startSim(t)
	sim.SetDown(true)
	if code, _, stderr := kioskctl(t, "outbox", "add", "--data", dir, "--sample"); code != 0 {
		t.Fatal(stderr)
	}
	code, out, stderr := kioskctl(t, "outbox", "send", "--data", dir, "--platform", url, "--until-empty", "--timeout", "700ms")
	if code != 1 || !strings.Contains(stderr, "timed out with 1 application(s) still pending") || !strings.Contains(out, "pending 1") {
		t.Fatalf("send to a platform that is down: exit %d\n%s%s", code, out, stderr)
	}
	e := lsJSON(t, dir)[0]
	if e.Attempts == 0 || e.LastError == "" || e.State != outbox.StatePending {
		t.Errorf("after failed send: %+v", e)
	}
	// Without --until-empty, send runs until the timeout and succeeds.
	if code, _, stderr := kioskctl(t, "outbox", "send", "--data", dir, "--platform", url, "--timeout", "300ms"); code != 0 {
		t.Errorf("send without --until-empty: exit %d %s", code, stderr)
	}

	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"retry", "--data", dir, "1"}, 0, "entry 1 requeued\n"},
		{[]string{"retry", "--data", dir, "--all"}, 0, "entry 1 requeued\n1 entries requeued\n"},
		{[]string{"retry", "--data", dir, "99"}, 2, ""},
		{[]string{"retry", "--data", dir, "x"}, 2, ""},
		{[]string{"retry", "--data", dir}, 2, ""},
		{[]string{"purge", "--data", dir}, 0, "0 entries purged\n"}, // pending entries stay
	}
	for _, tt := range tests {
		code, out, stderr := kioskctl(t, append([]string{"outbox"}, tt.args...)...)
		if code != tt.code || out != tt.want {
			t.Errorf("%v: exit %d %q, want %d %q (%s)", tt.args, code, out, tt.code, tt.want, stderr)
		}
	}
	e = lsJSON(t, dir)[0]
	if e.Attempts != 0 || e.State != outbox.StatePending {
		t.Errorf("after retry: %+v", e)
	}
	sim.SetDown(false)
	if code, out, stderr := kioskctl(t, "outbox", "send", "--data", dir, "--platform", url, "--until-empty", "--timeout", "15s"); code != 0 {
		t.Fatalf("send after recovery: exit %d\n%s%s", code, out, stderr)
	}
	if len(sim.Cases()) != 1 {
		t.Errorf("%d cases, want 1", len(sim.Cases()))
	}
}

func TestOutboxUsage(t *testing.T) {
	dir, full := t.TempDir(), t.TempDir()
	if code, _, stderr := kioskctl(t, "outbox", "add", "--data", full, "--sample"); code != 0 {
		t.Fatal(stderr)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"outbox"}, "give one of add, send, ls, stats, retry, purge"},
		{[]string{"outbox", "frob", "--data", dir}, "unknown subcommand"},
		{[]string{"outbox", "ls", "--data", dir, "--db", dir + "/x.db"}, "not both"},
		{[]string{"outbox", "ls", "--data", filepath.Join(dir, "none")}, "does not exist"},
		{[]string{"outbox", "add", "--data", dir}, "--sample"},
		{[]string{"outbox", "add", "--data", dir, "--sample", "--item", "nope"}, "no item"},
		{[]string{"outbox", "send", "--data", dir}, "--platform"},
		{[]string{"outbox", "stats", "--data", dir}, "does not exist"}, // add without --sample made nothing
		{[]string{"outbox", "send", "--data", full, "--platform", "ftp://x"}, "http(s) URL"},
		{[]string{"outbox", "ls", "--data", dir, "--until-empty"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		code, _, stderr := kioskctl(t, tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

// A platform that echoes the applicant's name and ID number in its
// rejection: outbox send's log, outbox ls and ls --json show them masked.
func TestOutboxEchoedPersonalDataIsMasked(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	card := idcard.SampleCard()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		body, _ := json.Marshal(platform.Envelope{Code: 40001, Message: "申请人" + card.Name + "（" + card.Number + "）证件号码与姓名不符"})
		if err := platform.SignResponse(platform.DemoPlatformKey(), w.Header(), r, http.StatusBadRequest, body, time.Now()); err != nil {
			t.Error(err)
		}
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	if code, _, stderr := kioskctl(t, "outbox", "add", "--data", dir, "--sample"); code != 0 {
		t.Fatalf("outbox add: exit %d: %s", code, stderr)
	}
	code, out, stderr := kioskctl(t, "outbox", "send", "--data", dir, "--platform", srv.URL, "--until-empty", "--timeout", "15s")
	if code != 0 || !strings.Contains(out, "rejected 1") {
		t.Fatalf("outbox send: exit %d: %s %s", code, out, stderr)
	}
	_, ls, _ := kioskctl(t, "outbox", "ls", "--data", dir)
	entries := lsJSON(t, dir)
	if len(entries) != 1 || !strings.Contains(entries[0].LastError, "code 40001") ||
		!strings.Contains(entries[0].LastError, identity.MaskName(card.Name)) ||
		!strings.Contains(entries[0].LastError, identity.MaskNumber(card.Number)) {
		t.Fatalf("entries = %+v, want the code and the masked echo", entries)
	}
	for what, s := range map[string]string{"send's log": stderr, "outbox ls": ls, "outbox ls --json": entries[0].LastError} {
		if strings.Contains(s, card.Name) || strings.Contains(s, card.Number) {
			t.Errorf("%s holds personal data:\n%s", what, s)
		}
	}
	if !strings.Contains(stderr, "rejected") {
		t.Errorf("send's log = %q, want the rejection logged", stderr)
	}
}

// Every log line of kioskctl passes the masking handler.
func TestLoggerMasksIDNumbers(t *testing.T) {
	var b bytes.Buffer
	number := idcard.SampleCard().Number
	newLogger(&b, slog.LevelInfo).Warn("read "+number, "number", number, "err", errors.New("bad card "+number))
	if strings.Contains(b.String(), number) || strings.Count(b.String(), identity.MaskNumber(number)) != 3 {
		t.Errorf("log = %q, want the number masked three times", b.String())
	}
}
