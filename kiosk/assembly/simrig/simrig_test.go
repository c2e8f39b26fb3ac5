package simrig_test

import (
	"bufio"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sckiosk/devices/device"
	"sckiosk/devices/idcard"
	"sckiosk/devices/printer/escpos"
	"sckiosk/devices/serialport"
	"sckiosk/devices/supervise"
	"sckiosk/kiosk/adapters/profile"
	"sckiosk/kiosk/assembly/simrig"
	"sckiosk/kiosk/assembly/wire"
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/msg"
	"sckiosk/kiosk/core/receipt"
	"sckiosk/kiosk/core/session"
)

// failAfter bounds every wait: a hang guard, not a speed requirement.
const failAfter = 20 * time.Second

func startRig(t *testing.T) (*simrig.Rig, context.Context) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	rig, err := simrig.Start(ctx, filepath.Join(t.TempDir(), "dev"), escpos.Paper80, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rig.Close)
	return rig, ctx
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(failAfter)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// openScanner opens the scanner's port as its driver does.
func openScanner(t *testing.T, path string) *bufio.Reader {
	t.Helper()
	p, err := serialport.Open(path, 9600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	if err := p.SetReadTimeout(failAfter); err != nil {
		t.Fatal(err)
	}
	return bufio.NewReader(p)
}

// readLine reads one code from the scanner's port.
func readLine(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	line, err := r.ReadString('\r')
	if err != nil {
		t.Fatalf("scanner port: %v", err)
	}
	return strings.TrimSuffix(line, "\r")
}

// The panel's "scan the receipt" shows the scanner the QR code of the
// receipt the printer simulator last cut; the scanner's cable can be
// pulled out (the port goes away, codes cannot be shown) and put back.
func TestReceiptCodeAndScannerCable(t *testing.T) {
	rig, _ := startRig(t)
	if err := rig.ShowReceiptCode(); err == nil {
		t.Fatal("a receipt code shown before any receipt was printed")
	}
	job, err := escpos.EncodeReceipt(receipt.Document{Blocks: []receipt.Block{{Kind: receipt.QR, Data: "https://zwfw.sc.gov.cn/track?c=SC1"}}}, escpos.EncodeOptions{Paper: escpos.Paper80})
	if err != nil {
		t.Fatal(err)
	}
	pr, err := serialport.Open(filepath.Join(rig.Dir, "printer"), 115200)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pr.Write(job); err != nil {
		t.Fatal(err)
	}
	pr.Close()
	waitFor(t, "the receipt", func() bool { return len(rig.LastReceipt().QR) == 1 })

	scanner := filepath.Join(rig.Dir, "scanner")
	port := openScanner(t, scanner)
	if err := rig.ShowReceiptCode(); err != nil {
		t.Fatal(err)
	}
	if code := readLine(t, port); code != "https://zwfw.sc.gov.cn/track?c=SC1" {
		t.Fatalf("scanner sent %q", code)
	}

	if err := rig.SetScannerUnplugged(true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(scanner); err == nil {
		t.Fatal("the scanner's port is still there")
	}
	if err := rig.ShowCode(simrig.CodeApp); err == nil {
		t.Fatal("a code shown to an unplugged scanner")
	}
	if err := rig.SetScannerUnplugged(false); err != nil {
		t.Fatal(err)
	}
	port = openScanner(t, scanner)
	if err := rig.ShowCode("HELLO"); err != nil {
		t.Fatal(err)
	}
	if code := readLine(t, port); code != "HELLO" {
		t.Fatalf("scanner sent %q after it was plugged in again", code)
	}
}

// The panel's cards and faults reach a kiosk built on the rig: an expired
// card is refused, a foreign permanent-residence card identifies its
// holder, a failed reader and an unplugged scanner are out of service and
// come back.
func TestPanelActionsReachTheKiosk(t *testing.T) {
	rig, ctx := startRig(t)
	prof := rig.Profile(profile.Default())
	prof.DataDir = t.TempDir()
	k, err := wire.Build(prof, catalog.Builtin(), slog.New(slog.DiscardHandler), wire.Options{
		Tick: 50 * time.Millisecond, PollInterval: 20 * time.Millisecond, KeepCatalog: true,
		Backoff: supervise.Backoff{Min: 20 * time.Millisecond, Max: 100 * time.Millisecond, Stable: time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	kctx, stop := context.WithCancel(ctx)
	go func() { k.Run(kctx); close(done) }()
	defer func() { stop(); <-done }()
	state := k.Runtime.State
	usable := func(kind device.Kind) bool { return state().Devices[kind].State.Usable() }
	waitFor(t, "the reader and scanner", func() bool { return usable(device.IDCard) && usable(device.Scanner) })

	k.Runtime.Send(session.Start{})
	if err := rig.PlaceCardOf(simrig.CardExpired); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the expired card refused", func() bool { return state().Notice.Key == msg.CardExpired })
	if state().Person != nil {
		t.Fatal("an expired card identified someone")
	}
	lift(t, rig)
	if err := rig.PlaceCardOf(simrig.CardForeign); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the foreign card read", func() bool { p := state().Person; return p != nil && p.CardType == identity.CardForeign2023 })
	lift(t, rig)
	k.Runtime.Send(session.Cancel{})

	rig.SetReaderFault(true)
	waitFor(t, "the reader out of service", func() bool { return !usable(device.IDCard) })
	rig.SetReaderFault(false)
	waitFor(t, "the reader back", func() bool { return usable(device.IDCard) })

	if err := rig.SetScannerUnplugged(true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the scanner out of service", func() bool { return !usable(device.Scanner) })
	if err := rig.SetScannerUnplugged(false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the scanner back", func() bool { return usable(device.Scanner) })
	if err := rig.PlaceCardOf("passport"); err == nil {
		t.Fatal("an unknown card kind was placed")
	}
}

// lift takes the card off the reader and waits until the reader has been
// asked twice since, so the driver has seen the empty field before the
// next card comes.
func lift(t *testing.T, rig *simrig.Rig) {
	t.Helper()
	rig.RemoveCard()
	n := rig.IDCard.Served(idcard.OpFind)
	waitFor(t, "the reader to see the card gone", func() bool { return rig.IDCard.Served(idcard.OpFind) >= n+2 })
}
