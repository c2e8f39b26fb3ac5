package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"sckiosk/kiosk/adapters/privacy"
	"sckiosk/kiosk/assembly/drill"
)

// privacyScan looks for personal data in the kiosk's data directory.
func privacyScan(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	var dir, idFile string
	if _, err := flags("privacy scan", args, func(fs *flag.FlagSet) {
		fs.StringVar(&dir, "data", "/var/lib/kiosk", "the kiosk's data directory (and any other directory it writes)")
		fs.StringVar(&idFile, "identities", "", "JSON list of {name, id_number, address, phone} to look for")
	}); err != nil {
		return err
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return usageErr("--data %s is not a directory", dir)
	}
	var ids []privacy.Identity
	if idFile != "" {
		data, err := os.ReadFile(idFile)
		if err != nil {
			return usageErr("identities: %v", err)
		}
		if err := json.Unmarshal(data, &ids); err != nil {
			return usageErr("identities %s: %v", idFile, err)
		}
	}
	hits, err := privacy.Scan(dir, ids)
	if err != nil {
		return err
	}
	for _, h := range hits {
		fmt.Fprintln(out, h)
	}
	if len(hits) > 0 {
		return fmt.Errorf("privacy scan: %d places hold personal data", len(hits))
	}
	fmt.Fprintf(out, "privacy scan: %s holds no personal data (%d identities looked for, and every valid ID number)\n", dir, len(ids))
	return nil
}

// cmdDrill runs synthetic citizens through the kiosk headless.
func cmdDrill(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	var n int
	var dir, url string
	var scan bool
	if _, err := flags("drill", args, func(fs *flag.FlagSet) {
		fs.IntVar(&n, "sessions", 10, "how many citizens")
		fs.StringVar(&dir, "data", "", "data directory for the drilled kiosk, made (mode 0700) when missing and kept (default: a temporary one, removed)")
		fs.StringVar(&url, "platform", "", "Sichuan platform URL (default: the simulator, in-process)")
		fs.BoolVar(&scan, "scan", true, "scan the data directory for personal data afterwards")
	}); err != nil {
		return err
	}
	if n < 1 || n > 100000 {
		return usageErr("--sessions %d is not between 1 and 100000", n)
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "kiosk-drill-")
		if err != nil {
			return fmt.Errorf("drill: %w", err)
		}
		defer os.RemoveAll(d)
		dir = d
	} else if err := os.MkdirAll(dir, 0o700); err != nil { // what the kiosk writes is personal
		return fmt.Errorf("drill: data directory: %w", err)
	}
	logPath := filepath.Join(dir, "drill.log")
	lf, err := os.Create(logPath)
	if err != nil {
		return fmt.Errorf("drill: %w", err)
	}
	defer lf.Close()
	dlog := slog.New(privacy.NewHandler(slog.NewTextHandler(lf, nil)))
	sum, err := drill.Run(ctx, drill.Options{Sessions: n, DataDir: dir, Platform: url, Log: dlog})
	fmt.Fprintf(out, "drill: %d visits in %s: %d submitted, %d queued, %d failed, %d receipts printed, %d rejected by the platform\n",
		sum.Sessions, sum.Elapsed.Round(time.Millisecond), sum.Done, sum.Queued, sum.Failed, sum.Printed, sum.Rejected)
	kinds := slices.Sorted(maps.Keys(sum.Kinds))
	for i, k := range kinds {
		kinds[i] = fmt.Sprintf("%s %d", k, sum.Kinds[k])
	}
	fmt.Fprintf(out, "drill: visits by how the citizen identified: %s\n", strings.Join(kinds, ", "))
	if err != nil {
		return err
	}
	if sum.Failed > 0 {
		return errors.New("drill: some visits failed; see " + logPath)
	}
	if sum.Rejected > 0 {
		return fmt.Errorf("drill: the platform rejected %d application(s); kioskctl outbox ls --data %s says why", sum.Rejected, dir)
	}
	if !scan {
		return nil
	}
	hits, err := privacy.Scan(dir, sum.Identities)
	if err != nil {
		return err
	}
	for _, h := range hits {
		fmt.Fprintln(out, h)
	}
	if len(hits) > 0 {
		return fmt.Errorf("drill: %d places still hold personal data", len(hits))
	}
	fmt.Fprintln(out, "drill: nothing personal left in", dir)
	return nil
}
