package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"sckiosk/devices/idcard"
	"sckiosk/kiosk/adapters/outbox"
	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/catalog"
)

// defaultOutboxDB is the kiosk's outbox when neither --data nor --db is
// given.
const defaultOutboxDB = "/var/lib/kiosk/outbox.db"

// cmdOutbox adds, sends, lists, counts, requeues or purges the outbox's
// applications, as args[0] says (the subcommands share their flags). The
// outbox is DIR/outbox.db with --data DIR (the kiosk's data directory) or
// the file given with --db; its key file is outbox.key beside it unless
// --key says otherwise.
func cmdOutbox(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	sub := args[0]
	var (
		data, db, key, itemCode, platformURL, chongqingURL string
		sample, asJSON, untilEmpty, all, rejected          bool
		timeout                                            time.Duration
	)
	fs, err := flags("outbox "+sub, args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&data, "data", "", "the kiosk's data directory (outbox DIR/outbox.db)")
		fs.StringVar(&db, "db", "", "outbox database file (instead of --data)")
		fs.StringVar(&key, "key", "", "SM4 key file (default: outbox.key beside the database)")
		switch sub {
		case "add":
			fs.BoolVar(&sample, "sample", false, "add one synthetic application")
			fs.StringVar(&itemCode, "item", "", "item code of the default catalogue (default: the first Sichuan item)")
		case "send":
			fs.StringVar(&platformURL, "platform", "", "base URL of the platform (Sichuan, and Chongqing unless --platform-50 is given)")
			fs.StringVar(&chongqingURL, "platform-50", "", "base URL of the Chongqing platform")
			fs.BoolVar(&untilEmpty, "until-empty", false, "stop once nothing is pending")
			fs.DurationVar(&timeout, "timeout", 0, "give up after D (0: no limit)")
		case "ls", "list":
			fs.BoolVar(&asJSON, "json", false, "print JSON")
		case "retry":
			fs.BoolVar(&all, "all", false, "requeue every pending and rejected entry")
		case "purge":
			fs.BoolVar(&rejected, "rejected", false, "also delete rejected entries and the personal data they hold")
		}
	})
	if err != nil {
		return err
	}
	switch {
	case sub == "add" && !sample:
		return usageErr("outbox add: only --sample is supported")
	case sub == "send" && platformURL == "":
		return usageErr("outbox send: --platform URL is required")
	}
	var app application.Application
	if sub == "add" {
		if app, err = sampleApplication(itemCode); err != nil {
			return err
		}
	}
	path, err := outboxPath(data, db, sub == "add")
	if err != nil {
		return err
	}
	opts := outbox.Options{KeyPath: key, ProbeInterval: -1}
	if sub == "send" {
		// A technician waits at the kiosk: retry briskly.
		opts.BackoffBase, opts.BackoffMax, opts.BreakerCooldown = 200*time.Millisecond, 2*time.Second, time.Second
		opts.AttemptTimeout = 15 * time.Second
	}
	ob, err := outbox.Open(path, log, opts)
	if err != nil {
		return err
	}
	defer ob.Close()
	switch sub {
	case "add":
		// Enqueue returns only after the fsync'd commit: the request_id is
		// printed once the application is durable.
		if err := ob.Enqueue(ctx, app); err != nil {
			return err
		}
		fmt.Fprintln(out, app.RequestID)
	case "send":
		return outboxSend(ctx, ob, platformURL, chongqingURL, untilEmpty, timeout, out, log)
	case "stats":
		pending, sent, rej, err := ob.Stats(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "pending %d  sent %d  rejected %d\n", pending, sent, rej)
	case "ls", "list":
		return outboxList(ctx, ob, asJSON, out)
	case "retry":
		return outboxRetry(ctx, ob, fs.Args(), all, out)
	case "purge":
		n, err := ob.Purge(ctx, rejected)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%d entries purged\n", n)
	}
	return nil
}

// outboxPath resolves --data and --db; create allows an outbox that does
// not exist yet (its directory is made).
func outboxPath(data, db string, create bool) (string, error) {
	switch {
	case data != "" && db != "":
		return "", usageErr("outbox: give --data or --db, not both")
	case data != "":
		db = filepath.Join(data, "outbox.db")
	case db == "":
		db = defaultOutboxDB
	}
	if create {
		if err := os.MkdirAll(filepath.Dir(db), 0o750); err != nil {
			return "", fmt.Errorf("outbox: %w", err)
		}
		return db, nil
	}
	if _, err := os.Stat(db); err != nil {
		return "", usageErr("outbox database %s does not exist", db)
	}
	return db, nil
}

