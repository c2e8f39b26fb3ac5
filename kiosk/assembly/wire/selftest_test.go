package wire

import (
	"context"
	"strings"
	"testing"
	"time"

	"sckiosk/devices/device"
	"sckiosk/kiosk/core/session"
)

// states plays the core's latest state: each call returns the next one,
// and the last one from then on. A nil map is no state yet: the core has
// not published one.
func states(seq ...map[device.Kind]device.Status) func() *session.State {
	i := 0
	return func() *session.State {
		devs := seq[i]
		if i < len(seq)-1 {
			i++
		}
		if devs == nil {
			return nil
		}
		return &session.State{Devices: devs}
	}
}

func status(st device.State) device.Status { return device.Status{State: st} }

// A self-test does not judge a device that is still starting: it waits for
// it, and judges it once it is up.
func TestSelfTestWaitsForStartingDevices(t *testing.T) {
	kinds := []device.Kind{device.IDCard, device.Printer}
	latest := states(nil,
		map[device.Kind]device.Status{device.IDCard: status(device.Online)}, // printer not reported yet
		map[device.Kind]device.Status{device.IDCard: status(device.Online), device.Printer: status(device.Starting)},
		map[device.Kind]device.Status{device.IDCard: status(device.Online), device.Printer: status(device.Starting)},
		map[device.Kind]device.Status{device.IDCard: status(device.Online), device.Printer: status(device.Online)},
	)
	ok, lines := checkDevices(context.Background(), kinds, latest, 10*time.Second, time.Millisecond)
	if !ok || strings.Join(lines, "; ") != "idcard: online; printer: online" {
		t.Fatalf("ok %v, lines %q", ok, lines)
	}
}

// A device that stays starting past the bound fails the self-test, and the
// line says so.
func TestSelfTestDeviceStillStarting(t *testing.T) {
	kinds := []device.Kind{device.IDCard, device.Printer}
	latest := states(map[device.Kind]device.Status{device.IDCard: status(device.Online), device.Printer: status(device.Starting)})
	start := time.Now()
	ok, lines := checkDevices(context.Background(), kinds, latest, 150*time.Millisecond, 10*time.Millisecond)
	if took := time.Since(start); took < 150*time.Millisecond || took > 5*time.Second {
		t.Errorf("waited %v for a bound of 150ms", took)
	}
	if ok || len(lines) != 2 || lines[0] != "idcard: online" || !strings.HasPrefix(lines[1], "printer: still starting after ") {
		t.Fatalf("ok %v, lines %q", ok, lines)
	}
}

// A decided device is judged at once, an ended ctx stops the wait, and a
// fault is the device's, not the profile's.
func TestSelfTestJudgesDecidedDevicesAtOnce(t *testing.T) {
	kinds := []device.Kind{device.IDCard, device.Scanner, device.Printer}
	latest := states(map[device.Kind]device.Status{
		device.IDCard:  {State: device.Offline, Reason: "no such port"},
		device.Scanner: status(device.Warning),
		device.Printer: {State: device.Fault, Reason: "paper end"},
	})
	start := time.Now()
	ok, lines := checkDevices(context.Background(), kinds, latest, time.Minute, time.Second)
	// The wait is a minute: half of it means the check waited for a
	// device that was not starting (a bound, not a speed measurement).
	if time.Since(start) > 30*time.Second {
		t.Errorf("waited %v with no device starting", time.Since(start))
	}
	want := "idcard: offline no such port; scanner: warning; printer: fault (paper end), not counted against the profile"
	if ok || strings.Join(lines, "; ") != want {
		t.Fatalf("ok %v, lines %q", ok, lines)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start = time.Now()
	ok, lines = checkDevices(ctx, []device.Kind{device.Camera}, states(nil), time.Minute, 10*time.Millisecond)
	if time.Since(start) > 5*time.Second || ok || !strings.HasPrefix(lines[0], "camera: still starting") {
		t.Fatalf("after ctx ended: ok %v, lines %q, took %v", ok, lines, time.Since(start))
	}
}
