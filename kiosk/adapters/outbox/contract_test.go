package outbox

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"sckiosk/internal/apicontract"
	"sckiosk/kiosk/adapters/platform/platformsim"
)

// TestMain checks every exchange with a platform simulator in this
// package's tests against docs/platform-api.yaml: the kiosk's requests
// that the simulator accepted, and every answer.
func TestMain(m *testing.M) {
	flag.Parse()
	c, err := apicontract.LoadFromModule()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	stop := platformsim.ObserveExchanges(func(x platformsim.Exchange) { c.Observe(apicontract.Exchange(x)) })
	code := m.Run()
	stop()
	if !c.Report(os.Stderr, false) {
		code = 1
	}
	os.Exit(code)
}
