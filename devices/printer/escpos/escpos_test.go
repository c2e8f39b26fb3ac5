package escpos

import (
	"bytes"
	"image"
	"image/color"
	"strings"
	"testing"

	"sckiosk/devices/printer/internal/printertest"
	"sckiosk/kiosk/core/receipt"
)

func TestEncoderCommands(t *testing.T) {
	tests := []struct {
		name string
		enc  func(e *Encoder)
		want string
	}{
		{"init", func(e *Encoder) { e.Init() }, "1B 40"},
		{"align left", func(e *Encoder) { e.Align(AlignLeft) }, "1B 61 00"},
		{"align centre", func(e *Encoder) { e.Align(AlignCenter) }, "1B 61 01"},
		{"align right", func(e *Encoder) { e.Align(AlignRight) }, "1B 61 02"},
		{"bold on", func(e *Encoder) { e.Bold(true) }, "1B 45 01"},
		{"bold off", func(e *Encoder) { e.Bold(false) }, "1B 45 00"},
		{"double size", func(e *Encoder) { e.Size(2, 2) }, "1D 21 11"},
		{"normal size", func(e *Encoder) { e.Size(1, 1) }, "1D 21 00"},
		{"double width", func(e *Encoder) { e.Size(2, 1) }, "1D 21 10"},
		{"chinese on", func(e *Encoder) { e.ChineseMode(true) }, "1C 26"},
		{"chinese off", func(e *Encoder) { e.ChineseMode(false) }, "1C 2E"},
		{"lf", func(e *Encoder) { e.LF() }, "0A"},
		{"feed", func(e *Encoder) { e.Feed(3) }, "1B 64 03"},
		{"feed dots", func(e *Encoder) { e.FeedDots(12) }, "1B 4A 0C"},
		{"cut", func(e *Encoder) { e.Cut(0) }, "1D 56 42 00"},
		{"四川", func(e *Encoder) { e.Text("四川") }, "CB C4 B4 A8"},
		{"四川省政务服务", func(e *Encoder) { e.Text("四川省政务服务") }, "CB C4 B4 A8 CA A1 D5 FE CE F1 B7 FE CE F1"},
		{"ascii", func(e *Encoder) { e.Text("SC-01") }, "53 43 2D 30 31"},
		{"controls dropped", func(e *Encoder) { e.Text("a\x1bd\x05\tb\n") }, "61 64 20 62"},
		{"4-byte GB18030", func(e *Encoder) { e.Text("𠮷") }, "95 34 B2 35"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewEncoder()
			tt.enc(e)
			if err := e.Err(); err != nil {
				t.Fatal(err)
			}
			if got, want := e.Bytes(), printertest.Unhex(t, tt.want); !bytes.Equal(got, want) {
				t.Fatalf("got % X, want % X", got, want)
			}
		})
	}
}

