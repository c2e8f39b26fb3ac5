package speech

import (
	"io"
	"log/slog"
	"os"
	"os/exec"
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

// The voice speaks the kiosk's prompts as Mandarin: espeak-ng renders
// them to a WAV file, and its phoneme output never switches to English
// (the "cmn" voice of Debian 12 reads its tone digits as English words).
// CI installs espeak-ng and sets SPEECH_REQUIRE_ESPEAK=1 so this does not
// skip there.
func TestVoiceSpeaksMandarin(t *testing.T) {
	path, err := exec.LookPath("espeak-ng")
	if err != nil {
		if os.Getenv("SPEECH_REQUIRE_ESPEAK") != "" {
			t.Fatal("espeak-ng is not installed (apt-get install -y espeak-ng)")
		}
		t.Skip("espeak-ng is not installed")
	}
	for _, prompt := range []string{
		"请将身份证放在读卡区，或出示天府通办二维码",
		"请选择您要办理的事项。",
		"85 秒后将返回首页",
		"提交成功，请取走回执",
	} {
		wav := filepath.Join(t.TempDir(), "prompt.wav")
		if out, err := exec.Command(path, "-v", Voice, "-w", wav, prompt).CombinedOutput(); err != nil {
			t.Fatalf("espeak-ng -v %s -w: %v\n%s", Voice, err, out)
		}
		if st, err := os.Stat(wav); err != nil || st.Size() < 1000 {
			t.Errorf("%q: no sound rendered (%v)", prompt, err)
		}
		phonemes, err := exec.Command(path, "-q", "-v", Voice, "-x", prompt).Output()
		if err != nil {
			t.Fatalf("espeak-ng -x: %v", err)
		}
		if p := string(phonemes); strings.Contains(p, "(en)") || strings.TrimSpace(p) == "" {
			t.Errorf("%q is not spoken as Mandarin by voice %s: %s", prompt, Voice, p)
		}
	}
}
