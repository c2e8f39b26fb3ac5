package text

import (
	"strings"
	"testing"

	"sckiosk/devices/device"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/msg"
	"sckiosk/kiosk/fleet/hallstate"
)

// Every message key and every label (device kinds, states and causes,
// platform states, case states, the hall's presences and rollout stages)
// has Chinese words: nothing falls through to an empty string.
func TestChineseIsComplete(t *testing.T) {
	for _, k := range msg.Keys() {
		if f := Chinese.Messages[k]; strings.TrimSpace(f) == "" {
			t.Errorf("message key %d has no Chinese", k)
		}
	}
	for _, k := range append(device.Kinds(), device.UnknownKind) {
		if Chinese.Kinds[k] == "" {
			t.Errorf("kind %v has no Chinese label", k)
		}
	}
	for s := device.Starting; s <= device.Fault; s++ {
		if Chinese.State(s) == "" {
			t.Errorf("state %v has no Chinese label", s)
		}
	}
	for _, c := range device.Causes() {
		if Chinese.Cause(c) == "" || Chinese.CauseShort(c) == "" {
			t.Errorf("cause %v: notice %q, short label %q", c, Chinese.Cause(c), Chinese.CauseShort(c))
		}
	}
	for _, p := range []application.PlatformState{application.PlatformOnline, application.PlatformDegraded, application.PlatformOffline, application.PlatformUnknown} {
		if Chinese.Platform(p) == "" {
			t.Errorf("platform state %q has no Chinese label", p)
		}
	}
	for _, c := range append(application.CaseStates(), application.CaseUnknown) {
		if Chinese.CaseState(c) == "" {
			t.Errorf("case state %v has no Chinese label", c)
		}
	}
	for _, p := range hallstate.Presences() {
		if Chinese.Presence(p) == "" {
			t.Errorf("presence %q has no Chinese label", p)
		}
	}
	for _, st := range hallstate.Stages() {
		if Chinese.Stage(st) == "" {
			t.Errorf("rollout stage %q has no Chinese label", st)
		}
	}
	for _, r := range hallstate.Roles() {
		if Chinese.Role(r) == "" {
			t.Errorf("operator role %q has no Chinese label", r)
		}
	}
}

// One state, one word: the platform and a device offline, and a kiosk the
// hall no longer hears from, are all 离线, on the kiosk and in the hall.
func TestOneWordForOffline(t *testing.T) {
	for name, got := range map[string]string{
		"platform": Chinese.Platform(application.PlatformOffline),
		"device":   Chinese.State(device.Offline),
		"presence": Chinese.Presence(hallstate.Offline),
	} {
		if got != "离线" {
			t.Errorf("%s offline is %q, want 离线", name, got)
		}
	}
}

func TestRender(t *testing.T) {
	tests := []struct {
		name string
		t    msg.Text
		want string
	}{
		{"no message", msg.Text{}, ""},
		{"key alone", msg.New(msg.PrinterDown), "打印机暂时无法使用，请拍照保存回执二维码或联系工作人员"},
		{"cause", msg.New(msg.DeviceCause, device.CardReadFailed), "读卡失败，请重新放置证件"},
		{"kind", msg.New(msg.DeviceUnavailable, device.Printer), "打印机暂停服务，暂不能办理"},
		{"nested", msg.New(msg.ItemUnavailable, "个人参保证明打印", msg.New(msg.DeviceUnavailable, device.Printer)),
			"个人参保证明打印：打印机暂停服务，暂不能办理"},
		{"nested key", msg.New(msg.FaultReaderCause, device.IDCard, msg.DeviceUnusable), "读卡器无法使用，暂时不能读取身份证。"},
		{"platform refusal", msg.New(msg.LicenceCodeExpired), "亮证码已过期，请在App中重新亮证"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Chinese.Render(tt.t); got != tt.want {
				t.Errorf("Render = %q, want %q", got, tt.want)
			}
		})
	}
}

// A second language is another table; what it lacks comes from its
// fallback, and it may order parameters its own way.
func TestSecondLanguage(t *testing.T) {
	other := &Language{
		Tag:      "x-test",
		Messages: map[msg.Key]string{msg.ItemUnavailable: "[%[2]s] %[1]s"},
		Kinds:    map[device.Kind]string{device.Printer: "PRINTER"},
		Fallback: Chinese,
	}
	tests := []struct {
		t    msg.Text
		want string
	}{
		{msg.New(msg.ItemUnavailable, "item", msg.New(msg.DeviceUnavailable, device.Printer)), "[PRINTER暂停服务，暂不能办理] item"},
		{msg.New(msg.DeviceUnavailable, device.IDCard), "读卡器暂停服务，暂不能办理"},
	}
	for _, tt := range tests {
		if got := other.Render(tt.t); got != tt.want {
			t.Errorf("Render(%v) = %q, want %q", tt.t, got, tt.want)
		}
	}
}

// A code that does not verify is not called forged (the citizen did
// nothing wrong; it is most often stale) and names the app as citizens
// know it.
func TestForgedCodeDoesNotAccuse(t *testing.T) {
	got := Chinese.Render(msg.New(msg.QRForged))
	if want := "二维码无效或已过期，请在天府通办中刷新后重新出示"; got != want {
		t.Errorf("QRForged = %q, want %q", got, want)
	}
}
