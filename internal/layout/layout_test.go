package layout

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// ioLinks are the packages that do I/O of their own. The pure ring links
// none of them, even through another package. (fmt brings os; that is
// fine: the pure ring may format, not open.)
var ioLinks = []string{
	"net", "net/http/...", "database/sql/...", "os/exec",
	"modernc.org/sqlite/...",
	"fyne.io/fyne/v2/...",
	"go.bug.st/serial/...", "github.com/creack/pty",
	"github.com/blackjack/webcam",
	"github.com/eclipse/paho.golang/...", "github.com/mochi-mqtt/server/v2/...",
}

// pure is the inner ring: the session core, the domain it works on, the
// device vocabulary it shares with the drivers, the hall's states, and the
// text the UI makes from its message keys and states.
var pure = []string{
	"sckiosk/kiosk/core/...",
	"sckiosk/devices/device",
	"sckiosk/kiosk/fleet/hallstate",
	"sckiosk/ui/text",
}

// simulators play a device or the platform. Only `kiosk --sim`,
// `kioskctl sim`, the platform simulator and tests run them.
var simulators = []string{
	"sckiosk/devices/idcard/idcardsim",
	"sckiosk/devices/scanner/scannersim",
	"sckiosk/devices/printer/printersim",
	"sckiosk/kiosk/adapters/platform/platformsim",
	"sckiosk/kiosk/assembly/simrig",
}

// rules are the layout. Each says what it refuses and why.
var rules = []Rule{
	{
		Why:      "the pure ring does no I/O of its own: it gets the outside world as events",
		For:      pure,
		NoImport: []string{"os", "syscall", "unsafe"},
		NoLink:   ioLinks,
	},
	{
		Why:    "only the UI draws; the core, the runtime, the adapters and the hall never link Fyne",
		For:    []string{"sckiosk/kiosk/...", "sckiosk/devices/...", "sckiosk/cmd/hallserver", "sckiosk/cmd/platformsim", "sckiosk/cmd/kioskctl"},
		NoLink: []string{"fyne.io/fyne/v2/..."},
	},
	{
		Why:    "fyne's app package needs cgo and a display: only cmd/kiosk starts the app, so UI tests run without either",
		For:    []string{"sckiosk/..."},
		Except: []string{"sckiosk/cmd/kiosk"},
		NoLink: []string{"fyne.io/fyne/v2/app"},
	},
	{
		Why:    "the kiosk is a fleet client: the hall's MQTT broker is not part of it",
		For:    []string{"sckiosk/cmd/kiosk", "sckiosk/kiosk/fleet/agent", "sckiosk/kiosk/assembly/..."},
		NoLink: []string{"github.com/mochi-mqtt/server/v2/...", "sckiosk/kiosk/fleet/hall/..."},
	},
	{
		Why:   "the hall server is the hall's side of the fleet: it holds no kiosk platform client, outbox, device driver or simulator",
		For:   []string{"sckiosk/cmd/hallserver", "sckiosk/kiosk/fleet/hall/..."},
		Allow: []string{"sckiosk/devices/device"}, // the vocabulary health reports are written in
		NoLink: append([]string{
			"sckiosk/kiosk/adapters/platform/...", "sckiosk/kiosk/adapters/outbox",
			"sckiosk/devices/...", "sckiosk/kiosk/assembly/...", "sckiosk/kiosk/runtime",
		}, simulators...),
	},
	{
		Why:      "the hall server keeps its own state (operators, sessions, its audit log) in one SQLite store, kiosk/fleet/hall/operator; no other hall package opens a database",
		For:      []string{"sckiosk/cmd/hallserver", "sckiosk/kiosk/fleet/hall/..."},
		Except:   []string{"sckiosk/kiosk/fleet/hall/operator"},
		NoImport: []string{"modernc.org/sqlite", "database/sql"},
	},
	{
		Why: "a driver or client cannot tell its simulator from the real thing, and production code does not carry one",
		For: []string{
			"sckiosk/devices/...", "sckiosk/kiosk/adapters/...", "sckiosk/kiosk/runtime",
			"sckiosk/kiosk/fleet/...", "sckiosk/cmd/hallserver",
		},
		Except: simulators,
		NoLink: simulators,
	},
	{
		Why:    "the OpenAPI contract check is for tests: no binary carries it",
		For:    []string{"sckiosk/cmd/..."},
		NoLink: []string{"github.com/getkin/kin-openapi/...", "sckiosk/internal/apicontract"},
	},
	{
		Why:    "the session core and its domain know no adapter: they get answers as events",
		For:    []string{"sckiosk/kiosk/core/...", "sckiosk/kiosk/runtime"},
		NoLink: []string{"sckiosk/kiosk/adapters/...", "sckiosk/kiosk/assembly/...", "sckiosk/kiosk/fleet/...", "sckiosk/ui/..."},
	},
}