// sampleApplication is a synthetic application for item code of the
// default catalogue (the first Sichuan item without devices when code is
// ""), for the sample ID card's holder.
func sampleApplication(code string) (application.Application, error) {
	cat := catalog.Builtin()
	var it catalog.Item
	found := false
	for _, c := range cat.Items {
		if code == c.Code || code == "" && c.Province == application.Sichuan && len(c.Needs) == 0 {
			it, found = c, true
			break
		}
	}
	if !found {
		return application.Application{}, usageErr("outbox add: no item %q in the default catalogue", code)
	}
	card := idcard.SampleCard()
	fields := map[string]string{}
	for _, f := range it.Fields {
		switch {
		case f.Prefill == catalog.FromName:
			fields[f.Key] = card.Name
		case f.Prefill == catalog.FromNumber:
			fields[f.Key] = card.Number
		case f.Prefill == catalog.FromAddress:
			fields[f.Key] = card.Address
		case f.Kind == catalog.Phone:
			fields[f.Key] = "13800138000"
		case f.Kind == catalog.Choice && len(f.Options) > 0:
			fields[f.Key] = f.Options[0]
		case f.Kind == catalog.IDNo:
			fields[f.Key] = card.Number
		case f.Kind == catalog.USCC:
			fields[f.Key] = "11510100MB1H00083F" // fictitious, valid check character
		case f.Kind == catalog.Date:
			fields[f.Key] = time.Now().Format("20060102")
		case f.Required:
			fields[f.Key] = "样例"
		}
	}
	id, err := newRequestID()
	if err != nil {
		return application.Application{}, err
	}
	return application.Application{
		RequestID:      id,
		ItemCode:       it.Code,
		ItemName:       it.Name,
		Province:       it.Province,
		Applicant:      application.Applicant{IDType: "111", Number: card.Number, Name: card.Name, Phone: fields["phone"]},
		Fields:         fields,
		AcceptDivision: "510107",
		HandleDivision: "510100",
		Mode:           it.Mode,
		KioskID:        "kioskctl-sample",
		SubmittedAt:    time.Now().UTC(),
	}, nil
}

// newRequestID returns a random UUID (version 4).
func newRequestID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("request id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]), nil
}

// outboxSend runs the forwarder against the platform at base until the
// context ends, the timeout passes or, with untilEmpty, nothing is pending.
// It fails when entries are still pending at the timeout (with
// untilEmpty).
func outboxSend(ctx context.Context, ob *outbox.Outbox, base, chongqing string, untilEmpty bool, timeout time.Duration,
	out io.Writer, log *slog.Logger) error {
	if chongqing == "" {
		chongqing = base
	}
	client, err := platform.NewClient(map[string]string{application.Sichuan: base, application.Chongqing: chongqing},
		&http.Client{Timeout: 20 * time.Second}, log)
	if err != nil {
		return usageErr("outbox send: %v", err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		deadline = t.C
	}
	done := make(chan error, 1)
	go func() { done <- ob.Run(runCtx, client) }()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	timedOut := false
loop:
	for {
		select {
		case err := <-done:
			if err != nil {
				return fmt.Errorf("outbox send: %w", err)
			}
			done = nil
			break loop
		case <-ctx.Done():
			break loop
		case <-deadline:
			timedOut = true
			break loop
		case <-tick.C:
			if !untilEmpty {
				continue
			}
			if pending, _, _, err := ob.Stats(ctx); err == nil && pending == 0 {
				break loop
			}
		}
	}
	cancel()
	if done != nil {
		if err := <-done; err != nil {
			return fmt.Errorf("outbox send: %w", err)
		}
	}
	pending, sent, rejected, err := ob.Stats(context.WithoutCancel(ctx))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "pending %d  sent %d  rejected %d\n", pending, sent, rejected)
	if untilEmpty && pending > 0 {
		why := "interrupted"
		if timedOut {
			why = "timed out"
		}
		return fmt.Errorf("outbox send: %s with %d application(s) still pending", why, pending)
	}
	return nil
}

// outboxList prints every entry, as a table or as JSON, without personal
// data beyond the masked applicant.
func outboxList(ctx context.Context, ob *outbox.Outbox, asJSON bool, out io.Writer) error {
	entries, err := ob.List(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		if entries == nil {
			entries = []outbox.Entry{}
		}
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tPROVINCE\tREQUEST\tCREATED\tATTEMPTS\tCASE\tAPPLICANT\tPERSONAL DATA\tLAST ERROR")
	for _, e := range entries {
		held := "purged"
		if e.HasPayload {
			held = "held"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", e.ID, e.State, e.Province, e.RequestID,
			e.CreatedAt.Format("2006-01-02 15:04:05"), e.Attempts, e.CaseNumber, e.Applicant, held, e.LastError)
	}
	return tw.Flush()
}

// outboxRetry requeues entry args[0], or every pending and rejected entry
// that still holds its application with all.
func outboxRetry(ctx context.Context, ob *outbox.Outbox, args []string, all bool, out io.Writer) error {
	var ids []int64
	switch {
	case all && len(args) == 0:
		entries, err := ob.List(ctx)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if e.State != outbox.StateSent && e.HasPayload {
				ids = append(ids, e.ID)
			}
		}
	case !all && len(args) == 1:
		id, err := strconv.ParseInt(args[0], 10, 64)
		if err != nil {
			return usageErr("outbox retry: %q is not an entry ID", args[0])
		}
		ids = append(ids, id)
	default:
		return usageErr("outbox retry: give one entry ID or --all")
	}
	for _, id := range ids {
		if err := ob.Retry(ctx, id); err != nil {
			if errors.Is(err, outbox.ErrNotFound) {
				return usageErr("outbox retry: no entry %d", id)
			}
			return err
		}
		fmt.Fprintf(out, "entry %d requeued\n", id)
	}
	if all {
		fmt.Fprintf(out, "%d entries requeued\n", len(ids))
	}
	return nil
}
