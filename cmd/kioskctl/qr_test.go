package main

import (
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
