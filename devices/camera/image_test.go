package camera

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"sckiosk/devices/device"
	"sckiosk/internal/logbuf"
)

// bombPNG is a valid PNG of a few dozen bytes whose header claims w×h
// 8-bit gray pixels, with an IDAT of a few zero bytes: a decoder that
// trusts the header allocates w·h bytes before it finds the data short.
func bombPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(data))))
		b.WriteString(typ)
		b.Write(data)
		b.Write(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(append([]byte(typ), data...))))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, 8, 0, 0, 0, 0) // 8-bit gray, deflate, no filter, no interlace
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 4))
	zw.Close()
	chunk("IHDR", ihdr)
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return b.Bytes()
}

// bombJPEG is a small valid gray JPEG whose frame header (SOF0) is patched
// to claim 65535×65535 pixels (4 GB of gray samples).
func bombJPEG(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 16, 16)), nil); err != nil {
		t.Fatal(err)
	}
	out := b.Bytes()
	sof := bytes.Index(out, []byte{0xFF, 0xC0})
	if sof < 0 {
		t.Fatal("no SOF0 in the encoded JPEG")
	}
	// FF C0, length (2), precision (1), height (2), width (2)
	binary.BigEndian.PutUint16(out[sof+5:], 65535)
	binary.BigEndian.PutUint16(out[sof+7:], 65535)
	return out
}

func encodePNG(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, w, h)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// An image whose header claims more than MaxImagePixels is refused from
// its header alone: quickly, and without allocating what it claims.
func TestDecodeImage(t *testing.T) {
	good := encodePNG(t, 320, 240)
	tests := []struct {
		name     string
		data     []byte
		tooLarge bool
		ok       bool
	}{
		{"png bomb 100000×100000", bombPNG(t, 100000, 100000), true, false},
		{"png bomb just above the limit", bombPNG(t, 10000, 5001), true, false},
		{"png bomb of extreme width", bombPNG(t, 1<<31-1, 1), true, false},
		{"jpeg bomb 65535×65535", bombJPEG(t), true, false},
		{"png", good, false, true},
		{"jpeg", encodeJPEG(t, 64, 48), false, true},
		{"png at the limit, data short", bombPNG(t, 1000, 1000), false, false},
		{"truncated png", good[:len(good)/2], false, false},
		{"not an image", []byte("hello, camera"), false, false},
		{"empty", nil, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			img, err := DecodeImage(bytes.NewReader(tt.data))
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if got := errors.Is(err, ErrImageTooLarge); got != tt.tooLarge {
				t.Fatalf("err = %v, want ErrImageTooLarge: %v", err, tt.tooLarge)
			}
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want success: %v", err, tt.ok)
			}
			if tt.ok && img.Bounds().Dx()*img.Bounds().Dy() == 0 {
				t.Fatalf("decoded an empty image")
			}
			if tt.tooLarge {
				if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
					t.Errorf("refusing it allocated %d MB", alloc>>20)
				}
				// A bound against decoding the pixels (minutes), not a
				// speed measurement: the allocation check above is the
				// precise one.
				if took > 30*time.Second {
					t.Errorf("refusing it took %v", took)
				}
				if !strings.Contains(err.Error(), "megapixels") {
					t.Errorf("err = %q, want it to name the limit", err)
				}
			}
		})
	}
}

func TestCheckPixels(t *testing.T) {
	tests := []struct {
		w, h int
		ok   bool
	}{
		{0, 0, true},
		{1920, 1080, true},
		{10000, 5000, true},
		{10000, 5001, false},
		{50_000_001, 1, false},
		{1 << 31, 1 << 31, false},
		{-1, 10, false},
	}
	for _, tt := range tests {
		if err := checkPixels(tt.w, tt.h); (err == nil) != tt.ok {
			t.Errorf("checkPixels(%d, %d) = %v, want ok %v", tt.w, tt.h, err, tt.ok)
		}
	}
}

// LoadGray, the CLI's and the scanner simulator's way in, refuses a bomb.
func TestLoadGrayRefusesBomb(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bomb.png")
	if err := os.WriteFile(path, bombPNG(t, 100000, 100000), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadGray(path); !errors.Is(err, ErrImageTooLarge) || !strings.Contains(err.Error(), "bomb.png") {
		t.Fatalf("LoadGray = %v, want ErrImageTooLarge naming the file", err)
	}
}

// The simulated camera removes and logs an image bomb shown to it and
// keeps running: the next code is seen.
func TestDirSourceSkipsBomb(t *testing.T) {
	dir := t.TempDir()
	var logs logbuf.Buffer
	dev := NewDevice(func(context.Context) (Source, error) {
		s, err := NewDirSource(dir)
		if err != nil {
			return nil, err
		}
		s.Hold, s.Poll = 300*time.Millisecond, 10*time.Millisecond
		return s, nil
	}, PipelineOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	events := make(chan Event, 8)
	statuses := make(chan device.Status, 8)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- dev.Session(events)(ctx, func(s device.Status) { statuses <- s }) }()
	defer func() { cancel(); <-done }()
	<-statuses

	// Written aside and renamed, as showCode does: the source must not
	// see the file half-written.
	if err := os.WriteFile(filepath.Join(dir, "000.tmp"), bombPNG(t, 100000, 100000), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "000.tmp"), filepath.Join(dir, "000.png")); err != nil {
		t.Fatal(err)
	}
	showCode(t, dir, "001", "TFTB:1:after-the-bomb")
	select {
	case ev := <-events:
		if ev.Text != "TFTB:1:after-the-bomb" {
			t.Fatalf("code = %q", ev.Text)
		}
	case err := <-done:
		t.Fatalf("session ended: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("no code seen after the bomb")
	}
	if _, err := os.Stat(filepath.Join(dir, "000.png")); !os.IsNotExist(err) {
		t.Errorf("the bomb was left in the directory: %v", err)
	}
	if s := logs.String(); !strings.Contains(s, "image refused") || !strings.Contains(s, "000.png") || !strings.Contains(s, "image too large") {
		t.Errorf("log = %q, want the refused file named with the reason", s)
	}
}
