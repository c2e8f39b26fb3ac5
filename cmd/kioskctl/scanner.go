package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"sckiosk/devices/camera"
	"sckiosk/devices/scanner"
	"sckiosk/devices/scanner/scannersim"
	"sckiosk/devices/serialport"
)

// simScanner runs the scanner simulator on a pty. With --codes DIR it
// shows the codes of every file in DIR in turn (text files: one code a
// line; images: decoded through the camera pipeline), over and over;
// without, each line typed on stdin.
func simScanner(ctx context.Context, args []string, out io.Writer, _ *slog.Logger) error {
	var link, dir, trigger, fault string
	var every time.Duration
	if _, err := flags("sim scanner", args, func(fs *flag.FlagSet) {
		fs.StringVar(&link, "link", "", "also make a symlink to the pty here")
		fs.StringVar(&dir, "codes", "", "show the codes in this directory's files (.txt lines, .png/.jpg images)")
		fs.DurationVar(&every, "every", 3*time.Second, "with --codes: time between codes")
		fs.StringVar(&trigger, "trigger", "", "command-trigger engine: gm65, honeywell or newland (default: continuous)")
		fs.StringVar(&fault, "fault", "", "garbage, partial or unterminated: how every code is sent")
	}); err != nil {
		return err
	}
	if trigger != "" {
		if _, ok := scanner.TriggerCommand(trigger); !ok {
			return usageErr("--trigger %q is not gm65, honeywell or newland", trigger)
		}
	}
	switch fault {
	case "", "garbage", "partial", "unterminated":
	default:
		return usageErr("--fault %q is not garbage, partial or unterminated", fault)
	}
	var codes []string
	if dir != "" {
		var err error
		if codes, err = codesIn(dir); err != nil {
			return err
		}
		if len(codes) == 0 {
			return usageErr("--codes %s: no codes found", dir)
		}
	}
	p, err := serialport.NewPty()
	if err != nil {
		return err
	}
	defer p.Close()
	if err := announce(out, p, link); err != nil {
		return err
	}
	sim := scannersim.NewSimWith(p.Master, scannersim.SimOptions{Trigger: trigger})
	go sim.ServeCommands(ctx, p.Master)
	show := func(code string) error {
		switch fault {
		case "garbage":
			sim.ShowGarbage(32)
		case "partial":
			return sim.ShowPartial(code, 100*time.Millisecond)
		case "unterminated":
			return sim.ShowUnterminated(code)
		}
		return sim.Show(code)
	}
	if len(codes) == 0 {
		fmt.Fprintln(out, "type a code and Enter to show it to the kiosk")
		go func() {
			sc := bufio.NewScanner(os.Stdin)
			for sc.Scan() {
				if err := show(sc.Text()); err != nil {
					return
				}
			}
		}()
		<-ctx.Done()
		return nil
	}
	fmt.Fprintf(out, "showing %d codes, one every %s\n", len(codes), every)
	for i := 0; ; i++ {
		if err := show(codes[i%len(codes)]); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(every):
		}
	}
}

// codesIn reads the codes of every file in dir, in name order.
func codesIn(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, usageErr("--codes: %v", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	dec := camera.NewDecoder(camera.DecoderOptions{})
	var codes []string
	for _, n := range names {
		path := filepath.Join(dir, n)
		switch strings.ToLower(filepath.Ext(n)) {
		case ".txt":
			b, err := os.ReadFile(path)
			if err != nil {
				return nil, err
			}
			for _, line := range strings.Split(string(b), "\n") {
				if line = strings.TrimSpace(line); line != "" {
					codes = append(codes, line)
				}
			}
		case ".png", ".jpg", ".jpeg":
			f, err := camera.LoadGray(path)
			if err != nil {
				return nil, err
			}
			res, err := dec.Decode(f)
			if err != nil {
				return nil, fmt.Errorf("sim scanner: %s: no code found: %w", n, err)
			}
			codes = append(codes, res.Text)
		}
	}
	return codes, nil
}
