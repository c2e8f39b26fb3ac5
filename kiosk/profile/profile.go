// Package profile holds a kiosk's device profile and hall settings: which
// device sits on which port, the paper width, timeouts, the hall's division
// code and the platform endpoints. A profile is YAML; anything it leaves out
// takes the built-in default.
package profile

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"time"

	"go.yaml.in/yaml/v3"
)

// Profile is the effective configuration of one kiosk.
type Profile struct {
	KioskID      string `yaml:"kiosk_id"`
	HallName     string `yaml:"hall_name"`
	DivisionCode string `yaml:"division_code"` // GB/T 2260, six digits, 51xxxx or 50xxxx
	DataDir      string `yaml:"data_dir"`
	// AllowExpiredID lets a citizen apply with an expired ID card; by
	// default the kiosk refuses it with 证件已过期.
	AllowExpiredID bool      `yaml:"allow_expired_id"`
	Platform       Platforms `yaml:"platform"`
	Devices        Devices   `yaml:"devices"`
	UI             UI        `yaml:"ui"`
}

// Platforms are the provincial platforms' endpoints, by province.
type Platforms struct {
	Sichuan   Endpoint `yaml:"sichuan"`
	Chongqing Endpoint `yaml:"chongqing"`
}

// Endpoint is one platform's base URL.
type Endpoint struct {
	URL string `yaml:"url"`
}

// Devices are the kiosk's peripherals.
type Devices struct {
	IDCard  Serial  `yaml:"idcard"`
	Scanner Serial  `yaml:"scanner"`
	Printer Printer `yaml:"printer"`
}

// Serial is a device on a serial port. An empty port means absent.
type Serial struct {
	Port string `yaml:"port"`
	Baud int    `yaml:"baud"`
}

// Printer is the receipt printer.
type Printer struct {
	Serial     `yaml:",inline"`
	PaperWidth int    `yaml:"paper_width"` // 58 or 80 (mm)
	QRMode     string `yaml:"qr_mode"`     // native or raster
}

// UI holds screen settings.
type UI struct {
	Orientation string        `yaml:"orientation"` // portrait or landscape
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	ElderMode   bool          `yaml:"elder_mode"`
}

// Default returns the built-in defaults every profile starts from.
func Default() Profile {
	return Profile{
		KioskID: "SC-0001", HallName: "成都市武侯区政务服务中心", DivisionCode: "510107",
		DataDir: "/var/lib/kiosk",
		Devices: Devices{
			IDCard:  Serial{Baud: 115200},
			Scanner: Serial{Baud: 9600},
			Printer: Printer{Serial: Serial{Baud: 115200}, PaperWidth: 80, QRMode: "native"},
		},
		UI: UI{Orientation: "portrait", IdleTimeout: 90 * time.Second},
	}
}

var divisionRe = regexp.MustCompile(`^(51|50)\d{4}$`)

// Validate reports every problem of a profile in plain words.
func (p Profile) Validate() error {
	var errs []error
	if p.KioskID == "" {
		errs = append(errs, errors.New("kiosk_id is empty"))
	}
	if !divisionRe.MatchString(p.DivisionCode) {
		errs = append(errs, fmt.Errorf("division_code %q is not a Sichuan (51xxxx) or Chongqing (50xxxx) code", p.DivisionCode))
	}
	if w := p.Devices.Printer.PaperWidth; w != 58 && w != 80 {
		errs = append(errs, fmt.Errorf("devices.printer.paper_width %d is not 58 or 80", w))
	}
	if m := p.Devices.Printer.QRMode; m != "native" && m != "raster" {
		errs = append(errs, fmt.Errorf("devices.printer.qr_mode %q is not native or raster", m))
	}
	if o := p.UI.Orientation; o != "portrait" && o != "landscape" {
		errs = append(errs, fmt.Errorf("ui.orientation %q is not portrait or landscape", o))
	}
	return errors.Join(errs...)
}

// Load reads a YAML profile over the defaults and validates it. Unknown
// keys are errors: a typo must not silently fall back to a default.
func Load(path string) (Profile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Profile{}, fmt.Errorf("profile: %w", err)
	}
	return Parse(path, data)
}

// Parse reads YAML data (name is used in messages) over the defaults.
func Parse(name string, data []byte) (Profile, error) {
	p := Default()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil && !errors.Is(err, errEOF) {
		return Profile{}, fmt.Errorf("profile %s: %w", name, err)
	}
	if err := p.Validate(); err != nil {
		return Profile{}, fmt.Errorf("profile %s: %w", name, err)
	}
	return p, nil
}
