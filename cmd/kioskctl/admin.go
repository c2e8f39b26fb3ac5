package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"text/tabwriter"

	"sckiosk/kiosk/outbox"
	"sckiosk/kiosk/profile"
)

// cmdOutbox lists, counts or requeues the outbox's applications.
func cmdOutbox(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	if len(args) == 0 {
		return usageErr("outbox: list, stats or retry ID")
	}
	sub := args[0]
	var db string
	fs, err := flags("outbox "+sub, args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&db, "db", "/var/lib/kiosk/outbox.db", "outbox database")
	})
	if err != nil {
		return err
	}
	if _, err := os.Stat(db); err != nil {
		return usageErr("outbox database %s does not exist", db)
	}
	ob, err := outbox.Open(db, log, outbox.Options{})
	if err != nil {
		return err
	}
	defer ob.Close()
	switch sub {
	case "stats":
		pending, sent, rejected, err := ob.Stats(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "pending %d  sent %d  rejected %d\n", pending, sent, rejected)
	case "list":
		entries, err := ob.List(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTATE\tPROVINCE\tCREATED\tATTEMPTS\tCASE\tPERSONAL DATA\tLAST ERROR")
		for _, e := range entries {
			held := "purged"
			if e.HasPayload {
				held = "held"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", e.ID, e.State, e.Province,
				e.CreatedAt.Format("2006-01-02 15:04:05"), e.Attempts, e.CaseNumber, held, e.LastError)
		}
		return tw.Flush()
	case "retry":
		if fs.NArg() != 1 {
			return usageErr("outbox retry: give one entry ID")
		}
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil {
			return usageErr("outbox retry: %q is not an entry ID", fs.Arg(0))
		}
		if err := ob.Retry(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(out, "entry %d requeued\n", id)
	default:
		return usageErr("outbox: unknown subcommand %q (list, stats, retry)", sub)
	}
	return nil
}

// cmdProfile validates profiles; exit 1 when any is broken.
func cmdProfile(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	if len(args) < 2 || args[0] != "check" {
		return usageErr("profile check FILE...")
	}
	bad := 0
	for _, f := range args[1:] {
		if _, err := profile.Load(f); err != nil {
			fmt.Fprintln(out, err)
			bad++
			continue
		}
		fmt.Fprintf(out, "%s: ok\n", f)
	}
	if bad > 0 {
		return errors.New("profile check: " + strconv.Itoa(bad) + " broken profile(s)")
	}
	return nil
}