// list runs `go list -json` over the whole module, with cgo on so the
// kiosk's GL driver counts as it does in the real binary.
func list(t *testing.T) []Package {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", "sckiosk/...")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1", "GOOS=linux")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	pkgs, err := DecodeList(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

func TestLayout(t *testing.T) {
	pkgs := list(t)
	for _, v := range Check(rules, pkgs) {
		t.Error(v)
	}
	for _, pat := range Unmatched(rules, pkgs) {
		t.Errorf("rule pattern %s matches no package: was it renamed? Update the rule, do not drop it", pat)
	}
	for _, sim := range simulators {
		if !strings.HasSuffix(sim, "sim") && !strings.HasSuffix(sim, "simrig") {
			t.Errorf("simulator %s: name simulators ...sim so a reader knows which file is real", sim)
		}
	}
	for _, p := range pkgs {
		if strings.HasSuffix(p.ImportPath, "sim") && !strings.HasPrefix(p.ImportPath, "sckiosk/cmd/") && !matchAny(simulators, p.ImportPath) {
			t.Errorf("%s looks like a simulator but is not in the simulators list, so no rule keeps it out of production code", p.ImportPath)
		}
	}
}

// TestCheckCatchesABreak is the test of the test: a forbidden import or
// link, made up here, must be reported.
func TestCheckCatchesABreak(t *testing.T) {
	clean := []Package{
		{ImportPath: "sckiosk/kiosk/core/session", Imports: []string{"fmt", "time"}, Deps: []string{"fmt", "os", "time"}},
		{ImportPath: "sckiosk/cmd/kiosk", Deps: []string{"fyne.io/fyne/v2/app", "github.com/eclipse/paho.golang/paho"}},
		{ImportPath: "sckiosk/devices/idcard", Deps: []string{"go.bug.st/serial"}},
		{ImportPath: "sckiosk/cmd/hallserver", Deps: []string{"github.com/mochi-mqtt/server/v2", "sckiosk/devices/device"}},
	}
	if v := Check(rules, clean); len(v) != 0 {
		t.Fatalf("clean layout reported: %v", v)
	}
	tests := []struct {
		name string
		pkg  Package
		want string
	}{
		{"core imports os", Package{ImportPath: "sckiosk/kiosk/core/session", Imports: []string{"os"}}, "imports os"},
		{"core links sqlite through a package", Package{ImportPath: "sckiosk/kiosk/core/session", Deps: []string{"sckiosk/kiosk/adapters/platform", "modernc.org/sqlite"}}, "links modernc.org/sqlite"},
		{"core links net/http", Package{ImportPath: "sckiosk/kiosk/core/catalog", Deps: []string{"net/http"}}, "links net/http"},
		{"device vocabulary links serial", Package{ImportPath: "sckiosk/devices/device", Deps: []string{"go.bug.st/serial/enumerator"}}, "links go.bug.st/serial/enumerator"},
		{"kiosk links the broker", Package{ImportPath: "sckiosk/cmd/kiosk", Deps: []string{"github.com/mochi-mqtt/server/v2/hooks/auth"}}, "links github.com/mochi-mqtt/server/v2/hooks/auth"},
		{"hall links the outbox", Package{ImportPath: "sckiosk/cmd/hallserver", Deps: []string{"sckiosk/kiosk/adapters/outbox"}}, "links sckiosk/kiosk/adapters/outbox"},
		{"hall links a driver", Package{ImportPath: "sckiosk/kiosk/fleet/hall", Deps: []string{"sckiosk/devices/device", "sckiosk/devices/printer"}}, "links sckiosk/devices/printer:"},
		{"driver links its simulator", Package{ImportPath: "sckiosk/devices/printer", Deps: []string{"sckiosk/devices/printer/printersim"}}, "links sckiosk/devices/printer/printersim"},
		{"runtime links an adapter", Package{ImportPath: "sckiosk/kiosk/runtime", Deps: []string{"sckiosk/kiosk/adapters/outbox"}}, "links sckiosk/kiosk/adapters/outbox"},
		{"ui links the app package", Package{ImportPath: "sckiosk/ui", Deps: []string{"fyne.io/fyne/v2/app"}}, "links fyne.io/fyne/v2/app"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := Check(rules, []Package{tc.pkg})
			if len(v) == 0 || !strings.Contains(strings.Join(v, "\n"), tc.want) {
				t.Fatalf("Check = %q, want a line with %q", v, tc.want)
			}
		})
	}
	if got := Unmatched([]Rule{{For: []string{"sckiosk/kiosk/gone"}}}, clean); len(got) != 1 {
		t.Fatalf("Unmatched = %v, want the renamed package", got)
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"net", "net", true},
		{"net", "net/http", false},
		{"net/http/...", "net/http", true},
		{"net/http/...", "net/http/httptest", true},
		{"net/http/...", "net/httpx", false},
		{"sckiosk/kiosk/core/...", "sckiosk/kiosk/coreutil", false},
	}
	for _, tc := range tests {
		if got := Match(tc.pattern, tc.path); got != tc.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tc.pattern, tc.path, got, tc.want)
		}
	}
}

