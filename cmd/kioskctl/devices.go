package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"sckiosk/devices/device"
	"sckiosk/devices/idcard"
	"sckiosk/devices/printer"
	"sckiosk/devices/scanner"
	"sckiosk/devices/serialport"
	"sckiosk/kiosk/identity"
	"sckiosk/kiosk/receipt"
)

// cmdSim runs one device simulator on a pty until interrupted.
func cmdSim(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	if len(args) == 0 {
		return usageErr("sim: which device? idcard, printer or scanner")
	}
	dev := args[0]
	var link, outDir string
	var card bool
	var paper int
	if _, err := flags("sim "+dev, args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&link, "link", "", "also make a symlink to the pty here")
		fs.BoolVar(&card, "card", false, "idcard: start with the sample card on the reader")
		fs.IntVar(&paper, "paper", 80, "printer: paper width, 58 or 80")
		fs.StringVar(&outDir, "out", ".", "printer: where to write each receipt as PNG")
	}); err != nil {
		return err
	}
	switch dev {
	case "idcard":
		sim, p, err := idcard.StartPty(ctx, log)
		if err != nil {
			return err
		}
		defer p.Close()
		if err := announce(out, p, link); err != nil {
			return err
		}
		if card {
			if err := sim.Place(idcard.SampleCard()); err != nil {
				return err
			}
			fmt.Fprintln(out, "sample card placed; Ctrl-C to stop")
		}
	case "printer":
		pp := printer.Paper80
		if paper == 58 {
			pp = printer.Paper58
		} else if paper != 80 {
			return usageErr("--paper %d is not 58 or 80", paper)
		}
		sim, p, err := printer.StartPty(ctx, printer.SimOptions{Paper: pp}, log)
		if err != nil {
			return err
		}
		defer p.Close()
		n := 0
		sim.OnReceipt(func(r printer.Receipt) {
			n++
			name := filepath.Join(outDir, fmt.Sprintf("receipt-%03d.png", n))
			if err := writePNG(name, r); err != nil {
				fmt.Fprintln(out, "cannot write receipt:", err)
				return
			}
			fmt.Fprintln(out, "receipt printed:", name)
		})
		if err := announce(out, p, link); err != nil {
			return err
		}
	case "scanner":
		p, err := serialport.NewPty()
		if err != nil {
			return err
		}
		defer p.Close()
		if err := announce(out, p, link); err != nil {
			return err
		}
		fmt.Fprintln(out, "type a code and Enter to show it to the kiosk")
		sim := scanner.NewSim(p.Master)
		go func() {
			sc := bufio.NewScanner(os.Stdin)
			for sc.Scan() {
				if err := sim.Show(sc.Text()); err != nil {
					return
				}
			}
		}()
	default:
		return usageErr("sim: unknown device %q (idcard, printer or scanner)", dev)
	}
	<-ctx.Done()
	return nil
}

func announce(out io.Writer, p *serialport.Pty, link string) error {
	if link != "" {
		if err := p.LinkAt(link); err != nil {
			return err
		}
		fmt.Fprintf(out, "simulator on %s (linked at %s)\n", p.SlavePath, link)
		return nil
	}
	fmt.Fprintf(out, "simulator on %s\n", p.SlavePath)
	return nil
}

func writePNG(name string, r printer.Receipt) error {
	data, err := printer.RenderPNG(r.Raw, printer.Paper80)
	if r.Image != nil {
		data, err = encodePNG(r.Image)
	}
	if err != nil {
		return err
	}
	return os.WriteFile(name, data, 0o644)
}

// cmdReadCard reads one card and prints it masked.
func cmdReadCard(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	var port string
	var baud int
	var wait time.Duration
	if _, err := flags("read-card", args, func(fs *flag.FlagSet) {
		fs.StringVar(&port, "port", "", "serial port of the reader")
		fs.IntVar(&baud, "baud", 115200, "baud rate")
		fs.DurationVar(&wait, "wait", 30*time.Second, "how long to wait for a card")
	}); err != nil {
		return err
	}
	if err := needPort(port); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	events := make(chan idcard.Event, 4)
	drv := idcard.New(idcard.Options{Port: port, Baud: baud}, log)
	errc := make(chan error, 1)
	go func() {
		errc <- drv.Session(events)(ctx, func(s device.Status) { fmt.Fprintln(out, "reader:", s) })
	}()
	fmt.Fprintln(out, "place a card on the reader…")
	for {
		select {
		case ev := <-events:
			switch ev.Kind {
			case idcard.CardRead:
				c := ev.Card
				defer c.Wipe()
				fmt.Fprintf(out, "card read: %s %s, %s, born %s, valid %s–%s, photo %d bytes\n",
					identity.MaskName(c.Name), identity.MaskNumber(c.Number), c.Sex, maskBirth(c.Birth), c.ValidFrom, c.ValidTo, len(c.Photo))
				if err := identity.ValidateNumber(c.Number); err != nil {
					fmt.Fprintln(out, "warning:", err)
				}
				return nil
			case idcard.ReadFailed:
				fmt.Fprintln(out, "read failed:", ev.Err, "—", idcard.Notice(ev.Err))
			}
		case err := <-errc:
			if err == nil || errors.Is(err, context.DeadlineExceeded) {
				return errors.New("read-card: no card read")
			}
			return fmt.Errorf("read-card: %w", err)
		case <-ctx.Done():
			return errors.New("read-card: no card within the wait")
		}
	}
}

// cmdPrintTest prints a test receipt through the print guard.
func cmdPrintTest(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	var port string
	var baud, paper int
	if _, err := flags("print-test", args, func(fs *flag.FlagSet) {
		fs.StringVar(&port, "port", "", "serial port of the printer")
		fs.IntVar(&baud, "baud", 115200, "baud rate")
		fs.IntVar(&paper, "paper", 80, "paper width, 58 or 80")
	}); err != nil {
		return err
	}
	if err := needPort(port); err != nil {
		return err
	}
	pp := printer.Paper80
	if paper == 58 {
		pp = printer.Paper58
	} else if paper != 80 {
		return usageErr("--paper %d is not 58 or 80", paper)
	}
	drv, err := printer.New(printer.Options{Port: port, Baud: baud, Paper: pp}, log)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	online := make(chan device.Status, 8)
	go drv.Session()(ctx, func(s device.Status) {
		select {
		case online <- s:
		default:
		}
	})
wait:
	for {
		select {
		case s := <-online:
			fmt.Fprintln(out, "printer:", s)
			if s.State != device.Starting {
				break wait
			}
		case <-ctx.Done():
			return errors.New("print-test: the printer did not answer")
		}
	}
	doc := receipt.New(receipt.Case{
		Hall: "打印测试 / print test", KioskID: "kioskctl", Item: "测试回执 生僻字：䶮 𠮷",
		CaseNumber: "TEST-0001", Submitted: time.Now(), ApplicantMasked: "张*", NumberMasked: "5101**********1234",
		Next: "这是一张测试回执，用于检查中文、二维码与切纸。", Due: "—", TrackCode: "KIOSK:TEST",
	})
	if err := drv.Print(ctx, doc); err != nil {
		return fmt.Errorf("print-test: %w (%s)", err, printer.Notice(err))
	}
	fmt.Fprintln(out, "test receipt printed")
	return nil
}

// maskBirth keeps the year of a YYYYMMDD date.
func maskBirth(d string) string {
	if len(d) < 4 {
		return "****"
	}
	return d[:4] + "****"
}
