package profile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, yaml, wantErr string
	}{
		{"empty takes defaults", "", ""},
		{"comments only", "# nothing\n", ""},
		{"override", "kiosk_id: CD-07\ndivision_code: '500103'\ndevices:\n  printer:\n    port: /dev/kiosk/printer\n    paper_width: 58\n", ""},
		{"unquoted division code", "division_code: 510107\n", ""},
		{"null port means absent", "devices:\n  printer:\n    port:\n    driver: none\n", ""},
		{"unknown key", "kiosk_idd: x\n", `unknown key:1:1: unknown key "kiosk_idd" (did you mean kiosk_id?)`},
		{"bad division", "division_code: '110101'\n", "bad division:1:16: division_code: 110101 is not in Sichuan"},
		{"bad paper", "devices:\n  printer:\n    port: /dev/p\n    paper_width: 60\n", "bad paper:4:18: devices.printer.paper_width: 60 is not 58 or 80"},
		{"wrong type", "devices:\n  idcard:\n    port: /dev/r\n    baud: fast\n", `wrong type:4:11: devices.idcard.baud: "fast" is not a whole number`},
	}
	for _, tt := range tests {
		_, err := Parse(tt.name, []byte(tt.yaml))
		if tt.wantErr == "" && err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

// TestFixtures checks every problem of each broken fixture, with its
// position and wording: technicians' documents quote these messages.
func TestFixtures(t *testing.T) {
	tests := []struct {
		files []string
		want  []string // "line:column: message" in order; empty means valid
	}{
		{[]string{"good_hall.yaml"}, nil},
		{[]string{"good_chongqing.yaml"}, nil},
		{[]string{"good_hall.yaml", "good_kiosk.yaml"}, nil},
		{[]string{"broken_keys.yaml"}, []string{
			`1:1: unknown key "kiosk_idd" (did you mean kiosk_id?)`,
			`6:5: unknown key "devices.printer.papr_width" (did you mean paper_width?)`,
			`7:3: unknown key "devices.toaster" (keys in devices: camera, idcard, printer, scanner)`,
		}},
		{[]string{"broken_types.yaml"}, []string{
			`2:19: allow_expired_id: "sometimes" is not true or false`,
			`4:11: devices.idcard should be a section of keys, not the value "/dev/ttyUSB0"`,
			`7:11: devices.scanner.baud: "fast" is not a whole number`,
			`9:17: ui.idle_timeout: "90" is not a length of time such as 90s or 3m`,
			`10:15: ui.elder_mode should be a single value, not a list`,
		}},
		{[]string{"broken_division.yaml"}, []string{`1:16: division_code: 110101 is not in Sichuan (51xxxx) or Chongqing (50xxxx)`}},
		{[]string{"broken_division_county.yaml"}, []string{`1:16: division_code: 510199 is not a county-level division of 成都市 (510100) in GB/T 2260`}},
		{[]string{"broken_division_format.yaml"}, []string{`1:16: division_code: "5101" should be six digits (GB/T 2260), such as 510107`}},
		{[]string{"broken_ports.yaml"}, []string{
			`4:11: devices.idcard.baud: 4800 is not a supported rate (use 115200, 57600, 38400, 19200 or 9600)`,
			`5:3: devices.scanner.port is missing: give the device path, port: auto with usb: VID:PID, or driver: none`,
			`8:11: devices.printer.port: /dev/ttyUSB0 is already the port of devices.idcard: two devices cannot share a port`,
			`9:3: devices.camera.device is missing: give the video device, such as /dev/video0`,
		}},
		{[]string{"broken_auto.yaml"}, []string{
			`3:11: devices.idcard.port is auto but has no usb: VID:PID to know which USB device to pick (kioskctl probe prints it)`,
			`6:10: devices.printer.usb: "1a86-7523" is not a USB VID:PID such as 1a86:7523`,
		}},
		{[]string{"broken_keyfile.yaml"}, []string{
			`2:3: platform.51: no platform_key_file for zwfw.sc.example: the kiosk would use the public demo keys; give the keys this platform issued, or demo_keys: true for a test platform`,
			`3:10: platform.51.url: "zwfw.sc.example" is not a web address such as https://host/path`,
			`4:15: platform.51.key_file: cannot read key file testdata/keys/missing.pem: no such file`,
			`5:3: platform.50: no key_file for http://zwfw.cq.example/gateway: the kiosk would use the public demo keys; give the keys this platform issued, or demo_keys: true for a test platform`,
			`6:24: platform.50.platform_key_file: key file testdata/keys is a directory`,
			`8:14: platform.50.ca_file: pins a CA, but url "http://zwfw.cq.example/gateway" is not https`,
			`9:19: platform.50.code_key_dir: cannot read directory testdata/keys/missing: no such file`,
		}},
		{[]string{"broken_values.yaml"}, []string{
			`1:11: kiosk_id: "SC 01" is not a terminal id: use up to 32 letters, digits, - or _`,
			`2:12: hall_name is empty: give the hall's name as printed on receipts`,
			`4:15: retention.audit_days: 0 days: keep the audit log at least 1 day`,
			`8:14: devices.scanner.trigger: "manual" is not a trigger mode (use continuous, sense or command)`,
			`9:17: devices.scanner.terminator: "etx" is not a terminator (use cr, lf, crlf, tab or none)`,
			`12:13: devices.printer.driver: "star" is not a driver for this device (use escpos or none)`,
			`13:14: devices.printer.qr_mode: "bitmap" is not native or raster`,
			`15:16: ui.orientation: "sideways" is not portrait or landscape`,
			`16:17: ui.form_timeout must not be negative (0 means never), not -1s`,
			`18:13: technician.pin_hash is not an argon2id or bcrypt hash: never write the PIN itself here (kioskctl profile pin makes a hash)`,
		}},
		{[]string{"broken_duplicate.yaml"}, []string{
			`4:3: ui.orientation appears twice in this section (first on line 3)`,
			`5:1: kiosk_id appears twice in this section (first on line 1)`,
		}},
		{[]string{"broken_syntax.yaml"}, []string{`4:1: not valid YAML: did not find expected ',' or ']'`}},
		{[]string{"broken_root.yaml"}, []string{`1:1: a profile should be a list of keys such as kiosk_id: SC-0001, not a list`}},
		// A good override does not hide the hall profile's problems, and
		// each problem names its own file.
		{[]string{"broken_division.yaml", "good_kiosk.yaml"}, []string{`1:16: division_code: 110101 is not in Sichuan (51xxxx) or Chongqing (50xxxx)`}},
	}
	for _, tt := range tests {
		var paths []string
		for _, f := range tt.files {
			paths = append(paths, filepath.Join("testdata", f))
		}
		_, err := LoadLayers(paths...)
		var got []string
		if err != nil {
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("%v: error %T is not Errors: %v", tt.files, err, err)
			}
			for _, e := range es {
				got = append(got, strings.TrimPrefix(e.Error(), e.File+":"))
				if e.File != paths[0] {
					t.Errorf("%v: problem in %s, want %s", tt.files, e.File, paths[0])
				}
			}
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%v:\ngot:\n%s\nwant:\n%s", tt.files, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
	}
}

func TestLayers(t *testing.T) {
	p, err := LoadLayers("testdata/good_hall.yaml", "testdata/good_kiosk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"kiosk overrides kiosk_id", p.KioskID, "SC-510107-002"},
		{"hall keeps hall_name", p.HallName, "成都市武侯区政务服务中心"},
		{"kiosk overrides only the port", p.Devices.IDCard, Serial{Driver: "sam", Port: "/dev/ttyUSB3", USB: "0400:c35a", Baud: 115200}},
		{"kiosk overrides elder mode", p.UI.ElderMode, false},
		{"hall idle timeout", p.UI.IdleTimeout, 2 * time.Minute},
		{"hall printer", p.Devices.Printer.PaperWidth, 58},
		{"default survives both", p.Devices.Scanner.Driver, "serial"},
		{"key path relative to its file", p.Platform["51"].KeyFile, filepath.Join("testdata", "keys", "sichuan.pem")},
		{"alias sichuan is 51", p.Platform["51"].AppID, "SC-KIOSK-12"},
		{"code 50", p.Platform["50"].AppID, "CQ-KIOSK-77"},
		{"two endpoints", len(p.Platform), 2},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestShowRoundTrips(t *testing.T) {
	p, err := LoadLayers("testdata/good_hall.yaml", "testdata/good_kiosk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.YAML()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"idle_timeout: 2m0s", "division_code: \"510107\"", "baud: 115200", "port: /dev/ttyUSB3"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	back, err := Parse("shown", out)
	if err != nil {
		t.Fatalf("shown profile does not load: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(back, p) {
		t.Fatalf("round trip:\n%+v\n%+v", back, p)
	}
	if d := p.Digest(); len(d) != 64 || d != back.Digest() || d == Default().Digest() {
		t.Fatalf("digest %q", d)
	}
}

func TestDivisionTable(t *testing.T) {
	tests := []struct {
		code, name string
		ok         bool
	}{
		{"510107", "武侯区", true},
		{"513402", "会理市", true},
		{"513425", "", false}, // 会理县, abolished
		{"500243", "彭水苗族土家族自治县", true},
		{"500000", "重庆市", true},
		{"511600", "广安市", true},
		{"110101", "", false},
	}
	for _, tt := range tests {
		name, ok := DivisionName(tt.code)
		if name != tt.name || ok != tt.ok {
			t.Errorf("%s: %q %v", tt.code, name, ok)
		}
	}
	var sc, cq int
	for code := range divisions {
		if !strings.HasSuffix(code, "00") {
			if code[:2] == "51" {
				sc++
			} else {
				cq++
			}
		}
	}
	if sc != 183 || cq != 38 {
		t.Errorf("%d Sichuan and %d Chongqing counties, want 183 and 38", sc, cq)
	}
}

func TestLoadMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.yaml")
	_, err := Load(path)
	if !errors.Is(err, fs.ErrNotExist) || err.Error() != path+": cannot read the profile: no such file" {
		t.Fatalf("err = %v", err)
	}
}

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
	p := Default()
	p.Devices.Printer.Baud = 1200
	p.DivisionCode = "x"
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "devices.printer.baud: 1200") || !strings.Contains(err.Error(), "division_code") {
		t.Fatalf("Validate = %v", err)
	}
}

func TestExampleProfileIsValid(t *testing.T) {
	if _, err := Load("../../../packaging/kiosk.yaml"); err != nil {
		t.Fatal(err)
	}
}

func TestUnreadableLayerStillChecksOthers(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("division_code: '110101'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadLayers(filepath.Join(dir, "none.yaml"), bad)
	var es Errors
	if !errors.As(err, &es) || len(es) != 2 {
		t.Fatalf("err = %v", err)
	}
}

// TestPlatformEndpoints checks the platform section: keyed by province
// code or alias, each endpoint with its own app id, and no endpoint off
// loopback without keys unless demo_keys says so.
func TestPlatformEndpoints(t *testing.T) {
	keys := "    key_file: testdata/keys/sichuan.pem\n    platform_key_file: testdata/keys/platform-sc.pem\n"
	tests := []struct {
		name, yaml, wantErr string
	}{
		{"code and alias", "platform:\n  sichuan:\n    url: http://127.0.0.1:8451\n  \"50\":\n    url: http://[::1]:8450\n", ""},
		{"localhost", "platform:\n  \"51\":\n    url: http://localhost:8451/gw\n", ""},
		{"keys off loopback", "platform:\n  \"51\":\n    url: https://gw.sc.example\n" + keys, ""},
		{"demo keys per endpoint", "platform:\n  \"51\":\n    url: https://test.sc.example\n    demo_keys: true\n", ""},
		{"demo keys top level", "demo_keys: true\nplatform:\n  \"51\":\n    url: https://test.sc.example\n", ""},
		{"no keys off loopback", "platform:\n  \"51\":\n    url: https://gw.sc.example\n", "platform.51: no key_file or platform_key_file for https://gw.sc.example"},
		{"no platform key off loopback", "platform:\n  \"51\":\n    url: https://gw.sc.example\n    key_file: testdata/keys/sichuan.pem\n", "platform.51: no platform_key_file for"},
		{"127.x but not loopback name", "platform:\n  \"51\":\n    url: http://127.0.0.1.example.com\n", "platform.51: no key_file or platform_key_file"},
		{"demo keys elsewhere do not count", "platform:\n  \"50\":\n    url: https://t.cq.example\n    demo_keys: true\n  \"51\":\n    url: https://gw.sc.example\n", "platform.51: no key_file or platform_key_file"},
		{"unknown province", "platform:\n  beijing:\n    url: http://127.0.0.1:1\n", `"beijing" is not a GB/T 2260 province code`},
		{"not a province code", "platform:\n  \"5101\":\n    url: http://127.0.0.1:1\n", `"5101" is not a GB/T 2260 province code`},
		{"alias and code twice", "platform:\n  sichuan:\n    url: http://127.0.0.1:1\n  \"51\":\n    url: http://127.0.0.1:2\n", "platform.51 appears twice in this section (first on line 2 as sichuan)"},
		{"bad app id", "platform:\n  \"51\":\n    url: http://127.0.0.1:1\n    app_id: a b\n", `platform.51.app_id: "a b" is not an app id`},
		{"unknown endpoint key", "platform:\n  \"51\":\n    appid: x\n", `unknown key "platform.51.appid" (did you mean app_id?)`},
	}
	for _, tt := range tests {
		_, err := Parse(tt.name, []byte(tt.yaml))
		if tt.wantErr == "" && err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

// TestPlatformLayers: a later layer overrides only the endpoint keys it
// names, whichever name (code or alias) each layer uses.
func TestPlatformLayers(t *testing.T) {
	p, err := ParseLayers(
		Source{Name: "hall.yaml", Data: []byte("platform:\n  sichuan:\n    url: http://127.0.0.1:8451\n    app_id: HALL\n")},
		Source{Name: "kiosk.yaml", Data: []byte("platform:\n  \"51\":\n    app_id: KIOSK-2\n")},
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Platform["51"]; got.URL != "http://127.0.0.1:8451" || got.AppID != "KIOSK-2" || len(p.Platform) != 1 {
		t.Fatalf("platform = %+v", p.Platform)
	}
	if d := Default(); d.Platform != nil {
		t.Fatal("defaults share a platform map")
	}
}
