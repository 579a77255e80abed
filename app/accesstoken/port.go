package accesstoken

import (
	"context"

	"stytch-desktop/app/signin"
)

// SessionAuthenticatorPort is the sign-in core's own Stytch call for a
// session check (signin.Stytch's AuthenticateSession), which every mode
// implements — local, direct and through the company's broker.
type SessionAuthenticatorPort interface {
	AuthenticateSession(ctx context.Context, sessionToken string, sessionMinutes int) (signin.Authentication, error)
}

// PortRefresher refreshes through the sign-in core's port: what the core
// uses, so the refresh goes wherever its other calls go. Roles come from
// the fresh JWT's session claim (the port's answer has none). The port
// already maps Stytch's errors to signin kinds.
func PortRefresher(p SessionAuthenticatorPort, sessionToken string, sessionMinutes int) Refresher {
	return RefresherFunc(func(ctx context.Context) (Token, error) {
		const op = "refresh session token"
		a, err := p.AuthenticateSession(ctx, sessionToken, sessionMinutes)
		if err != nil {
			return Token{}, err
		}
		t, err := ParseJWT(a.SessionJWT)
		if err != nil {
			return Token{}, signin.E(op, signin.KindUnknown, err)
		}
		if !a.ExpiresAt.IsZero() {
			t.SessionExpires = a.ExpiresAt
		}
		return t, nil
	})
}
