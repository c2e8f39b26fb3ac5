package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"sckiosk/devices/serialport"
)

// cmdSim runs one device simulator on a pty until interrupted.
func cmdSim(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	if len(args) == 0 {
		return usageErr("sim: which device? idcard, printer or scanner")
	}
	switch args[0] {
	case "idcard":
		return simIDCard(ctx, args[1:], out, log)
	case "printer":
		return simPrinter(ctx, args[1:], out, log)
	case "scanner":
		return simScanner(ctx, args[1:], out, log)
	}
	return usageErr("sim: unknown device %q (idcard, printer or scanner)", args[0])
}

// announce prints where a simulator listens, linking it first if asked.
func announce(out io.Writer, p *serialport.Pty, link string) error {
	if link != "" {
		if err := p.LinkAt(link); err != nil {
			return err
		}
		fmt.Fprintf(out, "simulator on %s (linked at %s)\n", p.SlavePath, link)
		return nil
	}
	fmt.Fprintf(out, "simulator on %s\n", p.SlavePath)
	return nil
}