// The exact QR sequence of devices.md §4.4: "ABC123", model 2, module 6, EC M.
func TestQRNativeBytes(t *testing.T) {
	want := printertest.Unhex(t, `
		1D 28 6B 04 00 31 41 32 00
		1D 28 6B 03 00 31 43 06
		1D 28 6B 03 00 31 45 31
		1D 28 6B 09 00 31 50 30 41 42 43 31 32 33
		1D 28 6B 03 00 31 51 30`)
	e := NewEncoder().QR([]byte("ABC123"), 6, ECLevelM)
	if err := e.Err(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(e.Bytes(), want) {
		t.Fatalf("got\n% X\nwant\n% X", e.Bytes(), want)
	}
}

func TestQRStoreLength(t *testing.T) {
	tests := []struct {
		n      int
		pL, pH byte
	}{{1, 4, 0}, {252, 0xFF, 0}, {253, 0, 1}, {300, 0x2F, 0x01}, {7089, 0xB4, 0x1B}}
	for _, tt := range tests {
		e := NewEncoder().QR(bytes.Repeat([]byte{'7'}, tt.n), 3, ECLevelL)
		if err := e.Err(); err != nil {
			t.Fatalf("%d bytes: %v", tt.n, err)
		}
		b := e.Bytes()
		store := b[9+8+8:] // after fn 165, 167, 169
		if store[3] != tt.pL || store[4] != tt.pH || store[6] != 'P' {
			t.Errorf("%d bytes: store header % X, want pL pH %02X %02X", tt.n, store[:8], tt.pL, tt.pH)
		}
	}
}

func TestEncoderErrors(t *testing.T) {
	tests := []struct {
		name string
		enc  func(e *Encoder)
	}{
		{"size 0", func(e *Encoder) { e.Size(0, 1) }},
		{"size 9", func(e *Encoder) { e.Size(1, 9) }},
		{"feed 256", func(e *Encoder) { e.Feed(256) }},
		{"feed dots -1", func(e *Encoder) { e.FeedDots(-1) }},
		{"align 3", func(e *Encoder) { e.Align(3) }},
		{"qr empty", func(e *Encoder) { e.QR(nil, 3, ECLevelM) }},
		{"qr too long", func(e *Encoder) { e.QR(make([]byte, 7090), 3, ECLevelM) }},
		{"qr module 0", func(e *Encoder) { e.QR([]byte("x"), 0, ECLevelM) }},
		{"qr module 17", func(e *Encoder) { e.QR([]byte("x"), 17, ECLevelM) }},
		{"qr level", func(e *Encoder) { e.QR([]byte("x"), 3, 'M') }},
		{"raster qr empty", func(e *Encoder) { e.RasterQR(nil, 3, ECLevelM) }},
		{"raster empty image", func(e *Encoder) { e.Raster(image.NewGray(image.Rect(0, 0, 0, 5))) }},
	}
	for _, tt := range tests {
		e := NewEncoder()
		tt.enc(e)
		if e.Err() == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

// devices.md §4.5: a 16×2 image = 1D 76 30 00 02 00 02 00 FF 00 00 FF.
func TestRasterBytes(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 16, 2))
	for y := range 2 {
		for x := range 16 {
			black := (y == 0) == (x < 8)
			if black {
				img.SetGray(x, y, color.Gray{})
			} else {
				img.SetGray(x, y, color.Gray{Y: 0xFF})
			}
		}
	}
	e := NewEncoder().Raster(img)
	if want := printertest.Unhex(t, "1D 76 30 00 02 00 02 00 FF 00 00 FF"); !bytes.Equal(e.Bytes(), want) {
		t.Fatalf("got % X, want % X", e.Bytes(), want)
	}
	// A width that is not a multiple of 8 is padded with white.
	e = NewEncoder().Raster(image.NewGray(image.Rect(0, 0, 9, 1))) // all black
	if want := printertest.Unhex(t, "1D 76 30 00 02 00 01 00 FF 80"); !bytes.Equal(e.Bytes(), want) {
		t.Fatalf("9 dots: got % X, want % X", e.Bytes(), want)
	}
}

func TestRuneWidth(t *testing.T) {
	tests := []struct {
		r    rune
		want int
	}{
		{'A', 1}, {'0', 1}, {' ', 1}, {'\n', 0}, {0x1B, 0}, {0x7F, 0}, {0x85, 0},
		{'四', 2}, {'，', 2}, {'：', 2}, {'Ａ', 2}, {'·', 2}, {'“', 2}, {'é', 2},
		{'ｱ', 1}, {'𠮷', 2},
	}
	for _, tt := range tests {
		if got := RuneWidth(tt.r); got != tt.want {
			t.Errorf("RuneWidth(%q) = %d, want %d", tt.r, got, tt.want)
		}
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		name string
		s    string
		cols int
		want []string
	}{
		{"empty", "", 32, []string{""}},
		{"fits", "成都市武侯区 SC2026", 32, []string{"成都市武侯区 SC2026"}},
		{"cjk 32", strings.Repeat("四", 20), 32, []string{strings.Repeat("四", 16), strings.Repeat("四", 4)}},
		{"cjk 48", strings.Repeat("川", 30), 48, []string{strings.Repeat("川", 24), strings.Repeat("川", 6)}},
		{"cjk odd column", "a" + strings.Repeat("四", 16), 32, []string{"a" + strings.Repeat("四", 15), "四"}},
		{"mixed no word to move", "请凭办件编号SC20261125000001到窗口领取", 32,
			[]string{"请凭办件编号SC20261125000001到窗", "口领取"}},
		{"mixed keeps word 32", "办件编号为成都市武侯区SC20261125000001", 32,
			[]string{"办件编号为成都市武侯区", "SC20261125000001"}},
		{"mixed keeps word 48", "请于5个工作日后凭本回执和办件编号到窗口领取SC20261125000001号", 48,
			[]string{"请于5个工作日后凭本回执和办件编号到窗口领取", "SC20261125000001号"}},
		{"spaces break", "hello world this is a kiosk receipt line", 16,
			[]string{"hello world this", "is a kiosk", "receipt line"}},
		{"long word split", strings.Repeat("x", 40), 32, []string{strings.Repeat("x", 32), strings.Repeat("x", 8)}},
		{"newline", "第一行\n第二行", 32, []string{"第一行", "第二行"}},
		{"tiny", "四川", 1, []string{"四", "川"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Wrap(tt.s, tt.cols)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("Wrap(%q, %d) =\n%q\nwant\n%q", tt.s, tt.cols, got, tt.want)
			}
			for _, l := range got {
				if w := DisplayWidth(l); w > max(tt.cols, 2) {
					t.Errorf("line %q is %d columns", l, w)
				}
			}
		})
	}
}

