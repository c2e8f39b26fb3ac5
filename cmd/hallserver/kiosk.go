package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"sckiosk/kiosk/fleet/enrol"
)

// defaultKiosks is the list of enrolled kiosks of the packaged service
// (its systemd StateDirectory).
const defaultKiosks = "/var/lib/kiosk-hallserver/kiosks"

const kioskUsage = `usage:
  hallserver kiosk add ID [--password-file F] [--cert] [--kiosks FILE]
  hallserver kiosk add --from IDS [--password-dir DIR] [--cert] [--kiosks FILE]
  hallserver kiosk remove ID... [--kiosks FILE]
  hallserver kiosk list [--kiosks FILE]

add enrols a kiosk and generates its broker password, shown once: written
to F (mode 0600; install it as the kiosk's fleet.password_file) or, without
--password-file, printed on standard output. Enrolling a kiosk again gives
it a new password. --cert enrols it for a client certificate (CN = ID)
instead, without a password. --from reads one id a line (# comments);
passwords go to DIR/ID.password, or to standard output as "ID PASSWORD".
A running hall server reads the list again within 2 s; a removed kiosk is
disconnected and refused from then on.
`

// runKiosk is `hallserver kiosk …`: the hall's allow-list of kiosks.
func runKiosk(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, kioskUsage)
		return 2
	}
	verb := args[0]
	fs := flag.NewFlagSet("hallserver kiosk "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, kioskUsage); fs.PrintDefaults() }
	path := fs.String("kiosks", defaultKiosks, "the hall's list of enrolled kiosks")
	pwFile := fs.String("password-file", "", "add: write the generated password to this file (0600) instead of standard output")
	from := fs.String("from", "", "add: enrol every id in this file, one a line")
	pwDir := fs.String("password-dir", "", "add --from: write each password to DIR/ID.password (0600)")
	cert := fs.Bool("cert", false, "add: the kiosk logs in with a client certificate whose CN is its id; no password")
	// Flags may come after the ids: parse, take the next id, parse again.
	var ids []string
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		ids, rest = append(ids, fs.Arg(0)), fs.Args()[1:]
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "hallserver kiosk "+verb+":", err)
		return 1
	}
	usage := func(msg string) int {
		fmt.Fprintln(stderr, "hallserver kiosk "+verb+":", msg)
		fmt.Fprint(stderr, kioskUsage)
		return 2
	}
	switch verb {
	case "add":
		method := enrol.Password
		if *cert {
			method = enrol.Cert
			if *pwFile != "" || *pwDir != "" {
				return usage("--cert enrols without a password: no --password-file or --password-dir")
			}
		}
		if *from != "" {
			if len(ids) > 0 || *pwFile != "" {
				return usage("--from takes no ids and no --password-file (use --password-dir)")
			}
			var err error
			if ids, err = readIDs(*from); err != nil {
				return fail(err)
			}
		} else if len(ids) != 1 || *pwDir != "" {
			return usage("add takes one id (or --from FILE for many)")
		}
		for _, id := range ids {
			if err := enrol.CheckID(id); err != nil {
				return fail(err)
			}
		}
		pws, err := enrol.Add(*path, method, ids...)
		if err != nil {
			return fail(err)
		}
		if err := handOut(pws, ids, *pwFile, *pwDir, stdout); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stderr, "enrolled %d kiosk(s) in %s\n", len(ids), *path)
		return 0
	case "remove":
		if len(ids) == 0 {
			return usage("remove takes the ids to remove")
		}
		if err := enrol.Remove(*path, ids...); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stderr, "removed %d kiosk(s) from %s\n", len(ids), *path)
		return 0
	case "list":
		if len(ids) > 0 {
			return usage("list takes no ids")
		}
		entries, err := enrol.Read(*path)
		if err != nil {
			return fail(err)
		}
		for _, e := range entries {
			fmt.Fprintf(stdout, "%s\t%s\n", e.Kiosk, e.Method)
		}
		return 0
	}
	return usage("unknown command " + verb)
}

// readIDs reads one kiosk id a line; blank lines and # comments are
// skipped, and an error names the line.
func readIDs(name string) ([]string, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var ids []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := enrol.CheckID(line); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		ids = append(ids, line)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%s: no kiosk id", name)
	}
	return ids, sc.Err()
}

// handOut gives the new passwords to whoever installs them on the
// kiosks: in a file, in a directory, or on standard output. Never in a
// log.
func handOut(pws map[string]string, ids []string, file, dir string, stdout io.Writer) error {
	if len(pws) == 0 {
		return nil
	}
	switch {
	case file != "":
		return writeSecret(file, pws[ids[0]])
	case dir != "":
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		for _, id := range ids {
			if err := writeSecret(filepath.Join(dir, id+".password"), pws[id]); err != nil {
				return err
			}
		}
		return nil
	case len(ids) == 1:
		_, err := fmt.Fprintln(stdout, pws[ids[0]])
		return err
	}
	for _, id := range ids {
		if _, err := fmt.Fprintf(stdout, "%s %s\n", id, pws[id]); err != nil {
			return err
		}
	}
	return nil
}

func writeSecret(name, secret string) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil { // an existing file keeps no wider mode
		f.Close()
		return err
	}
	if _, err := f.WriteString(secret + "\n"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
