// Command platformsim serves the provincial platform simulator (the same
// handler the kiosk embeds with --sim) as a standalone HTTP server, for
// technicians and for running a kiosk against a separate process.
//
//	platformsim -addr 127.0.0.1:8451 -province 51
//
// It listens on loopback only unless -allow-remote is given, logs to stderr
// and shuts down gracefully on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"sckiosk/kiosk/platform"
)

// shutdownGrace bounds how long in-flight requests may finish on shutdown.
const shutdownGrace = 5 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole command; it returns the exit status: 0 after a clean
// shutdown, 1 when serving fails, 2 for a usage error.
func run(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("platformsim", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", "127.0.0.1:8451", "listen address")
	province := fs.String("province", platform.Sichuan, "province code of the platform: 51 (Sichuan) or 50 (Chongqing)")
	allowRemote := fs.Bool("allow-remote", false, "allow listening on a non-loopback address")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprintln(stderr, "usage: platformsim [-addr host:port] [-province 51|50] [-allow-remote]")
			fs.PrintDefaults()
			return 0
		}
		fmt.Fprintf(stderr, "platformsim: %v (try -h)\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "platformsim: unexpected argument %q (try -h)\n", fs.Arg(0))
		return 2
	}
	if *province != platform.Sichuan && *province != platform.Chongqing {
		fmt.Fprintf(stderr, "platformsim: -province must be %s or %s, got %q\n", platform.Sichuan, platform.Chongqing, *province)
		return 2
	}
	if err := checkAddr(*addr, *allowRemote); err != nil {
		fmt.Fprintf(stderr, "platformsim: %v\n", err)
		return 2
	}

	log := slog.New(slog.NewTextHandler(stderr, nil))
	srv, err := platform.NewSim(*province, log).Start(*addr)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	log.Info("platform simulator ready", "url", srv.URL(), "province", *province)

	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case <-srv.Done():
		log.Error("server stopped", "err", srv.Err())
		return 1
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Error("shutdown", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}

// checkAddr refuses a listen address other than loopback unless allowed.
func checkAddr(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", addr, err)
	}
	if allowRemote || host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-addr %q is not a loopback address; add -allow-remote to serve other machines", addr)
}
