package accesstoken

import (
	"context"
	"sync"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"

	"stytch-desktop/app/signin"
	"stytch-desktop/app/stytcherr"
)

// SessionAuthenticator is the one stytch-go call a refresh needs;
// *b2b.SessionsClient (stytch-go's client.Sessions) implements it.
type SessionAuthenticator interface {
	Authenticate(ctx context.Context, body *sessions.AuthenticateParams) (*sessions.AuthenticateResponse, error)
}

// StytchRefresher refreshes one member session's JWT with stytch-go's
// Sessions.Authenticate, passing the opaque session token (which never
// leaves this struct) and extending the session by SessionMinutes (0: not
// extended). Errors are mapped by app/stytcherr, so session_not_found reads
// as signin.KindSessionExpired (definitive) and everything else as transient.
type StytchRefresher struct {
	sessions SessionAuthenticator
	minutes  int32

	mu    sync.Mutex
	token string
}

// NewStytchRefresher builds the refresher for the session with the given
// opaque token.
func NewStytchRefresher(s SessionAuthenticator, sessionToken string, sessionMinutes int) *StytchRefresher {
	return &StytchRefresher{sessions: s, token: sessionToken, minutes: int32(sessionMinutes)}
}

// Refresh implements Refresher.
func (r *StytchRefresher) Refresh(ctx context.Context) (Token, error) {
	const op = "authenticate session"
	r.mu.Lock()
	token := r.token
	r.mu.Unlock()
	ctx, box := stytcherr.WithRetryBox(ctx)
	resp, err := r.sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: token, SessionDurationMinutes: r.minutes})
	if err != nil {
		return Token{}, stytcherr.Map(op, err, box)
	}
	t, err := ParseJWT(resp.SessionJWT)
	if err != nil {
		return Token{}, signin.E(op, signin.KindUnknown, err)
	}
	// The member session is Stytch's own answer: prefer it to the claims.
	ms := resp.MemberSession
	if ms.MemberID != "" {
		t.MemberID, t.OrganizationID, t.Roles = ms.MemberID, ms.OrganizationID, ms.Roles
	}
	if ms.ExpiresAt != nil {
		t.SessionExpires = *ms.ExpiresAt
	}
	if resp.SessionToken != "" && resp.SessionToken != token {
		r.mu.Lock()
		r.token = resp.SessionToken
		r.mu.Unlock()
	}
	return t, nil
}
