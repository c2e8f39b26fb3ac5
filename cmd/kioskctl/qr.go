package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"sckiosk/devices/camera"
	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/qrpayload"
	words "sckiosk/ui/text"
)

// errNotAll is a qr decode or verify that did not succeed for every input:
// exit code 1.
var errNotAll = errors.New("not every code was decoded or accepted")

type decodeLine struct {
	File string  `json:"file"`
	OK   bool    `json:"ok"`
	Text string  `json:"text"`
	Kind string  `json:"kind"`
	MS   float64 `json:"ms"`
}

// qrDecode runs each image through the camera pipeline's decoder.
func qrDecode(args []string, out io.Writer) error {
	var asJSON bool
	var trackHosts multiFlag
	fs, err := flags("qr decode", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "one JSON line per file")
		fs.Var(&trackHosts, "track-host", "platform host whose /track/ URLs are receipts (repeatable)")
	})
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageErr("qr decode [--json] FILE...")
	}
	dec := camera.NewDecoder(camera.DecoderOptions{})
	chk := platform.DemoCodeChecker(trackHosts...)
	failed, refused := 0, 0
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for _, file := range fs.Args() {
		line := decodeLine{File: file}
		f, err := camera.LoadGray(file)
		if err == nil {
			start := time.Now()
			var res camera.Result
			res, err = dec.Decode(f)
			line.MS = float64(time.Since(start).Microseconds()) / 1000
			if err == nil {
				line.OK, line.Text = true, res.Text
				line.Kind = string(chk.Check(res.Text).Kind)
			}
		}
		if !line.OK {
			failed++
		}
		if errors.Is(err, camera.ErrImageTooLarge) {
			refused++
		}
		if asJSON {
			if err := enc.Encode(line); err != nil {
				return fmt.Errorf("qr decode: %w", err)
			}
			continue
		}
		switch {
		case line.OK:
			fmt.Fprintf(out, "%s\tok\t%s\t%.2f ms\t%s\n", file, line.Kind, line.MS, line.Text)
		default:
			fmt.Fprintf(out, "%s\tFAILED\t%v\n", file, err)
		}
	}
	if refused > 0 { // bad input: exit code 2
		return fmt.Errorf("qr decode: %d of %d files refused: %w (the limit is %d megapixels)", refused, fs.NArg(), camera.ErrImageTooLarge, camera.MaxImagePixels/1_000_000)
	}
	if failed > 0 {
		return fmt.Errorf("qr decode: %d of %d files: %w", failed, fs.NArg(), errNotAll)
	}
	return nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return fmt.Sprint(*m) }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

// qrVerify classifies one code and verifies it offline with the demo keys.
func qrVerify(args []string, out io.Writer) error {
	var text, file string
	var asJSON bool
	var trackHosts multiFlag
	if _, err := flags("qr verify", args, func(fs *flag.FlagSet) {
		fs.StringVar(&text, "text", "", "the code's text")
		fs.StringVar(&file, "file", "", "an image holding the code")
		fs.BoolVar(&asJSON, "json", false, "print JSON")
		fs.Var(&trackHosts, "track-host", "platform host whose /track/ URLs are receipts (repeatable)")
	}); err != nil {
		return err
	}
	if (text == "") == (file == "") {
		return usageErr("qr verify (--text S | --file IMG)")
	}
	if file != "" {
		f, err := camera.LoadGray(file)
		if err != nil {
			return fmt.Errorf("qr verify: %w", err)
		}
		res, err := camera.NewDecoder(camera.DecoderOptions{}).Decode(f)
		if err != nil {
			return fmt.Errorf("qr verify: %s: %w", file, err)
		}
		text = res.Text
	}
	p := platform.DemoCodeChecker(trackHosts...).Check(text)
	if asJSON {
		b, err := json.Marshal(map[string]any{"kind": p.Kind, "valid": p.Valid, "reason": words.Chinese.Render(p.Reason()), "online": p.Online, "signed": p.Signed})
		if err != nil {
			return fmt.Errorf("qr verify: %w", err)
		}
		fmt.Fprintln(out, string(b))
	} else {
		fmt.Fprintf(out, "kind:   %s\nvalid:  %v\n", p.Kind, p.Valid)
		if p.Valid {
			fmt.Fprintf(out, "signed: %v\nonline: %v (still to be confirmed by the platform)\n", p.Signed, p.Online)
		} else {
			fmt.Fprintf(out, "reason: %s\n", words.Chinese.Render(p.Reason()))
		}
	}
	if !p.Valid {
		return fmt.Errorf("qr verify: %w: %v", errNotAll, p.Err)
	}
	return nil
}

// sampleLicenceID is a fictitious but valid GB/T 36904 identifier.
const sampleLicenceID = "1.2.156.3005.2.11100000MB0W9Y8X20001.11510100MB1A2B3CX2.2025000123.001.6"

// qrMake writes a sample code signed with the demo keys.
func qrMake(args []string, out io.Writer) error {
	var kind, path, subject, caseNo string
	var size int
	if _, err := flags("qr make", args, func(fs *flag.FlagSet) {
		fs.StringVar(&kind, "kind", "", "app, health, licence or receipt")
		fs.StringVar(&path, "out", "", "PNG file to write")
		fs.StringVar(&subject, "subject", "demo-user-1", "app token subject")
		fs.StringVar(&caseNo, "case", "SC20260301000001", "receipt case number")
		fs.IntVar(&size, "size", 320, "image size in pixels, rounded to whole modules: each module of the code and of its 4-module quiet zone gets size/modules pixels, rounded, at least 2 (qr make prints the size it made)")
	}); err != nil {
		return err
	}
	if path == "" {
		return usageErr("qr make --kind app|licence|receipt --out FILE.png")
	}
	if size < 1 {
		return usageErr("qr make: --size %d is not a number of pixels", size)
	}
	now := time.Now()
	var text string
	var err error
	switch kind {
	case "app", "health":
		typ := qrpayload.AppTypeID
		if kind == "health" {
			typ = qrpayload.AppTypeHealth
		}
		text, err = qrpayload.SignAppToken(platform.DemoPlatformKey(), platform.DemoCodeKeyID, typ, subject, now, qrpayload.MaxAppTTL)
	case "licence":
		text, err = qrpayload.ELicenceCode(sampleLicenceID, fmt.Sprintf("demo%d", now.Unix()))
	case "receipt":
		text, err = qrpayload.SignReceipt(platform.DemoKioskKey(), platform.DemoAppID, application.Sichuan, caseNo, now)
	default:
		return usageErr("qr make: --kind %q is not app, health, licence or receipt", kind)
	}
	if err != nil {
		return fmt.Errorf("qr make: %w", err)
	}
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return fmt.Errorf("qr make: %w", err)
	}
	img, px := qrImage(q.Bitmap(), size)
	if err := writePNG(path, img); err != nil {
		return fmt.Errorf("qr make: %w", err)
	}
	n := img.Bounds().Dx()
	fmt.Fprintf(out, "%s: %s code (demo keys), %d×%d px, %d px a module\n", path, kind, n, n, px)
	return nil
}
