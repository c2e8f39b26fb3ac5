package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"sckiosk/internal/sm2pem"
	"sckiosk/kiosk/adapters/profile"
	"sckiosk/kiosk/core/technician"
	"sckiosk/kiosk/fleet"
)

// cmdProfile checks, shows, hashes or signs, as args[0] says: "profile check
// FILE..." prints every problem of the layered profile as
// file:line:column: message and fails when there is any; "profile show
// FILE..." prints the merged profile; "profile pin" reads a technician PIN
// on stdin and prints its hash; "profile sign" writes a province's
// signature of a layer (profileSign).
func cmdProfile(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	sub := args[0]
	var each bool
	var keyFile, kiosks, sigOut string
	var expires time.Duration
	fs, err := flags("profile "+sub, args[1:], func(fs *flag.FlagSet) {
		switch sub {
		case "check":
			fs.BoolVar(&each, "each", false, "check each file on its own instead of as layers")
		case "sign":
			fs.StringVar(&keyFile, "key", "", "the province's SM2 private key (PEM)")
			fs.StringVar(&kiosks, "kiosks", "", "comma-separated ids of the kiosks the layer may be applied to")
			fs.DurationVar(&expires, "expires", 24*time.Hour, "how long the signature stays valid")
			fs.StringVar(&sigOut, "out", "", "where to write the signature (default LAYER.sig)")
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
	case "sign":
		return profileSign(files, keyFile, kiosks, expires, sigOut, out)
	default:
		return usageErr("profile: unknown subcommand %q (check, show, pin, sign)", sub)
	}
}

// profileSign writes the province's detached signature of one profile
// layer (fleet.LayerSignature, JSON) for the kiosks named, valid for
// expires: what a pushed layer changing platform endpoints, keys,
// demo_keys or the technician PIN must carry to be applied.
func profileSign(files []string, keyFile, kiosks string, expires time.Duration, sigOut string, out io.Writer) error {
	switch {
	case len(files) != 1:
		return usageErr("profile sign: give exactly one layer file")
	case keyFile == "":
		return usageErr("profile sign: --key PROVINCE.pem is required")
	case strings.TrimSpace(kiosks) == "":
		return usageErr("profile sign: --kiosks ID,... is required")
	case expires <= 0 || expires > fleet.MaxLayerSigLife:
		return usageErr("profile sign: --expires %s: between 1s and %s", expires, fleet.MaxLayerSigLife)
	}
	layer, err := os.ReadFile(files[0])
	if err != nil {
		return fmt.Errorf("profile sign: %w", err)
	}
	// A layer that is not YAML with keys would be refused anyway: say so
	// now. (Other checks need the kiosk's own layers and files.)
	var probe map[string]any
	if err := yaml.Unmarshal(layer, &probe); err != nil || len(probe) == 0 {
		return usageErr("profile sign: %s is not a profile layer (YAML with keys)", files[0])
	}
	key, err := sm2pem.ReadPrivateKey(keyFile, "province key")
	if err != nil {
		return fmt.Errorf("profile sign: %w", err)
	}
	ids := strings.Split(kiosks, ",")
	for i := range ids {
		ids[i] = strings.TrimSpace(ids[i])
	}
	sig, err := fleet.SignLayer(key, layer, ids, time.Now().Add(expires))
	if err != nil {
		return usageErr("profile sign: %v", err)
	}
	b, err := json.MarshalIndent(sig, "", "  ")
	if err != nil {
		return fmt.Errorf("profile sign: %w", err)
	}
	if sigOut == "" {
		sigOut = files[0] + ".sig"
	}
	if err := os.WriteFile(sigOut, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("profile sign: %w", err)
	}
	fmt.Fprintf(out, "%s: signed for %s until %s\n", sigOut, strings.Join(sig.Kiosks, ","), sig.Expires.Format(time.RFC3339))
	return nil
}
