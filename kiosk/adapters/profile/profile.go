// Package profile holds a kiosk's device profile and hall settings: which
// device sits on which port, the paper width, timeouts, the hall's division
// code, the platform endpoints and keys, the technician PIN hash and the
// retention of logs.
//
// A profile is YAML in layers: the built-in defaults, then the hall profile
// (/etc/kiosk/kiosk.yaml), then per-kiosk overrides, each file overriding
// only the keys it names. Every problem is reported as
// "file:line:column: message" in plain words, so that a technician can fix
// all of them in one go; the kiosk refuses to start on a broken profile.
package profile

import (
	"fmt"
	"time"
)

// Profile is the effective configuration of one kiosk.
type Profile struct {
	KioskID      string `yaml:"kiosk_id"`
	HallName     string `yaml:"hall_name"`
	DivisionCode string `yaml:"division_code"` // GB/T 2260, six digits, 51xxxx or 50xxxx
	DataDir      string `yaml:"data_dir"`
	// AllowExpiredID lets a citizen apply with an expired ID card; by
	// default the kiosk refuses it with 证件已过期.
	AllowExpiredID bool `yaml:"allow_expired_id"`
	// DemoKeys lets every platform endpoint without keys use the public
	// demo keys, even off loopback: for a test platform only.
	DemoKeys   bool       `yaml:"demo_keys"`
	Retention  Retention  `yaml:"retention"`
	Platform   Platforms  `yaml:"platform"`
	Devices    Devices    `yaml:"devices"`
	UI         UI         `yaml:"ui"`
	Technician Technician `yaml:"technician"`
	Fleet      Fleet      `yaml:"fleet"`
}

// Fleet connects the kiosk to its hall's (or province's) MQTT broker: it
// reports health there and obeys commands signed by the fleet key.
type Fleet struct {
	Broker string `yaml:"broker"` // mqtt://host:1883 or tls://host:8883; empty: no fleet
	Hall   string `yaml:"hall"`   // the hall's topic level, e.g. wuhou
	// KeyFile is the fleet's SM2 public key (PEM) that signs commands,
	// under KeyID; without it every command is refused.
	KeyFile      string        `yaml:"key_file" profile:"path"`
	KeyID        string        `yaml:"key_id"`
	KeepAlive    time.Duration `yaml:"keepalive"`                    // MQTT keep-alive; offline shows after 1.5 of it
	HealthEvery  time.Duration `yaml:"health_every"`                 // health period
	CAFile       string        `yaml:"ca_file" profile:"path"`       // tls://: the broker's CA (PEM)
	CertFile     string        `yaml:"cert_file" profile:"path"`     // tls://: this kiosk's client certificate (CN = kiosk_id)
	CertKeyFile  string        `yaml:"cert_key_file" profile:"path"` // tls://: its key
	Username     string        `yaml:"username"`
	PasswordFile string        `yaml:"password_file" profile:"path"` // file holding the MQTT password
	// OverrideFile is where a profile pushed by the fleet is written, as
	// the last profile layer; empty means data_dir/fleet-profile.yaml.
	OverrideFile string `yaml:"override_file" profile:"path"`
	// SelfTestAfter is how long after a restart on a pushed profile the
	// kiosk tests itself, and rolls back on failure.
	SelfTestAfter time.Duration `yaml:"self_test_after"`
	// PingTimeout is how long the kiosk stays connected without a signed
	// ping from the hall on its command topic before it reconnects (the
	// hall pings every few minutes); 0 never reconnects for that.
	PingTimeout time.Duration `yaml:"ping_timeout"`
	// ProvinceKey is the province's SM2 public key (PEM) that must also
	// sign a pushed layer changing platform.*, demo_keys or
	// technician.pin_hash (kioskctl profile sign); without it such a
	// layer is always refused. A pushed layer cannot change it.
	ProvinceKey string `yaml:"province_key" profile:"path"`
}

// Retention says how long the kiosk keeps its own records, in days.
type Retention struct {
	AuditDays int `yaml:"audit_days"` // audit log segments
	LogDays   int `yaml:"log_days"`   // rotated service logs
}

// Platforms are the provincial platforms' endpoints, by GB/T 2260
// province code ("51", "50"). In a profile, sichuan and chongqing are
// aliases of 51 and 50.
type Platforms map[string]Endpoint

// ProvinceAliases are the names a profile may use instead of a province
// code under platform.
var ProvinceAliases = map[string]string{"sichuan": "51", "chongqing": "50"}

// Endpoint is one platform's base URL, the app id it knows this kiosk by
// and the key files that sign and check its messages. A relative key path
// is relative to the profile file that names it.
type Endpoint struct {
	URL string `yaml:"url"`
	// AppID is the app id this platform gave the kiosk (X-App-Id); empty
	// means kiosk_id.
	AppID           string `yaml:"app_id"`
	KeyFile         string `yaml:"key_file" profile:"path"`          // this kiosk's SM2 private key (PEM)
	PlatformKeyFile string `yaml:"platform_key_file" profile:"path"` // the platform's SM2 public key or certificate (PEM)
	// CAFile pins the certificate authorities (PEM) an https URL must
	// chain to; the system roots are then not trusted.
	CAFile string `yaml:"ca_file" profile:"path"`
	// CodeKeyDir holds the public keys (PEM) that sign the platform's app
	// codes, one file per key named <key id>.pem, so keys can rotate.
	CodeKeyDir string `yaml:"code_key_dir" profile:"path"`
	// DemoKeys lets this endpoint use the public demo keys when it names
	// none, even off loopback: for a test platform only.
	DemoKeys bool `yaml:"demo_keys"`
}

