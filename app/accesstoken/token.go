// Package accesstoken gives the desktop client's own code a fresh session
// JWT on demand: from memory while it has more than a minute left, else
// refreshed with Stytch (sessions.authenticate with the opaque session token,
// which also extends the session). Concurrent callers share one refresh.
// Stytch's definitive "this session is gone" ends the source (reported once
// through a callback, so the sign-in core can end the session on screen); a
// transient failure keeps everything and is reported as such.
//
// The opaque session token stays inside the Refresher; callers only ever see
// the short-lived JWT (five minutes), which is what an API may be shown.
package accesstoken

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Token is one session JWT and what the client may show about it. JWT is a
// bearer credential: String hides it.
type Token struct {
	JWT            string    `json:"-"`
	ExpiresAt      time.Time // the JWT's exp (five minutes after it was minted)
	SessionExpires time.Time // the session's own end, when known
	MemberID       string
	OrganizationID string
	Roles          []string // e.g. stytch_member, stytch_admin
}

// String keeps the JWT out of any accidental %v.
func (t Token) String() string {
	return fmt.Sprintf("token{member=%s organization=%s expires=%s}", t.MemberID, t.OrganizationID, t.ExpiresAt.Format(time.RFC3339))
}

// HasRole reports whether the session carries role (e.g. "stytch_admin").
func (t Token) HasRole(role string) bool {
	for _, r := range t.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// errNotJWT is what ParseJWT returns for anything that isn't a Stytch
// session JWT; it names no part of the input.
var errNotJWT = errors.New("not a session JWT")

// sessionClaims are the parts of Stytch's session JWT layout this client
// reads: the registered claims, the session claim's roles and expiry, and
// the organization claim.
type sessionClaims struct {
	Session struct {
		ExpiresAt string   `json:"expires_at"`
		Roles     []string `json:"roles"`
	} `json:"https://stytch.com/session"`
	Organization struct {
		OrganizationID string `json:"organization_id"`
	} `json:"https://stytch.com/organization"`
	jwt.RegisteredClaims
}

// ParseJWT reads a session JWT's claims WITHOUT checking its signature.
// The client uses it only to decide when to refresh a JWT that Stytch just
// handed it over TLS (or that the sign-in core stored); an API must verify
// signatures (see app/exampleapi). It fails on anything without an exp.
func ParseJWT(s string) (Token, error) {
	var c sessionClaims
	if _, _, err := jwt.NewParser().ParseUnverified(s, &c); err != nil {
		return Token{}, errNotJWT
	}
	if c.ExpiresAt == nil {
		return Token{}, errNotJWT
	}
	t := Token{JWT: s, ExpiresAt: c.ExpiresAt.Time, MemberID: c.Subject,
		OrganizationID: c.Organization.OrganizationID, Roles: c.Session.Roles}
	if e, err := time.Parse(time.RFC3339, c.Session.ExpiresAt); err == nil {
		t.SessionExpires = e
	}
	return t, nil
}
