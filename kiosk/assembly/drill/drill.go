// Package drill runs synthetic citizens through a whole kiosk, headless:
// the real session core and runtime, the device simulators on ptys and the
// platform simulator, with the same effects the kiosk executes. Technicians
// run it (kioskctl drill) as an acceptance check before a kiosk goes into
// service; the privacy tests run it and then scan what the kiosk wrote.
package drill

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"sckiosk/devices/device"
	"sckiosk/devices/idcard"
	"sckiosk/devices/printer/escpos"
	"sckiosk/kiosk/adapters/outbox"
	"sckiosk/kiosk/adapters/privacy"
	"sckiosk/kiosk/adapters/profile"
	"sckiosk/kiosk/assembly/simrig"
	"sckiosk/kiosk/assembly/wire"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/session"
)

// Options configure a drill.
type Options struct {
	Sessions int
	DataDir  string // the kiosk's data directory (outbox, audit log)
	// Platform is the Sichuan platform's URL; empty runs the platform
	// simulator in-process. Citizens with app codes visit only with the
	// in-process simulator, which issues their codes.
	Platform string
	Log      *slog.Logger
	// CardPoll is how often the kiosk asks the reader for a card; zero
	// means 20 ms.
	CardPoll time.Duration
}

// Summary is what a drill did.
type Summary struct {
	Sessions, Done, Queued, Failed int
	Printed                        int
	// Rejected counts the applications the platform refused, parked in
	// the outbox for a technician: the kiosk tells the citizen they are
	// queued.
	Rejected int
	Elapsed  time.Duration
	// Identities are the citizens the drill played, for a privacy scan.
	Identities []privacy.Identity
	// Kinds counts the visits by how the citizen identified (Citizen.Kind).
	Kinds map[string]int
}

// Run plays opts.Sessions visits, one after another, each by the next of
// Citizens in turn, and waits until the outbox holds nothing undelivered
// (or ctx ends).
func Run(ctx context.Context, opts Options) (Summary, error) {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rig, err := simrig.Start(rctx, filepath.Join(opts.DataDir, "sim-dev"), escpos.Paper80, log)
	if err != nil {
		return Summary{}, fmt.Errorf("drill: %w", err)
	}
	defer rig.Close()
	prof := rig.Profile(profile.Default())
	prof.DataDir = opts.DataDir
	if opts.Platform != "" {
		ep := prof.Platform[application.Sichuan]
		ep.URL = opts.Platform
		prof.Platform[application.Sichuan] = ep
	}
	k, err := wire.Build(prof, catalog.Builtin(), log, wire.Options{
		Tick: 100 * time.Millisecond, PollInterval: cmp.Or(opts.CardPoll, 20*time.Millisecond), SubmitWait: 3 * time.Second,
		Outbox:      outbox.Options{BackoffBase: 100 * time.Millisecond, Jitter: -1},
		KeepCatalog: true, // the drill's citizens apply for a built-in item
	})
	if err != nil {
		return Summary{}, fmt.Errorf("drill: %w", err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); k.Run(rctx) }()
	defer wg.Wait()
	defer cancel()

	var citizens []Citizen
	for _, c := range Citizens() {
		if c.App == nil || opts.Platform == "" {
			citizens = append(citizens, c)
		}
	}
	sum := Summary{Sessions: opts.Sessions, Kinds: map[string]int{}}
	for _, c := range citizens[:min(opts.Sessions, len(citizens))] {
		sum.Identities = append(sum.Identities, c.Identities()...)
	}
	// present shows who c is: the card on the reader, or the app code the
	// platform simulator issues to the scanner.
	present := func(c Citizen) error {
		if c.App == nil {
			return rig.IDCard.Place(c.Card)
		}
		return rig.Scanner.Show(rig.Platform[application.Sichuan].IssueAppCode(*c.App))
	}
	rt := k.Runtime
	wait := func(what string, cond func(session.State) bool) (session.State, error) {
		deadline := time.Now().Add(20 * time.Second)
		for {
			s := rt.State()
			if cond(s) {
				return s, nil
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				return s, fmt.Errorf("drill: timed out waiting for %s (screen %v)", what, s.Screen)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if _, err := wait("devices", func(s session.State) bool {
		return s.DeviceUsable(device.IDCard) && s.DeviceUsable(device.Printer) && s.DeviceUsable(device.Scanner)
	}); err != nil {
		return sum, err
	}
	// removeCard takes the card off the reader and waits until the kiosk's
	// driver has seen the empty field: until then it takes the next card
	// for the one it has read and does not read it. It sends the second find
	// after the removal only once it has the first one's "no card".
	removeCard := func() error {
		rig.RemoveCard()
		finds := rig.IDCard.Served(idcard.OpFind)
		_, err := wait("the reader to see the card gone", func(session.State) bool {
			return rig.IDCard.Served(idcard.OpFind) >= finds+2
		})
		return err
	}
	item := "11510100MB0000001K3510100001001" // 居住证签注
	for i := 0; i < opts.Sessions; i++ {
		c := citizens[i%len(citizens)]
		sum.Kinds[c.Kind()]++
		rt.Send(session.Start{})
		if err := present(c); err != nil {
			return sum, fmt.Errorf("drill: visit %d: %w", i+1, err)
		}
		if _, err := wait("identified", func(s session.State) bool { return s.Screen == session.ChooseItem }); err != nil {
			sum.Failed++
			rt.Send(session.Cancel{})
			if err := removeCard(); err != nil {
				return sum, err
			}
			continue
		}
		for _, ev := range []session.Event{
			session.ChooseItemEvent{Code: item}, session.Proceed{},
			session.SetField{Key: "phone", Value: c.Phone}, session.SetField{Key: "reason", Value: c.Reason},
			session.Proceed{}, session.SetConsent{Agreed: true}, session.Confirm{},
		} {
			rt.Send(ev)
		}
		s, err := wait("receipt", func(s session.State) bool {
			return s.Screen == session.Done && !s.Result.Printing || s.Screen == session.Failed
		})
		switch {
		case err != nil || s.Screen == session.Failed:
			sum.Failed++
		case s.Result.Queued:
			sum.Queued++
		default:
			sum.Done++
		}
		if s.Result.Printed {
			sum.Printed++
		}
		rt.Send(session.Cancel{})
		if err := removeCard(); err != nil {
			return sum, err
		}
		if _, err := wait("idle", func(s session.State) bool { return s.Screen == session.Idle && s.Person == nil }); err != nil {
			return sum, err
		}
	}
	k.Outbox.Kick()
	for {
		h := k.Outbox.Health()
		sum.Rejected = h.Rejected
		if h.Pending == 0 || ctx.Err() != nil || time.Since(start) > time.Duration(opts.Sessions+30)*time.Second {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	sum.Elapsed = time.Since(start)
	return sum, nil
}
