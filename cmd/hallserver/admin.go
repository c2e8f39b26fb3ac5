package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"sckiosk/kiosk/fleet/hall/operator"
	"sckiosk/kiosk/fleet/hallstate"
	"sckiosk/ui/text"
)

// DBName is the hall server's own store (operators, sessions, lockouts,
// the hall's audit log) inside --data-dir.
const DBName = "hall.db"

// defaultDataDir is systemd's StateDirectory= when set, else
// /var/lib/kiosk-hallserver.
func defaultDataDir() string {
	if d := os.Getenv("STATE_DIRECTORY"); d != "" {
		return strings.Split(d, ":")[0]
	}
	return "/var/lib/kiosk-hallserver"
}

// storeOptions are the store's options: the production ones; tests make
// the password hashing cheaper (the same code, smaller), as -race makes
// 64 MiB of argon2id take seconds.
var storeOptions = operator.Options{}

// openStore opens the store in dataDir, creating the directory (0700).
func openStore(dataDir string) (*operator.Store, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	return operator.Open(filepath.Join(dataDir, DBName), storeOptions)
}

// firstAdmin makes sure the store has an operator: on the first start,
// with none, it creates the administrator "admin" with a one-time
// password, printed once on stdout and never into the log; the first
// login must change it. It reports whether it did.
func firstAdmin(ctx context.Context, st *operator.Store, stdout io.Writer, log *slog.Logger) (bool, error) {
	if n, err := st.Count(ctx); err != nil || n > 0 {
		return false, err
	}
	otp, err := operator.NewOneTimePassword()
	if err != nil {
		return false, err
	}
	made, err := st.AddFirstAdmin(ctx, firstAdminName, otp, true)
	if err != nil || !made {
		return false, err
	}
	fmt.Fprintf(stdout, "hallserver: first start: administrator %q, one-time password %s\n"+
		"hallserver: log in to the dashboard and change it; it is shown this once only (hallserver admin reset %s makes another)\n",
		firstAdminName, otp, firstAdminName)
	_ = st.Record(ctx, operator.Entry{Operator: cliActor(), Action: operator.ActOperatorAdd, Target: firstAdminName, Detail: "first start: one-time password printed on stdout"})
	log.Warn("no operator yet: created the administrator with a one-time password, printed on standard output (not here)", "operator", firstAdminName)
	return true, nil
}

const firstAdminName = "admin"

// cliActor is who the hall's audit log names for a change made with
// hallserver admin: the Unix user who ran it.
func cliActor() string {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return "(cli " + name + ")"
}

