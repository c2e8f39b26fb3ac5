package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// zxingDir holds the ZXing-C++ reference: decode.mjs and its pinned npm
// dependency (package-lock.json), installed into node_modules by
// make bench-qr.
const zxingDir = "tools/qrbench/zxing"

// zxingRef is one node process running decode.mjs: it reads a path a
// line and answers a JSON line per path. One process for the whole run,
// so node's start-up and the .wasm compile are not in the times.
type zxingRef struct {
	cmd                   *exec.Cmd
	in                    io.WriteCloser
	out                   *bufio.Scanner
	version, commit, node string
}

// startZXing starts decode.mjs under node and reads its version line.
func startZXing() (*zxingRef, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, errors.New("node not found (apt-get install nodejs npm)")
	}
	if _, err := os.Stat(filepath.Join(zxingDir, "node_modules", "zxing-wasm")); err != nil {
		return nil, fmt.Errorf("zxing-wasm not installed: run make bench-qr, or npm ci --prefix %s", zxingDir)
	}
	ver, _ := exec.Command(node, "--version").Output()
	cmd := exec.Command(node, "decode.mjs")
	cmd.Dir = zxingDir
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	outp, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start node: %w", err)
	}
	z := &zxingRef{cmd: cmd, in: in, out: bufio.NewScanner(outp), node: strings.TrimSpace(string(ver))}
	z.out.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var head struct {
		Version        string `json:"version"`
		ZXingCppCommit string `json:"zxingCppCommit"`
	}
	if !z.out.Scan() {
		z.close()
		return nil, errors.New("decode.mjs said nothing")
	}
	if err := json.Unmarshal(z.out.Bytes(), &head); err != nil {
		z.close()
		return nil, fmt.Errorf("decode.mjs: %w", err)
	}
	z.version, z.commit = head.Version, head.ZXingCppCommit
	return z, nil
}

// run decodes files with ZXing-C++; the time per frame is decode.mjs's
// own measure around readBarcodes (JPEG decoding inside the .wasm
// included, as zbarimg's is).
func (z *zxingRef) run(files []sample) *tally {
	t := &tally{}
	for _, s := range files {
		abs, err := filepath.Abs(s.file)
		if err != nil {
			fail(err)
		}
		if _, err := fmt.Fprintln(z.in, abs); err != nil {
			fail(fmt.Errorf("ZXing-C++ reference: %w", err))
		}
		if !z.out.Scan() {
			fail(fmt.Errorf("ZXing-C++ reference stopped: %v", z.out.Err()))
		}
		var r struct {
			Texts []string `json:"texts"`
			MS    float64  `json:"ms"`
		}
		if err := json.Unmarshal(z.out.Bytes(), &r); err != nil {
			fail(fmt.Errorf("ZXing-C++ reference: %w", err))
		}
		t.score(s, r.Texts, r.MS)
	}
	return t
}

func (z *zxingRef) close() {
	z.in.Close()
	_ = z.cmd.Wait()
}
