package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"sckiosk/kiosk/adapters/audit"
)

// auditVerify verifies the audit log's SM3 chain: exit 0 when it holds, 1
// naming the first entry that was edited, removed or reordered.
func auditVerify(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	var dir string
	fs, err := flags("audit verify", args, func(fs *flag.FlagSet) {
		fs.StringVar(&dir, "data", "/var/lib/kiosk", "the kiosk's data directory (profile key data_dir)")
	})
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("audit verify: unexpected argument %q", fs.Arg(0))
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return usageErr("audit verify: data directory %s does not exist", dir)
	}
	path := filepath.Join(dir, audit.FileName)
	n, err := audit.Verify(dir)
	var te *audit.TamperError
	switch {
	case errors.As(err, &te):
		fmt.Fprintf(out, "%s: TAMPERED: %s\n", path, te.Msg)
		return fmt.Errorf("audit verify: the chain is broken at entry %d (%s)", te.Seq, te.What)
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("audit verify: no audit log %s", path)
	case err != nil:
		return fmt.Errorf("audit verify: %w", err)
	}
	fmt.Fprintf(out, "%s: %d entries, the SM3 chain holds\n", path, n)
	return nil
}
