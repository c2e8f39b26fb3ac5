package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"sckiosk/kiosk/platform"
)

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
		msg  string
	}{
		{"unknown flag", []string{"-bogus"}, 2, "flag provided but not defined"},
		{"bad province", []string{"-province", "44"}, 2, "-province"},
		{"remote address", []string{"-addr", "0.0.0.0:8451"}, 2, "-allow-remote"},
		{"all interfaces", []string{"-addr", ":8451"}, 2, "loopback"},
		{"bad address", []string{"-addr", "nonsense"}, 2, "-addr"},
		{"stray argument", []string{"extra"}, 2, "unexpected argument"},
		{"help", []string{"-h"}, 0, "usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if got := run(context.Background(), tt.args, &stderr); got != tt.want {
				t.Errorf("exit %d, want %d", got, tt.want)
			}
			if !strings.Contains(stderr.String(), tt.msg) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.msg)
			}
			if tt.want == 2 && strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 {
				t.Errorf("usage error is not one line: %q", stderr.String())
			}
		})
	}
}

func TestServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-province", "50"}, stderr) }()

	re := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)`)
	var url string
	deadline := time.Now().Add(20 * time.Second)
	for url == "" {
		if time.Now().After(deadline) {
			t.Fatalf("no url logged: %s", stderr)
		}
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			url = m[1]
		}
		time.Sleep(5 * time.Millisecond)
	}
	c, err := platform.NewClient(map[string]string{platform.Chongqing: url}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Health(ctx, platform.Chongqing); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d: %s", code, stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("did not stop")
	}
}
