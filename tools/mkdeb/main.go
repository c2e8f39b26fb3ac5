// Command mkdeb builds the kiosk's Debian packages with nfpm used as a
// library (make deb). Each -config is an nfpm YAML file under
// packaging/nfpm; ${VERSION}, ${ARCH}, ${BIN} and ${BUILD} in it are
// replaced by the flags. Before packaging, mkdeb writes into the build
// directory the files every package carries: a machine-readable
// debian/copyright and a gzipped Debian changelog.
//
//	go run ./tools/mkdeb -version 0.1.0 -arch amd64 -bin bin -build build/deb \
//	    -out dist -config packaging/nfpm/kiosk.yaml -config packaging/nfpm/platformsim.yaml
package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/deb"
)

// options are mkdeb's flags.
type options struct {
	version, arch, bin, build, out string
	configs                        []string
	date                           time.Time
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(os.Args[1:], log); err != nil {
		fmt.Fprintln(os.Stderr, "mkdeb:", err)
		os.Exit(1)
	}
}

func run(args []string, log *slog.Logger) error {
	var o options
	var configs multi
	fs := flag.NewFlagSet("mkdeb", flag.ContinueOnError)
	fs.StringVar(&o.version, "version", "", "Debian package version (required)")
	fs.StringVar(&o.arch, "arch", "amd64", "Debian architecture of the binaries")
	fs.StringVar(&o.bin, "bin", "bin", "directory holding the built binaries")
	fs.StringVar(&o.build, "build", "build/deb", "directory for generated files (copyright, changelog, udev rules)")
	fs.StringVar(&o.out, "out", "dist", "directory the .deb files are written to")
	fs.Var(&configs, "config", "nfpm YAML file of one package (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.version == "" || len(configs) == 0 {
		return errors.New("-version and at least one -config are required")
	}
	o.configs = configs
	o.date = sourceDate()
	if err := os.MkdirAll(o.build, 0o755); err != nil {
		return fmt.Errorf("build directory: %w", err)
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return fmt.Errorf("output directory: %w", err)
	}
	for _, c := range o.configs {
		path, err := build(o, c)
		if err != nil {
			return fmt.Errorf("%s: %w", c, err)
		}
		log.Info("package built", "deb", path)
	}
	return nil
}

// sourceDate is SOURCE_DATE_EPOCH when set (reproducible builds), else now.
func sourceDate() time.Time {
	var sec int64
	if _, err := fmt.Sscan(os.Getenv("SOURCE_DATE_EPOCH"), &sec); err == nil && sec > 0 {
		return time.Unix(sec, 0).UTC()
	}
	return time.Now().UTC()
}

// build makes the .deb described by the nfpm file config and returns its path.
func build(o options, config string) (string, error) {
	vars := map[string]string{"VERSION": o.version, "ARCH": o.arch, "BIN": o.bin, "BUILD": o.build}
	raw, err := os.ReadFile(config)
	if err != nil {
		return "", fmt.Errorf("read: %w", err)
	}
	// nfpm expands variables in some fields only (not in contents):
	// expand them all in the text first.
	mapping := func(k string) string { return vars[k] }
	cfg, err := nfpm.ParseWithEnvMapping(strings.NewReader(os.Expand(string(raw), mapping)), mapping)
	if err != nil {
		return "", fmt.Errorf("parse: %w", err)
	}
	info, err := cfg.Get("deb")
	if err != nil {
		return "", fmt.Errorf("deb settings: %w", err)
	}
	info = nfpm.WithDefaults(info)
	info.MTime = o.date
	if err := writeDocs(o, info.Name, info.Maintainer); err != nil {
		return "", err
	}
	if err := nfpm.Validate(info); err != nil {
		return "", fmt.Errorf("validate: %w", err)
	}
	target := filepath.Join(o.out, deb.Default.ConventionalFileName(info))
	f, err := os.Create(target)
	if err != nil {
		return "", fmt.Errorf("create %s: %w", target, err)
	}
	info.Target = target
	if err := deb.Default.Package(info, f); err != nil {
		f.Close()
		os.Remove(target)
		return "", fmt.Errorf("package: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("write %s: %w", target, err)
	}
	return target, nil
}

// writeDocs writes the copyright file and the gzipped changelog of package
// name into the build directory (one pair shared by all packages: they are
// written again for each, with the same content but the package's name).
func writeDocs(o options, name, maintainer string) error {
	if err := os.WriteFile(filepath.Join(o.build, "copyright"), []byte(copyright(o.date)), 0o644); err != nil {
		return fmt.Errorf("copyright: %w", err)
	}
	gz, err := gzipped(changelog(name, o.version, maintainer, o.date), o.date)
	if err != nil {
		return fmt.Errorf("changelog: %w", err)
	}
	if err := os.WriteFile(filepath.Join(o.build, "changelog.gz"), gz, 0o644); err != nil {
		return fmt.Errorf("changelog: %w", err)
	}
	return nil
}

// copyright is the machine-readable debian/copyright of the packages.
func copyright(date time.Time) string {
	return fmt.Sprintf(`Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: sckiosk

Files: *
Copyright: %d Sichuan service-hall kiosk team
License: proprietary
 All rights reserved. Distributed to government service halls under
 contract only.

Files: usr/bin/kiosk usr/bin/kioskctl
Copyright: 2014-2021 Adobe (http://www.adobe.com/), with Reserved Font Name 'Source'
License: OFL-1.1
 The kiosk and kioskctl binaries embed the font Noto Sans CJK SC Regular, unmodified,
 under the SIL Open Font License 1.1; its full text is in
 /usr/share/doc/kiosk/OFL.txt.
`, date.Year())
}

// changelog is a one-entry Debian changelog for version.
func changelog(name, version, maintainer string, date time.Time) string {
	return fmt.Sprintf("%s (%s) unstable; urgency=medium\n\n  * Built from the sckiosk repository (make deb).\n\n -- %s  %s\n",
		name, version, maintainer, date.Format("Mon, 02 Jan 2006 15:04:05 -0700"))
}

// gzipped compresses data like gzip -9n: best compression, no name, fixed time.
func gzipped(data string, date time.Time) ([]byte, error) {
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	w.ModTime = date
	if _, err := io.WriteString(w, data); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return b.Bytes(), nil
}
