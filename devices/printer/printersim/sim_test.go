package printersim

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"sckiosk/devices/printer"
	"sckiosk/devices/printer/escpos"
	"sckiosk/devices/printer/internal/printertest"
	"sckiosk/devices/printer/render"
	"sckiosk/devices/serialport"
	"sckiosk/kiosk/core/receipt"
)

// line is a fake wire for a Sim driven through consume: it records the
// sim's replies and never yields input.
type line struct {
	mu  sync.Mutex
	out bytes.Buffer
}

func (l *line) Read([]byte) (int, error) { select {} }

func (l *line) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.out.Write(b)
}

func (l *line) replies() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]byte(nil), l.out.Bytes()...)
}

func newTestSim(t testing.TB, opts SimOptions) (*Sim, *line) {
	t.Helper()
	l := &line{}
	s, err := NewSim(l, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, l
}

func TestSimStatusReplies(t *testing.T) {
	tests := []struct {
		name  string
		set   func(s *Sim)
		want  [4]byte
		cause printer.Cause
	}{
		{"healthy", func(s *Sim) {}, [4]byte{0x12, 0x12, 0x12, 0x12}, printer.CauseNone},
		{"near end", func(s *Sim) { s.SetPaper(PaperNearEnd) }, [4]byte{0x12, 0x12, 0x12, 0x1E}, printer.CausePaperNearEnd},
		{"paper out", func(s *Sim) { s.SetPaper(PaperOut) }, [4]byte{0x1A, 0x32, 0x12, 0x7E}, printer.CausePaperEnd},
		{"cover open", func(s *Sim) { s.SetCoverOpen(true) }, [4]byte{0x1A, 0x16, 0x12, 0x12}, printer.CauseCoverOpen},
		{"cutter", func(s *Sim) { s.SetCutterError(true) }, [4]byte{0x1A, 0x52, 0x1A, 0x12}, printer.CauseCutterError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, l := newTestSim(t, SimOptions{})
			tt.set(s)
			var q []byte
			for n := 1; n <= 4; n++ {
				q = append(q, printer.StatusQuery(n)...)
			}
			q = append(q, printer.StatusQuery(7)...) // unknown n: no answer
			s.consume(q)
			got := l.replies()
			if !bytes.Equal(got, tt.want[:]) {
				t.Fatalf("replies % X, want % X", got, tt.want)
			}
			st, err := printer.ParseStatus(tt.want)
			if err != nil || st.Cause() != tt.cause {
				t.Fatalf("cause %v, %v; want %v", st.Cause(), err, tt.cause)
			}
			if s.Stats().StatusQueries != 5 || s.Stats().StatusAnswers != 4 || s.Stats().DataBytes != 0 {
				t.Errorf("stats %+v", s.Stats())
			}
		})
	}
	t.Run("offline", func(t *testing.T) {
		s, l := newTestSim(t, SimOptions{})
		s.SetOffline(true)
		s.consume(append(printer.StatusQuery(1), 'x', '\n'))
		if len(l.replies()) != 0 {
			t.Fatalf("offline sim answered % X", l.replies())
		}
		if st := s.Stats(); st.DroppedBytes != 2 || st.DataBytes != 2 {
			t.Errorf("stats %+v", st)
		}
	})
}

func TestSimReadsEncoderOutput(t *testing.T) {
	doc := printertest.SampleCase()
	for _, opt := range []escpos.EncodeOptions{{}, {Paper: escpos.Paper80}, {QRMode: escpos.QRRaster}, {Paper: escpos.Paper80, QRMode: escpos.QRRaster, QRECLevel: escpos.ECLevelH}} {
		t.Run(opt.Paper.String()+"-"+opt.QRMode.String(), func(t *testing.T) {
			job, err := escpos.EncodeReceipt(doc, opt)
			if err != nil {
				t.Fatal(err)
			}
			paper := opt.Paper
			if paper == 0 {
				paper = escpos.Paper58
			}
			s, _ := newTestSim(t, SimOptions{Paper: paper})
			s.consume(job)
			rs := s.Receipts()
			if len(rs) != 1 {
				t.Fatalf("%d receipts", len(rs))
			}
			r := rs[0]
			for _, want := range []string{"政务服务办件回执", "办件编号：SC20261125000123", "申请人：张*", "扫码查询办理进度", "终端 WH-K07"} {
				if !strings.Contains(r.Text, want) {
					t.Errorf("text lacks %q:\n%s", want, r.Text)
				}
			}
			if len(r.QR) != 1 || r.QR[0] != "https://zwfw.sc.gov.cn/track?c=SC20261125000123" {
				t.Errorf("QR = %q", r.QR)
			}
			if !bytes.Equal(r.Raw, job) {
				t.Errorf("raw is %d bytes, job %d", len(r.Raw), len(job))
			}
			if r.Image.Bounds().Dx() != paper.Dots() {
				t.Errorf("image width %d, want %d", r.Image.Bounds().Dx(), paper.Dots())
			}
			if got := printertest.DecodeImage(t, r.Image); got != r.QR[0] {
				t.Errorf("rendered QR reads %q", got)
			}
			// Every printed line fits the paper.
			for _, l := range strings.Split(r.Text, "\n") {
				if escpos.DisplayWidth(l) > paper.Columns() {
					t.Errorf("line %q wider than %d columns", l, paper.Columns())
				}
			}
		})
	}
}

