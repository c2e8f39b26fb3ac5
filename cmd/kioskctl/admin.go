package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"sckiosk/kiosk/adapters/profile"
	"sckiosk/kiosk/core/technician"
)

// cmdProfile checks, shows or hashes, as args[0] says: "profile check
// FILE..." prints every problem of the layered profile as
// file:line:column: message and fails when there is any; "profile show
// FILE..." prints the merged profile; "profile pin" reads a technician PIN
// on stdin and prints its hash.
func cmdProfile(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	sub := args[0]
	var each bool
	fs, err := flags("profile "+sub, args[1:], func(fs *flag.FlagSet) {
		if sub == "check" {
			fs.BoolVar(&each, "each", false, "check each file on its own instead of as layers")
		}
	})
	if err != nil {
		return err
	}
	files := fs.Args()
	switch sub {
	case "check":
		if len(files) == 0 {
			return usageErr("profile check: give one or more profile files (hall profile first)")
		}
		groups := [][]string{files}
		if each {
			groups = nil
			for _, f := range files {
				groups = append(groups, []string{f})
			}
		}
		problems := 0
		for _, g := range groups {
			_, err := profile.LoadLayers(g...)
			if err == nil {
				fmt.Fprintf(out, "%s: ok\n", strings.Join(g, " + "))
				continue
			}
			var es profile.Errors
			if !errors.As(err, &es) {
				return fmt.Errorf("profile check: %w", err)
			}
			for _, e := range es {
				fmt.Fprintln(out, e)
			}
			problems += len(es)
		}
		if problems > 0 {
			return fmt.Errorf("profile check: %d problem(s)", problems)
		}
		return nil
	case "show":
		if len(files) == 0 {
			return usageErr("profile show: give one or more profile files (hall profile first)")
		}
		p, err := profile.LoadLayers(files...)
		if err != nil {
			return fmt.Errorf("profile show: the profile is broken (kioskctl profile check lists the problems):\n%w", err)
		}
		y, err := p.YAML()
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "# effective profile from %s\n", strings.Join(files, " < "))
		_, err = out.Write(y)
		return err
	case "pin":
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("profile pin: read stdin: %w", err)
		}
		h, err := technician.HashPIN(strings.TrimSpace(line), rand.Reader)
		if err != nil {
			return usageErr("profile pin: %v", err)
		}
		fmt.Fprintf(out, "technician:\n  pin_hash: %q\n", h)
		return nil
	default:
		return usageErr("profile: unknown subcommand %q (check, show, pin)", sub)
	}
}