// Devices are the kiosk's peripherals.
type Devices struct {
	IDCard  Serial  `yaml:"idcard"`
	Scanner Scanner `yaml:"scanner"`
	Camera  Camera  `yaml:"camera"`
	Printer Printer `yaml:"printer"`
}

// PortAuto as a port asks the kiosk to find the device among the USB
// serial ports by its USB VID:PID (see devices/probe).
const PortAuto = "auto"

// Serial is a device on a serial port. An empty port means absent.
type Serial struct {
	Driver string `yaml:"driver"` // which protocol; "none" switches the device off
	Port   string `yaml:"port"`   // device path, or PortAuto
	USB    string `yaml:"usb"`    // VID:PID (hex) the auto port must match
	Baud   int    `yaml:"baud"`
}

// Scanner is the serial QR scanner.
type Scanner struct {
	Serial     `yaml:",inline"`
	Trigger    string `yaml:"trigger"`    // continuous, sense or command
	Terminator string `yaml:"terminator"` // cr, lf, crlf, tab or none
	// Family is the engine whose trigger command is sent in command mode:
	// gm65, honeywell or newland.
	Family string `yaml:"family"`
}

// Camera is the camera that reads QR codes shown on phones.
type Camera struct {
	Driver string `yaml:"driver"` // v4l2, dir (simulation: images dropped in a directory) or none
	Device string `yaml:"device"` // v4l2: the video device, e.g. /dev/video0; dir: the directory
	Width  int    `yaml:"width"`  // v4l2 capture size; 0 means 1280
	Height int    `yaml:"height"` // 0 means 720
}

// Printer is the receipt printer.
type Printer struct {
	Serial     `yaml:",inline"`
	PaperWidth int    `yaml:"paper_width"` // 58 or 80 (mm)
	QRMode     string `yaml:"qr_mode"`     // native or raster
	ASB        bool   `yaml:"asb"`         // ask the printer to report status changes by itself (GS a)
}

// UI holds screen settings.
type UI struct {
	Orientation string        `yaml:"orientation"`  // portrait or landscape
	IdleTimeout time.Duration `yaml:"idle_timeout"` // on the item list and other browsing screens
	FormTimeout time.Duration `yaml:"form_timeout"` // while filling in a form
	DoneTimeout time.Duration `yaml:"done_timeout"` // on the result screen, before it clears
	ElderMode   bool          `yaml:"elder_mode"`   // start every visit in elder mode
	// Countdown is how long before a timeout the citizen is warned, with
	// 继续办理 in a dialog; ElderCountdown the same in elder mode.
	Countdown      time.Duration `yaml:"countdown"`
	ElderCountdown time.Duration `yaml:"elder_countdown"`
	// CardGrace is how long a citizen who lifts the card off the reader
	// mid-visit has to put it back before the visit ends and is wiped
	// (doubled in elder mode); 0s ends it at once.
	CardGrace time.Duration `yaml:"card_grace"`
}

// Technician holds technician mode's settings.
type Technician struct {
	// PINHash is an argon2id or bcrypt hash of the technician PIN; empty
	// disables technician mode (kioskctl technician hash makes one).
	PINHash string `yaml:"pin_hash"`
}

// Drivers each device accepts; the first is the default.
var (
	idcardDrivers  = []string{"sam", "none"}
	scannerDrivers = []string{"serial", "none"}
	printerDrivers = []string{"escpos", "none"}
	cameraDrivers  = []string{"none", "v4l2", "dir"}
)

// Bauds are the serial rates the devices support, fastest first.
var Bauds = []int{115200, 57600, 38400, 19200, 9600}

// Default returns the built-in defaults every profile starts from.
func Default() Profile {
	return Profile{
		KioskID: "SC-0001", HallName: "成都市武侯区政务服务中心", DivisionCode: "510107",
		DataDir:   "/var/lib/kiosk",
		Retention: Retention{AuditDays: 365, LogDays: 30},
		Devices: Devices{
			IDCard:  Serial{Driver: "sam", Baud: 115200},
			Scanner: Scanner{Serial: Serial{Driver: "serial", Baud: 9600}, Trigger: "continuous", Terminator: "cr"},
			Camera:  Camera{Driver: "none"},
			Printer: Printer{Serial: Serial{Driver: "escpos", Baud: 115200}, PaperWidth: 80, QRMode: "native"},
		},
		UI: UI{Orientation: "portrait", IdleTimeout: 90 * time.Second, FormTimeout: 180 * time.Second, DoneTimeout: 45 * time.Second,
			CardGrace: 10 * time.Second, Countdown: 15 * time.Second, ElderCountdown: 30 * time.Second},
		Fleet: Fleet{KeepAlive: 60 * time.Second, HealthEvery: 30 * time.Second, SelfTestAfter: 30 * time.Second, PingTimeout: 10 * time.Minute},
	}
}

// Enabled reports whether the device has a driver and a port.
func (s Serial) Enabled() bool { return s.Driver != "none" && s.Port != "" }

// String names the device's place for logs: "port @ baud".
func (s Serial) String() string {
	if !s.Enabled() {
		return "absent"
	}
	if s.Port == PortAuto {
		return fmt.Sprintf("auto (usb %s) @ %d", s.USB, s.Baud)
	}
	return fmt.Sprintf("%s @ %d", s.Port, s.Baud)
}
