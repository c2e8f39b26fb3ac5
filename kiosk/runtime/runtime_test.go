package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"sckiosk/devices/device"
	"sckiosk/kiosk/core/msg"
	"sckiosk/kiosk/core/session"
	"sckiosk/ui/text"
)

type recordingSpeaker struct{ said []string }

func (r *recordingSpeaker) Say(t msg.Text) { r.said = append(r.said, text.Chinese.Render(t)) }

// Speak effects are said in words through the text package.
func TestSpeakRendersThroughText(t *testing.T) {
	tests := []struct {
		text msg.Text
		want string
	}{
		{msg.New(msg.SpeechCountdown), "即将返回首页。如需继续办理，请点击屏幕中间的继续办理。"},
		{msg.New(msg.PromptDone), "办理完成。请取走回执和您的身份证。"},
		{msg.Text{}, ""},
	}
	for _, tt := range tests {
		sp := &recordingSpeaker{}
		r := New(session.State{}, Options{Speaker: sp, Log: slog.New(slog.DiscardHandler)})
		r.do(context.Background(), session.Speak{Text: tt.text})
		if len(sp.said) != 1 || sp.said[0] != tt.want {
			t.Errorf("Speak(%v) said %q, want %q", tt.text, sp.said, tt.want)
		}
	}
}

type messageErr struct{ m msg.Text }

func (e messageErr) Error() string     { return "refused" }
func (e messageErr) Message() msg.Text { return e.m }

func TestMessageOf(t *testing.T) {
	fallback := msg.New(msg.CodeUnreadable)
	paper := session.PrinterNotice(device.PaperOut)
	tests := []struct {
		name string
		err  error
		want msg.Key
	}{
		{"plain error", errors.New("boom"), msg.CodeUnreadable},
		{"wrapped message", fmt.Errorf("verify: %w", messageErr{paper}), msg.PrinterCausePhoto},
		{"empty message", messageErr{}, msg.CodeUnreadable},
	}
	for _, tt := range tests {
		if got := messageOf(tt.err, fallback); got.Key != tt.want {
			t.Errorf("%s: messageOf = %v, want key %d", tt.name, got, tt.want)
		}
	}
}
