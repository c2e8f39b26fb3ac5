package render

import (
	"image"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"

	"sckiosk/devices/printer/escpos"
	"sckiosk/devices/printer/internal/printertest"
)

// testRenderer parses the font once for the tests of this file.
var testRenderer = sync.OnceValues(New)

// renderStream draws raw on 80 mm paper as the simulator prints it.
func renderStream(t *testing.T, raw []byte) image.Image {
	t.Helper()
	r, err := testRenderer()
	if err != nil {
		t.Fatal(err)
	}
	img, err := r.Render(raw, escpos.Paper80)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// sheetOf runs raw through a Page on 80 mm paper and returns the sheet.
func sheetOf(t *testing.T, raw []byte) Sheet {
	t.Helper()
	pg := NewPage(escpos.Paper80)
	escpos.NewParser(true).Feed(raw, func(o escpos.Op) { pg.Apply(o) })
	if len(pg.line) > 0 {
		pg.printLine()
	}
	return pg.Sheets(true)[0]
}

// gsk is a GS k form B command for symbology m with data.
func gsk(m byte, data string) []byte {
	return append([]byte{0x1D, 'k', m, byte(len(data))}, data...)
}

// The symbols the simulator prints decode back, with ZXing's readers
// (gozxing), to the data the host sent: byte-exact GS k commands of each
// rendered symbology and module width, centred as generators send them.
func TestBarcodesDecode(t *testing.T) {
	center := printertest.Unhex(t, "1B 61 01")
	tests := []struct {
		name   string
		cmd    []byte
		reader gozxing.Reader
		want   string
		hri    string
	}{
		{"CODE128 {B", gsk(73, "{BSC2026-01"), oned.NewCode128Reader(), "SC2026-01", "SC2026-01"},
		{"CODE128 {C pairs", printertest.Unhex(t, "1D 6B 49 05 7B 43 0C 22 38"), oned.NewCode128Reader(), "123456", "123456"},
		{"CODE128 {B then {C", printertest.Unhex(t, "1D 6B 49 09 7B 42 4E 6F 2E 7B 43 0C 22"), oned.NewCode128Reader(), "No.1234", "No.1234"},
		{"CODE128 {A", gsk(73, "{AKIOSK 7"), oned.NewCode128Reader(), "KIOSK 7", "KIOSK 7"},
		{"CODE128 {B with {{ and a shift", gsk(73, "{Bx{{y{S\x01z"), oned.NewCode128Reader(), "x{y\x01z", "x{y z"},
		// python-escpos sends ASCII digits after {C: a printer reads
		// their byte values, "1" "2" as 49 50.
		{"CODE128 {C ASCII digits as bytes", gsk(73, "{C12"), oned.NewCode128Reader(), "4950", "4950"},
		{"EAN-13 form B adds the check digit", gsk(67, "690123456789"), oned.NewEAN13Reader(), "6901234567892", "6901234567892"},
		{"EAN-13 form A", printertest.Unhex(t, "1D 6B 02 36 39 30 31 32 33 34 35 36 37 38 39 32 00"), oned.NewEAN13Reader(), "6901234567892", "6901234567892"},
		{"EAN-8", gsk(68, "9638507"), oned.NewEAN8Reader(), "96385074", "96385074"},
		{"UPC-A", gsk(65, "03600029145"), oned.NewUPCAReader(), "036000291452", "036000291452"},
		{"CODE39", gsk(69, "KIOSK-01"), oned.NewCode39Reader(), "KIOSK-01", "*KIOSK-01*"},
		{"CODE39 with its own stars", gsk(69, "*AB12*"), oned.NewCode39Reader(), "AB12", "*AB12*"},
		{"ITF", gsk(70, "1234567890"), oned.NewITFReader(), "1234567890", "1234567890"},
		{"ITF form A drops an odd digit", printertest.Unhex(t, "1D 6B 05 31 32 33 34 35 36 37 00"), oned.NewITFReader(), "123456", "123456"},
		{"CODABAR", gsk(71, "A40156B"), oned.NewCodaBarReader(), "40156", "A40156B"},
		{"CODE93", gsk(72, "SC-2026 01"), oned.NewCode93Reader(), "SC-2026 01", "SC-2026 01"},
		{"UPC-E of six digits", gsk(66, "123456"), oned.NewUPCEReader(), "01234565", "01234565"},
		{"UPC-E ending in 0", gsk(66, "0425260"), oned.NewUPCEReader(), "04252605", "04252605"},
		{"UPC-E of number system 1", gsk(66, "1654321"), oned.NewUPCEReader(), "16543214", "16543214"},
	}
	for _, tt := range tests {
		for _, module := range []byte{2, 3, 4} {
			t.Run(tt.name+"/module "+string('0'+module), func(t *testing.T) {
				raw := slices.Concat(center, []byte{0x1D, 'w', module, 0x1D, 'h', 80, 0x1D, 'H', 2}, tt.cmd, []byte{0x0A})
				sh := sheetOf(t, raw)
				if got := sh.Barcodes(); len(got) != 1 || got[0].Text != tt.hri {
					t.Fatalf("barcodes %+v, want text %q; unrendered %q", got, tt.hri, sh.Unrendered())
				}
				if txt := sh.Text(); txt != tt.hri {
					t.Errorf("printed text %q, want the HRI %q", txt, tt.hri)
				}
				img := renderStream(t, raw)
				bmp, err := gozxing.NewBinaryBitmapFromImage(img)
				if err != nil {
					t.Fatal(err)
				}
				res, err := tt.reader.Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
				if err != nil {
					t.Fatalf("decode: %v", err)
				}
				if res.GetText() != tt.want {
					t.Fatalf("decoded %q, want %q", res.GetText(), tt.want)
				}
			})
		}
	}
}

// The bars have the widths and height a printer gives them: GS w dots a
// module (CODE128, EAN), narrow n and wide 5/8/10 dots (CODE39), GS h
// dots high; the text goes where GS H says in the GS f font.
func TestBarcodeGeometry(t *testing.T) {
	tests := []struct {
		name        string
		raw         string
		width, bars int // in dots
		lines       []string
		height      int // of the whole barcode, text included
	}{
		// start, 2 data, check, stop: 5×11 + 2 modules, at 2 dots
		{"CODE128 module 2, no text", "1D 77 02 1D 68 32 1D 6B 49 04 7B 42 41 42", (4*11 + 13) * 2, 50, nil, 50},
		{"EAN-13 module 3, text below", "1D 68 64 1D 48 02 1D 6B 43 0C 36 39 30 31 32 33 34 35 36 37 38 39", 95 * 3, 100, []string{"6901234567892"}, 100 + 24},
		{"EAN-8 module 4, text both, font B", "1D 77 04 1D 68 28 1D 48 33 1D 66 01 1D 6B 44 07 39 36 33 38 35 30 37", 67 * 4, 40, []string{"96385074", "96385074"}, 40 + 2*17},
		// "*A*": three characters of 6 narrow and 3 wide, 2 gaps
		{"CODE39 module 2", "1D 77 02 1D 68 0A 1D 6B 45 01 41", 3*(6*2+3*5) + 2*2, 10, nil, 10},
		{"CODE39 module 3", "1D 77 03 1D 68 0A 1D 6B 45 01 41", 3*(6*3+3*8) + 2*3, 10, nil, 10},
		{"CODE39 module 4", "1D 77 04 1D 68 0A 1D 6B 45 01 41", 3*(6*4+3*10) + 2*4, 10, nil, 10},
		// start, A, check C, check K, stop: 9 modules each, and the
		// termination bar
		{"CODE93 module 2", "1D 77 02 1D 68 0A 1D 6B 48 01 41", (5*9 + 1) * 2, 10, nil, 10},
		{"UPC-E module 2", "1D 77 02 1D 68 0A 1D 6B 42 06 31 32 33 34 35 36", 51 * 2, 10, nil, 10},
		{"default: module 3, 162 high", "1D 6B 49 03 7B 42 41", (3*11 + 13) * 3, 162, nil, 162},
		{"ESC @ restores the defaults", "1D 77 02 1D 68 0A 1B 40 1D 6B 49 03 7B 42 41", (3*11 + 13) * 3, 162, nil, 162},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sh := sheetOf(t, printertest.Unhex(t, tt.raw))
			var bars *item
			for i := range sh.items {
				if sh.items[i].bm != nil {
					bars = &sh.items[i]
				}
			}
			if bars == nil {
				t.Fatalf("no bars; unrendered %q", sh.Unrendered())
			}
			if bars.bm.dotsW() != tt.width || bars.h != tt.bars {
				t.Errorf("bars %d×%d dots, want %d×%d", bars.bm.dotsW(), bars.h, tt.width, tt.bars)
			}
			if !slices.Equal(sh.lines, tt.lines) {
				t.Errorf("text lines %q, want %q", sh.lines, tt.lines)
			}
			if sh.height != tt.height {
				t.Errorf("fed %d dots, want %d", sh.height, tt.height)
			}
		})
	}
}

