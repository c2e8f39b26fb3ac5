package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRunRefusesPingTimeoutNotShorterThanPeriod(t *testing.T) {
	var stderr bytes.Buffer
	code := run([]string{"--ping-every", "10s", "--ping-timeout", "30s", "--mqtt", "127.0.0.1:0", "--http", "127.0.0.1:0"}, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "--ping-timeout must be shorter than --ping-every") {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
}
