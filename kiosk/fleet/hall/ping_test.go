package hall_test

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sckiosk/kiosk/fleet"
	"sckiosk/kiosk/fleet/hall"
)

// cutPub drops the hall's commands while cut is set: the kiosk still
// sends health, but nothing reaches it, as when its subscription is lost.
type cutPub struct {
	hall.Publisher
	cut atomic.Bool
}

func (p *cutPub) Publish(topic string, payload []byte, retain bool, qos byte) error {
	if p.cut.Load() && strings.HasSuffix(topic, "/"+fleet.KindCmd) {
		return nil
	}
	return p.Publisher.Publish(topic, payload, retain, qos)
}

// A kiosk whose commands stop arriving shows as 指令不通 once a ping goes
// unanswered, reconnects by itself when it has heard no ping for its
// timeout, and shows online again once a ping is answered.
func TestPingMarksDeadCommandPathAndRecovers(t *testing.T) {
	h := startHall(t, time.Second)
	pub := &cutPub{Publisher: h.broker}
	srv, err := hall.New(hall.Config{Registry: h.reg, Pub: pub, Key: fleet.DemoKey(), KeyID: fleet.DemoKeyID, Issuer: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	pinger := &hall.Pinger{Server: srv, Every: 1500 * time.Millisecond, Timeout: time.Second}
	done := make(chan error, 1)
	go func() { done <- pinger.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	k := startKiosk(t, h, &fakeKiosk{name: "SC-0001", pingTimeout: 2 * time.Second})
	status := func() (hall.KioskView, string) {
		v, _ := h.reg.Get(key(k.name))
		return v, string(v.Status)
	}
	eventually(t, 20*time.Second, "a ping answered", func() (bool, string) {
		v, s := status()
		return v.Status == hall.Online && !v.PingAt.IsZero(), s
	})
	if len(k.commands(fleet.ActionPing)) != 0 {
		t.Error("a ping reached the command handler (and the audit log)")
	}

	pub.cut.Store(true)
	eventually(t, 20*time.Second, "指令不通", func() (bool, string) {
		v, s := status()
		return v.Status == hall.NoCommand && v.PingLost, s
	})
	// The dashboard's counts say so too.
	if n := h.reg.Counts()[hall.NoCommand]; n != 1 {
		t.Errorf("counts: %d no_command, want 1", n)
	}
	eventually(t, 20*time.Second, "the kiosk reconnecting for want of pings", func() (bool, string) {
		n := k.agent.Reconnects()
		return n > 0, "reconnects " + strconv.Itoa(n)
	})

	pub.cut.Store(false)
	eventually(t, 20*time.Second, "online again", func() (bool, string) {
		v, s := status()
		return v.Status == hall.Online && !v.PingLost, s
	})
}

func TestPingerRefusesTimeoutNotShorterThanPeriod(t *testing.T) {
	tests := []struct {
		every, timeout time.Duration
		ok             bool
	}{
		{0, 0, true}, // 3 min and 30 s
		{time.Minute, 10 * time.Second, true},
		{time.Minute, time.Minute, false},
		{10 * time.Second, time.Minute, false},
		{10 * time.Second, 0, false}, // 30 s default against 10 s
	}
	for _, tt := range tests {
		p := &hall.Pinger{Every: tt.every, Timeout: tt.timeout}
		if err := p.Check(); (err == nil) != tt.ok {
			t.Errorf("every %v timeout %v: %v", tt.every, tt.timeout, err)
		}
	}
}
