package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"stytch-desktop/app/accesstoken"
	"stytch-desktop/app/agent"
	"stytch-desktop/app/signin"
)

// Keychain answers from the session the app stored in the keychain, for
// when the app is not running: the identity from the stored record, a JWT
// from Stytch (sessions.authenticate with the stored session token, through
// the Refresher built for it). It never writes the keychain: a session
// Stytch says is gone is left for the app, which clears it at its next
// start.
type Keychain struct {
	Secrets signin.Secrets
	// Refresher builds the refresher for the stored session token
	// (accesstoken.NewStytchRefresher over the configured Stytch client).
	Refresher func(sessionToken string) accesstoken.Refresher
}

// The keychain item the sign-in core writes (app/signin: key "session",
// JSON of its session record): the opaque token, the member and the
// organization. TestKeychainRecordFormat holds this to what the core reads.
const sessionKey = "session"

type storedSession struct {
	Token  string `json:"token"`
	Member struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	} `json:"member"`
	Organization struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"organization"`
	ExpiresAt time.Time `json:"expires_at"`
	SignedOut bool      `json:"signed_out"`
}

func (k Keychain) load(ctx context.Context) (storedSession, error) {
	var s storedSession
	b, err := k.Secrets.Get(ctx, sessionKey)
	switch {
	case errors.Is(err, signin.ErrSecretNotFound):
		return s, agent.ErrNotSignedIn
	case err != nil:
		return s, fmt.Errorf("%w: keychain: %w", agent.ErrUnavailable, err)
	}
	if json.Unmarshal(b, &s) != nil || s.Token == "" {
		return s, fmt.Errorf("%w: the stored session could not be read", agent.ErrUnavailable)
	}
	if s.SignedOut {
		return s, agent.ErrNotSignedIn // signed out; the app finishes the revoke
	}
	return s, nil
}

func (s storedSession) identity() agent.Identity {
	return agent.Identity{MemberID: s.Member.ID, Email: s.Member.Email, OrganizationID: s.Organization.ID, OrganizationName: s.Organization.Name}
}

// Status implements Sessions without a network call.
func (k Keychain) Status(ctx context.Context) (agent.Answer, error) {
	s, err := k.load(ctx)
	if err != nil {
		return agent.Answer{}, err
	}
	return agent.Answer{Identity: s.identity(), Source: "keychain"}, nil
}

// Token implements Sessions: one refresh with Stytch.
func (k Keychain) Token(ctx context.Context, org string) (agent.Answer, error) {
	s, err := k.load(ctx)
	if err != nil {
		return agent.Answer{}, err
	}
	if org != "" && org != s.Organization.ID {
		return agent.Answer{}, agent.ErrOtherOrganization
	}
	tok, err := k.Refresher(s.Token).Refresh(ctx)
	switch {
	case signin.KindOf(err) == signin.KindSessionExpired:
		return agent.Answer{}, fmt.Errorf("%w: %w", agent.ErrSessionEnded, err)
	case err != nil:
		return agent.Answer{}, fmt.Errorf("%w: %w", agent.ErrUnavailable, err)
	case tok.JWT == "":
		return agent.Answer{}, fmt.Errorf("%w: Stytch answered without a session JWT", agent.ErrUnavailable)
	}
	id := s.identity()
	id.Roles = tok.Roles
	return agent.Answer{Identity: id, JWT: tok.JWT, ExpiresAt: tok.ExpiresAt, Source: "keychain"}, nil
}
