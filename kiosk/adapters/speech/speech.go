// Package speech speaks the kiosk's prompts aloud for elder mode and the
// idle countdown. The product uses espeak-ng (Debian package espeak-ng)
// with its Mandarin voice; a kiosk without it stays silent.
package speech

import (
	"context"
	"log/slog"
	"os/exec"
	"sync"
	"time"

	"sckiosk/kiosk/core/msg"
	"sckiosk/ui/text"
)

// Speaker says a sentence. Say must not block the caller.
type Speaker interface {
	Say(text string)
}

// Words says the kiosk's message texts through a Speaker, in one
// language: the runtime hands it the core's Speak effects.
type Words struct {
	Speaker  Speaker
	Language *text.Language
}

// Say renders t in the language and says it.
func (w Words) Say(t msg.Text) { w.Speaker.Say(w.Language.Render(t)) }

// Silent is a Speaker that says nothing.
type Silent struct{}

// Say implements Speaker.
func (Silent) Say(string) {}

// Voice is espeak-ng's Mandarin voice that reads hanzi as Mandarin. On
// Debian 12 (espeak-ng 1.51) the voice "cmn" reads the tone digits of its
// own pinyin as English words ("(en)" switches in `espeak-ng -x`): it is
// unintelligible. "cmn-latn-pinyin" speaks the same text as Mandarin.
const Voice = "cmn-latn-pinyin"

// Espeak speaks through the espeak-ng command. A new sentence interrupts
// the one being spoken, so prompts never queue up behind each other.
type Espeak struct {
	path  string
	voice string
	log   *slog.Logger

	mu     sync.Mutex
	cancel context.CancelFunc
}

// New returns an espeak-ng speaker, or Silent when espeak-ng is not
// installed.
func New(log *slog.Logger) Speaker {
	path, err := exec.LookPath("espeak-ng")
	if err != nil {
		log.Info("speech off: espeak-ng is not installed")
		return Silent{}
	}
	return &Espeak{path: path, voice: Voice, log: log}
}

// Say implements Speaker.
func (e *Espeak) Say(text string) {
	if text == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	e.mu.Lock()
	if e.cancel != nil {
		e.cancel()
	}
	e.cancel = cancel
	e.mu.Unlock()
	cmd := exec.CommandContext(ctx, e.path, "-v", e.voice, "-s", "150", text)
	go func() {
		defer cancel()
		if err := cmd.Run(); err != nil && ctx.Err() == nil {
			e.log.Warn("speech failed", "err", err)
		}
	}()
}
