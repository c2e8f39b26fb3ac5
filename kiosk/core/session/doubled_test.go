package session

import (
	"strings"
	"testing"

	"sckiosk/devices/device"
	"sckiosk/kiosk/core/msg"
	"sckiosk/ui/text"
)

// What the citizen reads about a device names it once: a cause that names
// its device already (打印机缺纸) is not put after the device's name
// (打印机打印机缺纸), on any screen, for any cause.
func TestDeviceNamedOnce(t *testing.T) {
	var said []string
	add := func(ts ...msg.Text) {
		for _, t := range ts {
			said = append(said, zh(t))
		}
	}
	for _, k := range device.Kinds() {
		for _, c := range append(device.Causes(), device.NoCause) {
			for _, st := range []device.State{device.Offline, device.Fault} {
				down := DeviceChanged{Status: device.Status{Kind: k, State: st, Cause: c}}
				for _, events := range [][]Event{
					{Start{}, down},
					append(toReview(), down, SetConsent{Agreed: true}, Confirm{}),
					append(toDone(), down, PrintFailed{Notice: PrinterNotice(c)}),
					{Start{}, CardRead{Person: samplePerson()}, down, ChooseItemEvent{Code: "11510100MB0000003D3510100003001"}},
				} {
					s, _ := run(t, idle(), events...)
					add(s.Notice, s.Result.PrintNotice)
					if f, ok := s.Fault(); ok {
						add(f.Title, f.Cause)
						add(f.Next...)
					}
				}
				s := idle()
				s.Devices = map[device.Kind]device.Status{k: {Kind: k, State: st, Cause: c}}
				add(s.deviceDown(k), msg.New(msg.ItemNeedsDevice, s.deviceDown(k)))
			}
		}
	}
	for _, line := range said {
		for _, k := range device.Kinds() {
			name := text.Chinese.Kind(k)
			if strings.Contains(line, name+name) || strings.Contains(line, name+"（"+name) {
				t.Errorf("%q names the %s twice", line, name)
			}
		}
	}
}
