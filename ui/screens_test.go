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

// The screens with the most on them also fit a landscape kiosk.
func TestLandscapeGoldens(t *testing.T) {
	test.NewTempApp(t)
	all := DemoStates()
	for _, name := range []string{"idle", "choose", "form_errors", "done_printed"} {
		t.Run(name, func(t *testing.T) {
			fyne.CurrentApp().Settings().SetTheme(NewTheme())
			k := NewKiosk(func(session.Event) {})
			k.Landscape = true
			w := test.NewWindow(k.Content())
			defer w.Close()
			w.Resize(Landscape)
			k.Show(all[name])
			test.AssertImageMatches(t, "landscape/"+name+".png", w.Canvas().Capture())
		})
	}
}
