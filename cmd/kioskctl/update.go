package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"sckiosk/kiosk/adapters/update"
)

// updateEnv is what kioskctl update does to the machine: install a package
// and check the kiosk afterwards. Tests replace both.
type updateEnv struct {
	install  func(ctx context.Context, out io.Writer, deb string) error
	selfTest func(ctx context.Context, out io.Writer, settle time.Duration) error
}

// cmdUpdate applies, verifies, rolls back or signs a kiosk package, or
// makes a key pair, as args[0] says.
func cmdUpdate(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	return runUpdate(ctx, args, out, log, updateEnv{install: dpkgInstall, selfTest: serviceSelfTest})
}

func runUpdate(ctx context.Context, args []string, out io.Writer, log *slog.Logger, env updateEnv) error {
	if len(args) == 0 {
		return usageErr("update: apply FILE.deb --sig FILE.sig | rollback | sign FILE.deb --key KEY | keygen --out DIR")
	}
	sub := args[0]
	var (
		sig, key, state, outDir string
		noSelfTest              bool
		settle                  time.Duration
	)
	pos, err := parseInterspersed("update "+sub, args[1:], func(fs *flag.FlagSet) {
		switch sub {
		case "apply", "rollback", "verify":
			fs.StringVar(&key, "key", update.DefaultKeyFile, "update public key (PEM)")
			fs.StringVar(&state, "state", update.DefaultStateDir, "where the current and previous packages are kept")
			fs.StringVar(&sig, "sig", "", "signature file (default FILE.deb.sig)")
			fs.BoolVar(&noSelfTest, "no-selftest", false, "do not restart and check kiosk.service after installing")
			fs.DurationVar(&settle, "settle", 45*time.Second, "how long kiosk.service must stay up after its restart")
		case "sign":
			fs.StringVar(&key, "key", "", "update private key (PEM), on the build machine only")
			fs.StringVar(&sig, "sig", "", "signature file to write (default FILE.deb.sig)")
		case "keygen":
			fs.StringVar(&outDir, "out", ".", "directory for update.key (private) and update.pub")
		}
	})
	if err != nil {
		return err
	}
	u := &update.Updater{KeyFile: key, StateDir: state, Log: log,
		Install: func(ctx context.Context, deb string) error { return env.install(ctx, out, deb) }}
	if !noSelfTest {
		u.SelfTest = func(ctx context.Context) error { return env.selfTest(ctx, out, settle) }
	}
	switch sub {
	case "apply", "verify":
		if len(pos) != 1 {
			return usageErr("update %s: give one FILE.deb", sub)
		}
		if sig == "" {
			sig = pos[0] + ".sig"
		}
		if sub == "verify" {
			pub, err := update.LoadPublicKey(key)
			if err != nil {
				return err
			}
			if err := update.VerifyFile(pub, pos[0], sig); err != nil {
				return fmt.Errorf("%s: %w", pos[0], err)
			}
			fmt.Fprintf(out, "%s: signature ok\n", pos[0])
			return nil
		}
		if err := u.Apply(ctx, pos[0], sig); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s installed; the previous package is kept for kioskctl update rollback\n", pos[0])
		return nil
	case "rollback":
		if len(pos) != 0 {
			return usageErr("update rollback takes no arguments")
		}
		if err := u.Rollback(ctx); err != nil {
			return err
		}
		fmt.Fprintln(out, "rolled back to the previous package")
		return nil
	case "sign":
		if len(pos) != 1 || key == "" {
			return usageErr("update sign FILE.deb --key update.key [--sig FILE.sig]")
		}
		if sig == "" {
			sig = pos[0] + ".sig"
		}
		priv, err := update.LoadPrivateKey(key)
		if err != nil {
			return err
		}
		s, err := update.SignFile(priv, pos[0])
		if err != nil {
			return err
		}
		if err := os.WriteFile(sig, s, 0o644); err != nil {
			return fmt.Errorf("update sign: %w", err)
		}
		fmt.Fprintf(out, "%s: signature written to %s\n", pos[0], sig)
		return nil
	case "keygen":
		if len(pos) != 0 {
			return usageErr("update keygen takes no arguments")
		}
		priv, pub := outDir+"/update.key", outDir+"/update.pub"
		if err := update.GenerateKey(priv, pub); err != nil {
			return err
		}
		fmt.Fprintf(out, "private key %s (keep it on the build machine)\npublic key %s (install as /etc/kiosk/update.pub)\n", priv, pub)
		return nil
	default:
		return usageErr("update: unknown subcommand %q (apply, rollback, verify, sign, keygen)", sub)
	}
}

// parseInterspersed parses flags that may come before or after positional
// arguments (update apply FILE.deb --sig FILE.sig) and returns the
// positional ones.
func parseInterspersed(name string, args []string, define func(fs *flag.FlagSet)) ([]string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	define(fs)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, parseError(fs, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// dpkgInstall installs deb with dpkg, making a read-only root writable for
// the time of the install.
func dpkgInstall(ctx context.Context, out io.Writer, deb string) error {
	var st unix.Statfs_t
	if err := unix.Statfs("/", &st); err != nil {
		return fmt.Errorf("statfs /: %w", err)
	}
	if st.Flags&unix.ST_RDONLY != 0 {
		if err := updateExec(ctx, out, "mount", "-o", "remount,rw", "/"); err != nil {
			return fmt.Errorf("make the root writable: %w", err)
		}
		defer func() {
			if err := updateExec(context.WithoutCancel(ctx), out, "mount", "-o", "remount,ro", "/"); err != nil {
				fmt.Fprintln(out, "kioskctl: could not make the root read-only again:", err)
			}
		}()
	}
	return updateExec(ctx, out, "dpkg", "-i", deb)
}

// serviceSelfTest restarts kiosk.service, which reports ready only once
// the app's first frame is shown, and checks that it stays up for settle
// without a restart (the watchdog restarts a frozen UI). Without systemd
// (in a chroot) there is nothing to test.
func serviceSelfTest(ctx context.Context, out io.Writer, settle time.Duration) error {
	if _, err := os.Stat("/run/systemd/system"); err != nil {
		fmt.Fprintln(out, "kioskctl: systemd is not running; self-test skipped")
		return nil
	}
	if err := updateExec(ctx, out, "systemctl", "restart", "kiosk.service"); err != nil {
		return fmt.Errorf("kiosk.service did not start: %w", err)
	}
	before, err := updateRestarts(ctx)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(settle):
	}
	if err := exec.CommandContext(ctx, "systemctl", "is-active", "--quiet", "kiosk.service").Run(); err != nil {
		return errors.New("kiosk.service is not active after the update")
	}
	after, err := updateRestarts(ctx)
	if err != nil {
		return err
	}
	if after != before {
		return fmt.Errorf("kiosk.service restarted %s time(s) after the update", after)
	}
	return nil
}

func updateRestarts(ctx context.Context) (string, error) {
	b, err := exec.CommandContext(ctx, "systemctl", "show", "-p", "NRestarts", "--value", "kiosk.service").Output()
	if err != nil {
		return "", fmt.Errorf("systemctl show kiosk.service: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

func updateExec(ctx context.Context, out io.Writer, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}
