package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sckiosk/devices/device"
	"sckiosk/devices/idcard"
	"sckiosk/devices/idcard/idcardsim"
	"sckiosk/kiosk/core/identity"
	"sckiosk/ui/text"
)

// readCard waits for one card, reads it and prints it, masked unless
// --unmask. A reader fault or no card within the timeout is exit 1.
func readCard(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	var port string
	var baud int
	var wait time.Duration
	var asJSON, unmask bool
	fs, err := flags("idcard read", args, func(fs *flag.FlagSet) {
		fs.StringVar(&port, "port", "", "serial port of the reader")
		fs.IntVar(&baud, "baud", 115200, "baud rate")
		fs.DurationVar(&wait, "timeout", 30*time.Second, "how long to wait for a card")
		fs.BoolVar(&asJSON, "json", false, "print one JSON object")
		fs.BoolVar(&unmask, "unmask", false, "print name, number and address in full")
	})
	switch {
	case err != nil:
		return err
	case fs.NArg() > 0:
		return usageErr("idcard read: unexpected argument %q (kioskctl idcard read --help)", fs.Arg(0))
	case baud <= 0:
		return usageErr("idcard read: --baud must be positive")
	case wait <= 0:
		return usageErr("idcard read: --timeout must be positive")
	}
	if err := needPort(port); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	events := make(chan idcard.Event, 4)
	faults := make(chan device.Status, 1)
	drv := idcard.New(idcard.Options{Port: port, Baud: baud}, log)
	errc := make(chan error, 1)
	go func() {
		errc <- drv.Session(events)(ctx, func(s device.Status) {
			log.Info("reader status", "status", s)
			if s.State == device.Fault {
				select {
				case faults <- s:
				default:
				}
			}
		})
	}()
	if !asJSON {
		fmt.Fprintln(out, "place a card on the reader…")
	}
	for {
		select {
		case ev := <-events:
			switch ev.Kind {
			case idcard.CardRead:
				c := ev.Card
				defer c.Wipe()
				cancel()
				<-errc // the session has stopped writing to the port
				if asJSON {
					return printCardJSON(out, c, unmask)
				}
				printCardText(out, c, unmask)
				return nil
			case idcard.ReadFailed:
				if !asJSON {
					fmt.Fprintln(out, "read failed:", text.Chinese.Cause(idcard.CauseOf(ev.Err)), "—", ev.Err)
				}
			}
		case s := <-faults:
			return fmt.Errorf("idcard read: reader fault: %s (%s)", s.Reason, text.Chinese.Cause(s.Cause))
		case err := <-errc:
			if ctx.Err() != nil {
				return fmt.Errorf("idcard read: no card within %v", wait)
			}
			return fmt.Errorf("idcard read: reader on %s: %w", port, err)
		case <-ctx.Done():
			return fmt.Errorf("idcard read: no card within %v", wait)
		}
	}
}

// cardJSON is the --json output; keys a card type lacks are omitted.
type cardJSON struct {
	CardType        string  `json:"card_type"`
	Name            *string `json:"name,omitempty"`
	NameEN          *string `json:"name_en,omitempty"`
	Sex             *string `json:"sex,omitempty"`
	Nation          *string `json:"nation,omitempty"`
	Birth           *string `json:"birth,omitempty"`
	Address         *string `json:"address,omitempty"`
	AppendedAddress *string `json:"appended_address,omitempty"`
	IDNumber        *string `json:"id_number,omitempty"`
	Issuer          *string `json:"issuer,omitempty"`
	ValidFrom       *string `json:"valid_from,omitempty"`
	ValidTo         *string `json:"valid_to,omitempty"`
	Nationality     *string `json:"nationality,omitempty"`
	PassNumber      *string `json:"pass_number,omitempty"`
	IssueCount      *string `json:"issue_count,omitempty"`
	RenewalCount    *string `json:"renewal_count,omitempty"`
	Expired         bool    `json:"expired"`
	IDValid         bool    `json:"id_valid"`
}

