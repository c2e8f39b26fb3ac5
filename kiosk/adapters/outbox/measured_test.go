package outbox

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/adapters/platform/platformsim"
	"sckiosk/kiosk/core/application"
)

// TestPlatformStateIsMeasured: the platform state starts unknown, never
// online, and becomes what the health probes measured, with no
// application sent: the simulator up, down (503), answering 500, not
// running, and a host that does not resolve.
func TestPlatformStateIsMeasured(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, e *env) string // returns the platform's URL
		want    application.PlatformState
		wantErr string // in LastError
	}{
		{"up", func(t *testing.T, e *env) string { return e.simURL }, application.PlatformOnline, ""},
		{"down 503", func(t *testing.T, e *env) string { e.sim.SetDown(true); return e.simURL }, application.PlatformOffline, "503"},
		{"500", func(t *testing.T, e *env) string { e.sim.FailNext(1<<30, 500); return e.simURL }, application.PlatformOffline, "500"},
		{"not running", func(t *testing.T, e *env) string { e.srv.Close(); return e.simURL }, application.PlatformOffline, "refused"},
		{"unresolvable host", func(t *testing.T, e *env) string { return "http://kiosk-platform.invalid" }, application.PlatformOffline, "lookup kiosk-platform.invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, 5*time.Second)
			client, err := platform.NewClient(map[string]string{application.Sichuan: tt.setup(t, e)}, &http.Client{Timeout: 5 * time.Second}, e.log)
			if err != nil {
				t.Fatal(err)
			}
			e.client = client
			o := e.open("outbox.db", probing(application.Sichuan))
			seen := recordStates(o)
			if h := o.Health(); h.State != application.PlatformUnknown || h.Provinces[application.Sichuan] != application.PlatformUnknown {
				t.Fatalf("before any probe: %+v", h)
			}
			e.run(o)
			waitFor(t, string(tt.want), func() bool { return o.Health().State == tt.want })
			h := o.Health()
			if h.Provinces[application.Sichuan] != tt.want || !strings.Contains(h.LastError, tt.wantErr) {
				t.Errorf("health %+v", h)
			}
			if tt.want != application.PlatformOnline && slices.Contains(seen(), application.PlatformOnline) {
				t.Errorf("states seen %v: online was never measured", seen())
			}
			if n := e.sim.Received(); n != 0 {
				t.Errorf("probes sent %d applications", n)
			}
		})
	}
}

// TestPlatformStatePerProvince: each configured province is probed; one
// up and one unreachable is degraded overall, each shown as measured.
func TestPlatformStatePerProvince(t *testing.T) {
	e := newEnv(t, 5*time.Second)
	cq := platformsim.New(application.Chongqing, e.log)
	srv, err := cq.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	cq.SetDown(true)
	client, err := platform.NewClient(map[string]string{application.Sichuan: e.simURL, application.Chongqing: srv.URL()},
		&http.Client{Timeout: 5 * time.Second}, e.log)
	if err != nil {
		t.Fatal(err)
	}
	e.client = client
	o := e.open("outbox.db", probing(application.Sichuan, application.Chongqing))
	e.run(o)
	waitFor(t, "Chongqing offline", func() bool { return o.Health().Provinces[application.Chongqing] == application.PlatformOffline })
	h := o.Health()
	if h.State != application.PlatformDegraded || h.Provinces[application.Sichuan] != application.PlatformOnline {
		t.Fatalf("health %+v", h)
	}
	cq.SetDown(false)
	waitFor(t, "both online", func() bool { return o.Health().State == application.PlatformOnline })
}

// probing are fast options that probe provinces from the start and
// recheck quickly while one is not online.
func probing(provinces ...string) Options {
	opt := fast
	opt.Provinces = provinces
	opt.ProbeInterval = time.Hour // only the recheck brings a second probe
	opt.PollInterval = time.Hour  // nor does polling the queue
	opt.RecheckInterval = 10 * time.Millisecond
	opt.BreakerThreshold = 2
	opt.BreakerCooldown = 10 * time.Millisecond
	return opt
}

// recordStates collects the overall states o publishes, in order.
func recordStates(o *Outbox) (seen func() []application.PlatformState) {
	var (
		mu     sync.Mutex
		states []application.PlatformState
	)
	o.OnHealthChange(func(h Health) {
		mu.Lock()
		defer mu.Unlock()
		states = append(states, h.State)
	})
	return func() []application.PlatformState {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(states)
	}
}
