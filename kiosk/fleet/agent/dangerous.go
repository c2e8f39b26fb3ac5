package agent

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"sckiosk/internal/sm2pem"
	"sckiosk/kiosk/adapters/profile"
	"sckiosk/kiosk/fleet"
)

// DangerousChanges lists the settings a pushed layer changes, compared
// with the kiosk's base profile (its layers without the fleet's), that
// decide where citizens' data goes or who opens technician mode: any
// field of a platform endpoint (platform.51.url, platform.50.key_file, …),
// the top-level demo_keys and technician.pin_hash. A hall's fleet key
// alone may not change them: such a layer needs a province signature.
func DangerousChanges(base, next profile.Profile) []string {
	var out []string
	codes := slices.Sorted(maps.Keys(base.Platform))
	for code := range next.Platform {
		if _, ok := base.Platform[code]; !ok {
			codes = append(codes, code)
		}
	}
	for _, code := range codes {
		b, n := reflect.ValueOf(base.Platform[code]), reflect.ValueOf(next.Platform[code])
		for i := range b.NumField() {
			if !reflect.DeepEqual(b.Field(i).Interface(), n.Field(i).Interface()) {
				name, _, _ := strings.Cut(b.Type().Field(i).Tag.Get("yaml"), ",")
				out = append(out, "platform."+code+"."+name)
			}
		}
	}
	if base.DemoKeys != next.DemoKeys {
		out = append(out, "demo_keys")
	}
	if base.Technician.PINHash != next.Technician.PINHash {
		out = append(out, "technician.pin_hash")
	}
	return out
}

// demoFallbacks lists the endpoints of next that would use a public demo
// key (no key_file or no platform_key_file) where base used its own keys.
func demoFallbacks(base, next profile.Profile) []string {
	var out []string
	for _, code := range slices.Sorted(maps.Keys(next.Platform)) {
		n, b := next.Platform[code], base.Platform[code]
		if (n.KeyFile == "" && b.KeyFile != "") || (n.PlatformKeyFile == "" && b.PlatformKeyFile != "") {
			out = append(out, "platform."+code)
		}
	}
	return out
}

// errDemoFallback refuses a layer that would make the kiosk fall back to
// the public demo keys: no signature makes that acceptable.
var errDemoFallback = errors.New("a pushed layer may not make an endpoint fall back to the public demo keys")

// checkDangerous decides whether the pushed layer of c may change what
// it changes: nil when it changes nothing dangerous, or carries a valid
// province signature for this kiosk by the base profile's province key.
func checkDangerous(base, next profile.Profile, c fleet.Command, now time.Time) (changes []string, err error) {
	if fb := demoFallbacks(base, next); len(fb) > 0 {
		return fb, fmt.Errorf("%w: %s", errDemoFallback, strings.Join(fb, ", "))
	}
	changes = DangerousChanges(base, next)
	if len(changes) == 0 {
		return nil, nil
	}
	if c.ProvinceSig == nil {
		return changes, fleet.ErrLayerUnsigned
	}
	if base.Fleet.ProvinceKey == "" {
		return changes, fleet.ErrLayerNoKey
	}
	pub, err := sm2pem.ReadPublicKey(base.Fleet.ProvinceKey, "province key")
	if err != nil {
		return changes, fmt.Errorf("%w: %v", fleet.ErrLayerNoKey, err)
	}
	return changes, c.ProvinceSig.Verify(pub, []byte(c.Profile), base.KioskID, now)
}
