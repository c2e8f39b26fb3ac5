// Package text says the kiosk's typed messages and states in words. It
// renders a msg.Text, and labels device kinds, states and causes, the
// platform's state, a case's state, and the hall's kiosk presences and
// rollout stages: the one place where the Chinese that the core, the
// runtime, the drivers, the adapters and the hall give people is written.
// It imports no UI toolkit, so the CLI and the hall dashboard use it as
// well as the screens.
//
// A language is a Language value: tables over the same keys. Chinese is
// the kiosk's language; another (Tibetan, Yi) is another Language whose
// Fallback is Chinese until every table is translated.
package text

import (
	"fmt"

	"sckiosk/devices/device"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/msg"
	"sckiosk/kiosk/fleet/hallstate"
)

// Language holds the words of one language.
type Language struct {
	// Tag names the language (BCP 47), e.g. "zh-Hans".
	Tag string
	// Messages are fmt formats by key. Each parameter reaches the format
	// already in words, so every verb is %s or %d; %[2]s picks the second
	// parameter, for a language that orders them differently.
	Messages map[msg.Key]string
	// Kinds name the devices (读卡器).
	Kinds map[device.Kind]string
	// States are the words for device states (离线), on the technician's
	// screen and the hall dashboard.
	States map[device.State]string
	// Causes are what people are told about a cause (打印机缺纸).
	Causes map[device.Cause]string
	// Short are the technician's short labels of the causes (缺纸).
	Short map[device.Cause]string
	// Platforms name the platform's states as the outbox reports them
	// ("online", "degraded", "offline"; "" while not known).
	Platforms map[application.PlatformState]string
	// CaseStates name how far a case has got, as the citizen reads it
	// after scanning a receipt (办理中).
	CaseStates map[application.CaseState]string
	// Presences are the hall's words for whether it hears from a kiosk
	// (在线).
	Presences map[hallstate.Presence]string
	// Stages are the hall's words for how far a profile rollout has got
	// (试点中).
	Stages map[hallstate.Stage]string
	// Counters name what the kiosk counts for technicians, by the
	// session's counter key ("printer.prints" → 打印回执).
	Counters map[string]string
	// Roles name the hall server's operator roles (运维).
	Roles map[hallstate.Role]string
	// Fallback gives what this language's tables lack; nil for none.
	Fallback *Language
}

// Render says t in l: its key's format filled with its parameters, each
// parameter itself in words (a device.Kind by its label, a Cause by what
// people are told, a nested Text rendered). The zero Text is "".
func (l *Language) Render(t msg.Text) string {
	if t.IsZero() {
		return ""
	}
	format, ok := lookup(l, func(l *Language) (string, bool) { s, ok := l.Messages[t.Key]; return s, ok })
	if !ok {
		return ""
	}
	if len(t.Args) == 0 {
		return format
	}
	args := make([]any, len(t.Args))
	for i, a := range t.Args {
		args[i] = l.arg(a)
	}
	return fmt.Sprintf(format, args...)
}

// arg is parameter a in words.
func (l *Language) arg(a any) any {
	switch v := a.(type) {
	case msg.Text:
		return l.Render(v)
	case msg.Key:
		return l.Render(msg.New(v))
	case device.Kind:
		return l.Kind(v)
	case device.State:
		return l.State(v)
	case device.Cause:
		return l.Cause(v)
	}
	return a
}

// Kind names a device (读卡器); its English name when l has no label.
func (l *Language) Kind(k device.Kind) string {
	if s, ok := lookup(l, func(l *Language) (string, bool) { s, ok := l.Kinds[k]; return s, ok }); ok {
		return s
	}
	return k.String()
}

// State is the word for a device state (离线).
func (l *Language) State(s device.State) string {
	w, _ := lookup(l, func(l *Language) (string, bool) { w, ok := l.States[s]; return w, ok })
	return w
}

// Cause is what people are told about a cause (打印机缺纸); "" for
// device.NoCause.
func (l *Language) Cause(c device.Cause) string {
	w, _ := lookup(l, func(l *Language) (string, bool) { w, ok := l.Causes[c]; return w, ok })
	return w
}

// CauseShort is the technician's short label of a cause (缺纸); "" for
// device.NoCause.
func (l *Language) CauseShort(c device.Cause) string {
	w, _ := lookup(l, func(l *Language) (string, bool) { w, ok := l.Short[c]; return w, ok })
	return w
}

// Platform names the platform's state (online → 正常).
func (l *Language) Platform(state application.PlatformState) string {
	w, _ := lookup(l, func(l *Language) (string, bool) { w, ok := l.Platforms[state]; return w, ok })
	return w
}

// CaseState names how far a case has got (办理中).
func (l *Language) CaseState(s application.CaseState) string {
	w, _ := lookup(l, func(l *Language) (string, bool) { w, ok := l.CaseStates[s]; return w, ok })
	return w
}

// Presence is the hall's word for whether it hears from a kiosk (在线).
func (l *Language) Presence(p hallstate.Presence) string {
	w, _ := lookup(l, func(l *Language) (string, bool) { w, ok := l.Presences[p]; return w, ok })
	return w
}

// Stage is the hall's word for how far a profile rollout has got (试点中).
func (l *Language) Stage(s hallstate.Stage) string {
	w, _ := lookup(l, func(l *Language) (string, bool) { w, ok := l.Stages[s]; return w, ok })
	return w
}

// Counter names a technician's counter ("idcard.reads" → 读卡成功); the
// key itself when l has no name for it.
func (l *Language) Counter(key string) string {
	if w, ok := lookup(l, func(l *Language) (string, bool) { w, ok := l.Counters[key]; return w, ok }); ok {
		return w
	}
	return key
}

// Role names an operator role of the hall server (配置管理员).
func (l *Language) Role(r hallstate.Role) string {
	w, _ := lookup(l, func(l *Language) (string, bool) { w, ok := l.Roles[r]; return w, ok })
	return w
}

// lookup asks l, then its fallbacks, for an entry.
func lookup(l *Language, get func(*Language) (string, bool)) (string, bool) {
	for ; l != nil; l = l.Fallback {
		if s, ok := get(l); ok {
			return s, true
		}
	}
	return "", false
}
