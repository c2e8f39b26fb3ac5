package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"sckiosk/devices/probe"
)

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// cmdProbe finds which device answers on which serial port and prints a
// profile snippet for them. Without --port it probes every serial port the
// system lists; ptys (simulators) have no USB details and must be named
// with --port. Exit 1 when no device answers.
func cmdProbe(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	var ports, scanners stringList
	var baud int
	var timeout time.Duration
	fs, err := flags("probe", args, func(fs *flag.FlagSet) {
		fs.Var(&ports, "port", "probe this port (repeatable); default: every serial port")
		fs.IntVar(&baud, "baud", 0, "try only this rate (default: 115200, 57600, 38400, 19200, 9600)")
		fs.DurationVar(&timeout, "timeout", 300*time.Millisecond, "wait this long for each answer")
		fs.Var(&scanners, "scanner-usb", "USB id (vid or vid:pid) of a scanner model, for the silent-scanner guess (repeatable)")
	})
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("probe: unexpected argument %q (use --port PATH)", fs.Arg(0))
	}
	opts := probe.Options{Timeout: timeout, Scanners: scanners, Log: log}
	if baud != 0 {
		if !slices.Contains(probe.DefaultBauds(), baud) {
			return usageErr("probe: --baud %d is not one of 115200, 57600, 38400, 19200, 9600", baud)
		}
		opts.Bauds = []int{baud}
	}
	var list []probe.Port
	if len(ports) > 0 {
		known, _ := probe.Enumerate() // USB details for named ports, when the system has them
		for _, p := range ports {
			port := probe.Port{Path: p}
			for _, k := range known {
				if k.Path == p {
					port = k
				}
			}
			list = append(list, port)
		}
	} else {
		if list, err = probe.Enumerate(); err != nil {
			return err
		}
		if len(list) == 0 {
			return errors.New("probe: no serial ports found (for a simulator, give --port PATH)")
		}
	}
	results := probe.Probe(ctx, list, opts)
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PORT\tUSB\tSERIAL\tDEVICE\tBAUD\tANSWER")
	found, hidden := 0, 0
	for _, r := range results {
		if r.Err != nil && len(ports) == 0 && !r.Port.USB {
			hidden++ // a built-in UART with nothing behind it
			continue
		}
		dev, rate, answer := "-", "-", "no answer"
		switch {
		case r.Err != nil:
			answer = "cannot open: " + r.Err.Error()
		case r.Kind != probe.None:
			found++
			dev, answer = string(r.Kind), r.Detail
			if r.Possible {
				dev += "?"
			}
			if r.Baud != 0 {
				rate = strconv.Itoa(r.Baud)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Port.Path, dash(r.Port.USBID()), dash(r.Port.Serial), dev, rate, answer)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if hidden > 0 {
		fmt.Fprintf(out, "(%d built-in serial port(s) could not be opened and are not shown)\n", hidden)
	}
	if found == 0 {
		return errors.New("probe: no device answered")
	}
	fmt.Fprintln(out, "\n# profile snippet (kioskctl profile check after pasting):")
	fmt.Fprint(out, probe.Snippet(results))
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
