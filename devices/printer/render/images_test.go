package render

import (
	"encoding/binary"
	"image"
	"slices"
	"strings"
	"testing"

	"sckiosk/devices/printer/escpos"
	"sckiosk/devices/printer/internal/printertest"
)

// dots reads back the black dots of a rendered strip in the rectangle r
// of the paper (page margin left out) as rows of '#' and '.'.
func dots(img image.Image, r image.Rectangle) []string {
	var rows []string
	for y := r.Min.Y; y < r.Max.Y; y++ {
		var b strings.Builder
		for x := r.Min.X; x < r.Max.X; x++ {
			if g, _, _, _ := img.At(x, y+PageMargin).RGBA(); g < 0x8000 {
				b.WriteByte('#')
			} else {
				b.WriteByte('.')
			}
		}
		rows = append(rows, b.String())
	}
	return rows
}

// Raster and bit images land on the paper dot for dot as a 203-dpi
// printer puts them: GS v 0 (bytes a row, scaled by m), GS ( L fn 112 /
// fn 50 (dots a row, scaled by bx by), ESC * in each of its four modes
// (2×3, 1×3, 2×1, 1×1 dots a bit) inside the line.
func TestImagesDotForDot(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want []string // the top-left corner of the paper
	}{
		{"GS v 0 normal", "1D 76 30 00 01 00 02 00 A0 41", []string{
			"#.#.......", ".#.....#..", "..........",
		}},
		{"GS v 0 double width and height", "1D 76 30 03 01 00 02 00 A0 41", []string{
			"##..##....", "##..##....", "..##......", "..##......", "..........",
		}},
		{"GS ( L fn 112 then fn 50", "1D 28 4C 0C 00 30 70 30 01 01 31 03 00 02 00 A0 40 1D 28 4C 02 00 30 32", []string{
			"#.#.......", ".#........", "..........",
		}},
		{"GS ( L scaled bx 2", "1D 28 4C 0B 00 30 70 30 02 01 31 03 00 01 00 A0 1D 28 4C 02 00 30 32", []string{
			"##..##....", "..........",
		}},
		{"GS 8 L", "1D 38 4C 0B 00 00 00 30 70 30 01 01 31 03 00 01 00 E0 1D 28 4C 02 00 30 32", []string{
			"###.......", "..........",
		}},
		// NV graphics "A1", 3×1 dots, defined then printed twice as wide
		{"GS ( L fn 67 then fn 69", "1D 28 4C 0C 00 30 43 30 41 31 01 31 03 00 01 00 A0 1D 28 4C 06 00 30 45 41 31 02 01", []string{
			"##..##....", "..........",
		}},
		// mode 33: 24-dot columns, 1×1: column 1 top bit, column 2 the
		// second bit, column 3 all of its first byte
		{"ESC * 33", "1B 2A 21 03 00 80 00 00 40 00 00 FF 00 00 0A", []string{
			"#.#.", ".##.", "..#.", "..#.", "..#.", "..#.", "..#.", "..#.", "....",
		}},
		{"ESC * 0: 2×3 dots a bit", "1B 2A 00 02 00 80 40 0A", []string{
			"##..", "##..", "##..", "..##", "..##", "..##", "....",
		}},
		{"ESC * 1: 1×3", "1B 2A 01 02 00 80 40 0A", []string{
			"#...", "#...", "#...", ".#..", ".#..", ".#..", "....",
		}},
		{"ESC * 32: 2×1", "1B 2A 20 01 00 A0 00 00 0A", []string{
			"##..", "....", "##..", "....",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := renderStream(t, printertest.Unhex(t, tt.raw))
			r := image.Rect(0, 0, len(tt.want[0]), len(tt.want))
			if got := dots(img, r); !slices.Equal(got, tt.want) {
				t.Fatalf("paper\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// An ESC * stripe prints with its line, which feeds the line spacing or
// the stripe's height, whichever is more: python-escpos's ESC 3 16 stripes
// abut; text on the same line shares it; a stripe wider than the line's
// room is cut.
func TestBitImageJoinsTheLine(t *testing.T) {
	stripe := "1B 2A 21 02 00 FF FF FF FF FF FF 0A"
	sh := sheetOf(t, printertest.Unhex(t, "1B 33 10 "+stripe+stripe+"1B 32 "+stripe))
	if sh.height != 24+24+30 {
		t.Errorf("three stripes fed %d dots, want 24+24+30", sh.height)
	}
	sh = sheetOf(t, printertest.Unhex(t, "41 1B 2A 21 02 00 FF FF FF FF FF FF 42 0A"))
	if sh.Text() != "AB" || len(sh.items) != 1 || len(sh.items[0].cells) != 3 || sh.items[0].cells[1].w != 2 || sh.items[0].cells[2].x != 14 {
		t.Errorf("text and stripe: %q, %+v", sh.Text(), sh.items)
	}
	wide := make([]byte, 0, 5+3*600)
	wide = append(wide, 0x1B, '*', 33)
	wide = binary.LittleEndian.AppendUint16(wide, 600)
	for range 600 {
		wide = append(wide, 0xFF, 0, 0)
	}
	sh = sheetOf(t, append(wide, '\n'))
	if w := sh.items[0].cells[0].w; w != escpos.Paper80.Dots() {
		t.Errorf("a 600-column stripe on 576 dots is %d wide", w)
	}
}

// A QR code sent as a GS ( L graphic is read back like one sent with GS v
// 0: the receipt's QR list has it.
func TestGraphicsQRDecodes(t *testing.T) {
	e := escpos.NewEncoder().RasterQR([]byte("SC20261125000123"), 4, escpos.ECLevelM)
	if err := e.Err(); err != nil {
		t.Fatal(err)
	}
	raster := e.Bytes()
	i := strings.Index(string(raster), "\x1dv0")
	if i < 0 {
		t.Fatal("no GS v 0 in the raster QR")
	}
	rowBytes := int(binary.LittleEndian.Uint16(raster[i+4:]))
	h := int(binary.LittleEndian.Uint16(raster[i+6:]))
	data := raster[i+8 : i+8+rowBytes*h]
	cmd := []byte{0x1D, '(', 'L', 0, 0, 48, 112, 48, 1, 1, 49}
	cmd = binary.LittleEndian.AppendUint16(cmd, uint16(rowBytes*8))
	cmd = binary.LittleEndian.AppendUint16(cmd, uint16(h))
	cmd = append(cmd, data...)
	binary.LittleEndian.PutUint16(cmd[3:], uint16(len(cmd)-5))
	cmd = append(cmd, 0x1D, '(', 'L', 2, 0, 48, 50)
	sh := sheetOf(t, cmd)
	if got := sh.QR(); !slices.Equal(got, []string{"SC20261125000123"}) {
		t.Fatalf("QR %q", got)
	}
}

// What the paper does not show is reported instead of printed as stray
// text: ESC + 60 used to print "<", ESC ( A "A48"; PDF417 is named.
func TestUnrenderedCommandsReported(t *testing.T) {
	tests := []struct {
		name, raw, text string
		report          []string
	}{
		{"unknown ESC +", "41 1B 2B 3C 42 0A", "AB", []string{"unknown ESC +"}},
		{"ESC ( A beeper", "41 1B 28 41 04 00 30 34 30 30 42 0A", "AB", []string{"ESC ( A"}},
		{"PDF417 stored and printed", "1D 28 6B 03 00 30 41 00 1D 28 6B 08 00 30 50 30 31 32 33 34 35 1D 28 6B 03 00 30 51 30 41 0A", "A", []string{"PDF417"}},
		{"unknown GS", "1D 99 01 41 0A", "A", []string{"unknown GS 99"}},
		{"character spacing", "1B 20 05 41 0A", "A", []string{"ESC 20"}},
		{"NV image", "1C 70 01 00 41 0A", "A", []string{"FS p (NV bit image)"}},
		{"NV graphics never defined", "1D 28 4C 06 00 30 45 5A 39 01 01 41 0A", "A", []string{`GS ( L: graphics "Z9" not defined in this stream`}},
		{"NV graphics of two colours", "1D 28 4C 0C 00 30 43 30 41 31 02 31 03 00 01 00 A0 41 0A", "A", []string{"GS ( L fn 67: tone 48, 2 colours"}},
		{"ESC * bad mode: the rest is text", "1B 2A 05 41 0A", "A", []string{"ESC * mode 5"}},
		{"status and code page settings are silent", "1B 74 00 1B 3D 01 1D 72 01 41 0A", "A", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sh := sheetOf(t, printertest.Unhex(t, tt.raw))
			if sh.Text() != tt.text {
				t.Errorf("printed %q, want %q", sh.Text(), tt.text)
			}
			if !slices.Equal(sh.Unrendered(), tt.report) {
				t.Errorf("reported %q, want %q", sh.Unrendered(), tt.report)
			}
		})
	}
}

// An image wider than the paper keeps only the bits that print: a page of
// 64 KB-wide rows would otherwise hold a gigabyte.
func TestWideImageKeepsOnlyWhatPrints(t *testing.T) {
	raw := []byte{0x1D, 'v', '0', 0, 0, 1, 2, 0} // 256 bytes a row, 2 rows
	raw = append(raw, make([]byte, 512)...)
	raw[8] = 0x80
	sh := sheetOf(t, raw)
	b := sh.items[0].bm
	if b.dotsW() != escpos.Paper80.Dots() || b.stride != 72 || len(b.bits) != 144 || !b.black(0, 0) {
		t.Fatalf("kept %d×%d, stride %d, %d bytes", b.dotsW(), b.dotsH(), b.stride, len(b.bits))
	}
}
