package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"sckiosk/kiosk/core/session"
	"sckiosk/ui"
)

// screenshots draws every demo screen in the real window and saves the X
// screen as DIR/NAME.png with ImageMagick's import: the README's pictures,
// in either orientation. Run it under Xvfb with a screen of the design size.
func screenshots(o options, stderr io.Writer) int {
	if err := os.MkdirAll(o.shots, 0o755); err != nil {
		fmt.Fprintln(stderr, "kiosk:", err)
		return 1
	}
	if o.scale > 0 {
		os.Setenv("FYNE_SCALE", fmt.Sprint(o.scale))
	}
	a := app.NewWithID("cn.gov.sc.kiosk.screenshots")
	a.Settings().SetTheme(ui.NewTheme())
	w, err := newWindow(a, "政务服务自助终端")
	if err != nil {
		fmt.Fprintln(stderr, noDisplayLine(os.Getenv("DISPLAY"), err))
		return exitNoDisplay
	}
	k := ui.NewKiosk(func(session.Event) {})
	k.Landscape = o.landscape
	w.SetContent(k.Content())
	size := ui.Portrait
	if o.landscape {
		size = ui.Landscape
	}
	w.Resize(size)
	w.SetFullScreen(o.fullscreen)
	code := 0
	go func() {
		defer fyne.Do(a.Quit)
		dict, err := ui.LoadDict()
		if err != nil {
			fmt.Fprintln(stderr, "kiosk:", err)
			code = 1
			return
		}
		states := ui.DemoStates()
		names := make([]string, 0, len(states))
		for n := range states {
			names = append(names, n)
		}
		sort.Strings(names)
		time.Sleep(time.Second) // the window maps and draws once
		for _, n := range names {
			fyne.DoAndWait(func() { k.Dict = dict; k.Redraw(states[n]) })
			time.Sleep(600 * time.Millisecond)
			// The X server's copy of the window is what a citizen sees; GL
			// read-back under a software renderer is not reliable.
			path := filepath.Join(o.shots, n+".png")
			if out, err := exec.Command("import", "-window", "root", path).CombinedOutput(); err != nil {
				fmt.Fprintf(stderr, "kiosk: screenshot %s: %v %s (needs ImageMagick's import)\n", n, err, bytes.TrimSpace(out))
				code = 1
				return
			}
			fmt.Fprintln(stderr, "kiosk: wrote", path)
		}
	}()
	w.ShowAndRun()
	return code
}
