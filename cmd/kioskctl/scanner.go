package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"sckiosk/devices/scanner"
	"sckiosk/devices/serialport"
)

// simScanner shows each line typed on stdin to the kiosk as a scanned code.
func simScanner(ctx context.Context, args []string, out io.Writer, _ *slog.Logger) error {
	var link string
	if _, err := flags("sim scanner", args, func(fs *flag.FlagSet) {
		fs.StringVar(&link, "link", "", "also make a symlink to the pty here")
	}); err != nil {
		return err
	}
	p, err := serialport.NewPty()
	if err != nil {
		return err
	}
	defer p.Close()
	if err := announce(out, p, link); err != nil {
		return err
	}
	fmt.Fprintln(out, "type a code and Enter to show it to the kiosk")
	sim := scanner.NewSim(p.Master)
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			if err := sim.Show(sc.Text()); err != nil {
				return
			}
		}
	}()
	<-ctx.Done()
	return nil
}
