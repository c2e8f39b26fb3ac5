package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"

	"sckiosk/devices/printer/escpos"
	"sckiosk/devices/printer/printersim"
	"sckiosk/devices/serialport"
	"sckiosk/internal/logbuf"
)

// TestPrinterTest runs `kioskctl printer test` against the simulator in
// every state: a ready printer (near end only warns) prints the test page
// and exits 0; any other exits 1 naming the cause and gets no print data.
func TestPrinterTest(t *testing.T) {
	tests := []struct {
		state  printersim.SimState
		code   int
		output string // in stdout (exit 0) or stderr (exit 1)
	}{
		{printersim.StateOK, 0, "test receipt printed"},
		{printersim.StateNearEnd, 0, "纸将尽"},
		{printersim.StatePaperEnd, 1, "缺纸"},
		{printersim.StateCoverOpen, 1, "开盖"},
		{printersim.StateCutterError, 1, "切刀故障"},
		{printersim.StateOffline, 1, "离线"},
	}
	for _, tt := range tests {
		t.Run(string(tt.state), func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sim, p, err := printersim.StartPty(ctx, printersim.SimOptions{Paper: escpos.Paper58, Baud: 115200}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if err := sim.SetState(tt.state); err != nil {
				t.Fatal(err)
			}
			got := make(chan printersim.Receipt, 1)
			sim.OnReceipt(func(r printersim.Receipt) { got <- r })
			code, out, stderr := kioskctl(t, "printer", "test", "--port", p.SlavePath, "--paper", "58", "--hall", "成都市武侯区政务服务中心")
			if code != tt.code {
				t.Fatalf("exit %d, want %d: %s %s", code, tt.code, out, stderr)
			}
			if msg := map[int]string{0: out, 1: stderr}[code]; !strings.Contains(msg, tt.output) {
				t.Fatalf("output lacks %q:\nstdout %s\nstderr %s", tt.output, out, stderr)
			}
			if code != 0 {
				if st := sim.Stats(); st.DataBytes != 0 || st.Receipts != 0 {
					t.Fatalf("print data sent to a printer that was not ready: %+v", st)
				}
				if strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
					t.Errorf("stderr is not one line: %q", stderr)
				}
				return
			}
			select {
			case r := <-got:
				for _, want := range []string{"打印测试", "成都市武侯区政务服务中心", "中文：", "ASCII: 0123456789"} {
					if !strings.Contains(r.Text, want) {
						t.Errorf("test receipt lacks %q:\n%s", want, r.Text)
					}
				}
				if len(r.QR) != 1 || r.QR[0] != "KIOSKCTL-PRINT-TEST" {
					t.Errorf("QR %q", r.QR)
				}
				if !bytes.HasSuffix(r.Raw, []byte{0x1D, 'V', 66, 0}) {
					t.Error("no cut at the end")
				}
			case <-time.After(15 * time.Second):
				t.Fatal("no receipt")
			}
		})
	}
}

func TestPrinterUsageErrors(t *testing.T) {
	dir := t.TempDir()
	tests := [][]string{
		{"printer"},
		{"printer", "print"},
		{"printer", "test"},
		{"printer", "test", "--port", "/dev/does-not-exist"},
		{"printer", "test", "--port", "/dev/null", "--paper", "60"},
		{"printer", "test", "--port", "/dev/null", "--baud", "0"},
		{"printer", "test", "--port", "/dev/null", "--bogus"},
		{"sim", "printer", "--state", "jammed", "--out", dir},
		{"sim", "printer", "--paper", "76", "--out", dir},
		{"sim", "printer", "--out", filepath.Join(dir, "missing")},
		{"sim", "printer", "--baud", "-1", "--out", dir},
	}
	for _, args := range tests {
		code, _, stderr := kioskctl(t, args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr)
		}
		if strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: stderr is not one line: %q", args, stderr)
		}
	}
}

// TestSimPrinterWritesPNG runs `kioskctl sim printer`, prints the test page
// to it with `kioskctl printer test`, and reads the QR back from the PNG.
func TestSimPrinterWritesPNG(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "printer")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb logbuf.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"sim", "printer", "--out", dir, "--link", link, "--paper", "80"}, &out, &errb)
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("sim exit %d: %s", code, errb.String())
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "simulator on") {
		if time.Now().After(deadline) {
			t.Fatalf("simulator did not start: %s %s", out.String(), errb.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code, o, e := kioskctl(t, "printer", "test", "--port", link); code != 0 {
		t.Fatalf("printer test exit %d: %s %s", code, o, e)
	}
	name := filepath.Join(dir, "receipt-001.png")
	for !strings.Contains(out.String(), "receipt printed: "+name) {
		if time.Now().After(deadline) {
			t.Fatalf("no receipt PNG: %s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != escpos.Paper80.Dots() {
		t.Errorf("PNG %d dots wide", img.Bounds().Dx())
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil || res.GetText() != "KIOSKCTL-PRINT-TEST" {
		t.Fatalf("QR in the PNG: %v %v", res, err)
	}
}

// `kioskctl sim printer` names the barcodes it printed and what it did not
// render (PDF417 here) under each receipt.
func TestSimPrinterSaysWhatItDidNotRender(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "printer")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb logbuf.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"sim", "printer", "--out", dir, "--link", link, "--paper", "80"}, &out, &errb)
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("sim exit %d: %s", code, errb.String())
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "simulator on") {
		if time.Now().After(deadline) {
			t.Fatalf("simulator did not start: %s %s", out.String(), errb.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	p, err := serialport.Open(link, 115200)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	job := []byte("\x1dH\x02\x1dk\x49\x06{BSC01\n\x1d(k\x03\x000Q0\x1dV\x00")
	if _, err := p.Write(job); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`barcode CODE128 "SC01"`, "not rendered: PDF417"} {
		for !strings.Contains(out.String(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("output lacks %q:\n%s", want, out.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
