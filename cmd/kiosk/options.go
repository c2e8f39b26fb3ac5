package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
)

// options are the kiosk's command-line flags.
type options struct {
	sim        bool
	profiles   []string // hall profile first, then per-kiosk overrides
	fullscreen bool
	scale      float64 // 0 = leave Fyne's default (or FYNE_SCALE)
	simDir     string
	shots      string // --screenshots DIR: draw every screen to DIR and quit
	landscape  bool
	// errorWindow shows a broken profile's problems on screen before the
	// kiosk exits: on by default on a display, off in tests.
	errorWindow bool
	pprof       string // directory for start-up profiles; empty: none
}

// errUsage marks a command-line mistake: exit code 2.
var errUsage = errors.New("usage")

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("kiosk", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&o.sim, "sim", false, "run on simulated devices and the embedded platform simulator")
	fs.Func("profile", "hall profile (YAML); repeat for per-kiosk overrides, later files win; required without --sim", func(v string) error {
		o.profiles = append(o.profiles, v)
		return nil
	})
	fs.BoolVar(&o.fullscreen, "fullscreen", false, "fill the screen (real kiosks)")
	scale := fs.String("scale", "", "UI scale factor, e.g. 0.5 to fit a portrait kiosk on a desktop screen")
	fs.StringVar(&o.simDir, "sim-dir", "", "with --sim: where to link the simulated ports (default: a temporary directory)")
	fs.BoolVar(&o.errorWindow, "error-window", os.Getenv("DISPLAY") != "" && os.Getenv("KIOSK_NO_ERROR_WINDOW") == "",
		"show a broken profile's problems on screen for a minute before exiting")
	fs.StringVar(&o.shots, "screenshots", "", "draw every screen of a demo visit into this directory as PNG, then quit")
	orientation := fs.String("orientation", "", "portrait or landscape (default: from the profile)")
	fs.StringVar(&o.pprof, "pprof", "", "diagnostics: write a CPU profile of the start-up and a heap profile 3 s after the first frame into this directory")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "usage: kiosk [--sim] [--profile FILE] [--fullscreen] [--scale F]")
			fs.SetOutput(stderr)
			fs.PrintDefaults()
		}
		return o, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	switch *orientation {
	case "", "portrait":
	case "landscape":
		o.landscape = true
	default:
		return o, fmt.Errorf("%w: --orientation %q is not portrait or landscape", errUsage, *orientation)
	}
	if o.shots != "" {
		return o, nil
	}
	if !o.sim && len(o.profiles) == 0 {
		return o, fmt.Errorf("%w: give --profile FILE, or --sim to run on simulated devices", errUsage)
	}
	if *scale != "" {
		f, err := strconv.ParseFloat(*scale, 64)
		if err != nil || f < 0.2 || f > 4 {
			return o, fmt.Errorf("%w: --scale %q is not a number between 0.2 and 4", errUsage, *scale)
		}
		o.scale = f
	}
	return o, nil
}
