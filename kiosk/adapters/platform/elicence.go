package platform

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/qrpayload"
)

// ErrNoLicence is the answer to a licence query when the platform holds no
// licence of that type for the citizen: the citizen brings the paper.
var ErrNoLicence = errors.New("platform: no such e-licence")

// Codes of e-licence answers.
const (
	CodeNoConsent = 40003 // consent missing
	CodeNoLicence = 40401 // no licence of that type for the holder
)

// LicenceRootOID starts every e-licence identifier (GB/T 36904).
const LicenceRootOID = "1.2.156.3005.2"

// QueryLicence asks the Sichuan platform for the reference of a citizen's
// e-licence (POST {base}/api/v1/elicences/query). q.Consent must be true.
// When the platform holds no such licence the error wraps ErrNoLicence.
func (c *Client) QueryLicence(ctx context.Context, q application.LicenceQuery) (application.LicenceRef, error) {
	if !q.Consent {
		return application.LicenceRef{}, errors.New("platform: licence query: the citizen's consent is required")
	}
	body, err := json.Marshal(q)
	if err != nil {
		return application.LicenceRef{}, fmt.Errorf("platform: licence query: %w", err)
	}
	ans, err := c.roundTrip(ctx, request{op: "licence query", province: application.Sichuan, method: http.MethodPost,
		path: []string{"api", "v1", "elicences", "query"}, body: body})
	if err != nil {
		return application.LicenceRef{}, err
	}
	if ans.status == http.StatusNotFound && ans.env.Code == CodeNoLicence {
		return application.LicenceRef{}, fmt.Errorf("platform %s: licence query %s: %w", application.Sichuan, q.LicenceType, ErrNoLicence)
	}
	if err := ans.class(); err != nil {
		return application.LicenceRef{}, err
	}
	var ref application.LicenceRef
	if err := json.Unmarshal(ans.env.Data, &ref); err != nil || !validLicenceID(ref.ID) {
		return application.LicenceRef{}, fmt.Errorf("platform %s: licence query: %w: answer without a valid licence id", application.Sichuan, ErrUnavailable)
	}
	c.log.Debug("platform e-licence found", "type", ref.Type, "holder", identity.MaskNumber(q.IDNumber))
	return ref, nil
}

func validLicenceID(id string) bool {
	ok, _ := qrpayload.ValidELicenceID(id)
	return ok
}
