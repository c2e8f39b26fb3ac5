package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"sckiosk/devices/device"
	"sckiosk/devices/idcard"
	"sckiosk/kiosk/identity"
)

// cmdIDCard holds the ID-card reader commands.
func cmdIDCard(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	if len(args) == 0 || args[0] != "read" {
		return usageErr("idcard read --port PATH [--baud N] [--timeout D]")
	}
	return readCard(ctx, args[1:], out, log)
}

// readCard reads one card and prints it masked.
func readCard(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	var port string
	var baud int
	var wait time.Duration
	if _, err := flags("idcard read", args, func(fs *flag.FlagSet) {
		fs.StringVar(&port, "port", "", "serial port of the reader")
		fs.IntVar(&baud, "baud", 115200, "baud rate")
		fs.DurationVar(&wait, "timeout", 30*time.Second, "how long to wait for a card")
	}); err != nil {
		return err
	}
	if err := needPort(port); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	events := make(chan idcard.Event, 4)
	drv := idcard.New(idcard.Options{Port: port, Baud: baud}, log)
	errc := make(chan error, 1)
	go func() {
		errc <- drv.Session(events)(ctx, func(s device.Status) { fmt.Fprintln(out, "reader:", s) })
	}()
	fmt.Fprintln(out, "place a card on the reader…")
	for {
		select {
		case ev := <-events:
			switch ev.Kind {
			case idcard.CardRead:
				c := ev.Card
				defer c.Wipe()
				fmt.Fprintf(out, "card read: %s %s, %s, born %s, valid %s–%s, photo %d bytes\n",
					identity.MaskName(c.Name), identity.MaskNumber(c.Number), c.Sex, maskBirth(c.Birth), c.ValidFrom, c.ValidTo, len(c.Photo))
				if err := identity.ValidateNumber(c.Number); err != nil {
					fmt.Fprintln(out, "warning:", err)
				}
				return nil
			case idcard.ReadFailed:
				fmt.Fprintln(out, "read failed:", ev.Err, "—", idcard.Notice(ev.Err))
			}
		case err := <-errc:
			if err == nil || errors.Is(err, context.DeadlineExceeded) {
				return errors.New("idcard read: no card read")
			}
			return fmt.Errorf("idcard read: %w", err)
		case <-ctx.Done():
			return errors.New("idcard read: no card within the timeout")
		}
	}
}

// maskBirth keeps the year of a YYYYMMDD date.
func maskBirth(d string) string {
	if len(d) < 4 {
		return "****"
	}
	return d[:4] + "****"
}

// simIDCard runs the reader simulator on a pty.
func simIDCard(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	var link string
	var card bool
	if _, err := flags("sim idcard", args, func(fs *flag.FlagSet) {
		fs.StringVar(&link, "link", "", "also make a symlink to the pty here")
		fs.BoolVar(&card, "card", false, "start with the sample card on the reader")
	}); err != nil {
		return err
	}
	sim, p, err := idcard.StartPty(ctx, log)
	if err != nil {
		return err
	}
	defer p.Close()
	if err := announce(out, p, link); err != nil {
		return err
	}
	if card {
		if err := sim.Place(idcard.SampleCard()); err != nil {
			return err
		}
		fmt.Fprintln(out, "sample card placed; Ctrl-C to stop")
	}
	<-ctx.Done()
	return nil
}
