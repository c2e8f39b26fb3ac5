package printersim

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"sckiosk/devices/printer/escpos"
	"sckiosk/devices/printer/internal/printertest"
	"sckiosk/devices/printer/render"
	"sckiosk/internal/logbuf"
)

// A status query sent while a command is incomplete is answered at once,
// as a printer answers it on receipt (a host that cut a job short asks
// the printer what is wrong); the bytes still belong to the command.
func TestSimAnswersStatusInsideACommand(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		want   []string // the replies after each chunk, hex
		text   string
	}{
		// GS v 0 of 1 byte × 4 rows: its header, then DLE EOT 4 as data
		{"raster header waits", []string{"1D 76 30 00 01 00 04 00", "10 04 04", "FF 0A 1D 56 00"}, []string{"", "12", "12"}, ""},
		// the host's query arrives inside the header itself, where it is
		// read as 1040 bytes a row, 1 row
		{"inside a header", []string{"1D 76 30 00 10", "04 01", "00" + strings.Repeat(" 00", 1040), "1D 56 00"}, []string{"", "12", "12", "12"}, ""},
		{"split over a skipped payload", []string{"1B 28 41 08 00 00 00 10", "04 02 00 00 00 41 0A 1D 56 00"}, []string{"", "12"}, "A"},
		// at command level it is answered once
		{"between commands", []string{"41 10", "04 01 42 0A 1D 56 00"}, []string{"", "12"}, "AB"},
		{"in a bit image's data", []string{"1B 2A 21 02 00 10 04 03 00 00 00 0A 1D 56 00"}, []string{"12"}, ""},
		{"invalid n is not answered", []string{"1B 2A 21 01 00 10 04 09", "0A 1D 56 00"}, []string{"", ""}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, l := newTestSim(t, SimOptions{})
			for i, c := range tt.chunks {
				s.consume(printertest.Unhex(t, c))
				if got, want := l.replies(), printertest.Unhex(t, tt.want[i]); !bytes.Equal(got, want) {
					t.Fatalf("after chunk %d: replies % X, want % X", i+1, got, want)
				}
			}
			rs := s.Receipts()
			if len(rs) != 1 || rs[0].Text != tt.text {
				t.Fatalf("receipts %+v", rs)
			}
		})
	}
}

// The sim prints barcodes and names what it did not render in its log, its
// stats and the receipt, without the command's data.
func TestSimReportsWhatItDoesNotRender(t *testing.T) {
	buf := &logbuf.Buffer{}
	l := &line{}
	s, err := NewSim(l, SimOptions{Paper: escpos.Paper80}, slog.New(slog.NewTextHandler(buf, nil)))
	if err != nil {
		t.Fatal(err)
	}
	s.consume(printertest.Unhex(t, `
		1B 61 01 1D 48 02 1D 6B 49 0C 7B 42 53 43 32 30 32 36 30 30 30 31 0A
		1D 28 6B 0D 00 30 50 30 35 31 30 31 30 34 31 39 38 35 1D 28 6B 03 00 30 51 30
		1B 2B 3C 1D 56 00`))
	rs := s.Receipts()
	if len(rs) != 1 {
		t.Fatalf("%d receipts", len(rs))
	}
	r := rs[0]
	if want := []render.Barcode{{Symbology: "CODE128", Text: "SC20260001"}}; !slices.Equal(r.Barcodes, want) {
		t.Errorf("barcodes %+v", r.Barcodes)
	}
	if want := []string{"PDF417", "unknown ESC +"}; !slices.Equal(r.Unrendered, want) {
		t.Errorf("unrendered %q", r.Unrendered)
	}
	if strings.Contains(r.Text, "<") || r.Text != "SC20260001" {
		t.Errorf("text %q", r.Text)
	}
	if st := s.Stats(); st.Unrendered != 2 || st.LastUnrendered != "unknown ESC +" {
		t.Errorf("stats %+v", st)
	}
	log := buf.String()
	if !strings.Contains(log, `command=PDF417`) || !strings.Contains(log, `command="unknown ESC +"`) {
		t.Errorf("log:\n%s", log)
	}
	if strings.Contains(log, "510104") {
		t.Errorf("the log holds the PDF417's data:\n%s", log)
	}
	if r.Image == nil || r.Image.Bounds().Dx() != escpos.Paper80.Dots() {
		t.Errorf("image %v", r.Image)
	}
}
