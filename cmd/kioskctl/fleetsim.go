package main

import (
	"context"
	"crypto/ecdsa"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"sckiosk/kiosk/fleet"
	"sckiosk/kiosk/fleet/agent"
)

// cmdFleetSim runs N simulated kiosks against a broker: real MQTT
// connections, real health messages, commands signed by the demo fleet key
// answered.
func cmdFleetSim(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	var n int
	var broker, division, hall, prefix string
	var heartbeat, keepalive, ramp, runFor time.Duration
	var faultRate float64
	if _, err := flags("fleet-sim", args, func(fs *flag.FlagSet) {
		fs.IntVar(&n, "kiosks", 10, "how many simulated kiosks")
		fs.StringVar(&broker, "broker", "mqtt://127.0.0.1:1883", "MQTT v5 broker URL")
		fs.StringVar(&division, "division", "510107", "GB/T 2260 division of the kiosks")
		fs.StringVar(&hall, "hall", "sim", "hall of the kiosks")
		fs.StringVar(&prefix, "prefix", "SIM-", "kiosk id prefix (ids are PREFIX00001…)")
		fs.DurationVar(&heartbeat, "heartbeat", 30*time.Second, "health period")
		fs.DurationVar(&keepalive, "keepalive", 60*time.Second, "MQTT keep-alive")
		fs.DurationVar(&ramp, "ramp", 0, "spread the connections over this long (default: 2 ms per kiosk)")
		fs.DurationVar(&runFor, "for", 0, "stop after this long (default: until interrupted)")
		fs.Float64Var(&faultRate, "fault-rate", 0.05, "share of kiosks whose printer is out of paper")
	}); err != nil {
		return err
	}
	if n < 1 || n > 100000 {
		return usageErr("--kiosks %d: between 1 and 100000", n)
	}
	u, err := url.Parse(broker)
	if err != nil || u.Host == "" {
		return usageErr("--broker %q is not a URL such as mqtt://127.0.0.1:1883", broker)
	}
	if ramp == 0 {
		ramp = time.Duration(n) * 2 * time.Millisecond
	}
	if runFor > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, runFor)
		defer cancel()
	}
	keys := map[string]*ecdsa.PublicKey{fleet.DemoKeyID: &fleet.DemoKey().PublicKey}
	var commands atomic.Int64
	var wg sync.WaitGroup
	agents := make([]*agent.Agent, 0, n)
	quiet := slog.New(slog.DiscardHandler)
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	report := func() {
		c := 0
		for _, a := range agents {
			if a.Connected() {
				c++
			}
		}
		fmt.Fprintf(out, "%s fleet-sim: %d/%d kiosks connected (%d started), %d commands answered\n",
			time.Now().Format("15:04:05"), c, n, len(agents), commands.Load())
	}
	// Kiosk i starts at i/n of the ramp. Its health then comes every
	// heartbeat from that moment, so the ramp also spreads the reports.
	// The schedule is absolute: sleeping ramp/n after each start would add
	// every start's own cost and every late wake-up, and stretch the ramp
	// (a 20 s ramp of 10,000 kiosks took 40 s on 2 busy cores).
	begin := time.Now()
launch:
	for i := range n {
		at := begin.Add(ramp * time.Duration(i) / time.Duration(n))
		for d := time.Until(at); d > 0; d = time.Until(at) {
			select {
			case <-ctx.Done():
				break launch
			case <-tick.C:
				report()
			case <-time.After(d):
			}
		}
		if ctx.Err() != nil {
			break
		}
		id := fleet.Identity{Division: division, Hall: hall, Kiosk: fmt.Sprintf("%s%05d", prefix, i+1)}
		paperOut := rand.Float64() < faultRate
		start := time.Now()
		a, err := agent.New(agent.Config{
			Brokers: []*url.URL{u}, Identity: id, Version: "fleet-sim", KeepAlive: keepalive, HealthEvery: heartbeat,
			Health:   func() fleet.Health { return simHealth(paperOut, start) },
			Verifier: &fleet.Verifier{Kiosk: id.Kiosk, Keys: keys},
			Handle: func(_ context.Context, c fleet.Command) fleet.Reply {
				commands.Add(1)
				return fleet.Reply{OK: true, Message: "simulated kiosk: " + c.Action + " done"}
			},
			Log: quiet,
		})
		if err != nil {
			return err
		}
		agents = append(agents, a)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = a.Run(ctx)
		}()
	}
	for {
		select {
		case <-ctx.Done():
			report()
			wg.Wait()
			return nil
		case <-tick.C:
			report()
		}
	}
}

func simHealth(paperOut bool, start time.Time) fleet.Health {
	printer := fleet.Device{State: "online"}
	if paperOut {
		printer = fleet.Device{State: "fault", Reason: "paper end", Notice: "缺纸"}
	}
	return fleet.Health{
		Profile: "sim", Platform: "online", OutboxPending: 0,
		Devices:  map[string]fleet.Device{"idcard": {State: "online"}, "scanner": {State: "online"}, "printer": printer},
		Counters: map[string]int{"visits": int(time.Since(start) / time.Minute)},
	}
}
