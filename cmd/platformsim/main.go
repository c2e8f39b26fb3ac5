// Command platformsim serves the provincial platform simulator (the same
// handler the kiosk embeds with --sim) as a standalone HTTP server, for
// technicians and for running a kiosk against a separate process.
//
//	platformsim --listen 127.0.0.1:8451 --province 51 --data DIR \
//	    [--latency D] [--error-rate P] [--reset-rate P]
//	    [--drop-after-commit-rate P] [--slow-rate P] [--slow-delay D]
//	    [--progress-processing D] [--progress-done D] [--catalog FILE]
//	    [--key FILE] [--trust-kiosk APPID=FILE]... [--public-url URL]
//
// With --data its cases are kept in DIR/platform-51.db (or -50) and
// survive a restart; without it they live in memory. By default it trusts
// the demo kiosk identity and signs with the demo platform key (simulation
// only), so a kiosk or kioskctl with default settings works against it;
// --key gives it its own SM2 key and --trust-kiosk (repeatable) the kiosks
// it trusts instead of the demo kiosk. It
// listens on loopback only unless --allow-remote is given, logs to stderr
// and shuts down gracefully on SIGINT or SIGTERM. GET /sim/cases lists
// every case as JSON and GET /sim/evaluations every 好差评 rating. It
// serves the sample catalogue (GET /api/v1/catalog, 一件事一次办 bundles
// included) and e-licences of the demo identities.
package main

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"sckiosk/internal/sm2pem"
	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/adapters/platform/platformsim"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/catalog/catalogyaml"
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
	addr := fs.String("listen", "127.0.0.1:8451", "listen address")
	fs.StringVar(addr, "addr", "127.0.0.1:8451", "listen address (same as --listen)")
	province := fs.String("province", application.Sichuan, "province code of the platform: 51 (Sichuan) or 50 (Chongqing)")
	allowRemote := fs.Bool("allow-remote", false, "allow listening on a non-loopback address")
	dataDir := fs.String("data", "", "directory of the SQLite file that keeps the cases (default: memory only)")
	var faults platformsim.Faults
	fs.DurationVar(&faults.Latency, "latency", 0, "latency added to every API answer")
	rate := func(p *float64, name, usage string) {
		fs.Func(name, usage+" (probability 0..1)", func(v string) error {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1 {
				return fmt.Errorf("want a probability from 0 to 1, got %q", v)
			}
			*p = f
			return nil
		})
	}
	rate(&faults.ErrorRate, "error-rate", "answer HTTP 500 before processing")
	rate(&faults.ResetRate, "reset-rate", "reset the connection before processing")
	rate(&faults.DropAfterCommitRate, "drop-after-commit-rate", "commit the case, then drop the answer")
	rate(&faults.SlowRate, "slow-rate", "hold the answer back for --slow-delay")
	fs.DurationVar(&faults.SlowDelay, "slow-delay", 5*time.Second, "extra wait of a slow answer")
	toProcessing := fs.Duration("progress-processing", 2*time.Minute, "case age at which 已受理 becomes 办理中 (0: never)")
	catalogFile := fs.String("catalog", "", "YAML catalogue to serve instead of the sample (layout of kiosk/core/catalog/catalogyaml/sample.yaml)")
	toDone := fs.Duration("progress-done", 10*time.Minute, "case age at which it becomes 已办结 (0: never)")
	publicURL := fs.String("public-url", "", "base URL of the receipts' track_url, e.g. https://zwfw.example/sc (default: the address a request arrived on)")
	keyFile := fs.String("key", "", "the platform's SM2 private key (PEM, PKCS#8 or SEC 1) that signs its answers (default: the public demo key)")
	var trusted []trustedKiosk
	fs.Func("trust-kiosk", "`APPID=FILE`: trust the kiosk app id APPID with the SM2 public key (PEM) in FILE; repeatable (default: the demo kiosk)", func(v string) error {
		tk, err := parseTrust(v)
		if err != nil {
			return err
		}
		trusted = append(trusted, tk)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprintln(stderr, "usage: platformsim [--listen host:port] [--province 51|50] [--data DIR] [--allow-remote] [fault flags]")
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
	if *province != application.Sichuan && *province != application.Chongqing {
		fmt.Fprintf(stderr, "platformsim: -province must be %s or %s, got %q\n", application.Sichuan, application.Chongqing, *province)
		return 2
	}
	if err := checkAddr(*addr, *allowRemote); err != nil {
		fmt.Fprintf(stderr, "platformsim: %v\n", err)
		return 2
	}

	if *publicURL != "" {
		if u, err := url.Parse(*publicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			fmt.Fprintf(stderr, "platformsim: --public-url %q is not a base URL such as https://zwfw.example/sc\n", *publicURL)
			return 2
		}
	}

	log := slog.New(slog.NewTextHandler(stderr, nil))
	opts := []platformsim.Option{platformsim.WithFaults(faults), platformsim.WithProgress(*toProcessing, *toDone)}
	if *publicURL != "" {
		opts = append(opts, platformsim.WithPublicURL(*publicURL))
	}
	identity := "demo kiosk " + platform.DemoAppID + " trusted (simulation only)"
	if len(trusted) > 0 {
		ids := make([]string, len(trusted))
		for i, tk := range trusted {
			opts = append(opts, platformsim.WithTrustedKiosk(tk.appID, tk.pub))
			ids[i] = tk.appID
		}
		identity = "kiosks " + strings.Join(ids, ", ") + " trusted"
	}
	keyName := "demo platform key (simulation only)"
	if *keyFile != "" {
		key, err := sm2pem.ReadPrivateKey(*keyFile, "platform key")
		if err != nil {
			fmt.Fprintf(stderr, "platformsim: --key: %s\n", oneLine(err))
			return 2
		}
		opts = append(opts, platformsim.WithKey(key))
		keyName = *keyFile
	}
	if *catalogFile != "" {
		raw, err := os.ReadFile(*catalogFile)
		if err != nil {
			fmt.Fprintf(stderr, "platformsim: --catalog: %v\n", err)
			return 2
		}
		cat, err := catalogyaml.Parse(raw)
		if err != nil {
			fmt.Fprintf(stderr, "platformsim: --catalog %s: %s\n", *catalogFile, strings.Join(strings.Fields(err.Error()), " "))
			return 2
		}
		opts = append(opts, platformsim.WithCatalog(cat))
	}
	if *dataDir != "" {
		if err := os.MkdirAll(*dataDir, 0o700); err != nil {
			log.Error("cannot create data directory", "err", err)
			return 1
		}
		st, err := platformsim.OpenStore(filepath.Join(*dataDir, "platform-"+*province+".db"))
		if err != nil {
			log.Error("cannot open store", "err", err)
			return 1
		}
		defer st.Close()
		opts = append(opts, platformsim.WithStore(st))
	}
	srv, err := platformsim.New(*province, log, opts...).Start(*addr)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	log.Info("platform simulator ready", "url", srv.URL(), "province", *province, "data", *dataDir,
		"identity", identity, "signing_key", keyName,
		"latency", faults.Latency, "error_rate", faults.ErrorRate, "reset_rate", faults.ResetRate,
		"drop_after_commit_rate", faults.DropAfterCommitRate, "slow_rate", faults.SlowRate)

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
		return fmt.Errorf("--listen %q: %w", addr, err)
	}
	if allowRemote || host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--listen %q is not a loopback address; add --allow-remote to serve other machines", addr)
}

// trustedKiosk is one --trust-kiosk: an app id and its public key.
type trustedKiosk struct {
	appID string
	pub   *ecdsa.PublicKey
}

// parseTrust reads APPID=FILE, FILE holding an SM2 public key in PEM (as
// openssl pkey -pubout writes it).
func parseTrust(v string) (trustedKiosk, error) {
	appID, file, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(appID) == "" || file == "" {
		return trustedKiosk{}, fmt.Errorf("want APPID=FILE, got %q", v)
	}
	pub, err := sm2pem.ReadPublicKey(file, "kiosk key of "+appID)
	if err != nil {
		return trustedKiosk{}, errors.New(oneLine(err))
	}
	return trustedKiosk{appID: appID, pub: pub}, nil
}

// oneLine folds an error's text onto one line.
func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }
