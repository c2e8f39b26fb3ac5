package wire

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"sckiosk/devices/camera"
	"sckiosk/devices/idcard"
	"sckiosk/devices/printer"
	"sckiosk/devices/scanner"
	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/msg"
	"sckiosk/kiosk/core/qrpayload"
	"sckiosk/kiosk/core/receipt"
	"sckiosk/kiosk/core/session"
	"sckiosk/kiosk/runtime"
)

// Glue between the drivers, the platform client and the runtime: each
// turns what one side says into what the other expects, in the session's
// vocabulary (events, citizen messages), which neither the drivers nor the
// platform adapter know.

// forwardCards turns what the card reader read into session events.
func forwardCards(ctx context.Context, events <-chan idcard.Event, rt *runtime.Runtime) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-events:
			switch ev.Kind {
			case idcard.CardRead:
				rt.Send(session.CardRead{Person: ev.Card.Person()})
			case idcard.CardRemoved:
				rt.Send(session.CardRemoved{})
			case idcard.ReadFailed:
				rt.Send(session.ReadFailed{Cause: idcard.CauseOf(ev.Err)})
			}
		}
	}
}

// forwardCodes turns what the scanner read into session events.
func forwardCodes(ctx context.Context, events <-chan scanner.Event, rt *runtime.Runtime) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-events:
			if ev.Err != nil {
				rt.Send(session.CodeRejected{Notice: msg.New(msg.ScanFailed)})
				continue
			}
			rt.Send(session.CodeScanned{Text: ev.Text})
		}
	}
}

// forwardCamera turns codes the camera saw into scans, like the scanner's.
func forwardCamera(ctx context.Context, events <-chan camera.Event, rt *runtime.Runtime) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-events:
			rt.Send(session.CodeScanned{Text: ev.Text})
		}
	}
}

// printerAdapter tells the runtime what to say when a receipt does not
// print: the printer's cause.
type printerAdapter struct{ d *printer.Driver }

// Print implements runtime.Printer.
func (p printerAdapter) Print(ctx context.Context, doc receipt.Document) error {
	if err := p.d.Print(ctx, doc); err != nil {
		return messageError{err: err, msg: session.PrinterNotice(printer.CauseOf(err))}
	}
	return nil
}

// messageError carries what to tell the citizen about err.
type messageError struct {
	err error
	msg msg.Text
}

// Error is the underlying error's text, for the log.
func (e messageError) Error() string { return e.err.Error() }

// Unwrap returns the underlying error.
func (e messageError) Unwrap() error { return e.err }

// Message is what to tell the citizen.
func (e messageError) Message() msg.Text { return e.msg }

// caseFinder answers a scanned receipt code with the case's status.
type caseFinder struct {
	checker *qrpayload.Checker
	client  *platform.Client
	hosts   map[string]string // platform host -> province
}

// FindCase implements runtime.CaseFinder.
func (f caseFinder) FindCase(ctx context.Context, code string) (session.Event, bool) {
	p := f.checker.Check(code)
	if p.Kind != qrpayload.KindReceipt || !p.Valid || p.Case == "" && p.Request == "" {
		return nil, false
	}
	prov := p.Province
	if prov == "" {
		if u, err := url.Parse(p.URL); err == nil {
			prov = f.hosts[strings.ToLower(u.Host)]
		}
	}
	if prov == "" {
		prov = application.Sichuan
	}
	var (
		st  platform.CaseStatus
		err error
	)
	notFound := msg.New(msg.CaseNotFound)
	if p.Request != "" { // an offline receipt: its case is found by request_id once it has arrived
		st, err = f.client.CaseByRequest(ctx, prov, p.Request)
		notFound = msg.New(msg.CaseNotYetReceived)
	} else {
		st, err = f.client.CaseStatus(ctx, prov, p.Case)
	}
	switch {
	case errors.Is(err, platform.ErrNotFound):
		return session.CodeRejected{Notice: notFound}, true
	case err != nil:
		return session.CodeRejected{Notice: msg.New(msg.CaseLookupFailed)}, true
	}
	return session.CaseFound{Case: session.CaseInfo{CaseNumber: st.CaseNumber, ItemName: st.ItemName, Status: st.State(), Updated: st.UpdatedAt}}, true
}
