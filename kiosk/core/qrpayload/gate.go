package qrpayload

import (
	"context"
	"errors"
	"fmt"

	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/msg"
)

// RefusedError is a code refused offline; Message is what the citizen is
// told. It satisfies the runtime's interface{ Message() msg.Text } lookup.
type RefusedError struct {
	Kind Kind
	Err  error
	note msg.Text
}

// Error describes the refusal in English, without the code.
func (e *RefusedError) Error() string { return fmt.Sprintf("qr code (%s) refused: %v", e.Kind, e.Err) }

// Unwrap returns the reason (an Err… value).
func (e *RefusedError) Unwrap() error { return e.Err }

// Message is what the citizen is told.
func (e *RefusedError) Message() msg.Text { return e.note }

// ErrWrongKind marks a valid code that is not an identity code, shown where
// the kiosk asks for identification.
var ErrWrongKind = errors.New("qrpayload: not an identity code")

// IdentityVerifier resolves identifying codes online (the platform client
// through the kiosk's existing verifier).
type IdentityVerifier interface {
	Verify(ctx context.Context, code string) (identity.Person, error)
}

// Gate is a runtime Verifier that checks a code offline first and only
// then asks Online to resolve app codes (identity and health), e-licence
// 亮证 codes and business-licence codes to the person or enterprise: forged, expired, unknown-key and foreign codes never
// reach the network, and other kinds get their own notice.
type Gate struct {
	Checker *Checker
	Online  IdentityVerifier
}

// Verify checks code and resolves an app code online.
func (g Gate) Verify(ctx context.Context, code string) (identity.Person, error) {
	p := g.Checker.Check(code)
	if !p.Valid {
		return identity.Person{}, &RefusedError{Kind: p.Kind, Err: p.Err, note: p.Reason()}
	}
	switch p.Kind {
	case KindApp, KindELicence, KindBusiness:
		if g.Online == nil {
			return identity.Person{}, &RefusedError{Kind: p.Kind, Err: ErrWrongKind, note: msg.New(msg.CodeUnsupported)}
		}
		per, err := g.Online.Verify(ctx, code)
		if err != nil {
			return identity.Person{}, fmt.Errorf("qrpayload: confirm %s code online: %w", p.Kind, err)
		}
		return per, nil
	case KindReceipt:
		return identity.Person{}, &RefusedError{Kind: p.Kind, Err: ErrWrongKind, note: msg.New(msg.QRReceiptHere)}
	default:
		return identity.Person{}, &RefusedError{Kind: p.Kind, Err: ErrWrongKind, note: msg.New(msg.QRShowIdentity)}
	}
}
