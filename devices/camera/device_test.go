package camera

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"sckiosk/devices/device"
)

// showCode writes a QR image of text into dir as the simulator does: under
// a temporary name, then renamed, so the source never sees half a file.
func showCode(t *testing.T, dir, name, text string) {
	t.Helper()
	tmp := filepath.Join(dir, name+".tmp")
	if err := qrcode.WriteFile(text, qrcode.Medium, 320, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name+".png")); err != nil {
		t.Fatal(err)
	}
}

func TestDeviceSessionFromDirectory(t *testing.T) {
	dir := t.TempDir()
	dev := NewDevice(func(context.Context) (Source, error) {
		s, err := NewDirSource(dir)
		if err != nil {
			return nil, err
		}
		s.Hold, s.Poll = 300*time.Millisecond, 20*time.Millisecond
		return s, nil
	}, PipelineOptions{Dedup: time.Minute})
	events := make(chan Event, 8)
	statuses := make(chan device.Status, 8)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- dev.Session(events)(ctx, func(s device.Status) { statuses <- s }) }()
	if st := <-statuses; st.State != device.Online || st.Kind != DeviceName {
		t.Fatalf("status = %v", st)
	}
	next := func() string {
		t.Helper()
		select {
		case ev := <-events:
			return ev.Text
		case <-time.After(5 * time.Second):
			t.Fatal("no code seen")
		}
		return ""
	}
	showCode(t, dir, "001", "TFTB:1:first")
	if got := next(); got != "TFTB:1:first" {
		t.Fatalf("code = %q", got)
	}
	// Held in view for many frames: still one event.
	time.Sleep(400 * time.Millisecond)
	select {
	case ev := <-events:
		t.Fatalf("repeat event %q", ev.Text)
	default:
	}
	// Within the dedup window the same code is suppressed, until the visit
	// ends and the device forgets it.
	dev.Forget()
	showCode(t, dir, "002", "TFTB:1:first")
	if got := next(); got != "TFTB:1:first" {
		t.Fatalf("after Forget: %q", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "001.png")); !os.IsNotExist(err) {
		t.Errorf("shown image left on disk: %v", err)
	}
	// The camera goes away: the session ends with an error, for the
	// supervisor to report and reopen.
	os.RemoveAll(dir)
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("session ended without an error")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("session did not notice the camera went away")
	}
}

func TestOpenFailureIsAnError(t *testing.T) {
	dev := NewDevice(func(context.Context) (Source, error) { return NewDirSource("/nonexistent/camera") }, PipelineOptions{})
	err := dev.Session(make(chan Event))(context.Background(), func(device.Status) {})
	if err == nil {
		t.Fatal("no error")
	}
}
