package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"sckiosk/devices/device"
	"sckiosk/devices/printer"
	"sckiosk/kiosk/receipt"
)

// cmdPrinter holds the receipt printer commands.
func cmdPrinter(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	if len(args) == 0 || args[0] != "test" {
		return usageErr("printer test --port PATH [--baud N] [--paper 58|80]")
	}
	return printTest(ctx, args[1:], out, log)
}

func paperOf(mm int) (printer.Paper, error) {
	switch mm {
	case 58:
		return printer.Paper58, nil
	case 80:
		return printer.Paper80, nil
	}
	return 0, usageErr("--paper %d is not 58 or 80", mm)
}

// printTest prints a test receipt through the print guard.
func printTest(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	var port string
	var baud, mm int
	if _, err := flags("printer test", args, func(fs *flag.FlagSet) {
		fs.StringVar(&port, "port", "", "serial port of the printer")
		fs.IntVar(&baud, "baud", 115200, "baud rate")
		fs.IntVar(&mm, "paper", 80, "paper width, 58 or 80")
	}); err != nil {
		return err
	}
	if err := needPort(port); err != nil {
		return err
	}
	paper, err := paperOf(mm)
	if err != nil {
		return err
	}
	drv, err := printer.New(printer.Options{Port: port, Baud: baud, Paper: paper}, log)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	statuses := make(chan device.Status, 8)
	go drv.Session()(ctx, func(s device.Status) {
		select {
		case statuses <- s:
		default:
		}
	})
wait:
	for {
		select {
		case s := <-statuses:
			fmt.Fprintln(out, "printer:", s)
			if s.State != device.Starting {
				break wait
			}
		case <-ctx.Done():
			return errors.New("printer test: the printer did not answer")
		}
	}
	doc := receipt.New(receipt.Case{
		Hall: "打印测试 / print test", KioskID: "kioskctl", Item: "测试回执 生僻字：䶮 𠮷",
		CaseNumber: "TEST-0001", Submitted: time.Now(), ApplicantMasked: "张*", NumberMasked: "5101**********1234",
		Next: "这是一张测试回执，用于检查中文、二维码与切纸。", Due: "—", TrackCode: "KIOSK:TEST",
	})
	if err := drv.Print(ctx, doc); err != nil {
		return fmt.Errorf("printer test: %w (%s)", err, printer.Notice(err))
	}
	fmt.Fprintln(out, "test receipt printed")
	return nil
}

// simPrinter runs the printer simulator and writes each receipt as PNG.
func simPrinter(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	var link, outDir string
	var mm int
	if _, err := flags("sim printer", args, func(fs *flag.FlagSet) {
		fs.StringVar(&link, "link", "", "also make a symlink to the pty here")
		fs.IntVar(&mm, "paper", 80, "paper width, 58 or 80")
		fs.StringVar(&outDir, "out", ".", "where to write each receipt as PNG")
	}); err != nil {
		return err
	}
	paper, err := paperOf(mm)
	if err != nil {
		return err
	}
	sim, p, err := printer.StartPty(ctx, printer.SimOptions{Paper: paper}, log)
	if err != nil {
		return err
	}
	defer p.Close()
	n := 0
	sim.OnReceipt(func(r printer.Receipt) {
		n++
		name := filepath.Join(outDir, fmt.Sprintf("receipt-%03d.png", n))
		var b bytes.Buffer
		if r.Image == nil {
			fmt.Fprintln(out, "receipt printed but not rendered")
			return
		}
		if err := png.Encode(&b, r.Image); err != nil {
			fmt.Fprintln(out, "cannot encode receipt:", err)
			return
		}
		if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
			fmt.Fprintln(out, "cannot write receipt:", err)
			return
		}
		fmt.Fprintln(out, "receipt printed:", name)
	})
	if err := announce(out, p, link); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}
