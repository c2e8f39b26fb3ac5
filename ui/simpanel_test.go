package ui

import (
	"errors"
	"image"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"sckiosk/kiosk/core/session"
)

// fakeSim records what the panel asks of the simulators.
type fakeSim struct{ calls []string }

func (f *fakeSim) note(s string) error { f.calls = append(f.calls, s); return nil }

func (f *fakeSim) PlaceCard() error              { return f.note("card") }
func (f *fakeSim) PlaceCardOf(kind string) error { return f.note("card " + kind) }
func (f *fakeSim) RemoveCard() error             { return f.note("remove") }
func (f *fakeSim) ShowReceiptCode() error {
	f.note("receipt")
	return errors.New("no receipt yet")
}
func (f *fakeSim) SetReaderFault(b bool)            { f.note("reader " + onOff(b)) }
func (f *fakeSim) SetScannerUnplugged(b bool) error { return f.note("unplug " + onOff(b)) }
func (f *fakeSim) ShowCode(kind string) error       { return f.note("code " + kind) }
func (f *fakeSim) ShowToCamera(kind string) error   { return f.note("camera " + kind) }
func (f *fakeSim) SetPaperOut(b bool)               { f.note("paper " + onOff(b)) }
func (f *fakeSim) SetNetworkDown(b bool)            { f.note("net " + onOff(b)) }
func onOff(b bool) string                           { return map[bool]string{true: "on", false: "off"}[b] }
func (f *fakeSim) last() string                     { return f.calls[len(f.calls)-1] }
func buttonsOf(o fyne.CanvasObject) (bs []*Button)  { walkButtons(o, &bs); return bs }
func walkButtons(o fyne.CanvasObject, bs *[]*Button) {
	switch o := o.(type) {
	case *Button:
		*bs = append(*bs, o)
	case *fyne.Container:
		for _, c := range o.Objects {
			walkButtons(c, bs)
		}
	case fyne.Widget:
		r := test.WidgetRenderer(o)
		for _, c := range r.Objects() {
			walkButtons(c, bs)
		}
	}
}

// Every panel button does what its label says, a failure shows in the
// status line, and the toggles switch back.
func TestSimPanelActions(t *testing.T) {
	test.NewTempApp(t)
	f := &fakeSim{}
	p := NewSimPanel(f)
	test.NewWindow(p.Content()).Resize(fyne.NewSize(SimPanelWidth, 1920))
	want := map[string]string{
		"放置身份证": "card", "取走身份证": "remove", "放置过期身份证": "card expired", "放置外国人永居证": "card foreign",
		"出示天府通办码": "code app", "出示健康码": "code health", "出示亮证码": "code licence", "出示营业执照码": "code business",
		"摄像头出示通办码": "camera app", "出示伪造二维码": "code forged", "扫描回执二维码": "receipt",
		"打印机缺纸": "paper on", "断开网络": "net on", "读卡器故障": "reader on", "拔下扫码器": "unplug on",
	}
	var seen []string
	for _, b := range buttonsOf(p.Content()) {
		label := b.Text
		test.Tap(b)
		if got := f.last(); got != want[label] {
			t.Errorf("%s did %q, want %q", label, got, want[label])
		}
		seen = append(seen, label)
	}
	if len(seen) != len(want) {
		t.Errorf("buttons %q, want %d", seen, len(want))
	}
	if got := p.status.Text; got != "扫码器已拔下" {
		t.Errorf("status %q after unplugging the scanner", got)
	}
	for _, b := range buttonsOf(p.Content()) {
		if b.Text == "扫描回执二维码" {
			test.Tap(b)
			if !strings.Contains(p.status.Text, "失败") || !strings.Contains(p.status.Text, "no receipt yet") {
				t.Errorf("a failed action shows %q", p.status.Text)
			}
		}
		if b.Text == "插回扫码器" {
			test.Tap(b)
			if f.last() != "unplug off" || b.Text != "拔下扫码器" {
				t.Errorf("the toggle back did %q and reads %q", f.last(), b.Text)
			}
		}
	}
}

// In one window, the kiosk keeps its own size at the left and the panel
// lies whole to its right, in both orientations: nothing of either is
// off the window, and a kiosk screen cannot widen it.
func TestSimWindowSideBySide(t *testing.T) {
	test.NewTempApp(t)
	for _, landscape := range []bool{false, true} {
		size := Portrait
		if landscape {
			size = Landscape
		}
		k := NewKiosk(func(session.Event) {})
		k.Landscape = landscape
		useTheme(k, false, landscape)
		sw := NewSimWindow(k.Content(), size)
		p := NewSimPanel(&fakeSim{})
		sw.SetPanel(p)
		p.ShowReceipt(image.NewGray(image.Rect(0, 0, 576, 1200)))
		w := test.NewWindow(sw.Content())
		w.SetPadded(false)
		w.Resize(sw.Size())
		k.Show(onlineDevices(DemoStates()["idle"]))
		if got := w.Canvas().Size(); got != sw.Size() {
			t.Errorf("landscape %v: window %v, want %v", landscape, got, sw.Size())
		}
		if k.Content().Size() != size || k.Content().Position() != (fyne.Position{}) {
			t.Errorf("landscape %v: kiosk at %v size %v, want %v at the origin", landscape, k.Content().Position(), k.Content().Size(), size)
		}
		if x := sw.slot.Position().X; x != size.Width || sw.slot.Size().Width != SimPanelWidth {
			t.Errorf("landscape %v: panel at x %v, want %v", landscape, x, size.Width)
		}
		wide, tall := misfits(k.Content(), size)
		if problems := slices.Concat(wide, tall); len(problems) > 0 {
			t.Errorf("landscape %v: the kiosk off its screen:\n\t%s", landscape, strings.Join(problems[:min(4, len(problems))], "\n\t"))
		}
		// The panel's buttons are all in the window; the receipt below
		// them may be scrolled to.
		n := 0
		walkAt(p.Content(), sw.slot.Position(), func(b *Button, at fyne.Position) {
			n++
			if at.X < size.Width || at.X+b.Size().Width > sw.Size().Width+0.5 || at.Y+b.Size().Height > sw.Size().Height+0.5 {
				t.Errorf("landscape %v: button %q at %v size %v is not wholly in the window", landscape, b.Text, at, b.Size())
			}
		})
		if n == 0 {
			t.Errorf("landscape %v: no panel button found", landscape)
		}
		if p.receipt.Size().Height < 300 && !landscape {
			t.Errorf("the receipt has %v beside a portrait kiosk", p.receipt.Size())
		}
		for _, b := range buttonsOf(p.Content()) {
			if b.MinSize().Width > b.Size().Width+0.5 {
				t.Errorf("landscape %v: button %q is %v wide for a label of %v", landscape, b.Text, b.Size().Width, b.MinSize().Width)
			}
		}
		// 0.5 of the window fits a 1920×1080 monitor whole.
		if s := sw.Size(); s.Width/2 > 1920 || s.Height/2 > 1080 {
			t.Errorf("landscape %v: %v at scale 0.5 does not fit 1920×1080", landscape, s)
		}
		w.Close()
	}
}

// walkAt calls f with every Button under o and its position, o being at
// at.
func walkAt(o fyne.CanvasObject, at fyne.Position, f func(*Button, fyne.Position)) {
	if o == nil || !o.Visible() {
		return
	}
	at = at.Add(o.Position())
	switch o := o.(type) {
	case *Button:
		f(o, at)
	case *fyne.Container:
		for _, c := range o.Objects {
			walkAt(c, at, f)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(o).Objects() {
			walkAt(c, at, f)
		}
	}
}
