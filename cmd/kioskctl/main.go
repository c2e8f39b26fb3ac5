// Command kioskctl is the technician's tool: run device simulators on
// pseudo-terminals, read a card, print a test receipt, check a profile and
// inspect or retry the outbox. Every command prints masked personal data
// only. Bad input gets one line on stderr and exit code 2; so does an
// image whose header claims more than 50 megapixels.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"sckiosk/devices/camera"
	"sckiosk/kiosk/adapters/privacy"
)

// errUsage marks a command-line mistake: exit code 2.
var errUsage = errors.New("usage")

type command struct {
	summary string
	run     func(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error
}

var commands = map[string]command{
	"audit":   {"audit verify --data DIR                 check the audit log's SM3 chain", cmdAudit},
	"sim":     {"sim idcard|printer|scanner [flags]      run a device simulator on a pty", cmdSim},
	"idcard":  {"idcard read --port PATH [--baud N] [--timeout D] [--json] [--unmask]", cmdIDCard},
	"printer": {"printer test --port PATH [--paper 58|80] print a test receipt", cmdPrinter},
	"outbox":  {outboxUsage, cmdOutbox},
	"probe":   {"probe [--port PATH]... [--baud N]       find which device answers on which port", cmdProbe},
	"profile": {"profile check|show FILE... | pin        check or show layered profiles; hash PIN", cmdProfile},
	"update":  {"update apply FILE.deb [--sig S] | rollback | sign FILE.deb --key K | keygen", cmdUpdate},
	"qr":      {"qr decode [--json] FILE... | verify (--text S | --file IMG) | make --kind K --out F.png", cmdQR},

	"udev-rules": {"udev-rules [--idcard|--printer|--scanner VID:PID] [PROFILE...]  udev rules for /dev/kiosk/NAME", cmdUdevRules},
	"privacy":    {"privacy scan --data DIR [--identities FILE]   prove the kiosk kept no personal data", cmdPrivacy},
	"drill":      {"drill --sessions N [--data DIR] [--platform URL] run synthetic citizens, then scan", cmdDrill},
	"fleet-sim":  {"fleet-sim --kiosks N --broker URL [--heartbeat D]  simulated kiosks on a real MQTT broker", cmdFleetSim},
}

func main() {
	// A package that logs through slog's default (or the log package)
	// passes the masking handler too.
	slog.SetDefault(newLogger(os.Stderr, slog.LevelInfo))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	log := newLogger(stderr, slog.LevelWarn)
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "kioskctl: unknown command %q (kioskctl help lists them)\n", args[0])
		return 2
	}
	err := c.run(ctx, args[1:], stdout, log)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage), errors.Is(err, camera.ErrImageTooLarge):
		fmt.Fprintln(stderr, "kioskctl:", privacy.MaskText(err.Error()))
		return 2
	default:
		fmt.Fprintln(stderr, "kioskctl:", privacy.MaskText(err.Error()))
		return 1
	}
}

// newLogger logs text lines at level and above to w through the masking
// handler the kiosk uses: no ID number reaches a technician's terminal
// or a pasted log.
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(privacy.NewHandler(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})))
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: kioskctl COMMAND [flags]")
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintln(w, "  "+commands[n].summary)
	}
}

// flags parses args with a flag set that reports mistakes as errUsage.
func flags(name string, args []string, define func(fs *flag.FlagSet)) (*flag.FlagSet, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	define(fs)
	if err := fs.Parse(args); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", errUsage, name, err)
	}
	return fs, nil
}

func usageErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, a...))
}

func needPort(port string) error {
	if port == "" {
		return usageErr("--port is required")
	}
	if _, err := os.Stat(port); err != nil {
		return usageErr("port %s does not exist", port)
	}
	return nil
}
