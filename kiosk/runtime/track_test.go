package runtime

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/session"
)

// silentQueue stores every application and never hears from the platform.
type silentQueue struct{ apps []application.Application }

func (q *silentQueue) Enqueue(_ context.Context, app application.Application) error {
	q.apps = append(q.apps, app)
	return nil
}

func (q *silentQueue) Wait(context.Context, string) (application.Receipt, error) {
	return application.Receipt{}, errors.New("no answer")
}

// An application the platform has not answered gets a receipt whose QR
// code is the platform's track page for its request_id, on the platform
// of the item's province: never a code that resolves nowhere.
func TestQueuedReceiptTracksByRequestID(t *testing.T) {
	tests := []struct {
		name     string
		trackURL func(province, id string) string
		want     func(id string) string
	}{
		{"platform track page", func(p, id string) string { return "https://zwfw." + p + ".example/track/request/" + id },
			func(id string) string { return "https://zwfw.50.example/track/request/" + id }},
		{"no track URL known: no QR code", nil, func(string) string { return "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &silentQueue{}
			r := New(session.State{}, Options{Queue: q, TrackURL: tt.trackURL, SubmitWait: 1, Log: slog.New(slog.DiscardHandler)})
			ev := r.submit(context.Background(), session.Submit{Application: application.Application{ItemCode: "x", Province: application.Chongqing}})
			sub, ok := ev.(session.Submitted)
			if !ok || !sub.Queued || len(q.apps) != 1 {
				t.Fatalf("event %#v, stored %d", ev, len(q.apps))
			}
			id := q.apps[0].RequestID
			if sub.TrackCode != tt.want(id) || sub.RequestID != id {
				t.Errorf("track code %q, want %q", sub.TrackCode, tt.want(id))
			}
			if strings.Contains(sub.TrackCode, "KIOSK:REQ") || sub.CaseNumber != LocalReference(id) {
				t.Errorf("queued: case %q code %q", sub.CaseNumber, sub.TrackCode)
			}
		})
	}
}
