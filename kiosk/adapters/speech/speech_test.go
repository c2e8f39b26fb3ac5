package speech

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A fake espeak-ng on PATH records what it was asked to say.
func TestEspeakRunsTheEngine(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "said")
	script := "#!/bin/sh\nfor a; do last=$a; done\nprintf '%s' \"$last\" > " + out + "\n"
	if err := os.WriteFile(filepath.Join(dir, "espeak-ng"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	sp := New(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, ok := sp.(*Espeak); !ok {
		t.Fatalf("New = %T, want *Espeak", sp)
	}
	sp.Say("请选择您要办理的事项。")
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(out)
		if strings.Contains(string(b), "请选择") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("engine not run; got %q", b)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSilentWithoutEngine(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if _, ok := New(slog.New(slog.NewTextHandler(io.Discard, nil))).(Silent); !ok {
		t.Fatal("want Silent without espeak-ng")
	}
}