// cardView builds the output of c, masked unless unmask.
func cardView(c idcard.Card, unmask bool, now time.Time) cardJSON {
	s := func(v string) *string { return &v }
	name, nameEN, number, addr, appended, birth := c.Name, c.NameEN, c.Number, c.Address, c.AppendedAddress, isoDate(c.Birth)
	if !unmask {
		name, nameEN, number = identity.MaskName(name), identity.MaskName(nameEN), identity.MaskNumber(number)
		addr, appended, birth = maskAddress(addr), maskAddress(appended), maskBirth(c.Birth)
	}
	v := cardJSON{
		CardType: string(c.Type.Identity()),
		Sex:      s(c.Sex), Birth: s(birth), IDNumber: s(number),
		ValidFrom: s(isoDate(c.ValidFrom)), ValidTo: s(isoDate(c.ValidTo)),
		Expired: c.Expired(now), IDValid: c.ValidateNumber() == nil,
	}
	if c.AppendedAddress != "" {
		v.AppendedAddress = s(appended)
	}
	switch c.Type {
	case idcard.CardResident:
		v.Name, v.Nation, v.Address, v.Issuer = s(name), s(c.Nation), s(addr), s(c.Authority)
	case idcard.CardHMTPermit:
		v.Name, v.Address, v.Issuer = s(name), s(addr), s(c.Authority)
		v.PassNumber, v.IssueCount = s(c.PassNumber), s(c.IssueCount)
	case idcard.CardForeign2017:
		v.NameEN, v.Nationality, v.Issuer = s(nameEN), s(c.Nationality), s(c.Authority)
		if c.Name != "" {
			v.Name = s(name)
		}
	case idcard.CardForeign2023:
		v.Name, v.NameEN, v.Nationality, v.RenewalCount = s(name), s(nameEN), s(c.Nationality), s(c.RenewalCount)
	}
	return v
}

func printCardJSON(out io.Writer, c idcard.Card, unmask bool) error {
	b, err := json.Marshal(cardView(c, unmask, time.Now()))
	if err != nil {
		return fmt.Errorf("idcard read: encode JSON: %w", err)
	}
	_, err = fmt.Fprintf(out, "%s\n", b)
	return err
}

