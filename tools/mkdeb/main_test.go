package main

import (
	"bytes"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestPackagingConfigs checks that the real nfpm files name only files that
// exist in the repository (${BIN} and ${BUILD} are made by make deb).
func TestPackagingConfigs(t *testing.T) {
	root := filepath.Join("..", "..")
	src := regexp.MustCompile(`(?m)^\s*(?:- )?src: (\S+)|^\s+(?:postinstall|preremove|postremove): (\S+)`)
	for _, cfg := range []string{"kiosk.yaml", "platformsim.yaml"} {
		t.Run(cfg, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(root, "packaging", "nfpm", cfg))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, m := range src.FindAllStringSubmatch(string(raw), -1) {
				p := m[1] + m[2]
				if strings.HasPrefix(p, "${") {
					continue
				}
				n++
				if _, err := os.Stat(filepath.Join(root, p)); err != nil {
					t.Errorf("%s names %s: %v", cfg, p, err)
				}
			}
			if cfg == "kiosk.yaml" && n < 5 {
				t.Errorf("found only %d repository files in %s", n, cfg)
			}
		})
	}
}

func TestBuildPackage(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	os.MkdirAll(bin, 0o755)
	os.WriteFile(filepath.Join(bin, "hello"), []byte("#!/bin/sh\necho hello\n"), 0o755)
	cfg := filepath.Join(dir, "hello.yaml")
	os.WriteFile(cfg, []byte(`name: hello
arch: ${ARCH}
version: ${VERSION}
version_schema: none
maintainer: Test <test@example.invalid>
description: |
  Test package
  Built by the mkdeb test.
contents:
  - src: ${BIN}/hello
    dst: /usr/bin/hello
    file_info: {mode: 0755}
  - src: ${BUILD}/copyright
    dst: /usr/share/doc/hello/copyright
`), 0o644)
	out := filepath.Join(dir, "dist")
	t.Setenv("SOURCE_DATE_EPOCH", "1764028800")
	err := run([]string{"-version", "1.2.3+git20261125", "-arch", "arm64", "-bin", bin, "-build", filepath.Join(dir, "build"), "-out", out, "-config", cfg},
		slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	deb := filepath.Join(out, "hello_1.2.3+git20261125_arm64.deb")
	raw, err := os.ReadFile(deb)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte("!<arch>\ndebian-binary")) {
		t.Fatalf("%s is not a Debian ar archive", deb)
	}
	cl, err := os.ReadFile(filepath.Join(dir, "build", "changelog.gz"))
	if err != nil || len(cl) == 0 {
		t.Errorf("no changelog: %v", err)
	}
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		return
	}
	info, err := exec.Command("dpkg-deb", "-f", deb, "Package", "Version", "Architecture").Output()
	if err != nil {
		t.Fatalf("dpkg-deb: %v", err)
	}
	if want := "Package: hello\nVersion: 1.2.3+git20261125\nArchitecture: arm64\n"; string(info) != want {
		t.Errorf("control fields:\n%s\nwant:\n%s", info, want)
	}
	list, _ := exec.Command("dpkg-deb", "-c", deb).Output()
	if !strings.Contains(string(list), "./usr/bin/hello") {
		t.Errorf("contents lack /usr/bin/hello:\n%s", list)
	}
}

func TestRunUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"-version", "1"}, {"-config", "x.yaml"}, {"-bogus"}} {
		if err := run(args, slog.New(slog.DiscardHandler)); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
