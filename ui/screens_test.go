package ui

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"sckiosk/devices/printer/escpos"
	"sckiosk/devices/printer/render"
	"sckiosk/kiosk/core/receipt"
	"sckiosk/kiosk/core/session"
)

// Every screen, portrait and landscape, matches its golden image in
// testdata/. Goldens change on purpose only: a failing run writes
// testdata/failed/.
func TestScreensMatchGoldens(t *testing.T) {
	test.NewTempApp(t)
	dict, err := LoadDict()
	if err != nil {
		t.Fatal(err)
	}
	render := receiptRenderer(t)
	for _, o := range []struct {
		dir       string
		size      fyne.Size
		landscape bool
	}{{"portrait", Portrait, false}, {"landscape", Landscape, true}} {
		for name, s := range DemoStates() {
			t.Run(o.dir+"/"+name, func(t *testing.T) {
				k := NewKiosk(func(session.Event) {})
				k.Landscape, k.Dict, k.RenderReceipt = o.landscape, dict, render
				useTheme(k, s.Elder, o.landscape)
				w := test.NewWindow(k.Content())
				defer w.Close()
				w.Resize(o.size)
				k.Show(s)
				assertGolden(t, o.dir+"/"+name+".png", w.Canvas().Capture())
			})
		}
	}
}

// useTheme applies the theme a state needs before anything is drawn, so a
// theme switch never happens half-way through a render.
func useTheme(k *Kiosk, elder, landscape bool) {
	th := NewTheme()
	if elder {
		th.Scale, th.HighContrast = elderScale(landscape), true
	}
	fyne.CurrentApp().Settings().SetTheme(th)
	k.elder = elder
}

// assertGolden compares img with testdata/name. On a mismatch it writes
// the new image to testdata/failed/name and reports how many pixels
// differ, not the pixels themselves.
func assertGolden(t *testing.T, name string, img image.Image) {
	t.Helper()
	want, err := readPNG(filepath.Join("testdata", name))
	if err == nil {
		if n := diffPixels(want, img); n == 0 {
			return
		} else {
			t.Errorf("%s: %d pixels differ from the golden image", name, n)
		}
	} else {
		t.Errorf("%s: no golden image: %v", name, err)
	}
	out := filepath.Join("testdata", "failed", name)
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err == nil {
		if f, err := os.Create(out); err == nil {
			png.Encode(f, img)
			f.Close()
			t.Logf("new image written to %s; copy it over the golden if the change is intended", out)
		}
	}
}

func readPNG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return png.Decode(f)
}

func diffPixels(a, b image.Image) int {
	if a.Bounds() != b.Bounds() {
		return a.Bounds().Dx()*a.Bounds().Dy() + 1
	}
	n := 0
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				n++
			}
		}
	}
	return n
}

// receiptRenderer draws receipts the way cmd/kiosk does, through the
// printer's own encoder and renderer.
func receiptRenderer(t *testing.T) func(receipt.Document) (image.Image, error) {
	r, err := render.New()
	if err != nil {
		t.Fatal(err)
	}
	return func(d receipt.Document) (image.Image, error) {
		return r.RenderDocument(d, escpos.EncodeOptions{Paper: escpos.Paper80})
	}
}
