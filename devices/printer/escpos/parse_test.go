package escpos

import (
	"fmt"
	"slices"
	"testing"

	"sckiosk/devices/printer/internal/printertest"
)

// opsOf parses hex fed in the chunks given and describes each op.
func opsOf(t *testing.T, chunks ...string) []string {
	t.Helper()
	p := NewParser(false)
	var out []string
	for _, c := range chunks {
		p.Feed(printertest.Unhex(t, c), func(o Op) {
			switch o.Kind {
			case OpText:
				out = append(out, string(o.R))
			case OpStatus:
				out = append(out, fmt.Sprintf("status %d embedded %v", o.N, o.Embedded))
			case OpBarcode:
				out = append(out, fmt.Sprintf("barcode %d formA %v %q", o.N, o.W == 1, o.Data))
			case OpBitImage:
				out = append(out, fmt.Sprintf("bit image m%d %d cols % X", o.N, o.W, o.Data))
			case OpGraphicsStore:
				out = append(out, fmt.Sprintf("graphics %dx%d scale %02X % X", o.W, o.H, o.N, o.Data))
			case OpGraphicsPrint:
				out = append(out, "graphics print")
			case OpGraphicsDefine:
				out = append(out, fmt.Sprintf("graphics %d defined %dx%d % X", o.N, o.W, o.H, o.Data))
			case OpGraphicsPrintKey:
				out = append(out, fmt.Sprintf("graphics %d printed %dx%d", o.N, o.W, o.H))
			case OpUnrendered:
				out = append(out, "unrendered "+o.Name)
			case OpBarcodeHeight, OpBarcodeWidth, OpBarcodeHRI, OpBarcodeFont, OpFont:
				out = append(out, fmt.Sprintf("setting %d=%d", o.Kind, o.N))
			case OpIgnore:
			default:
				out = append(out, fmt.Sprintf("op %d", o.Kind))
			}
		})
	}
	return out
}

// The commands of barcodes and images parse to their ops, byte-exact;
// what the simulated paper does not show is named; a DLE EOT inside a
// command is reported at once and stays part of it.
func TestParseBarcodesImagesAndUnrendered(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		want   []string
	}{
		{"GS k form A", []string{"1D 6B 04 41 42 00 43"}, []string{`barcode 69 formA true "AB"`, "C"}},
		{"GS k form B", []string{"1D 6B 49 04 7B 42 41 42 43"}, []string{`barcode 73 formA false "{BAB"`, "C"}},
		{"GS k form B in pieces", []string{"1D 6B", "49 04 7B", "42 41 42"}, []string{`barcode 73 formA false "{BAB"`}},
		{"GS k bad m", []string{"1D 6B 07 41"}, []string{"unrendered GS k m=7", "A"}},
		{"barcode settings", []string{"1D 68 50 1D 77 02 1D 48 32 1D 66 01 1B 4D 01"}, []string{
			fmt.Sprintf("setting %d=80", OpBarcodeHeight), fmt.Sprintf("setting %d=2", OpBarcodeWidth),
			fmt.Sprintf("setting %d=50", OpBarcodeHRI), fmt.Sprintf("setting %d=1", OpBarcodeFont), fmt.Sprintf("setting %d=1", OpFont)}},
		{"ESC * 24-dot", []string{"1B 2A 21 01 00 01 02 03 41"}, []string{"bit image m33 1 cols 01 02 03", "A"}},
		{"ESC * bad mode", []string{"1B 2A 02 41"}, []string{"unrendered ESC * mode 2", "A"}},
		{"GS ( L store and print", []string{"1D 28 4C 0C 00 30 70 30 01 02 31 09 00 01 00 FF 80 1D 28 4C 02 00 30 32"},
			[]string{"graphics 9x1 scale 21 FF 80", "graphics print"}},
		{"GS ( L colour 2", []string{"1D 28 4C 0B 00 30 70 30 01 01 32 01 00 01 00 80"}, []string{"unrendered GS ( L fn 112: tone 48, colour 50"}},
		{"GS ( L NV define and print", []string{"1D 28 4C 0D 00 30 43 30 41 31 01 31 09 00 01 00 FF 80 1D 28 4C 06 00 30 45 41 31 02 01 41"},
			[]string{"graphics 16689 defined 9x1 FF 80", "graphics 16689 printed 2x1", "A"}},
		{"GS ( L NV print scaled 3", []string{"1D 28 4C 06 00 30 45 41 31 03 01"}, []string{"unrendered GS ( L fn 69: bad parameters"}},
		{"GS ( L column format", []string{"1D 28 4C 06 00 30 44 30 41 31 01"}, []string{"unrendered GS ( L fn 68"}},
		{"PDF417 print", []string{"1D 28 6B 03 00 30 51 30"}, []string{"unrendered PDF417"}},
		{"ESC + 60", []string{"1B 2B 3C 41"}, []string{"unrendered unknown ESC +", "A"}},
		{"ESC ( A", []string{"1B 28 41 04 00 30 34 30 30 41"}, []string{"unrendered ESC ( A", "A"}},
		{"status between commands", []string{"41 10 04 01 42"}, []string{"A", "status 1 embedded false", "B"}},
		{"status inside an incomplete raster", []string{"1D 76 30 00 01 00 04 00 10", "04 02", "FF"}, []string{"status 2 embedded true", fmt.Sprintf("op %d", OpRaster)}},
		{"status inside a skipped payload", []string{"1B 28 41 05 00 00 10 04", "04 00 41"}, []string{"unrendered ESC ( A", "status 4 embedded true", "A"}},
		{"invalid n inside data", []string{"1B 2A 21 01 00 10 04 07"}, []string{"bit image m33 1 cols 10 04 07"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := opsOf(t, tt.chunks...); !slices.Equal(got, tt.want) {
				t.Fatalf("ops\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}
