package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"sckiosk/devices/device"
	"sckiosk/devices/scanner"
)

func TestSimScannerShowsCodesFromFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("TFTB:1:from-text\n\n"), 0o644)
	if err := qrcode.WriteFile("TFTB:1:from-image", qrcode.Medium, 256, filepath.Join(dir, "b.png")); err != nil {
		t.Fatal(err)
	}
	codes, err := codesIn(dir)
	if err != nil || strings.Join(codes, ",") != "TFTB:1:from-text,TFTB:1:from-image" {
		t.Fatalf("codes %v, %v", codes, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	link := filepath.Join(t.TempDir(), "scanner")
	go simScanner(ctx, []string{"--codes", dir, "--every", "50ms", "--link", link, "--trigger", "gm65"}, io.Discard, nil)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(link); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("simulator never linked its pty")
		}
		time.Sleep(10 * time.Millisecond)
	}
	events := make(chan scanner.Event, 8)
	d := scanner.New(scanner.Options{Port: link, Trigger: scanner.TriggerGM65, Rearm: 50 * time.Millisecond, Dedup: time.Hour},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	go d.Session(events)(ctx, func(device.Status) {})
	seen := map[string]bool{}
	for len(seen) < 2 {
		select {
		case ev := <-events:
			seen[ev.Text] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("codes seen: %v", seen)
		}
	}
	if !seen["TFTB:1:from-text"] || !seen["TFTB:1:from-image"] {
		t.Fatalf("codes seen: %v", seen)
	}
	if code, _, _ := kioskctl(t, "sim", "scanner", "--trigger", "zebra"); code != 2 {
		t.Fatalf("bad trigger: exit %d", code)
	}
}
