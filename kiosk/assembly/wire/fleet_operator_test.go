package wire

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sckiosk/kiosk/adapters/audit"
	"sckiosk/kiosk/fleet"
	"sckiosk/kiosk/fleet/hall"
)

// A command a hall operator asked for reaches the real kiosk signed with
// the operator's name, and the kiosk's SM3 audit chain says who it was.
func TestFleetCommandOperatorInAudit(t *testing.T) {
	f := newFleetRig(t)
	f.start()
	defer f.stop()
	f.waitFor("online", func(v hall.KioskView) bool { return v.Status == hall.Online })
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	id, r, err := f.hall.SendBy(ctx, "li.wei", f.key(), fleet.ActionSelfTest, "", true)
	if err != nil || r == nil {
		t.Fatalf("self-test: %+v, %v", r, err)
	}
	dir := f.kiosk.Profile.DataDir
	if _, err := audit.Verify(dir); err != nil {
		t.Fatalf("the audit chain: %v", err)
	}
	file, err := os.Open(filepath.Join(dir, audit.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	sc.Buffer(nil, 1<<20)
	found := false
	for sc.Scan() {
		var e audit.Entry
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Fields["id"] == id {
			found = e.Msg == "fleet command accepted" && e.Fields["operator"] == "li.wei"
			if !found {
				t.Errorf("entry of the command: %+v", e)
			}
		}
	}
	if !found {
		t.Errorf("no audit entry names li.wei for command %s", id)
	}
}
