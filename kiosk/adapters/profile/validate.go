package profile

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"sckiosk/kiosk/core/technician"
)

// problem is one thing wrong with a merged profile, at a key path.
type problem struct {
	path, msg string
}

// String joins path and message: "ui.idle_timeout must not be ..." or
// "division_code: 110101 is not ...".
func (pr problem) String() string {
	if strings.HasPrefix(pr.msg, "is ") || strings.HasPrefix(pr.msg, "must ") || strings.HasPrefix(pr.msg, "auto ") {
		return pr.path + " " + pr.msg
	}
	return pr.path + ": " + pr.msg
}

// Validate reports every problem of a profile in plain words, one per
// line, each starting with the key path ("devices.printer.baud: ...").
func (p Profile) Validate() error {
	var errs []error
	for _, pr := range p.problems(func(string) bool { return false }) {
		errs = append(errs, errors.New(pr.String()))
	}
	return errors.Join(errs...)
}

var (
	kioskIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$`)
	usbRe     = regexp.MustCompile(`^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$`)
	digits6   = regexp.MustCompile(`^\d{6}$`)
)

// problems lists what is wrong with p. mentioned reports whether a
// profile file has a section for a device: such a device needs a port.
func (p Profile) problems(mentioned func(path string) bool) []problem {
	var out []problem
	add := func(path, format string, args ...any) {
		out = append(out, problem{path, fmt.Sprintf(format, args...)})
	}
	if !kioskIDRe.MatchString(p.KioskID) {
		add("kiosk_id", "%q is not a terminal id: use up to 32 letters, digits, - or _", p.KioskID)
	}
	if strings.TrimSpace(p.HallName) == "" {
		add("hall_name", "is empty: give the hall's name as printed on receipts")
	}
	if msg := checkDivision(p.DivisionCode); msg != "" {
		add("division_code", "%s", msg)
	}
	if p.DataDir == "" {
		add("data_dir", "is empty: give the directory for the outbox and the audit log")
	}
	if p.Retention.AuditDays < 1 {
		add("retention.audit_days", "%d days: keep the audit log at least 1 day", p.Retention.AuditDays)
	}
	if p.Retention.LogDays < 1 {
		add("retention.log_days", "%d days: keep logs at least 1 day", p.Retention.LogDays)
	}
	for _, code := range slices.Sorted(maps.Keys(p.Platform)) {
		e, name := p.Platform[code], "platform."+code
		if e.URL != "" {
			if u, err := url.Parse(e.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				add(name+".url", "%q is not a web address such as https://host/path", e.URL)
			}
		}
		if e.AppID != "" && !kioskIDRe.MatchString(e.AppID) {
			add(name+".app_id", "%q is not an app id: use up to 32 letters, digits, - or _", e.AppID)
		}
		if msg := checkReadable(e.KeyFile); msg != "" {
			add(name+".key_file", "%s", msg)
		}
		if msg := checkReadable(e.PlatformKeyFile); msg != "" {
			add(name+".platform_key_file", "%s", msg)
		}
		if msg := checkReadable(e.CAFile); msg != "" {
			add(name+".ca_file", "%s", msg)
		} else if e.CAFile != "" && !strings.HasPrefix(strings.ToLower(e.URL), "https://") {
			add(name+".ca_file", "pins a CA, but url %q is not https", e.URL)
		}
		if msg := checkKeyDir(e.CodeKeyDir); msg != "" {
			add(name+".code_key_dir", "%s", msg)
		}
		if e.URL != "" && !p.DemoKeys && !e.DemoKeys && !LoopbackURL(e.URL) {
			var missing []string
			if e.KeyFile == "" {
				missing = append(missing, "key_file")
			}
			if e.PlatformKeyFile == "" {
				missing = append(missing, "platform_key_file")
			}
			if len(missing) > 0 {
				add(name, "no %s for %s: the kiosk would use the public demo keys; give the keys this platform issued, or demo_keys: true for a test platform", strings.Join(missing, " or "), e.URL)
			}
		}
	}

	d := p.Devices
	serials := []struct {
		name    string
		s       Serial
		drivers []string
	}{
		{"devices.idcard", d.IDCard, idcardDrivers},
		{"devices.scanner", d.Scanner.Serial, scannerDrivers},
		{"devices.printer", d.Printer.Serial, printerDrivers},
	}
	ports := map[string]string{} // port or "auto usb" -> device that has it
	for _, sd := range serials {
		s := sd.s
		if !slices.Contains(sd.drivers, s.Driver) {
			add(sd.name+".driver", "%q is not a driver for this device (use %s)", s.Driver, orList(sd.drivers))
			continue
		}
		if s.Driver == "none" {
			continue
		}
		if !slices.Contains(Bauds, s.Baud) {
			add(sd.name+".baud", "%d is not a supported rate (use %s)", s.Baud, orList(intStrings(Bauds)))
		}
		if s.USB != "" && !usbRe.MatchString(s.USB) {
			add(sd.name+".usb", "%q is not a USB VID:PID such as 1a86:7523", s.USB)
		}
		switch {
		case s.Port == "":
			if mentioned(sd.name) {
				add(sd.name+".port", "is missing: give the device path, port: auto with usb: VID:PID, or driver: none")
			}
		case s.Port == PortAuto:
			if s.USB == "" {
				add(sd.name+".port", "is auto but has no usb: VID:PID to know which USB device to pick (kioskctl probe prints it)")
				break
			}
			key := "auto " + strings.ToLower(s.USB)
			if other, dup := ports[key]; dup {
				add(sd.name+".usb", "%s is also what %s looks for: with two alike devices give each its port", s.USB, other)
			}
			ports[key] = sd.name
		default:
			if !strings.HasPrefix(s.Port, "/") {
				add(sd.name+".port", "%q is not a device path such as /dev/ttyUSB0, nor auto", s.Port)
			}
			if other, dup := ports[s.Port]; dup {
				add(sd.name+".port", "%s is already the port of %s: two devices cannot share a port", s.Port, other)
			}
			ports[s.Port] = sd.name
		}
	}
	if t := d.Scanner.Trigger; !slices.Contains([]string{"continuous", "sense", "command"}, t) {
		add("devices.scanner.trigger", "%q is not a trigger mode (use continuous, sense or command)", t)
	}
	if d.Scanner.Trigger == "command" && !slices.Contains([]string{"gm65", "honeywell", "newland"}, d.Scanner.Family) {
		add("devices.scanner.family", "%q: command trigger mode needs the engine family (gm65, honeywell or newland)", d.Scanner.Family)
	}
	if t := d.Scanner.Terminator; !slices.Contains([]string{"cr", "lf", "crlf", "tab", "none"}, t) {
		add("devices.scanner.terminator", "%q is not a terminator (use cr, lf, crlf, tab or none)", t)
	}
	if w := d.Printer.PaperWidth; w != 58 && w != 80 {
		add("devices.printer.paper_width", "%d is not 58 or 80 (mm)", w)
	}
	if m := d.Printer.QRMode; m != "native" && m != "raster" {
		add("devices.printer.qr_mode", "%q is not native or raster", m)
	}
	switch c := d.Camera; {
	case !slices.Contains(cameraDrivers, c.Driver):
		add("devices.camera.driver", "%q is not a camera driver (use %s)", c.Driver, orList(cameraDrivers))
	case c.Driver == "v4l2" && c.Device == "":
		add("devices.camera.device", "is missing: give the video device, such as /dev/video0")
	case c.Driver == "v4l2" && !strings.HasPrefix(c.Device, "/dev/"):
		add("devices.camera.device", "%q is not a video device such as /dev/video0", c.Device)
	case c.Driver == "dir" && c.Device == "":
		add("devices.camera.device", "is missing: give the directory the simulated camera watches")
	case c.Width < 0 || c.Height < 0 || c.Width > 4096 || c.Height > 4096:
		add("devices.camera.width", "%d×%d is not a capture size (0 for 1280×720, at most 4096×4096)", c.Width, c.Height)
	}

	if f := p.Fleet; f.Broker != "" {
		if u, err := url.Parse(f.Broker); err != nil || (u.Scheme != "mqtt" && u.Scheme != "tls" && u.Scheme != "ssl") || u.Host == "" {
			add("fleet.broker", "%q is not a broker address such as mqtt://hall-server:1883 or tls://broker:8883", f.Broker)
		}
		if f.Hall == "" || strings.ContainsAny(f.Hall, "/+# ") {
			add("fleet.hall", "%q is not a hall name for topics: use letters, digits, - or _", f.Hall)
		}
		if f.KeyFile != "" && f.KeyID == "" {
			add("fleet.key_id", "is missing: name the fleet key (as the hall server's --key-id)")
		}
		if f.KeepAlive < 5*time.Second || f.KeepAlive > 18*time.Hour {
			add("fleet.keepalive", "%v: between 5s and 18h", f.KeepAlive)
		}
		if f.HealthEvery < time.Second {
			add("fleet.health_every", "%v: at least 1s", f.HealthEvery)
		}
		if f.PingTimeout != 0 && f.PingTimeout < 10*time.Second {
			add("fleet.ping_timeout", "%v: at least 10s (longer than the hall's --ping-every), or 0 for never", f.PingTimeout)
		}
		for _, k := range []struct{ name, path string }{{"key_file", f.KeyFile}, {"ca_file", f.CAFile}, {"cert_file", f.CertFile}, {"cert_key_file", f.CertKeyFile}, {"password_file", f.PasswordFile}, {"province_key", f.ProvinceKey}} {
			if msg := checkReadable(k.path); msg != "" {
				add("fleet."+k.name, "%s", msg)
			}
		}
		if (f.CertFile == "") != (f.CertKeyFile == "") {
			add("fleet.cert_file", "cert_file and cert_key_file go together")
		}
	}

	if o := p.UI.Orientation; o != "portrait" && o != "landscape" {
		add("ui.orientation", "%q is not portrait or landscape", o)
	}
	for _, t := range []struct {
		key string
		d   time.Duration
	}{{"idle_timeout", p.UI.IdleTimeout}, {"form_timeout", p.UI.FormTimeout}, {"done_timeout", p.UI.DoneTimeout}} {
		if t.d < 0 {
			add("ui."+t.key, "must not be negative (0 means never), not %s", t.d)
		}
	}
	for _, t := range []struct {
		key string
		d   time.Duration
	}{{"countdown", p.UI.Countdown}, {"elder_countdown", p.UI.ElderCountdown}} {
		if t.d != 0 && (t.d < 5*time.Second || t.d > 2*time.Minute) {
			add("ui."+t.key, "must be between 5s and 2m (long enough to read and reach 继续办理) or 0 for the default, not %s", t.d)
		}
	}
	if g := p.UI.CardGrace; g < 0 || g > MaxCardGrace {
		add("ui.card_grace", "must be between 0s (end the visit at once) and %s, not %s", MaxCardGrace, g)
	}
	if h := p.Technician.PINHash; h != "" {
		if err := technician.CheckHash(h); errors.Is(err, technician.ErrBadHash) {
			add("technician.pin_hash", "is not an argon2id or bcrypt hash: never write the PIN itself here (kioskctl profile pin makes a hash)")
		} else if err != nil {
			add("technician.pin_hash", "is not a valid PIN hash: %v", err)
		}
	}
	return out
}

// checkDivision explains why code is not a Sichuan or Chongqing GB/T 2260
// code, or returns "".
func checkDivision(code string) string {
	if !digits6.MatchString(code) {
		return fmt.Sprintf("%q should be six digits (GB/T 2260), such as 510107", code)
	}
	if _, ok := divisions[code]; ok {
		return ""
	}
	switch code[:2] {
	case "51", "50":
	default:
		return fmt.Sprintf("%s is not in Sichuan (51xxxx) or Chongqing (50xxxx)", code)
	}
	if pref, ok := divisions[code[:4]+"00"]; ok {
		return fmt.Sprintf("%s is not a county-level division of %s (%s00) in GB/T 2260", code, pref, code[:4])
	}
	return fmt.Sprintf("%s is not a division of %s in GB/T 2260: no prefecture %s00", code, divisions[code[:2]+"0000"], code[:4])
}

// DivisionName returns the name of a Sichuan or Chongqing GB/T 2260 code.
func DivisionName(code string) (string, bool) {
	n, ok := divisions[code]
	return n, ok
}

func checkReadable(path string) string {
	if path == "" {
		return ""
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("cannot read key file %s: %s", path, plainIOError(err))
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return fmt.Sprintf("key file %s is a directory", path)
	}
	return ""
}

// LoopbackURL reports whether the host of the web address raw is this
// machine: localhost, 127.0.0.0/8 or ::1. Only there may an endpoint
// without keys use the demo keys.
func LoopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func orList(xs []string) string {
	if len(xs) == 1 {
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

func intStrings(xs []int) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = strconv.Itoa(x)
	}
	return out
}

// checkKeyDir says what is wrong with a code key directory: missing, or
// without any <key id>.pem file. An empty path is fine.
func checkKeyDir(dir string) string {
	if dir == "" {
		return ""
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Sprintf("cannot read directory %s: %s", dir, plainIOError(err))
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".pem") && !e.IsDir() {
			return ""
		}
	}
	return fmt.Sprintf("directory %s holds no <key id>.pem file", dir)
}

// MaxCardGrace is the longest ui.card_grace: longer, and the name and
// address of a citizen who walked away stay on screen for anyone passing.
const MaxCardGrace = 2 * time.Minute
