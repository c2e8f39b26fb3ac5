// Command kioskctl is the technician's tool: run device simulators on
// pseudo-terminals, read a card, print a test receipt, check a profile and
// inspect or retry the outbox. Every command prints masked personal data
// only. Bad input gets one line on stderr and exit code 2; so does an
// image whose header claims more than 50 megapixels. --help after any
// command prints its synopsis and flags, with their defaults.
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
	"strings"
	"syscall"
	"text/tabwriter"

	"sckiosk/devices/camera"
	"sckiosk/kiosk/adapters/privacy"
)

// errUsage marks a command-line mistake: exit code 2.
var errUsage = errors.New("usage")

// runFunc runs a command with the arguments that follow its name.
type runFunc func(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error

// command is a kioskctl command or subcommand (outbox, outbox send): how
// it is called, what it does, and either its subcommands or what runs it.
// A run parses its flags with flags or parseInterspersed before it does
// anything else, so that "--help" gets its flag set back (helpRequest)
// and the dispatcher prints it.
type command struct {
	name     string    // the word that selects it
	alias    string    // another word that selects it, if any
	synopsis string    // what follows the name: flags and arguments
	summary  string    // what it does, in one line
	subs     []command // its subcommands; nil when run runs it
	run      runFunc
}

// commands are kioskctl's commands, in the order help lists them.
var commands = []command{
	{name: "audit", summary: "the audit log", subs: []command{
		{name: "verify", synopsis: "[--data DIR]", summary: "check the audit log's SM3 chain", run: auditVerify},
	}},
	{name: "drill", synopsis: "[--sessions N] [--data DIR] [--platform URL] [--scan=false]",
		summary: "run synthetic citizens through a headless kiosk, then scan for personal data", run: cmdDrill},
	{name: "fleet-sim", synopsis: "[--kiosks N] [--broker URL] [--heartbeat D] [--for D] [flags]",
		summary: "simulated kiosks on a real MQTT broker", run: cmdFleetSim},
	{name: "idcard", summary: "the ID-card reader", subs: []command{
		{name: "read", synopsis: "--port PATH [--baud N] [--timeout D] [--json] [--unmask]",
			summary: "wait for a card and print it, masked", run: readCard},
	}},
	{name: "outbox", summary: "the outbox of applications (--data DIR or --db PATH; default " + defaultOutboxDB + ")", subs: []command{
		{name: "add", synopsis: "--sample [--item CODE] [--data DIR | --db PATH]",
			summary: "add one synthetic application", run: withSub("add", cmdOutbox)},
		{name: "send", synopsis: "--platform URL [--platform-50 URL] [--until-empty] [--timeout D] [--data DIR | --db PATH]",
			summary: "forward the pending applications to the platform", run: withSub("send", cmdOutbox)},
		{name: "ls", alias: "list", synopsis: "[--json] [--data DIR | --db PATH]",
			summary: "list the entries, applicants masked", run: withSub("ls", cmdOutbox)},
		{name: "stats", synopsis: "[--data DIR | --db PATH]",
			summary: "count pending, sent and rejected entries", run: withSub("stats", cmdOutbox)},
		{name: "retry", synopsis: "ID|--all [--data DIR | --db PATH]",
			summary: "requeue an entry, or every pending and rejected one", run: withSub("retry", cmdOutbox)},
		{name: "purge", synopsis: "[--rejected] [--data DIR | --db PATH]",
			summary: "delete delivered entries now (and rejected ones with --rejected)", run: withSub("purge", cmdOutbox)},
	}},
	{name: "printer", summary: "the receipt printer", subs: []command{
		{name: "test", synopsis: "--port PATH [--baud N] [--paper 58|80] [--hall NAME]",
			summary: "print a test receipt when the printer is ready", run: printTest},
	}},
	{name: "privacy", summary: "personal data left on the kiosk", subs: []command{
		{name: "scan", synopsis: "[--data DIR] [--identities FILE.json]",
			summary: "prove the kiosk kept no personal data", run: privacyScan},
	}},
	{name: "probe", synopsis: "[--port PATH]... [--baud N] [--timeout D] [--scanner-usb VID[:PID]]...",
		summary: "find which device answers on which port", run: cmdProbe},
	{name: "profile", summary: "device profiles and the technician PIN", subs: []command{
		{name: "check", synopsis: "[--each] FILE...", summary: "check layered profiles (hall profile first)", run: withSub("check", cmdProfile)},
		{name: "show", synopsis: "FILE...", summary: "print the merged profile", run: withSub("show", cmdProfile)},
		{name: "pin", synopsis: "<PIN", summary: "hash a technician PIN read on stdin", run: withSub("pin", cmdProfile)},
		{name: "sign", synopsis: "--key PROVINCE.pem --kiosks ID,... [--expires 24h] [--out FILE] LAYER.yaml",
			summary: "write a province's signature of a layer that changes platform endpoints, keys or the PIN", run: withSub("sign", cmdProfile)},
	}},
	{name: "qr", summary: "QR codes", subs: []command{
		{name: "decode", synopsis: "[--json] [--track-host HOST]... FILE...",
			summary: "decode images with the kiosk's camera pipeline", run: noContext(qrDecode)},
		{name: "verify", synopsis: "(--text S | --file IMG) [--json] [--track-host HOST]...",
			summary: "classify a code and verify it offline with the demo keys", run: noContext(qrVerify)},
		{name: "make", synopsis: "--kind app|health|licence|receipt --out FILE.png [--size PX] [--subject S] [--case N]",
			summary: "write a sample code signed with the demo keys", run: noContext(qrMake)},
	}},
	{name: "sim", summary: "device simulators on a pty", subs: []command{
		{name: "idcard", synopsis: "[--card FILE|sample] [--fault MODE] [--baud N] [--link PATH]",
			summary: "run the ID-card reader simulator", run: simIDCard},
		{name: "printer", synopsis: "[--paper 58|80] [--state S] [--out DIR] [--baud N] [--link PATH]",
			summary: "run the printer simulator, each receipt written as PNG", run: simPrinter},
		{name: "scanner", synopsis: "[--codes DIR [--every D]] [--trigger ENGINE] [--fault MODE] [--link PATH]",
			summary: "run the QR scanner simulator", run: simScanner},
	}},
	{name: "udev-rules", synopsis: "[--idcard|--printer|--scanner VID:PID] [PROFILE...]",
		summary: "udev rules for /dev/kiosk/NAME", run: cmdUdevRules},
	{name: "update", summary: "signed kiosk packages", subs: []command{
		{name: "apply", synopsis: "FILE.deb [--sig FILE.sig] [--key PUB] [--state DIR] [--no-selftest] [--settle D]",
			summary: "verify and install a package, keeping the previous one", run: withSub("apply", cmdUpdate)},
		{name: "verify", synopsis: "FILE.deb [--sig FILE.sig] [--key PUB]",
			summary: "check a package's signature", run: withSub("verify", cmdUpdate)},
		{name: "rollback", synopsis: "[--key PUB] [--state DIR] [--no-selftest] [--settle D]",
			summary: "reinstall the previous package", run: withSub("rollback", cmdUpdate)},
		{name: "sign", synopsis: "FILE.deb --key update.key [--sig FILE.sig]",
			summary: "sign a package (on the build machine)", run: withSub("sign", cmdUpdate)},
		{name: "keygen", synopsis: "[--out DIR]", summary: "make an update key pair", run: withSub("keygen", cmdUpdate)},
	}},
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
	if len(args) == 0 {
		printGroupHelp(stderr, nil, commands)
		return 2
	}
	if args[0] == "help" { // kioskctl help [COMMAND...]
		args = append(args[1:], "--help")
	}
	err := dispatch(ctx, nil, commands, args, stdout, log)
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

// dispatch finds the command args name among cmds (path names the
// commands already chosen) and runs it, or prints its help.
func dispatch(ctx context.Context, path []string, cmds []command, args []string, out io.Writer, log *slog.Logger) error {
	if len(args) == 0 {
		return usageErr("%s: give one of %s (kioskctl %[1]s --help)", strings.Join(path, " "), names(cmds))
	}
	if isHelp(args[0]) {
		printGroupHelp(out, path, cmds)
		return nil
	}
	for _, c := range cmds {
		if args[0] != c.name && (c.alias == "" || args[0] != c.alias) {
			continue
		}
		path := append(path[:len(path):len(path)], c.name)
		if c.subs != nil {
			return dispatch(ctx, path, c.subs, args[1:], out, log)
		}
		err := c.run(ctx, args[1:], out, log)
		var h *helpRequest
		if errors.As(err, &h) {
			printHelp(out, path, c, h.fs)
			return nil
		}
		return err
	}
	if len(path) == 0 {
		return usageErr("unknown command %q (kioskctl help lists them)", args[0])
	}
	return usageErr("%s: unknown subcommand %q (%s)", strings.Join(path, " "), args[0], names(cmds))
}

func isHelp(arg string) bool {
	return arg == "help" || arg == "-h" || arg == "--help" || arg == "-help"
}

func names(cmds []command) string {
	var n []string
	for _, c := range cmds {
		n = append(n, c.name)
	}
	return strings.Join(n, ", ")
}

// printGroupHelp prints what every command under cmds does; below the
// top level, with its synopsis and flags.
func printGroupHelp(w io.Writer, path []string, cmds []command) {
	if len(path) == 0 {
		fmt.Fprintln(w, "usage: kioskctl COMMAND [SUBCOMMAND] [flags]")
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		var list func(path []string, cmds []command)
		list = func(path []string, cmds []command) {
			for _, c := range cmds {
				p := append(path[:len(path):len(path)], c.name)
				if c.subs != nil {
					list(p, c.subs)
					continue
				}
				fmt.Fprintf(tw, "  %s\t%s\n", strings.Join(p, " "), c.summary)
			}
		}
		list(nil, cmds)
		tw.Flush()
		fmt.Fprintln(w, "kioskctl COMMAND --help lists a command's flags and their defaults.")
		return
	}
	for i, c := range cmds {
		if i > 0 {
			fmt.Fprintln(w)
		}
		p := append(path[:len(path):len(path)], c.name)
		if c.subs != nil {
			printGroupHelp(w, p, c.subs)
			continue
		}
		printHelp(w, p, c, leafFlags(c))
	}
}

// leafFlags returns the flag set of a command that runs, by running it
// with --help; nil if it does not give it back.
func leafFlags(c command) *flag.FlagSet {
	var h *helpRequest
	if errors.As(c.run(context.Background(), []string{"--help"}, io.Discard, slog.New(slog.DiscardHandler)), &h) {
		return h.fs
	}
	return nil
}

// printHelp prints a command's synopsis, what it does, and each flag with
// its default.
func printHelp(w io.Writer, path []string, c command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: kioskctl %s\n", strings.TrimSpace(strings.Join(path, " ")+" "+c.synopsis))
	fmt.Fprintf(w, "  %s\n", c.summary)
	if fs == nil {
		return
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fs.VisitAll(func(f *flag.Flag) {
		kind, usage := flag.UnquoteUsage(f)
		if kind != "" {
			kind = " " + kind
		}
		if !zeroDefault(f.DefValue) {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(tw, "  --%s%s\t%s\n", f.Name, kind, usage)
	})
	tw.Flush()
}

// zeroDefault reports whether a flag's default is its type's zero value,
// which help leaves out.
func zeroDefault(v string) bool {
	switch v {
	case "", "0", "false", "0s", "[]":
		return true
	}
	return false
}

// helpRequest is what a command's flag parsing returns for -h or --help:
// the flag set, for the dispatcher to print.
type helpRequest struct{ fs *flag.FlagSet }

func (h *helpRequest) Error() string { return h.fs.Name() + ": help requested" }

// withSub makes a subcommand of f, a command that takes its subcommand as
// its first argument because they share flags (outbox, profile, update).
func withSub(sub string, f runFunc) runFunc {
	return func(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
		return f(ctx, append([]string{sub}, args...), out, log)
	}
}

// noContext makes a command of f, which needs neither context nor log.
func noContext(f func(args []string, out io.Writer) error) runFunc {
	return func(_ context.Context, args []string, out io.Writer, _ *slog.Logger) error { return f(args, out) }
}

// flags parses args with a flag set that reports mistakes as errUsage
// and -h or --help as a helpRequest.
func flags(name string, args []string, define func(fs *flag.FlagSet)) (*flag.FlagSet, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	define(fs)
	if err := fs.Parse(args); err != nil {
		return nil, parseError(fs, err)
	}
	return fs, nil
}

// parseError turns a flag parsing error into a helpRequest or an errUsage.
func parseError(fs *flag.FlagSet, err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return &helpRequest{fs}
	}
	return fmt.Errorf("%w: %s: %v", errUsage, fs.Name(), err)
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
