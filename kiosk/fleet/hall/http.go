package hall

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"time"

	"sckiosk/kiosk/fleet"
)

//go:embed dashboard.html
var dashboardHTML []byte

// Handler serves the dashboard and its API:
//
//	GET  /               the dashboard page
//	GET  /api/kiosks     every kiosk, counts by status and the rollouts
//	POST /api/command    {"kiosk": key, "action": self_test|log_tail|reload|restart}: waits for the reply
//	POST /api/push       {"targets": [keys], "all": bool, "profile": YAML, "canary": bool}
//
// It is meant for the hall's own network; put it behind the hall's
// reverse proxy and login for anything wider.
func (s *Server) Handler(ctx context.Context) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(dashboardHTML)
	})
	mux.HandleFunc("GET /api/kiosks", func(w http.ResponseWriter, _ *http.Request) {
		b, err := s.kioskJSON()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(b)
	})
	mux.HandleFunc("POST /api/command", func(w http.ResponseWriter, r *http.Request) {
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
		id, rep, err := s.Send(cctx, req.Kiosk, req.Action, "", true)
		switch {
		case errors.Is(err, ErrNoKiosk):
			jsonError(w, http.StatusNotFound, err.Error())
			return
		case err != nil:
			jsonError(w, http.StatusGatewayTimeout, err.Error())
			return
		}
		writeJSON(w, map[string]any{"id": id, "reply": rep})
	})
	mux.HandleFunc("POST /api/push", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Targets []string `json:"targets"`
			All     bool     `json:"all"`
			Profile string   `json:"profile"`
			Canary  bool     `json:"canary"`
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
		ro, err := s.Push(ctx, req.Targets, req.Profile, req.Canary)
		if err != nil {
			jsonError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, ro)
	})
	return mux
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
