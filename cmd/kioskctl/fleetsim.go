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
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"sckiosk/kiosk/fleet"
	"sckiosk/kiosk/fleet/agent"
	"sckiosk/kiosk/fleet/enrol"
)

// cmdFleetSim runs N simulated kiosks against a broker: real MQTT
// connections, real health messages, commands signed by the demo fleet key
// answered. The kiosks log in as real ones do, user name = kiosk id and a
// password: --enrol enrols them in a hall's list of kiosks (generating
// their passwords), --passwords takes passwords already handed out
// ("ID PASSWORD" lines, as `hallserver kiosk add --from` prints them).
func cmdFleetSim(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	var n int
	var broker, division, hall, prefix string
	var heartbeat, keepalive, ramp, runFor, pingTimeout time.Duration
	var faultRate float64
	var enrolFile, passwordsFile string
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
		fs.StringVar(&enrolFile, "enrol", "", "enrol the simulated kiosks in this hall list of kiosks (hallserver --kiosks) with fresh passwords")
		fs.StringVar(&passwordsFile, "passwords", "", "log in with these passwords: \"ID PASSWORD\" lines (hallserver kiosk add --from)")
		fs.DurationVar(&pingTimeout, "ping-timeout", 10*time.Minute, "reconnect a kiosk that heard no ping from the hall this long (0: never)")
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
	if enrolFile != "" && passwordsFile != "" {
		return usageErr("--enrol and --passwords: one or the other")
	}
	idOf := func(i int) string { return fmt.Sprintf("%s%05d", prefix, i+1) }
	passwords := map[string]string{}
	switch {
	case enrolFile != "":
		ids := make([]string, n)
		for i := range ids {
			ids[i] = idOf(i)
		}
		if passwords, err = enrol.Add(enrolFile, enrol.Password, ids...); err != nil {
			return err
		}
		fmt.Fprintf(out, "fleet-sim: %d kiosks enrolled in %s\n", n, enrolFile)
	case passwordsFile != "":
		if passwords, err = readPasswords(passwordsFile); err != nil {
			return err
		}
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
		id := fleet.Identity{Division: division, Hall: hall, Kiosk: idOf(i)}
		var user string
		var pw []byte
		if p, ok := passwords[id.Kiosk]; ok {
			user, pw = id.Kiosk, []byte(p)
		} else if len(passwords) > 0 {
			return fmt.Errorf("fleet-sim: no password for %s in %s", id.Kiosk, passwordsFile)
		}
		paperOut := rand.Float64() < faultRate
		start := time.Now()
		a, err := agent.New(agent.Config{
			Brokers: []*url.URL{u}, Identity: id, Version: "fleet-sim", KeepAlive: keepalive, HealthEvery: heartbeat,
			Username: user, Password: pw, PingTimeout: pingTimeout,
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

// readPasswords reads "ID PASSWORD" lines; blank lines and # comments
// are skipped, and an error names the line (never the password).
func readPasswords(name string) (map[string]string, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for n, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, fmt.Errorf("%s:%d: want \"ID PASSWORD\"", name, n+1)
		}
		out[f[0]] = f[1]
	}
	return out, nil
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