// Each bar of a CODE128 symbol is as wide as its table says: the first
// character, start B (211214), at module 3.
func TestCode128BarWidths(t *testing.T) {
	sym, err := encodeBarcode(SymCODE128, []byte("{BA"), 3, false)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sym.widths[:6], []int{6, 3, 3, 6, 3, 12}; !slices.Equal(got, want) {
		t.Fatalf("start B %v, want %v", got, want)
	}
	// A: value 33 (111323); check (104 + 33) mod 103 = 34 (131123); stop.
	if got, want := sym.widths[6:], []int{3, 3, 3, 9, 6, 9, 3, 9, 3, 3, 6, 9, 6, 9, 9, 3, 3, 3, 6}; !slices.Equal(got, want) {
		t.Fatalf("A, check and stop %v, want %v", got, want)
	}
}

// What a printer refuses prints nothing and is reported; a symbol wider
// than the paper only feeds its height.
func TestBarcodeRefusals(t *testing.T) {
	tests := []struct {
		name   string
		raw    string
		report string
		height int
	}{
		{"CODE128 without a code set", "1D 6B 49 03 41 42 43", "must begin with {A, {B or {C", 0},
		{"CODE128 set C byte over 99", "1D 6B 49 03 7B 43 64", "not in code set C", 0},
		{"EAN-13 with a letter", "1D 6B 43 0C 36 39 30 31 32 33 34 35 36 37 38 41", "not a digit", 0},
		{"EAN-13 of 5 digits", "1D 6B 43 05 31 32 33 34 35", "want 12 or 13 digits", 0},
		{"ITF form B odd", "1D 6B 46 03 31 32 33", "odd number of digits", 0},
		{"CODABAR without start", "1D 6B 47 04 31 32 33 42", "needs A–D", 0},
		{"CODE39 lowercase", "1D 6B 45 02 61 62", "not in CODE39", 0},
		{"CODE93 lowercase", "1D 6B 48 02 61 62", "not in the basic CODE93 set", 0},
		{"GS1 DataBar", "1D 6B 4B 03 31 32 33", "GS1 DataBar Omnidirectional: symbology not rendered", 0},
		{"UPC-E of 5 digits", "1D 6B 42 05 31 32 33 34 35", "want 6, 7 or 8 digits", 0},
		{"UPC-E of number system 2", "1D 6B 42 07 32 31 32 33 34 35 36", "number system must be 0 or 1", 0},
		{"GS1-128", "1D 6B 4A 03 31 32 33", "GS1-128: symbology not rendered", 0},
		{"too wide", "1D 77 06 1D 68 14 1D 6B 49 1A 7B 42 41 42 43 44 45 46 47 48 49 4A 4B 4C 4D 4E 4F 50 51 52 53 54 55 56 57 58", "wider than the paper", 20},
		{"m out of range: the rest is text", "1D 6B 50 41", "GS k m=80", 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sh := sheetOf(t, printertest.Unhex(t, tt.raw))
			if len(sh.Barcodes()) != 0 {
				t.Errorf("printed %+v", sh.Barcodes())
			}
			if u := strings.Join(sh.Unrendered(), "; "); !strings.Contains(u, tt.report) {
				t.Errorf("reported %q, want %q", u, tt.report)
			}
			if sh.height != tt.height {
				t.Errorf("fed %d dots, want %d", sh.height, tt.height)
			}
		})
	}
}

// BenchmarkBarcode measures a CODE128 symbol with its text: parsed and
// laid out on a Page (what the printer simulator and its fuzz body do per
// barcode), and drawn (what a receipt's rendering adds).
//
//	go test ./devices/printer/render -run '^$' -bench Barcode
func BenchmarkBarcode(b *testing.B) {
	raw := slices.Concat([]byte{0x1B, 'a', 1, 0x1D, 'H', 2}, gsk(73, "{BSC{C\x14\x1a\x0b\x19"), []byte{0x0A})
	b.Run("layout", func(b *testing.B) {
		for b.Loop() {
			pg := NewPage(escpos.Paper80)
			escpos.NewParser(true).Feed(raw, func(o escpos.Op) { pg.Apply(o) })
		}
	})
	b.Run("draw", func(b *testing.B) {
		r, err := testRenderer()
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := r.Render(raw, escpos.Paper80); err != nil {
				b.Fatal(err)
			}
		}
	})
}
