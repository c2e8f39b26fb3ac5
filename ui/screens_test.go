package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"sckiosk/kiosk/session"
)

// Every screen matches its golden image in testdata/ (portrait). Goldens
// change on purpose only: a failing run writes testdata/failed/.
func TestScreensMatchGoldens(t *testing.T) {
	test.NewTempApp(t)
	dict, err := LoadDict()
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range DemoStates() {
		t.Run(name, func(t *testing.T) {
			fyne.CurrentApp().Settings().SetTheme(NewTheme())
			k := NewKiosk(func(session.Event) {})
			k.Dict = dict
			w := test.NewWindow(k.Content())
			defer w.Close()
			w.Resize(Portrait)
			k.Show(s)
			test.AssertImageMatches(t, "portrait/"+name+".png", w.Canvas().Capture())
		})
	}
}

// Every screen in landscape (1920×1080) matches its golden image too.
func TestLandscapeGoldens(t *testing.T) {
	test.NewTempApp(t)
	dict, err := LoadDict()
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range DemoStates() {
		t.Run(name, func(t *testing.T) {
			fyne.CurrentApp().Settings().SetTheme(NewTheme())
			k := NewKiosk(func(session.Event) {})
			k.Landscape, k.Dict = true, dict
			w := test.NewWindow(k.Content())
			defer w.Close()
			w.Resize(Landscape)
			k.Show(s)
			test.AssertImageMatches(t, "landscape/"+name+".png", w.Canvas().Capture())
		})
	}
}

// No screen needs more room than the kiosk's screen, in either orientation
// and in elder mode: on a real kiosk an oversized screen is cut off.
func TestScreensFit(t *testing.T) {
	test.NewTempApp(t)
	dict, err := LoadDict()
	if err != nil {
		t.Fatal(err)
	}
	for _, landscape := range []bool{false, true} {
		limit := Portrait
		if landscape {
			limit = Landscape
		}
		for name, s := range DemoStates() {
			for _, elder := range []bool{false, true} {
				s.Elder = elder
				th := NewTheme()
				if elder {
					th.Scale = ElderScale
				}
				fyne.CurrentApp().Settings().SetTheme(th)
				k := NewKiosk(func(session.Event) {})
				k.Landscape, k.Dict = landscape, dict
				k.Redraw(s)
				if min := k.Content().MinSize(); min.Width > limit.Width || min.Height > limit.Height {
					t.Errorf("%s (landscape %v, elder %v) needs %.0f×%.0f, screen is %.0f×%.0f",
						name, landscape, elder, min.Width, min.Height, limit.Width, limit.Height)
				}
			}
		}
	}
}
