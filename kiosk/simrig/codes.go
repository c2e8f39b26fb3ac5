package simrig

import (
	"sckiosk/kiosk/identity"
	"sckiosk/kiosk/platform"
)

// SampleAppIdentity is the citizen behind the sample 天府通办 code:
// fictitious, with a number that passes the GB 11643 check.
func SampleAppIdentity() platform.Identity {
	first17 := "51010419850615" + "204"
	check, _ := identity.CheckDigit(first17) // constant, valid input
	return platform.Identity{IDType: "111", Number: first17 + string(check), Name: "李四", Kind: "app"}
}

// ShowCode presents a code to the scanner: "app" is a fresh 天府通办 code
// for SampleAppIdentity issued by the Sichuan platform simulator, "forged"
// the same with its signature broken; anything else is sent as it is.
func (r *Rig) ShowCode(kind string) error {
	code := kind
	switch kind {
	case "app":
		code = r.Platform[platform.Sichuan].IssueAppCode(SampleAppIdentity())
	case "forged":
		code = r.Platform[platform.Sichuan].IssueAppCode(SampleAppIdentity())
		last := byte('0')
		if code[len(code)-1] == '0' {
			last = '1'
		}
		code = code[:len(code)-1] + string(last)
	}
	return r.Scanner.Show(code)
}