func TestSimSplitReadsGiveSameReceipt(t *testing.T) {
	job, err := escpos.EncodeReceipt(printertest.SampleCase(), escpos.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	whole, _ := newTestSim(t, SimOptions{})
	whole.consume(job)
	byByte, _ := newTestSim(t, SimOptions{})
	for i := range job {
		byByte.consume(job[i : i+1])
	}
	a, b := whole.Receipts(), byByte.Receipts()
	if len(a) != 1 || len(b) != 1 || a[0].Text != b[0].Text || strings.Join(a[0].QR, ",") != strings.Join(b[0].QR, ",") {
		t.Fatalf("byte-by-byte parse differs:\n%q\n%q", a, b)
	}
}

func TestSimParsing(t *testing.T) {
	tests := []struct {
		name   string
		stream string // hex, with text in quotes written as hex too
		opts   SimOptions
		text   string
	}{
		{"gb18030", "1B 40 1C 26 CB C4 B4 A8 0A 1D 56 42 00", SimOptions{}, "四川"},
		{"4-byte gb18030", "95 34 B2 35 0A 1D 56 00", SimOptions{}, "𠮷"},
		// An unknown ESC or GS command is taken to have one parameter
		// byte, as most have: ESC ~ D and GS ~ E print nothing.
		{"unknown commands skipped", "1B 74 FF 41 1B 70 00 19 FA 42 1D 48 02 1B 44 08 10 00 43 1B 7E 44 1D 7E 45 0A 1D 56 00", SimOptions{}, "ABC"},
		// Not at the start of a line, GS k's bytes after m are text.
		{"barcode not at line start", "41 1D 6B 04 31 32 33 00 1D 6B 49 03 31 32 33 42 0A 1D 56 00", SimOptions{}, "A123123B"},
		{"GS ( L graphics skipped", "41 1D 28 4C 04 00 30 45 20 20 42 0A 1D 56 00", SimOptions{}, "AB"},
		{"GS 8 L skipped", "41 1D 38 4C 03 00 00 00 01 02 03 42 0A 1D 56 00", SimOptions{}, "AB"},
		{"bit image skipped", "41 1B 2A 21 02 00 01 02 03 04 05 06 42 0A 1D 56 00", SimOptions{}, "AB"},
		{"single-byte mode", "1C 2E 41 CB 0A 1D 56 00", SimOptions{}, "A╦"},
		{"single-byte at power on", "41 CB 0A 1C 26 CB C4 0A 1D 56 00", SimOptions{SingleByteAtPowerOn: true}, "A╦\n四"},
		{"ESC @ restores power-on mode", "1C 2E 1B 40 CB C4 0A 1D 56 00", SimOptions{}, "四"},
		{"bad trail byte", "CB 0A 41 0A 1D 56 00", SimOptions{}, "\uFFFD\nA"},
		{"status inside text", "41 10 04 01 42 0A 1D 56 00", SimOptions{}, "AB"},
		{"feed lines", "41 1B 64 02 42 0A 1D 56 00", SimOptions{}, "A\n\nB"},
		{"ESC i cuts", "41 0A 1B 69", SimOptions{}, "A"},
		{"tab", "41 09 42 0A 1D 56 00", SimOptions{}, "A B"},
		{"controls ignored", "41 0D 00 07 42 0A 1D 56 00", SimOptions{}, "AB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestSim(t, tt.opts)
			s.consume(printertest.Unhex(t, tt.stream))
			rs := s.Receipts()
			if len(rs) != 1 {
				t.Fatalf("%d receipts", len(rs))
			}
			if rs[0].Text != tt.text {
				t.Fatalf("text %q, want %q", rs[0].Text, tt.text)
			}
		})
	}
}

