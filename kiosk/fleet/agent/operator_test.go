package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sckiosk/kiosk/adapters/audit"
	"sckiosk/kiosk/fleet"
)

// The hall operator a command names goes into the kiosk's SM3 audit
// chain: on the accepted or refused command, and on the profile change it
// made, through the restart that keeps it.
func TestOperatorInAuditChain(t *testing.T) {
	r := newPushRig(t)
	dir := t.TempDir()
	log, err := audit.Open(dir, time.Now, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	record := func(kind audit.Kind, msg string, f map[string]string) {
		if _, err := log.Append(kind, "kiosk", msg, f); err != nil {
			t.Errorf("audit: %v", err)
		}
	}
	h := r.handler()
	h.Record = record
	c := fleet.Command{ID: fleet.NewCommandID(), Kiosk: "SC-0001", Action: fleet.ActionProfile, Issuer: "hallserver@510107/wuhou",
		Operator: "li.wei", Profile: "ui:\n  idle_timeout: 120s\n"}
	h.RecordCommand(c, nil)
	h.RecordCommand(fleet.Command{ID: "x", Action: fleet.ActionRestart, Operator: "zhang.san"}, errors.New("fleet: command expired"))
	if rep := h.Handle(context.Background(), c); !rep.OK {
		t.Fatalf("push refused: %+v", rep)
	}
	select {
	case <-r.restarts:
	case <-time.After(10 * time.Second):
		t.Fatal("no restart after the push")
	}
	h = r.handler() // the restarted kiosk
	h.Record = record
	h.CheckPending(context.Background())

	if n, err := audit.Verify(dir); err != nil || n != 4 {
		t.Fatalf("audit.Verify = %d, %v; want 4 entries in an intact chain", n, err)
	}
	f, err := os.Open(filepath.Join(dir, audit.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := []struct{ msg, operator string }{
		{"fleet command accepted", "li.wei"},
		{"fleet command refused", "zhang.san"},
		{"fleet profile written; restarting to apply it", "li.wei"},
		{"fleet profile kept: self-test passed", "li.wei"},
	}
	sc := bufio.NewScanner(f)
	for i := 0; sc.Scan(); i++ {
		var e audit.Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		if i >= len(want) || e.Msg != want[i].msg || e.Fields["operator"] != want[i].operator {
			t.Errorf("entry %d: %q operator %q", i, e.Msg, e.Fields["operator"])
		}
	}
}
