package render

import (
	"bytes"
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"sckiosk/devices/printer/escpos"
	"sckiosk/devices/printer/internal/printertest"
	"sckiosk/kiosk/core/receipt"
)

var (
	sampleOut    = flag.String("out", "", "TestRenderSample writes the sample receipt PNG here")
	samplePaper  = flag.Int("paper", 58, "TestRenderSample paper width in mm (58 or 80)")
	sampleRaster = flag.Bool("raster", false, "TestRenderSample sends the QR as a raster image")
)

func TestRender(t *testing.T) {
	for _, p := range []escpos.Paper{escpos.Paper58, escpos.Paper80} {
		job, err := escpos.EncodeReceipt(printertest.SampleCase(), escpos.EncodeOptions{Paper: p})
		if err != nil {
			t.Fatal(err)
		}
		b, err := StreamPNG(job, p)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds().Dx() != p.Dots() || img.Bounds().Dy() < 400 {
			t.Errorf("%s: image %v", p, img.Bounds())
		}
		if got := printertest.DecodeImage(t, img); got != "https://zwfw.sc.gov.cn/track?c=SC20261125000123" {
			t.Errorf("%s: QR reads %q", p, got)
		}
		if err := os.WriteFile(filepath.Join(t.TempDir(), "receipt.png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Stream(nil, 60); err == nil {
		t.Error("unknown paper accepted")
	}
	// Two receipts render on one strip with a cut mark between them.
	one, _ := escpos.EncodeReceipt(receipt.Document{Blocks: []receipt.Block{{Kind: receipt.Text, Text: "一"}}}, escpos.EncodeOptions{})
	single, _ := Stream(one, escpos.Paper58)
	double, _ := Stream(append(append([]byte(nil), one...), one...), escpos.Paper58)
	if double.Bounds().Dy() <= 2*single.Bounds().Dy()-2*PageMargin {
		t.Errorf("two receipts %d high, one %d", double.Bounds().Dy(), single.Bounds().Dy())
	}
}

// TestRenderSample writes the sample receipt for a person to look at:
//
//	go test ./devices/printer/render -run TestRenderSample -args -out /tmp/receipt.png [-paper 80] [-raster]
func TestRenderSample(t *testing.T) {
	if *sampleOut == "" {
		t.Skip("no -out given")
	}
	opt := escpos.EncodeOptions{Paper: escpos.Paper(*samplePaper)}
	if *sampleRaster {
		opt.QRMode = escpos.QRRaster
	}
	job, err := escpos.EncodeReceipt(printertest.SampleCase(), opt)
	if err != nil {
		t.Fatal(err)
	}
	b, err := StreamPNG(job, opt.Paper)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(*sampleOut, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", *sampleOut, len(b))
}

func BenchmarkRender(b *testing.B) {
	job, err := escpos.EncodeReceipt(printertest.SampleCase(), escpos.EncodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("StreamPNG", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := StreamPNG(job, escpos.Paper58); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The tracking code survives the whole path to the on-screen copy:
// receipt document, encoder, renderer, PNG, gozxing.
func TestRenderDocumentQRRoundTrip(t *testing.T) {
	rd, err := New()
	if err != nil {
		t.Fatal(err)
	}
	doc := printertest.SampleCase()
	want := "https://zwfw.sc.gov.cn/track?c=SC20261125000123"
	for _, opt := range []escpos.EncodeOptions{{}, {Paper: escpos.Paper80}, {Paper: escpos.Paper80, QRMode: escpos.QRRaster}} {
		t.Run(opt.Paper.String()+"-"+opt.QRMode.String(), func(t *testing.T) {
			b, err := rd.RenderDocumentPNG(doc, opt)
			if err != nil {
				t.Fatal(err)
			}
			img, err := decodePNG(b)
			if err != nil {
				t.Fatal(err)
			}
			p := opt.Paper
			if p == 0 {
				p = escpos.Paper58
			}
			if img.Bounds().Dx() != p.Dots() {
				t.Errorf("width %d", img.Bounds().Dx())
			}
			if got := printertest.DecodeImage(t, img); got != want {
				t.Errorf("QR reads %q, want %q", got, want)
			}
		})
	}
	if _, err := rd.RenderDocument(doc, escpos.EncodeOptions{Paper: 76}); err == nil {
		t.Error("bad paper accepted")
	}
	img, err := Document(doc, escpos.EncodeOptions{})
	if err != nil || printertest.DecodeImage(t, img) != want {
		t.Errorf("package Document: %v", err)
	}
}

func decodePNG(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }

// BenchmarkRenderDocument compares the on-screen copy with a kept Renderer
// (font parsed once) against the one-off Document (parsed per call).
func BenchmarkRenderDocument(b *testing.B) {
	doc := printertest.SampleCase()
	opt := escpos.EncodeOptions{Paper: escpos.Paper80}
	b.Run("kept-renderer", func(b *testing.B) {
		rd, err := New()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := rd.RenderDocument(doc, opt); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("one-off", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Document(doc, opt); err != nil {
				b.Fatal(err)
			}
		}
	})
}
