package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"sckiosk/devices/device"
	"sckiosk/devices/printer"
	"sckiosk/devices/printer/escpos"
	"sckiosk/devices/printer/printersim"
	"sckiosk/kiosk/core/receipt"
	"sckiosk/ui/text"
)

func paperOf(mm int) (escpos.Paper, error) {
	switch mm {
	case 58:
		return escpos.Paper58, nil
	case 80:
		return escpos.Paper80, nil
	}
	return 0, usageErr("--paper %d is not 58 or 80", mm)
}

// errNotReady is a printer test refused because the printer is not ready.
var errNotReady = errors.New("printer not ready")

// printTest asks the printer's status first and, only when it is ready
// (paper near end is a warning), prints a test receipt through the print
// guard. A printer that is not ready gets no print data at all; the error
// names the cause (缺纸, 开盖, 切刀故障, 离线) and kioskctl exits 1.
func printTest(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	var port, hall string
	var baud, mm int
	if _, err := flags("printer test", args, func(fs *flag.FlagSet) {
		fs.StringVar(&port, "port", "", "serial port of the printer")
		fs.IntVar(&baud, "baud", 115200, "baud rate")
		fs.IntVar(&mm, "paper", 80, "paper width, 58 or 80")
		fs.StringVar(&hall, "hall", "政务服务自助终端", "hall name printed on the test receipt")
	}); err != nil {
		return err
	}
	if err := needPort(port); err != nil {
		return err
	}
	if baud <= 0 {
		return usageErr("--baud %d is not a baud rate", baud)
	}
	paper, err := paperOf(mm)
	if err != nil {
		return err
	}
	// The driver's status warnings would repeat what this command says.
	drvLog := slog.New(minLevel{log.Handler(), slog.LevelError})
	drv, err := printer.New(printer.Options{Port: port, Baud: baud, Paper: paper, StatusTimeout: 2 * time.Second}, drvLog)
	if err != nil {
		return fmt.Errorf("printer test: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	// The session opens the port and reads DLE EOT 1–4 before it reports.
	first := make(chan device.Status, 1)
	ended := make(chan error, 1)
	var once sync.Once
	go func() {
		ended <- drv.Session()(ctx, func(s device.Status) {
			once.Do(func() { first <- s })
		})
	}()
	select {
	case <-first:
	case err := <-ended:
		return fmt.Errorf("printer test: %w", err)
	case <-ctx.Done():
		return errors.New("printer test: the printer port did not open")
	}
	st, err := drv.Query(ctx)
	cause := printer.CauseNone
	var nr *printer.NotReadyError
	switch {
	case errors.Is(err, printer.ErrNoResponse):
		cause = printer.CauseNoResponse
	case errors.Is(err, printer.ErrOffline):
		cause = printer.CauseDisconnected
	case err != nil:
		return fmt.Errorf("printer test: %w", err)
	default:
		cause = st.Cause()
	}
	fmt.Fprintf(out, "printer status: %s\n", describe(cause))
	if !cause.Ready() {
		return fmt.Errorf("printer test: %w: %s; no print data sent", errNotReady, describe(cause))
	}
	if cause == printer.CausePaperNearEnd {
		fmt.Fprintln(out, "warning: 纸将尽 (paper near end); printing anyway")
	}
	if err := drv.Print(ctx, testReceipt(hall, paper, baud, time.Now())); err != nil {
		if errors.As(err, &nr) {
			return fmt.Errorf("printer test: %w: %s; no print data sent", errNotReady, describe(nr.Cause))
		}
		return fmt.Errorf("printer test: %w (%s)", err, text.Chinese.Cause(printer.CauseOf(err)))
	}
	fmt.Fprintln(out, "test receipt printed")
	return nil
}

// describe names a cause for technicians: "缺纸 (paper end)".
func describe(c printer.Cause) string {
	if c == printer.CauseNone {
		return "ready"
	}
	return fmt.Sprintf("%s (%s)", text.Chinese.CauseShort(c.Device()), c)
}

// testReceipt is the test page: hall name, 打印测试, Chinese and ASCII
// lines to check both fonts and the width, a QR code; EncodeReceipt adds
// the feed and the cut.
func testReceipt(hall string, paper escpos.Paper, baud int, now time.Time) receipt.Document {
	return receipt.Document{Blocks: []receipt.Block{
		{Kind: receipt.Title, Text: "打印测试"},
		{Kind: receipt.Text, Text: hall},
		{Kind: receipt.Rule},
		{Kind: receipt.Text, Text: "中文：四川省政务服务 川渝通办"},
		{Kind: receipt.Text, Text: "ASCII: 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz"},
		{Kind: receipt.Row, Label: "纸宽", Text: paper.String()},
		{Kind: receipt.Row, Label: "波特率", Text: fmt.Sprint(baud)},
		{Kind: receipt.Row, Label: "时间", Text: now.In(receipt.ChinaTime).Format("2006-01-02 15:04:05")},
		{Kind: receipt.Rule},
		{Kind: receipt.QR, Data: "KIOSKCTL-PRINT-TEST", Text: "二维码测试 KIOSKCTL-PRINT-TEST"},
	}}
}

// simPrinter runs the printer simulator and writes each receipt as PNG.
func simPrinter(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	var link, outDir, state string
	var mm, baud int
	if _, err := flags("sim printer", args, func(fs *flag.FlagSet) {
		fs.StringVar(&link, "link", "", "also make a symlink to the pty here")
		fs.IntVar(&mm, "paper", 80, "paper width, 58 or 80")
		fs.IntVar(&baud, "baud", 115200, "line rate the simulator paces itself to; 0 for no pacing")
		fs.StringVar(&outDir, "out", ".", "where to write each receipt as PNG")
		fs.StringVar(&state, "state", "ok", "ok, near-end, paper-end, cover-open, cutter-error or offline")
	}); err != nil {
		return err
	}
	paper, err := paperOf(mm)
	if err != nil {
		return err
	}
	if baud < 0 {
		return usageErr("--baud %d is not a baud rate", baud)
	}
	st, err := printersim.ParseSimState(state)
	if err != nil {
		return usageErr("--state %q: ok, near-end, paper-end, cover-open, cutter-error or offline", state)
	}
	if fi, err := os.Stat(outDir); err != nil || !fi.IsDir() {
		return usageErr("--out %s is not a directory", outDir)
	}
	sim, p, err := printersim.StartPty(ctx, printersim.SimOptions{Paper: paper, Baud: baud}, log)
	if err != nil {
		return err
	}
	defer p.Close()
	if err := sim.SetState(st); err != nil {
		return err
	}
	var mu sync.Mutex // out is written from the sim's goroutine too
	say := func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(out, format, a...)
	}
	n := 0
	sim.OnReceipt(func(r printersim.Receipt) {
		n++
		if r.Image == nil {
			say("receipt %d printed but not rendered\n", n)
			return
		}
		name := filepath.Join(outDir, fmt.Sprintf("receipt-%03d.png", n))
		if err := writePNG(name, r.Image); err != nil {
			say("cannot write receipt: %v\n", err)
			return
		}
		say("receipt printed: %s\n", name)
		for _, b := range r.Barcodes {
			say("  barcode %s %q\n", b.Symbology, b.Text)
		}
		for _, what := range r.Unrendered {
			say("  not rendered: %s\n", what)
		}
	})
	mu.Lock()
	err = announce(out, p, link)
	if err == nil {
		fmt.Fprintf(out, "printer state %s, %s, %d baud\n", st, paper, baud)
	}
	mu.Unlock()
	if err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

// writePNG writes img to name as PNG, atomically (a viewer never sees half
// a file).
func writePNG(name string, img image.Image) error {
	tmp := name + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("encode %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, name); err != nil {
		return fmt.Errorf("rename to %s: %w", name, err)
	}
	return nil
}

// minLevel passes on records of at least level.
type minLevel struct {
	slog.Handler
	level slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(as), h.level}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.level}
}
