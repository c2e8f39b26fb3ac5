package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	qrcode "github.com/skip2/go-qrcode"
)

func TestQRMakeDecodeVerify(t *testing.T) {
	dir := t.TempDir()
	kinds := map[string]string{"app": "app", "health": "app", "licence": "licence", "receipt": "receipt"}
	var files []string
	for k := range kinds {
		f := filepath.Join(dir, k+".png")
		if code, _, stderr := kioskctl(t, "qr", "make", "--kind", k, "--out", f); code != 0 {
			t.Fatalf("qr make %s: exit %d: %s", k, code, stderr)
		}
		files = append(files, f)
	}
	code, out, stderr := kioskctl(t, append([]string{"qr", "decode", "--json"}, files...)...)
	if code != 0 {
		t.Fatalf("qr decode: exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(files) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(files), out)
	}
	for _, l := range lines {
		var d decodeLine
		if err := json.Unmarshal([]byte(l), &d); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		k := strings.TrimSuffix(filepath.Base(d.File), ".png")
		if !d.OK || d.Kind != kinds[k] || d.Text == "" {
			t.Errorf("%s: %+v", k, d)
		}
	}
	for k := range kinds {
		code, out, stderr := kioskctl(t, "qr", "verify", "--file", filepath.Join(dir, k+".png"))
		if code != 0 || !strings.Contains(out, "valid:  true") {
			t.Errorf("qr verify %s: exit %d: %s %s", k, code, out, stderr)
		}
	}
}

func TestQRDecodeEmptyFails(t *testing.T) {
	f := filepath.Join(t.TempDir(), "blank.png")
	img := image.NewGray(image.Rect(0, 0, 200, 100))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	img.SetGray(5, 5, color.Gray{Y: 10})
	w, err := os.Create(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(w, img); err != nil {
		t.Fatal(err)
	}
	w.Close()
	code, out, _ := kioskctl(t, "qr", "decode", "--json", f)
	if code != 1 || !strings.Contains(out, `"ok":false`) {
		t.Fatalf("exit %d, out %s; want 1 and ok false", code, out)
	}
}

func TestQRVerifyText(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		output string
	}{
		{[]string{"--text", "https://evil.example/pay"}, 1, "非政务网站"},
		{[]string{"--text", "hello"}, 1, "无法识别的二维码"},
		{[]string{"--text", "TFTB:1:0123456789abcdef01234567:0011223344556677"}, 0, "kind:   app"},
		{[]string{"--text", "http://127.0.0.1:9/track/SC1", "--track-host", "127.0.0.1:9"}, 0, "kind:   receipt"},
		{[]string{"--text", "https://www.gsxt.gov.cn/x", "--json"}, 0, `"kind":"business"`},
		{[]string{}, 2, ""},
		{[]string{"--text", "a", "--file", "b"}, 2, ""},
	}
	for _, tt := range tests {
		code, out, _ := kioskctl(t, append([]string{"qr", "verify"}, tt.args...)...)
		if code != tt.code || !strings.Contains(out, tt.output) {
			t.Errorf("qr verify %v: exit %d, out %q; want %d, %q", tt.args, code, out, tt.code, tt.output)
		}
	}
	if code, _, _ := kioskctl(t, "qr", "make", "--kind", "toaster", "--out", "x.png"); code != 2 {
		t.Errorf("qr make --kind toaster: exit %d, want 2", code)
	}
}

// bombPNG is a real QR code's PNG whose header is patched to claim w×h
// pixels: a few hundred bytes that would make a trusting decoder allocate
// gigabytes.
func bombPNG(t *testing.T, w, h uint32) []byte {
	t.Helper()
	b, err := qrcode.Encode("TFTB:1:bomb", qrcode.Medium, 64)
	if err != nil {
		t.Fatal(err)
	}
	// signature (8), IHDR length (4) and type (4), width, height, ...
	if !bytes.Equal(b[12:16], []byte("IHDR")) {
		t.Fatal("no IHDR first")
	}
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// An image whose header claims more than 50 megapixels is refused from
// its header, with one line and exit code 2, by every command that reads
// images.
func TestImageBombsExitTwo(t *testing.T) {
	dir := t.TempDir()
	bomb := filepath.Join(dir, "bomb.png")
	if err := os.WriteFile(bomb, bombPNG(t, 100000, 100000), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(t.TempDir(), "good.png")
	if code, _, stderr := kioskctl(t, "qr", "make", "--kind", "app", "--out", good); code != 0 {
		t.Fatalf("qr make: exit %d: %s", code, stderr)
	}
	tests := [][]string{
		{"qr", "decode", bomb},
		{"qr", "decode", "--json", good, bomb},
		{"qr", "verify", "--file", bomb},
		{"sim", "scanner", "--codes", dir},
	}
	for _, args := range tests {
		start := time.Now()
		code, _, stderr := kioskctl(t, args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr)
		}
		if !strings.Contains(stderr, "image too large") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: stderr %q, want one line saying the image is too large", args, stderr)
		}
		// A bound against decoding the pixels, not a speed measurement.
		if d := time.Since(start); d > 60*time.Second {
			t.Errorf("%v: took %v", args, d)
		}
	}
}
