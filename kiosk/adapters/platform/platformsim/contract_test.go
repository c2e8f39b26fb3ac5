package platformsim

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"sckiosk/internal/apicontract"
)

// TestMain checks every exchange of this package's tests against
// docs/platform-api.yaml: an answer the document does not allow, or a
// request the simulator accepted that the document does not allow, fails
// the run, and so does (when every test ran) an operation of the document
// no test used.
func TestMain(m *testing.M) {
	flag.Parse()
	c, err := apicontract.LoadFromModule()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	stop := ObserveExchanges(func(x Exchange) { c.Observe(apicontract.Exchange(x)) })
	code := m.Run()
	stop()
	all := flag.Lookup("test.run").Value.String() == "" && flag.Lookup("test.skip").Value.String() == ""
	if !c.Report(os.Stderr, all && code == 0 && !testing.Short()) {
		code = 1
	}
	os.Exit(code)
}