func TestBuildArtefact(t *testing.T) {
	pe := make([]byte, 0x100)
	copy(pe, "MZ")
	pe[0x3c] = 0x80
	copy(pe[0x80:], "PE\x00\x00")
	tests := []struct {
		name string
		head []byte
		want string
	}{
		{"elf", []byte("\x7fELF\x02\x01\x01"), "ELF"},
		{"ar", []byte("!<arch>\ndebian-binary"), "ar archive"},
		{"go object", []byte("go object linux amd64 go1.26"), "Go object"},
		{"pe", pe, "PE"},
		{"mach-o", []byte{0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1}, "Mach-O"},
		{"text starting MZ", []byte("MZ is a text file, not a program, and it is long enough to have a header......"), ""},
		{"otf font", []byte("OTTO\x00\x0e"), ""},
		{"png", []byte("\x89PNG\r\n\x1a\n"), ""},
		{"go source", []byte("package layout\n"), ""},
		{"empty", nil, ""},
	}
	for _, tc := range tests {
		if got := BuildArtefact(tc.head); got != tc.want {
			t.Errorf("%s: BuildArtefact = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestNoBuildArtefacts refuses any tracked file that is a program or an
// object file: build outputs belong in bin/, which git ignores.
func TestNoBuildArtefacts(t *testing.T) {
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skipf("not a git checkout (%v): nothing tracked to check", err)
	}
	root := strings.TrimSpace(string(top))
	files, err := exec.Command("git", "-C", root, "ls-files", "-z").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	head := make([]byte, 4096)
	for _, name := range strings.Split(strings.TrimRight(string(files), "\x00"), "\x00") {
		f, err := os.Open(filepath.Join(root, name))
		if err != nil {
			continue // deleted in the work tree, or a submodule
		}
		n, _ := io.ReadFull(f, head)
		f.Close()
		if kind := BuildArtefact(head[:n]); kind != "" {
			t.Errorf("%s is a tracked %s file: build outputs go to bin/ (git rm --cached it)", name, kind)
		}
	}
}
