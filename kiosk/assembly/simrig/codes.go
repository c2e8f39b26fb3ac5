package simrig

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/adapters/platform/platformsim"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/identity"
)

// SampleAppIdentity is the citizen behind the sample 天府通办 code:
// fictitious, with a number that passes the GB 11643 check.
func SampleAppIdentity() platform.Identity {
	first17 := "51010419850615" + "204"
	check, _ := identity.CheckDigit(first17) // constant, valid input
	return platform.Identity{IDType: "111", Number: first17 + string(check), Name: "李四", Kind: "app"}
}

// Sample code kinds ShowCode knows.
const (
	CodeApp      = "app"      // a fresh signed 天府通办 identity code of SampleAppIdentity
	CodeHealth   = "health"   // a fresh 天府健康通 code of the same person (green)
	CodeLicence  = "licence"  // a 亮证 code of the same person's 居民户口簿 e-licence
	CodeBusiness = "business" // the business-licence QR of a demo enterprise
	CodeForged   = "forged"   // an app code with its signature broken
)

// SampleCode issues a code of kind (one of the Code… constants) from the
// Sichuan platform simulator.
func (r *Rig) SampleCode(kind string) (string, error) {
	sim := r.Platform[application.Sichuan]
	who := SampleAppIdentity()
	switch kind {
	case CodeApp:
		return sim.IssueAppCode(who), nil
	case CodeHealth:
		return sim.IssueHealthCode(who, "green"), nil
	case CodeLicence:
		return sim.IssueLicenceCode(who, "居民户口簿")
	case CodeBusiness:
		return sim.IssueBusinessCode(platformsim.DemoBusinesses()[0].USCC)
	case CodeForged:
		return Forge(sim.IssueAppCode(who)), nil
	}
	return "", fmt.Errorf("simrig: no sample code of kind %q", kind)
}

// CameraDir is the directory the simulated camera watches.
func (r *Rig) CameraDir() string { return filepath.Join(r.Dir, "camera") }

// ShowToCamera holds a code in front of the simulated camera: a sample of
// a kind SampleCode knows, or else kind itself as the text, drawn as a QR
// image on a phone-like margin. The camera reads and removes it.
func (r *Rig) ShowToCamera(kind string) error {
	code, err := r.SampleCode(kind)
	if err != nil {
		code = kind
	}
	png, err := qrcode.Encode(code, qrcode.Medium, 480)
	if err != nil {
		return fmt.Errorf("simrig: camera code: %w", err)
	}
	name := fmt.Sprintf("%d", time.Now().UnixNano())
	tmp := filepath.Join(r.CameraDir(), name+".tmp")
	if err := os.WriteFile(tmp, png, 0o600); err != nil {
		return fmt.Errorf("simrig: camera code: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(r.CameraDir(), name+".png")); err != nil {
		return fmt.Errorf("simrig: camera code: %w", err)
	}
	return nil
}

// ShowCode presents a code to the scanner: a sample of a kind SampleCode
// knows, or else kind itself as the code's text.
func (r *Rig) ShowCode(kind string) error {
	code, err := r.SampleCode(kind)
	if err != nil {
		code = kind
	}
	return r.Scanner.Show(code)
}

// Forge breaks the signature of a signed code (text:…:signature) by
// changing a character in the middle of the signature: the last one may
// only hold base64 padding bits, which would leave the signature intact.
func Forge(code string) string {
	i := strings.LastIndexByte(code, ':') + 6
	if i >= len(code) {
		i = len(code) - 1
	}
	c := byte('A')
	if code[i] == 'A' {
		c = 'B'
	}
	return code[:i] + string(c) + code[i+1:]
}