func printCardText(out io.Writer, c idcard.Card, unmask bool) {
	v := cardView(c, unmask, time.Now())
	name := deref(v.Name)
	if name == "" {
		name = deref(v.NameEN)
	}
	fmt.Fprintf(out, "card read: %s %s, %s, born %s, valid %s–%s, photo %d bytes\n",
		name, deref(v.IDNumber), deref(v.Sex), deref(v.Birth), deref(v.ValidFrom), deref(v.ValidTo), len(c.Photo))
	fmt.Fprintf(out, "  type: %s\n", c.Type)
	for _, kv := range []struct {
		k string
		v *string
	}{
		{"english name", v.NameEN}, {"nation", v.Nation}, {"address", v.Address},
		{"appended address", v.AppendedAddress}, {"issuer", v.Issuer}, {"nationality", v.Nationality},
		{"pass number", v.PassNumber}, {"issue count", v.IssueCount}, {"renewal count", v.RenewalCount},
	} {
		if kv.v != nil && *kv.v != "" {
			fmt.Fprintf(out, "  %s: %s\n", kv.k, *kv.v)
		}
	}
	if v.Expired {
		fmt.Fprintln(out, "warning: the card has expired (证件已过期)")
	}
	if err := c.ValidateNumber(); err != nil {
		fmt.Fprintln(out, "warning:", err)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// isoDate turns YYYYMMDD into YYYY-MM-DD; other values (长期, garbage)
// pass unchanged.
func isoDate(d string) string {
	if len(d) != 8 {
		return d
	}
	if _, err := strconv.Atoi(d); err != nil {
		return d
	}
	return d[:4] + "-" + d[4:6] + "-" + d[6:]
}

// maskBirth keeps the year of a YYYYMMDD date: with the masked number's
// first and last four characters, the full date would give away 12 more.
func maskBirth(d string) string {
	if len(d) < 4 {
		return "****"
	}
	return d[:4] + "-**-**"
}

// maskAddress keeps the first six characters (province and city).
func maskAddress(a string) string {
	const keep = 6
	n := utf8.RuneCountInString(a)
	if n <= keep {
		return strings.Repeat("*", n)
	}
	r := []rune(a)
	return string(r[:keep]) + strings.Repeat("*", n-keep)
}

// cardFlag is --card: a fixture file, "sample", or bare --card (the sample
// card, as before fixtures existed). As a boolean-style flag, "--card FILE"
// leaves FILE as an argument, which simIDCard picks up.
type cardFlag struct {
	v    string
	bare bool // given as plain --card
}

func (f *cardFlag) String() string { return f.v }

func (f *cardFlag) Set(s string) error {
	f.bare = s == "true"
	if s == "true" {
		s = "sample"
	}
	if s == "false" {
		s = ""
	}
	f.v = s
	return nil
}

func (f *cardFlag) IsBoolFlag() bool { return true }

// simIDCard runs the reader simulator on a pty, optionally with a card
// from a fixture file (see idcardsim.Fixture) and a fault mode.
func simIDCard(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	var link, fault string
	var card cardFlag
	var baud int
	fs, err := flags("sim idcard", args, func(fs *flag.FlagSet) {
		fs.StringVar(&link, "link", "", "also make a symlink to the pty here")
		fs.Var(&card, "card", "card on the reader: a fixture file (YAML) or \"sample\"")
		fs.StringVar(&fault, "fault", "none", "fault mode: none, "+faultNames())
		fs.IntVar(&baud, "baud", 115200, "pace replies at this baud rate (8N1); 0 for no pacing")
	})
	if err != nil {
		return err
	}
	if fs.NArg() > 0 && card.bare && !strings.HasPrefix(fs.Arg(0), "-") {
		// "--card FILE": the boolean-style flag left FILE and the flags
		// after it unparsed.
		file := fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return parseError(fs, err)
		}
		if card.bare { // not given again after FILE
			card.v = file
		}
	}
	if fs.NArg() > 0 {
		return usageErr("sim idcard: unexpected argument %q (kioskctl sim idcard --help)", fs.Arg(0))
	}
	mode, err := idcardsim.ParseFault(fault)
	if err != nil {
		return usageErr("sim idcard: %v", err)
	}
	if baud < 0 {
		return usageErr("sim idcard: --baud must not be negative")
	}
	var c idcard.Card
	switch card.v {
	case "":
	case "sample":
		c = idcard.SampleCard()
	default:
		if c, err = idcardsim.LoadFixture(card.v); err != nil {
			return usageErr("sim idcard: %v", err)
		}
	}
	defer c.Wipe()
	sim, p, err := idcardsim.StartPtyWith(ctx, idcardsim.SimOptions{Baud: baud, Fault: mode}, log)
	if err != nil {
		return err
	}
	defer p.Close()
	if err := announce(out, p, link); err != nil {
		return err
	}
	if card.v != "" {
		if err := sim.Place(c); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s placed (%s)", c.Type, card.v)
	} else {
		fmt.Fprint(out, "no card placed")
	}
	if mode != idcardsim.FaultNone {
		fmt.Fprintf(out, ", fault %s", mode)
	}
	fmt.Fprintln(out, "; Ctrl-C to stop")
	<-ctx.Done()
	return nil
}

func faultNames() string {
	var names []string
	for _, f := range idcardsim.Faults() {
		names = append(names, string(f))
	}
	return strings.Join(names, ", ")
}