// readPasswordFile reads a password from the first line of file.
func readPasswordFile(file string) (string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("password file: %w", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimRight(first, "\r"), nil
}

const adminUsage = `usage: hallserver admin COMMAND [--data-dir DIR] ...

  init --password-file F [--name admin]    create the first configuration administrator (only while there is no operator)
  add NAME --role ROLE [--password-file F] add an operator; without F a one-time password is printed
  remove NAME                              remove an operator and end its sessions
  list                                     list the operators
  reset NAME [--password-file F]           new password, to be changed at the next login; without F a one-time one is printed
  audit [--n 50]                           the hall's audit log, newest first

Roles: viewer (查看), window (窗口人员), ops (运维), admin (配置管理员).
A password given in a file must be at least 12 characters; a password
set for someone else (add, reset) must be changed at their first login.
`

// runAdmin is `hallserver admin …`: operator management on the hall's
// store, usable while the server runs. Every change is audited.
func runAdmin(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, adminUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, args := args[0], args[1:]
	fs := flag.NewFlagSet("hallserver admin "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", defaultDataDir(), "the hall server's data directory (its store "+DBName+")")
	pwFile := fs.String("password-file", "", "read the password from the first line of this file")
	name := fs.String("name", firstAdminName, "init: the administrator's name")
	role := fs.String("role", "", "add: viewer, window, ops or admin")
	n := fs.Int("n", 50, "audit: how many entries")
	// Flags may come before or after the operator's name.
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		pos, args = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	wantArgs := map[string]int{"init": 0, "add": 1, "remove": 1, "list": 0, "reset": 1, "audit": 0}
	if want, ok := wantArgs[cmd]; !ok || len(pos) != want {
		fmt.Fprint(stderr, adminUsage)
		return 2
	}
	st, err := openStore(*dataDir)
	if err != nil {
		fmt.Fprintln(stderr, "hallserver admin:", err)
		return 1
	}
	defer st.Close()
	ctx := context.Background()
	audit := func(action operator.Action, target, detail string) {
		if err := st.Record(ctx, operator.Entry{Operator: cliActor(), Action: action, Target: target, Detail: detail}); err != nil {
			fmt.Fprintln(stderr, "hallserver admin: audit:", err)
		}
	}
	// password is the file's, or a new one-time password printed on
	// stdout; mustChange says whether it must be changed at first use.
	password := func() (pw string, printed bool, err error) {
		if *pwFile != "" {
			pw, err = readPasswordFile(*pwFile)
			return pw, false, err
		}
		pw, err = operator.NewOneTimePassword()
		return pw, true, err
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "hallserver admin "+cmd+":", err)
		return 1
	}
	switch cmd {
	case "init":
		if *pwFile == "" {
			fmt.Fprintln(stderr, "hallserver admin init: --password-file is required (without it, the first start prints a one-time password)")
			return 2
		}
		pw, err := readPasswordFile(*pwFile)
		if err != nil {
			return fail(err)
		}
		made, err := st.AddFirstAdmin(ctx, *name, pw, false)
		if err != nil {
			return fail(err)
		}
		if !made {
			return fail(errors.New("the hall already has operators; use hallserver admin add"))
		}
		audit(operator.ActOperatorAdd, *name, "init: first configuration administrator")
		fmt.Fprintf(stdout, "administrator %s created\n", *name)
	case "add":
		r := hallstate.Role(*role)
		if !r.Valid() {
			return fail(fmt.Errorf("--role must be one of viewer, window, ops, admin, not %q", *role))
		}
		pw, printed, err := password()
		if err != nil {
			return fail(err)
		}
		if err := st.Add(ctx, pos[0], r, pw, true); err != nil {
			return fail(err)
		}
		audit(operator.ActOperatorAdd, pos[0], "role "+string(r))
		fmt.Fprintf(stdout, "operator %s (%s) added; the password must be changed at the first login\n", pos[0], text.Chinese.Role(r))
		if printed {
			fmt.Fprintf(stdout, "one-time password: %s\n", pw)
		}
	case "remove":
		if err := st.Remove(ctx, pos[0]); err != nil {
			return fail(err)
		}
		audit(operator.ActOperatorRemove, pos[0], "")
		fmt.Fprintf(stdout, "operator %s removed\n", pos[0])
	case "list":
		ops, err := st.List(ctx)
		if err != nil {
			return fail(err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\t\tCREATED\tLOCKED UNTIL\tNOTE")
		for _, o := range ops {
			note := ""
			if o.MustChange {
				note = "must change password"
			}
			locked := "-"
			if until, err := st.LockedUntil(ctx, o.Name); err == nil && !until.IsZero() {
				locked = until.Format(time.DateTime)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", o.Name, o.Role, text.Chinese.Role(o.Role), o.Created.Format(time.DateTime), locked, note)
		}
		_ = tw.Flush()
	case "reset":
		pw, printed, err := password()
		if err != nil {
			return fail(err)
		}
		if err := st.ResetPassword(ctx, pos[0], pw); err != nil {
			return fail(err)
		}
		audit(operator.ActPasswordReset, pos[0], "")
		fmt.Fprintf(stdout, "password of %s reset; it must be changed at the next login\n", pos[0])
		if printed {
			fmt.Fprintf(stdout, "one-time password: %s\n", pw)
		}
	case "audit":
		entries, err := st.Audit(ctx, *n)
		if err != nil {
			return fail(err)
		}
		for _, e := range entries {
			fmt.Fprintf(stdout, "%s  %-22s %-22s %s %s\n", e.At.Format(time.RFC3339), e.Operator, e.Action, e.Target, e.Detail)
		}
	}
	return 0
}