func TestRowLines(t *testing.T) {
	tests := []struct {
		name         string
		label, value string
		cols         int
		want         []string
	}{
		{"one line", "办件编号", "SC20261125000001", 32, []string{"办件编号：SC20261125000001"}},
		{"hanging indent 32", "状态", "已受理，待上报（网络恢复后自动提交）", 32, []string{
			"状态：已受理，待上报（网络恢复后",
			"      自动提交）",
		}},
		{"hanging indent 48", "事项", "四川省成都市武侯区城乡居民基本医疗保险参保登记及缴费", 48, []string{
			"事项：四川省成都市武侯区城乡居民基本医疗保险参保",
			"      登记及缴费",
		}},
		{"no label", "", "值", 32, []string{"值"}},
		{"no value", "备注", "", 32, []string{"备注："}},
		{"wide label", "承诺办结时限及法定依据说明", "五个工作日", 32, []string{
			"承诺办结时限及法定依据说明：五个",
			"  工作日",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rowLines(tt.label, tt.value, tt.cols)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("got\n%q\nwant\n%q", got, tt.want)
			}
			for _, l := range got {
				if DisplayWidth(l) > tt.cols {
					t.Errorf("line %q is %d columns", l, DisplayWidth(l))
				}
			}
		})
	}
}

// The whole job for a small document, byte for byte: reset, Chinese mode,
// the centred bold double-size title in GB18030, a row, a 32-column rule,
// the native QR of devices.md §4.4 with its caption, feed and partial cut.
func TestEncodeReceiptGolden(t *testing.T) {
	doc := receipt.Document{Blocks: []receipt.Block{
		{Kind: receipt.Title, Text: "回执"},
		{Kind: receipt.Row, Label: "编号", Text: "A1"},
		{Kind: receipt.Rule},
		{Kind: receipt.QR, Data: "ABC123", Text: "扫码"},
	}}
	want := printertest.Unhex(t, `
		1B 40 1C 26 1B 61 00
		1B 61 01 1B 45 01 1D 21 11 BB D8 D6 B4 0A 1D 21 00 1B 45 00 1B 61 00 1B 4A 0C
		B1 E0 BA C5 A3 BA 41 31 0A
		`+strings.Repeat("2D ", 32)+`0A
		0A 1B 61 01
		1D 28 6B 04 00 31 41 32 00
		1D 28 6B 03 00 31 43 06
		1D 28 6B 03 00 31 45 31
		1D 28 6B 09 00 31 50 30 41 42 43 31 32 33
		1D 28 6B 03 00 31 51 30
		0A 1B 61 00
		1B 61 01 C9 A8 C2 EB 0A 1B 61 00
		1B 64 03 1D 56 42 00`)
	got, err := EncodeReceipt(doc, EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got\n% X\nwant\n% X", got, want)
	}
}

