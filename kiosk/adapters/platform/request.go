package platform

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"sckiosk/kiosk/core/application"
)

// CodeWrongApplicant is the envelope code of an application by a kind of
// applicant the item is not for: an enterprise (id_type 001) applying for
// a personal item, or a person for an enterprise's item (422).
const CodeWrongApplicant = 42204

// ValidRequestID reports whether id can be an application's request_id
// (the kiosk's idempotency key, a UUID): 1 to 64 letters, digits, '-' or
// '_', so it is safe in a URL path as it is.
func ValidRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// CaseByRequest asks the platform of province for the case an application
// made, by the application's request_id: what an offline receipt's QR code
// names, since its case number did not exist when it was printed.
// ErrNotFound means the application has not reached the platform (yet).
func (c *Client) CaseByRequest(ctx context.Context, province, requestID string) (CaseStatus, error) {
	if !ValidRequestID(requestID) {
		return CaseStatus{}, fmt.Errorf("platform: case by request: invalid request id")
	}
	ans, err := c.roundTrip(ctx, request{
		op:       "case by request",
		province: province,
		method:   http.MethodGet,
		path:     []string{"api", "v1", "requests", requestID},
	})
	if err != nil {
		return CaseStatus{}, err
	}
	if err := ans.class(); err != nil {
		return CaseStatus{}, err
	}
	var st CaseStatus
	if err := json.Unmarshal(ans.env.Data, &st); err != nil {
		return CaseStatus{}, fmt.Errorf("platform %s: case by request: %w: decode: %w", province, ErrUnavailable, err)
	}
	return st, nil
}

// RequestTrackURL is where an offline receipt's QR code points: the public
// track page of the platform of province (Sichuan's when the kiosk has no
// endpoint for it) for an application by its request_id. A phone reads
// the case there once the application has arrived; the kiosk recognises
// the URL (its host is a platform's) and asks CaseByRequest. "" when the
// client has no endpoint at all for it.
func (c *Client) RequestTrackURL(province, requestID string) string {
	base, ok := c.endpoints[province]
	if !ok {
		base, ok = c.endpoints[application.Sichuan]
	}
	if !ok || !ValidRequestID(requestID) {
		return ""
	}
	return base.JoinPath("track", "request", requestID).String()
}
