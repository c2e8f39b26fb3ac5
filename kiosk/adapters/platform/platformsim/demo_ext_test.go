package platformsim_test

import (
	"testing"

	"sckiosk/devices/idcard"
	"sckiosk/kiosk/adapters/platform/platformsim"
	"sckiosk/kiosk/assembly/simrig"
)

// TestDemoLicenceHolders keeps the simulator's e-licences on the demo
// identities the kiosk's simulators present.
func TestDemoLicenceHolders(t *testing.T) {
	ls := platformsim.DemoLicences()
	for _, tt := range []struct {
		who, number string
		types       []string
	}{
		{"sample ID card", idcard.SampleCard().Number, []string{"居民户口簿", "结婚证", "不动产权证书", "营业执照"}},
		{"sample app identity", simrig.SampleAppIdentity().Number, []string{"居民户口簿", "结婚证", "出生医学证明"}},
	} {
		held := map[string]bool{}
		for _, l := range ls[tt.number] {
			held[l.Type] = true
		}
		for _, typ := range tt.types {
			if !held[typ] {
				t.Errorf("%s: no demo e-licence %s", tt.who, typ)
			}
		}
	}
}
