package main

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"

	"sckiosk/devices/camera"
)

// TestQRMakeWholeModules: whatever --size, qr make draws every module, and
// the quiet zone, as whole pixels (at least 2 a module), as near the size
// asked as that allows, and the kiosk's decoder (and zbar, when
// installed) reads it. go-qrcode's own scaling left modules of uneven
// width that neither read below about 110 px.
func TestQRMakeWholeModules(t *testing.T) {
	dir := t.TempDir()
	zbar, _ := exec.LookPath("zbarimg")
	dec := camera.NewDecoder(camera.DecoderOptions{})
	said := regexp.MustCompile(`, (\d+)×(\d+) px, (\d+) px a module\n$`)
	for _, kind := range []string{"app", "licence"} { // 57 and 45 modules
		for size := 60; size <= 200; size++ {
			f := filepath.Join(dir, fmt.Sprintf("%s-%d.png", kind, size))
			code, out, stderr := kioskctl(t, "qr", "make", "--kind", kind, "--out", f, "--size", fmt.Sprint(size))
			if code != 0 {
				t.Fatalf("qr make --size %d: exit %d: %s", size, code, stderr)
			}
			fr, err := camera.LoadGray(f)
			if err != nil {
				t.Fatal(err)
			}
			res, err := dec.Decode(fr)
			if err != nil {
				t.Errorf("%s --size %d: the kiosk's decoder: %v", kind, size, err)
				continue
			}
			q, err := qrcode.New(res.Text, qrcode.Medium)
			if err != nil {
				t.Fatal(err)
			}
			modules := q.Bitmap()
			n := len(modules)
			px := fr.Width / n
			if fr.Width != fr.Height || fr.Width%n != 0 || px < 2 || px != max(2, (size+n/2)/n) {
				t.Fatalf("%s --size %d: %d×%d px for %d modules", kind, size, fr.Width, fr.Height, n)
			}
			for y := range fr.Height {
				for x := range fr.Width {
					if dark := fr.Pix[y*fr.Stride+x] < 128; dark != modules[y/px][x/px] {
						t.Fatalf("%s --size %d: pixel %d,%d is not its module's colour", kind, size, x, y)
					}
				}
			}
			if m := said.FindStringSubmatch(out); m == nil || m[1] != fmt.Sprint(fr.Width) || m[3] != fmt.Sprint(px) {
				t.Errorf("%s --size %d: output %q, made %d px, %d a module", kind, size, out, fr.Width, px)
			}
			if zbar != "" && size%10 == 0 {
				got, err := exec.Command(zbar, "-q", "--raw", f).Output()
				if err != nil || strings.TrimSpace(string(got)) != res.Text {
					t.Errorf("%s --size %d: zbarimg: %q, %v", kind, size, got, err)
				}
			}
		}
	}
}

// TestQRDecodeTransparentBackground: a code saved as an RGBA PNG with
// black modules on a transparent ground (as design tools export them) is
// read: the transparent pixels count as white, not black.
func TestQRDecodeTransparentBackground(t *testing.T) {
	const text = "TFTB:1:0123456789abcdef01234567:0011223344556677"
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	modules := q.Bitmap()
	const px = 4
	img := image.NewNRGBA(image.Rect(0, 0, len(modules)*px, len(modules)*px)) // all transparent
	for y := range img.Rect.Dy() {
		for x := range img.Rect.Dx() {
			if modules[y/px][x/px] {
				img.Set(x, y, color.NRGBA{A: 0xFF})
			}
		}
	}
	f := filepath.Join(t.TempDir(), "transparent.png")
	w, err := os.Create(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(w, img); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(f); len(b) < 26 || b[25] != 6 { // IHDR colour type 6: RGBA
		t.Fatalf("not an RGBA PNG")
	}
	code, out, stderr := kioskctl(t, "qr", "decode", "--json", f)
	var d decodeLine
	if err := json.Unmarshal([]byte(out), &d); code != 0 || err != nil || !d.OK || d.Text != text {
		t.Fatalf("exit %d, %s %s", code, out, stderr)
	}
}