func TestEncodeReceipt(t *testing.T) {
	doc := printertest.SampleCase()
	tests := []struct {
		name string
		opt  EncodeOptions
		has  []string // hex fragments the job must contain
		cols int
	}{
		{"58 native", EncodeOptions{}, []string{"1D 28 6B 04 00 31 41 32 00", "1D 28 6B 03 00 31 43 06", "1D 28 6B 03 00 31 45 31"}, 32},
		{"80 native H", EncodeOptions{Paper: Paper80, QRECLevel: ECLevelH, QRModuleSize: 5}, []string{"1D 28 6B 03 00 31 43 05", "1D 28 6B 03 00 31 45 33"}, 48},
		{"58 raster", EncodeOptions{QRMode: QRRaster}, []string{"1D 76 30 00"}, 32},
	}
	gbTitle := printertest.Unhex(t, "D5 FE CE F1 B7 FE CE F1 B0 EC BC FE BB D8 D6 B4") // 政务服务办件回执
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job, err := EncodeReceipt(doc, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(job, printertest.Unhex(t, "1B 40 1C 26 1B 61 00")) {
				t.Errorf("job starts % X", job[:8])
			}
			if !bytes.HasSuffix(job, printertest.Unhex(t, "1B 64 03 1D 56 42 00")) {
				t.Errorf("job ends % X", job[len(job)-8:])
			}
			title := append(printertest.Unhex(t, "1B 61 01 1B 45 01 1D 21 11"), gbTitle...)
			if !bytes.Contains(job, title) {
				t.Error("no centred bold double-size title")
			}
			for _, h := range tt.has {
				if !bytes.Contains(job, printertest.Unhex(t, h)) {
					t.Errorf("job lacks % X", printertest.Unhex(t, h))
				}
			}
			if rule := bytes.Repeat([]byte{'-'}, tt.cols); !bytes.Contains(job, append(rule, '\n')) {
				t.Errorf("no %d-column rule", tt.cols)
			}
			if bytes.Contains(job, bytes.Repeat([]byte{'-'}, tt.cols+1)) {
				t.Errorf("rule wider than %d columns", tt.cols)
			}
			if tt.opt.QRMode == QRNative && !bytes.Contains(job, []byte(doc.Blocks[len(doc.Blocks)-2].Data)) {
				t.Error("QR data not stored")
			}
		})
	}
}

func TestEncodeReceiptShrinksQRToFit(t *testing.T) {
	data := strings.Repeat("https://zwfw.sc.gov.cn/", 20) // version ~19, 93 modules
	doc := receipt.Document{Blocks: []receipt.Block{{Kind: receipt.QR, Data: data}}}
	for _, p := range []Paper{Paper58, Paper80} {
		job, err := EncodeReceipt(doc, EncodeOptions{Paper: p, QRModuleSize: 8})
		if err != nil {
			t.Fatal(err)
		}
		bm, _ := QRModules([]byte(data), ECLevelM)
		i := bytes.Index(job, printertest.Unhex(t, "1D 28 6B 03 00 31 43"))
		if i < 0 {
			t.Fatal("no module size")
		}
		module := int(job[i+7])
		if module*len(bm) > p.Dots() || (module+1)*len(bm) <= p.Dots() && module < 8 {
			t.Errorf("%s: module %d for %d modules", p, module, len(bm))
		}
	}
	if _, err := EncodeReceipt(receipt.Document{Blocks: []receipt.Block{{Kind: receipt.QR, Data: strings.Repeat("中", 900)}}}, EncodeOptions{}); err == nil {
		t.Error("a QR too big for the paper was accepted")
	}
}

func TestEncodeOptionsInvalid(t *testing.T) {
	doc := printertest.SampleCase()
	for _, opt := range []EncodeOptions{{Paper: 76}, {QRModuleSize: 17}, {QRECLevel: 'x'}, {QRMode: 7}} {
		if _, err := EncodeReceipt(doc, opt); err == nil {
			t.Errorf("%+v accepted", opt)
		}
	}
}

func BenchmarkEncodeReceipt(b *testing.B) {
	doc := printertest.SampleCase()
	for _, opt := range []EncodeOptions{{}, {QRMode: QRRaster}} {
		b.Run(opt.QRMode.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := EncodeReceipt(doc, opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
