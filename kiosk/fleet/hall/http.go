package hall

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"time"

	"sckiosk/devices/device"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/fleet"
	"sckiosk/kiosk/fleet/hall/operator"
	"sckiosk/kiosk/fleet/hallstate"
	"sckiosk/ui/text"
)

//go:embed dashboard.html
var dashboardHTML []byte

// wordsSlot is where the dashboard's script takes its words for states:
// an empty object until dashboardPage fills it in.
var wordsSlot = []byte("{/*words*/}")

// dashboardWords are the words the dashboard shows for states, taken from
// a language of ui/text so that the hall and the kiosk's screens say each
// state the same way.
type dashboardWords struct {
	Presence  map[Presence]string                  `json:"presence"`   // a kiosk's status
	Platform  map[application.PlatformState]string `json:"platform"`   // the platform as the kiosk's health reports it
	Stage     map[Stage]string                     `json:"stage"`      // a rollout's stage
	DevicesOK string                               `json:"devices_ok"` // no device out of order
	PaperLow  string                               `json:"paper_low"`  // the printer's paper runs low
	Role      map[hallstate.Role]string            `json:"role"`       // an operator's role
	Roles     []hallstate.Role                     `json:"roles"`      // the roles, least powerful first
}

// dashboardPage is the dashboard with lang's words for states filled in.
func dashboardPage(lang *text.Language) []byte {
	w := dashboardWords{
		Presence: map[Presence]string{}, Platform: map[application.PlatformState]string{}, Stage: map[Stage]string{},
		DevicesOK: lang.State(device.Online), PaperLow: lang.Cause(device.PaperNearEnd),
	}
	for _, p := range hallstate.Presences() {
		w.Presence[p] = lang.Presence(p)
	}
	// A health report carries these three; the page shows "—" for none.
	for _, p := range []application.PlatformState{application.PlatformOnline, application.PlatformDegraded, application.PlatformOffline} {
		w.Platform[p] = lang.Platform(p)
	}
	for _, st := range hallstate.Stages() {
		w.Stage[st] = lang.Stage(st)
	}
	w.Role, w.Roles = map[hallstate.Role]string{}, hallstate.Roles()
	for _, r := range hallstate.Roles() {
		w.Role[r] = lang.Role(r)
	}
	b, err := json.Marshal(w) // escapes <, > and &: safe inside <script>
	if err != nil {
		return dashboardHTML
	}
	return bytes.Replace(dashboardHTML, wordsSlot, b, 1)
}

// Handler serves the dashboard and its API:
//
//	GET  /               the dashboard page (its login form until an operator logs in)
//	POST /api/login      operator login (operator.Web.Mount: also /api/me, /api/logout, /api/password)
//	GET  /api/kiosks     every kiosk, counts by status and the rollouts            (查看 and up)
//	POST /api/command    {"kiosk": key, "action": self_test|log_tail|reload|restart}: waits for the reply (运维, 配置管理员)
//	POST /api/push       {"targets": [keys], "all": bool, "profile": YAML, "canary": bool,
//	                      "province_sig": {…} (optional: the file of kioskctl profile sign)} (配置管理员)
//
// Every API request needs a logged-in operator whose role allows it;
// every POST must be application/json from the dashboard's own origin
// with the session's CSRF token (operator.Web.Guard). Without
// Config.Operators every API request is refused. The threat model is in
// docs/fleet.md.
func (s *Server) Handler(ctx context.Context) http.Handler {
	mux := http.NewServeMux()
	page := dashboardPage(text.Chinese)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	})
	web := s.cfg.Operators
	if web == nil || web.Store == nil {
		mux.HandleFunc("/api/", func(w http.ResponseWriter, _ *http.Request) {
			jsonError(w, http.StatusServiceUnavailable, "no operator accounts configured: the API is closed")
		})
		return operator.Headers(mux)
	}
	web.Mount(mux)
	mux.Handle("GET /api/kiosks", web.Guard(hallstate.PermView, func(w http.ResponseWriter, _ *http.Request, _ operator.Session) {
		b, err := s.kioskJSON()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	}))
	mux.Handle("POST /api/command", web.Guard(hallstate.PermCommand, func(w http.ResponseWriter, r *http.Request, ses operator.Session) {
		var req struct{ Kiosk, Action string }
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10)).Decode(&req); err != nil {
			jsonError(w, http.StatusBadRequest, "malformed request")
			return
		}
		if req.Action == fleet.ActionProfile || !slices.Contains(fleet.Actions, req.Action) {
			jsonError(w, http.StatusBadRequest, "unknown action (profiles go through /api/push)")
			return
		}
		cctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
		defer cancel()
		id, rep, err := s.SendBy(cctx, ses.Operator.Name, req.Kiosk, req.Action, "", true)
		switch {
		case errors.Is(err, ErrNoKiosk):
			jsonError(w, http.StatusNotFound, err.Error())
			return
		case err != nil:
			jsonError(w, http.StatusGatewayTimeout, err.Error())
			return
		}
		writeJSON(w, map[string]any{"id": id, "reply": rep})
	}))
	mux.Handle("POST /api/push", web.Guard(hallstate.PermPush, func(w http.ResponseWriter, r *http.Request, ses operator.Session) {
		var req struct {
			Targets []string `json:"targets"`
			All     bool     `json:"all"`
			Profile string   `json:"profile"`
			Canary  bool     `json:"canary"`
			// ProvinceSig is the signature file of kioskctl profile
			// sign, for a layer that changes platform endpoints, keys
			// or the technician PIN.
			ProvinceSig *fleet.LayerSignature `json:"province_sig"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 256<<10)).Decode(&req); err != nil {
			jsonError(w, http.StatusBadRequest, "malformed request")
			return
		}
		if req.All { // every kiosk online now; the others are listed as skipped
			req.Targets = nil
			for _, v := range s.cfg.Registry.List() {
				req.Targets = append(req.Targets, v.Key())
			}
		}
		ro, err := s.PushSignedBy(ctx, ses.Operator.Name, req.Targets, req.Profile, req.ProvinceSig, req.Canary)
		if err != nil {
			jsonError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, ro)
	}))
	return operator.Headers(mux)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func jsonError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
