package session

import (
	"strings"
	"testing"

	"sckiosk/devices/device"
)

func down(k device.Kind, c device.Cause) Event {
	return DeviceChanged{Status: device.Status{Kind: k, State: device.Offline, Cause: c}}
}

func TestFaults(t *testing.T) {
	base := func() State { // reader, scanner and printer online
		s := idle()
		s, _ = Next(s, online(device.Scanner))
		return s
	}
	tests := []struct {
		name     string
		events   []Event
		kind     FaultKind // "" = no fault
		blocking bool
		cause    string // a part of the cause
	}{
		{"all well at idle", nil, "", false, ""},
		{"starting devices are not a fault", nil, "", false, ""},
		{"no identification at idle", []Event{down(device.IDCard, device.NoCause), down(device.Scanner, device.NoCause)}, FaultNoIdentify, true, "读卡器和扫码器"},
		{"reader only down at idle is not a fault", []Event{down(device.IDCard, device.NoCause)}, "", false, ""},
		{"reader down while identifying", []Event{down(device.IDCard, device.Disconnected), Start{}}, FaultReader, false, "读卡器（设备未连接）"},
		{"scanner down while identifying", []Event{down(device.Scanner, device.NoCause), Start{}}, FaultCodeReader, false, "扫码器无法使用"},
		{"camera keeps codes working", []Event{down(device.Scanner, device.NoCause), online(device.Camera), Start{}}, "", false, ""},
		{"both down while identifying", []Event{Start{}, down(device.IDCard, device.NoCause), down(device.Scanner, device.NoCause)}, FaultNoIdentify, true, "无法核验身份"},
		{"platform offline while choosing", []Event{Start{}, CardRead{Person: samplePerson()}, PlatformChanged{State: "offline"}}, FaultPlatform, false, "连不上"},
		{"platform degraded is not a fault", []Event{Start{}, CardRead{Person: samplePerson()}, PlatformChanged{State: "degraded"}}, "", false, ""},
		{"printer out of paper at done", append([]Event{DeviceChanged{Status: device.Status{Kind: device.Printer, State: device.Fault, Cause: device.PaperOut}}}, toDone()...), FaultPrinter, false, "打印机缺纸"},
		{"submit failed", append(toSubmitting(), SubmitFailed{}), FaultSubmit, true, "没有保存"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base()
			if tt.name == "starting devices are not a fault" {
				s = New(DefaultConfig(), s.Catalog, t0)
			}
			s, _ = run(t, s, tt.events...)
			f, ok := s.Fault()
			if tt.kind == "" {
				if ok {
					t.Fatalf("fault %+v on %s, want none", f, s.Screen)
				}
				return
			}
			if !ok || f.Kind != tt.kind || f.Blocking != tt.blocking || !strings.Contains(zh(f.Cause), tt.cause) {
				t.Fatalf("fault = %+v (ok %v) on %s, want %s blocking %v with %q", f, ok, s.Screen, tt.kind, tt.blocking, tt.cause)
			}
			if zh(f.Title) == "" || len(f.Next) == 0 {
				t.Fatalf("fault without a title or next steps: %+v", f)
			}
		})
	}
}
