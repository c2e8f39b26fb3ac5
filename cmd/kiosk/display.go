package main

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2"

	"sckiosk/internal/xdisplay"
)

// displayTimeout bounds the connection to the X server in displayUsable.
const displayTimeout = 2 * time.Second

// displayUsable checks that an X server answers at $DISPLAY; if not, it
// says so in one line on stderr.
func displayUsable(stderr io.Writer) bool {
	d := os.Getenv("DISPLAY")
	if err := xdisplay.Check(d, displayTimeout); err != nil {
		fmt.Fprintln(stderr, noDisplayLine(d, err))
		return false
	}
	return true
}

// noDisplayLine is the one line the kiosk prints when it cannot open the
// display d.
func noDisplayLine(d string, err error) string {
	if d == "" {
		return fmt.Sprintf("kiosk: cannot open display: %v", err)
	}
	return fmt.Sprintf("kiosk: cannot open display %s: %v", d, err)
}

// newWindow creates a window. GLFW starts with the first one, and panics
// when it cannot open the display after all (a server that answered
// xdisplay.Check but refused the kiosk, or went away): that panic comes
// back as an error naming what GLFW logged, so the kiosk can say it in
// one line. What the log package received meanwhile is passed on.
func newWindow(a fyne.App, title string) (w fyne.Window, err error) {
	var logged bytes.Buffer
	prev := log.Writer()
	log.SetOutput(&logged)
	defer func() {
		log.SetOutput(prev)
		r := recover()
		if r == nil {
			_, _ = prev.Write(logged.Bytes())
			return
		}
		cause := fmt.Sprint(r)
		if !strings.Contains(cause, "GLFW") && !strings.Contains(logged.String(), "X11") {
			_, _ = prev.Write(logged.Bytes())
			panic(r) // not the display: a bug to see whole
		}
		var why []string
		for _, line := range strings.Split(strings.TrimSpace(logged.String()), "\n") {
			if line = strings.TrimSpace(stripLogPrefix(line)); line != "" {
				why = append(why, line)
			}
		}
		w, err = nil, fmt.Errorf("%s", strings.Join(append(why, cause), "; "))
	}()
	return a.NewWindow(title), nil
}

// stripLogPrefix drops the date and time the standard logger writes
// ("2006/01/02 15:04:05 ").
func stripLogPrefix(line string) string {
	if len(line) > 20 && line[4] == '/' && line[7] == '/' && line[10] == ' ' && line[13] == ':' && line[19] == ' ' {
		return line[20:]
	}
	return line
}