func TestSimWrapsLongLines(t *testing.T) {
	s, _ := newTestSim(t, SimOptions{})
	e := escpos.NewEncoder().Text(strings.Repeat("四", 20)).LF().Size(2, 2).Text(strings.Repeat("A", 20)).LF().Cut(0)
	s.consume(e.Bytes())
	want := strings.Repeat("四", 16) + "\n" + strings.Repeat("四", 4) + "\n" + strings.Repeat("A", 16) + "\n" + strings.Repeat("A", 4)
	if got := s.Receipts()[0].Text; got != want {
		t.Fatalf("text\n%s\nwant\n%s", got, want)
	}
}

func TestSimDropsDataWhenItCannotPrint(t *testing.T) {
	job, err := escpos.EncodeReceipt(printertest.SampleCase(), escpos.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range []func(*Sim){
		func(s *Sim) { s.SetPaper(PaperOut) },
		func(s *Sim) { s.SetCoverOpen(true) },
		func(s *Sim) { s.SetCutterError(true) },
	} {
		s, _ := newTestSim(t, SimOptions{})
		set(s)
		s.consume(job)
		if st := s.Stats(); st.DroppedBytes != int64(len(job)) || st.Receipts != 0 || len(s.Receipts()) != 0 {
			t.Errorf("stats %+v", st)
		}
	}
	// Near end still prints.
	s, _ := newTestSim(t, SimOptions{})
	s.SetPaper(PaperNearEnd)
	s.consume(job)
	if len(s.Receipts()) != 1 {
		t.Error("near-end sim did not print")
	}
}

func TestSimKeepsBoundedReceipts(t *testing.T) {
	s, _ := newTestSim(t, SimOptions{Keep: 3})
	var got []string
	s.OnReceipt(func(r Receipt) { got = append(got, r.Text) })
	for _, c := range "ABCDE" {
		s.consume([]byte{byte(c), '\n', 0x1D, 'V', 0})
	}
	rs := s.Receipts()
	if len(rs) != 3 || rs[0].Text != "C" || rs[2].Text != "E" {
		t.Fatalf("kept %d receipts", len(rs))
	}
	if strings.Join(got, "") != "ABCDE" || s.Stats().Receipts != 5 {
		t.Fatalf("callback saw %q", got)
	}
}

func TestSimTearsOffOverlongPaper(t *testing.T) {
	s, _ := newTestSim(t, SimOptions{})
	flood := bytes.Repeat([]byte{0x1B, 'd', 255}, 10) // 2550 lines of 30 dots
	s.consume(flood)
	if s.page.Height() > render.MaxPageDots {
		t.Fatalf("page grew to %d dots", s.page.Height())
	}
	s.consume([]byte{'E', 'N', 'D', 0x1D, 'V', 0})
	rs := s.Receipts()
	if len(rs) != 5 || !strings.HasSuffix(rs[4].Text, "END") {
		t.Fatalf("%d receipts", len(rs))
	}
	for _, r := range rs {
		if h := r.Image.Bounds().Dy(); h > render.MaxPageDots+2*render.PageMargin {
			t.Fatalf("image %d high", h)
		}
	}
}

func BenchmarkSimReceipt(b *testing.B) { // warm glyph cache, QR, render
	job, err := escpos.EncodeReceipt(printertest.SampleCase(), escpos.EncodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	s, _ := newTestSim(b, SimOptions{})
	b.ReportAllocs()
	for b.Loop() {
		s.consume(job)
	}
}

// FuzzSimStream feeds arbitrary bytes, split in two reads, to the sim: it
// must not panic and its memory must stay bounded. It drives the parser
// and the paper state machine in memory without drawing receipts: drawing
// one costs milliseconds and made each new input's minimisation take a
// minute, so the fuzzer ran a few dozen inputs a minute. The drawing of
// these inputs is checked, over a pty, by TestSimStreamSeedsOverPty.
func FuzzSimStream(f *testing.F) {
	for _, seed := range simStreamSeeds(f) {
		f.Add(seed.data, seed.split)
	}
	f.Fuzz(func(t *testing.T, data []byte, split int) {
		// A hang is a failure too: dump the stacks and crash.
		wd := time.AfterFunc(10*time.Second, func() {
			buf := make([]byte, 1<<20)
			os.Stderr.Write(buf[:runtime.Stack(buf, true)])
			panic(fmt.Sprintf("sim stuck on a %d-byte input", len(data)))
		})
		defer wd.Stop()
		checkSimStream(t, data, split)
	})
}

// checkSimStream is FuzzSimStream's body: the sim takes data in two reads
// (split where split says, when it is within data) without growing past
// its bounds, says nothing but status, and prints a receipt afterwards.
func checkSimStream(t testing.TB, data []byte, split int) {
	t.Helper()
	l := &line{}
	s := newSim(l, SimOptions{Paper: escpos.Paper58, Keep: 4, CommandTimeout: time.Second}, nil, nil)
	if split < 0 || split > len(data) {
		split = len(data) / 2
	}
	s.consume(data[:split])
	s.consume(data[split:])
	if s.parser.Buffered() > escpos.MaxBuffered+len(data) {
		t.Fatalf("parser holds %d bytes", s.parser.Buffered())
	}
	if s.page.Height() > render.MaxPageDots || s.page.Torn() || len(s.raw) > maxRaw || len(s.Receipts()) > 4 {
		t.Fatalf("unbounded: page %d dots, raw %d, %d receipts", s.page.Height(), len(s.raw), len(s.Receipts()))
	}
	// All the sim says are DLE EOT replies and whole ASB blocks.
	said := 0
	for out := l.replies(); said < len(out); {
		if printer.IsStatusByte(out[said]) {
			said++
			continue
		}
		if said+4 > len(out) {
			break
		}
		if _, err := printer.ParseASB([4]byte(out[said : said+4])); err != nil {
			break
		}
		said += 4
	}
	if said != len(l.replies()) {
		t.Fatalf("sim sent % X", l.replies())
	}
	st := s.Stats()
	if st.DataBytes > int64(len(data)) {
		t.Fatalf("counted %d data bytes of %d", st.DataBytes, len(data))
	}
	s.parser.Drop()
	// The sim still works after the garbage.
	s.consume([]byte{0x1D, 'V', 0})
	s.consume([]byte{0x1B, '@', 'O', 'K', '\n', 0x1D, 'V', 0})
	rs := s.Receipts()
	if len(rs) == 0 || !strings.HasSuffix(rs[len(rs)-1].Text, "OK") {
		t.Fatalf("sim broken after fuzz input")
	}
	// The body must stay cheap: a sim that draws its receipts costs
	// milliseconds an input (see BenchmarkSimStreamDrawing).
	for _, r := range rs {
		if r.Image != nil {
			t.Fatalf("the fuzz body drew a receipt: it should only parse")
		}
	}
}

// simStreamSeed is one of FuzzSimStream's seed inputs.
type simStreamSeed struct {
	data  []byte
	split int
}

// simStreamSeeds are FuzzSimStream's seeds: a whole receipt with a native
// QR code, a raster QR code alone, and the commands that once broke the
// sim. They are kept short: the fuzzer minimises every input that finds
// new code, running the body about once per byte, and a whole receipt with
// a raster QR code (4 KB) kept it at that for most of a minute.
func simStreamSeeds(t testing.TB) []simStreamSeed {
	t.Helper()
	job, err := escpos.EncodeReceipt(printertest.SampleCase(), escpos.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	qr := receipt.Document{Blocks: []receipt.Block{{Kind: receipt.QR, Data: "SC20260301000001"}}}
	raster, err := escpos.EncodeReceipt(qr, escpos.EncodeOptions{QRMode: escpos.QRRaster, QRModuleSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	return []simStreamSeed{
		{job, 100},
		{raster, 7},
		{printertest.Unhex(t, "1D 76 30 03 FF FF FF FF 00"), 3},
		{printertest.Unhex(t, "1D 28 6B 03 00 31 51 30 1D 28 6B 05 00 31 50 30 41 42 1D 28 6B 03 00 31 51 30"), 11},
		{printertest.Unhex(t, "1B 26 03 20 7E 0C"), 2},
		{printertest.Unhex(t, "1D 38 4C FF FF FF FF"), 4},
		{printertest.Unhex(t, "10 04 01 10 04 04 10 14 08 01 02 03 04 05 06 07"), 1},
		{printertest.Unhex(t, "81 30 81 30 FE 39 FE 39 1C 2E 81 1B 40 95 32"), 5},
		{printertest.Unhex(t, "1D 48 03 1D 77 02 1D 6B 49 06 7B 42 41 7B 43 0C 1D 6B 02 31 32 00"), 9},
		{printertest.Unhex(t, "1B 2A 21 02 00 10 04 01 FF FF FF 0A 1B 2B 3C 1B 28 41 01 00 30"), 6},
		{printertest.Unhex(t, "1D 28 4C 0B 00 30 70 30 02 02 31 03 00 01 00 A0 1D 28 4C 02 00 30 32"), 12},
		{printertest.Unhex(t, "1D 28 4C 0C 00 30 43 30 41 31 01 31 03 00 01 00 A0 1D 28 4C 06 00 30 45 41 31 02 01"), 14},
	}
}

// rasterReceipt is a whole 80 mm receipt with its QR code as a raster
// image, split after 7 bytes.
func rasterReceipt(t testing.TB) simStreamSeed {
	t.Helper()
	raster, err := escpos.EncodeReceipt(printertest.SampleCase(), escpos.EncodeOptions{QRMode: escpos.QRRaster, Paper: escpos.Paper80})
	if err != nil {
		t.Fatal(err)
	}
	return simStreamSeed{raster, 7}
}

// TestSimStreamSeedsOverPty is the slow half of FuzzSimStream: each seed,
// and a whole receipt with a raster QR code, goes to a sim on a pty, as a
// host sends it, with receipts drawn. The sim must take it, still print a
// receipt after it, and draw every receipt it cut.
func TestSimStreamSeedsOverPty(t *testing.T) {
	for i, seed := range append(simStreamSeeds(t), rasterReceipt(t)) {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sim, p, err := StartPty(ctx, SimOptions{Paper: escpos.Paper58, CommandTimeout: 50 * time.Millisecond}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			var mu sync.Mutex
			var cut []Receipt
			sim.OnReceipt(func(r Receipt) { mu.Lock(); cut = append(cut, r); mu.Unlock() })
			port, err := serialport.Open(p.SlavePath, 115200)
			if err != nil {
				t.Fatal(err)
			}
			defer port.Close()
			if _, err := port.Write(seed.data); err != nil {
				t.Fatal(err)
			}
			// A command the seed left open swallows what follows until the
			// sim drops it after CommandTimeout: say it again until it prints.
			ok := func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(cut) > 0 && strings.HasSuffix(cut[len(cut)-1].Text, "OK")
			}
			deadline := time.Now().Add(15 * time.Second)
			for !ok() {
				if time.Now().After(deadline) {
					t.Fatalf("no receipt after the seed; stats %+v", sim.Stats())
				}
				if _, err := port.Write([]byte{0x1D, 'V', 0, 0x1B, '@', 'O', 'K', '\n', 0x1D, 'V', 0}); err != nil {
					t.Fatal(err)
				}
				time.Sleep(200 * time.Millisecond)
			}
			mu.Lock()
			defer mu.Unlock()
			for j, r := range cut {
				if r.Image == nil {
					t.Errorf("receipt %d of %d not drawn", j+1, len(cut))
				}
			}
		})
	}
}

// BenchmarkSimStreamBody measures FuzzSimStream's body on its seeds and a
// whole raster receipt; BenchmarkSimStreamDrawing measures the same bytes
// on a sim that draws its receipts. The body should cost a fraction of the
// drawing sim: a body that drew let the fuzzer run a few dozen inputs a
// minute. (checkSimStream itself fails if its sim draws.)
func BenchmarkSimStreamBody(b *testing.B) {
	seeds := append(simStreamSeeds(b), rasterReceipt(b))
	for b.Loop() {
		for _, s := range seeds {
			checkSimStream(b, s.data, s.split)
		}
	}
}

// BenchmarkSimStreamDrawing is BenchmarkSimStreamBody's yardstick: the
// same bytes on a sim that draws each receipt it cuts.
func BenchmarkSimStreamDrawing(b *testing.B) {
	seeds := append(simStreamSeeds(b), rasterReceipt(b))
	rd, err := render.New()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		for _, s := range seeds {
			sim := newSim(&line{}, SimOptions{Paper: escpos.Paper58, Keep: 4, CommandTimeout: time.Second}, nil, rd)
			sim.consume(s.data)
			sim.consume([]byte{0x1D, 'V', 0})
		}
	}
}
