// Package exampleapi is a reference protected API for a company's own
// service: it accepts the desktop app's "Authorization: Bearer <session
// JWT>", checks the JWT with stytch-go (locally against the project's
// signing keys while it is younger than MaxTokenAge, else with Stytch), and
// serves the signed-in member's identity (GET /api/me) and an
// administrator-only listing of the organization's members
// (GET /api/admin/members). cmd/example-api runs it; copy both.
//
// Every refusal is JSON {"error_type", "error_message"}: 401 for missing,
// malformed, expired, forged or revoked credentials; 403 when the member's
// roles don't grant the action; 503 when Stytch can't be asked.
package exampleapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"
)

// Verifier is the part of stytch-go's B2B sessions client the middleware
// uses (*b2b.SessionsClient implements it).
type Verifier interface {
	AuthenticateJWTLocal(ctx context.Context, token string, maxTokenAge time.Duration, authz *sessions.AuthorizationCheck) (*sessions.MemberSession, error)
	Authenticate(ctx context.Context, body *sessions.AuthenticateParams) (*sessions.AuthenticateResponse, error)
}

// Principal is the member a request was authenticated as.
type Principal struct {
	MemberID         string   `json:"member_id"`
	EmailAddress     string   `json:"email_address"`
	OrganizationID   string   `json:"organization_id"`
	OrganizationName string   `json:"organization_name"`
	Roles            []string `json:"roles"`
	SessionID        string   `json:"member_session_id"`
	// CheckedWith says how this request was authenticated: "jwks" (locally)
	// or "stytch" (remotely). Useful when trying max-token-age out.
	CheckedWith string `json:"checked_with"`
}

// Config configures the API.
type Config struct {
	Sessions Verifier
	// MaxTokenAge: a JWT younger than this is checked locally against the
	// project's signing keys; older (or 0: every request) is checked with
	// Stytch. A revoked session is refused at the latest this long after
	// its last JWT was minted.
	MaxTokenAge time.Duration
	Authorizer  Authorizer   // default RoleAuthorizer(DefaultRolePermissions)
	Members     MemberLister // required for /api/admin/members
	Logger      *slog.Logger
	Now         func() time.Time // default time.Now (the JWT's exp check)
}

// API is the http.Handler.
type API struct {
	cfg      Config
	mux      *http.ServeMux
	profiles profileCache
}

// New builds the API.
func New(cfg Config) (*API, error) {
	if cfg.Sessions == nil {
		return nil, errors.New("example API: no Stytch sessions client")
	}
	if cfg.MaxTokenAge < 0 {
		return nil, errors.New("example API: max token age must not be negative")
	}
	if cfg.Authorizer == nil {
		cfg.Authorizer = RoleAuthorizer(DefaultRolePermissions)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &API{cfg: cfg, mux: http.NewServeMux(), profiles: profileCache{m: map[string]profile{}}}
	a.mux.Handle("GET /api/me", a.authenticated(a.me))
	a.mux.Handle("GET /api/admin/members", a.authenticated(a.requires(PermListMembers, a.listMembers)))
	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "No such route.")
	})
	return a, nil
}

// ServeHTTP implements http.Handler.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	a.mux.ServeHTTP(w, r)
}

type principalKey struct{}

// PrincipalFrom returns the member an authenticated handler serves.
func PrincipalFrom(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*Principal)
	return p, ok
}

// authenticated is the middleware: no principal, no handler.
func (a *API) authenticated(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, e := a.authenticate(r)
		if e != nil {
			if e.status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
			}
			a.cfg.Logger.Info("request refused", "path", r.URL.Path, "status", e.status, "error_type", e.typ)
			writeError(w, e.status, e.typ, e.msg)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

type apiError struct {
	status   int
	typ, msg string
}

func unauthorized(typ, msg string) *apiError {
	return &apiError{status: http.StatusUnauthorized, typ: typ, msg: msg}
}

var errUnavailable = &apiError{status: http.StatusServiceUnavailable, typ: "stytch_unavailable",
	msg: "The session could not be checked right now. Try again."}

// bearer returns the credentials of an "Authorization: Bearer …" header.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return ""
	}
	return strings.TrimSpace(h[7:])
}

func (a *API) authenticate(r *http.Request) (*Principal, *apiError) {
	ctx := r.Context()
	token := bearer(r)
	if token == "" {
		return nil, unauthorized("unauthorized", "Send the member's session JWT as Authorization: Bearer <JWT>.")
	}
	// Cheap refusals before any key lookup or Stytch call: not a JWT, or
	// past its exp. Stytch's sessions.authenticate accepts an expired JWT
	// of a live session (and mints a new one); an API must not.
	var rc jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &rc); err != nil || rc.ExpiresAt == nil {
		return nil, unauthorized("invalid_session_jwt", "The bearer credentials are not a session JWT.")
	}
	if !a.cfg.Now().Before(rc.ExpiresAt.Time) {
		return nil, unauthorized("session_jwt_expired", "The session JWT has expired; get a fresh one.")
	}
	if a.cfg.MaxTokenAge > 0 {
		ms, err := a.cfg.Sessions.AuthenticateJWTLocal(ctx, token, a.cfg.MaxTokenAge, nil)
		switch {
		case err == nil && ms != nil:
			if prof, ok := a.profiles.get(ms.MemberSessionID, a.cfg.Now()); ok {
				return &Principal{MemberID: ms.MemberID, OrganizationID: ms.OrganizationID, Roles: nonNil(ms.Roles),
					SessionID: ms.MemberSessionID, EmailAddress: prof.email, OrganizationName: prof.orgName, CheckedWith: "jwks"}, nil
			}
			// Valid, but this session's profile (email, organization name:
			// not in the JWT) is not known here yet: ask Stytch once.
		case errors.Is(err, sessions.ErrJWTTooOld), errors.Is(err, stytcherror.ErrJWKSNotInitialized):
			// Too old to trust without Stytch, or no keys yet: ask Stytch.
		default:
			// Bad signature, unknown key (after a refresh of the keys),
			// wrong audience or issuer: never sent to Stytch.
			return nil, unauthorized("invalid_session_jwt", "The session JWT is not valid for this project.")
		}
	}
	resp, err := a.cfg.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionJWT: token})
	if err != nil {
		var se stytcherror.Error
		if errors.As(err, &se) && se.StatusCode >= 400 && se.StatusCode < 500 && se.StatusCode != http.StatusTooManyRequests {
			typ := string(se.ErrorType)
			if typ == "" {
				typ = "unauthorized"
			}
			return nil, unauthorized(typ, "The session is not valid: sign in again.")
		}
		a.cfg.Logger.Warn("session check with Stytch failed", "error", err.Error())
		return nil, errUnavailable
	}
	ms := resp.MemberSession
	p := &Principal{MemberID: ms.MemberID, OrganizationID: ms.OrganizationID, Roles: nonNil(ms.Roles), SessionID: ms.MemberSessionID,
		EmailAddress: resp.Member.EmailAddress, OrganizationName: resp.Organization.OrganizationName, CheckedWith: "stytch"}
	if a.cfg.MaxTokenAge > 0 {
		a.profiles.put(ms.MemberSessionID, profile{email: p.EmailAddress, orgName: p.OrganizationName,
			until: a.cfg.Now().Add(a.cfg.MaxTokenAge)}, a.cfg.Now())
	}
	return p, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (a *API) me(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	writeJSON(w, http.StatusOK, p)
}

// writeError writes Stytch-shaped error JSON.
func writeError(w http.ResponseWriter, status int, typ, msg string) {
	writeJSON(w, status, map[string]any{"status_code": status, "error_type": typ, "error_message": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// profile is what the JWT doesn't say about a session: kept for as long as
// its JWTs are accepted locally, so only a session's first request (and one
// per MaxTokenAge) goes to Stytch.
type profile struct {
	email, orgName string
	until          time.Time
}

// maxProfiles bounds the cache: past it, expired entries are dropped, and
// if none has expired the cache starts over (the cost is one Stytch call
// per session).
const maxProfiles = 10000

type profileCache struct {
	mu sync.Mutex
	m  map[string]profile
}

func (c *profileCache) get(id string, now time.Time) (profile, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.m[id]
	if !ok || !now.Before(p.until) {
		return profile{}, false
	}
	return p, true
}

func (c *profileCache) put(id string, p profile, now time.Time) {
	if id == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxProfiles {
		for k, v := range c.m {
			if !now.Before(v.until) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= maxProfiles {
			c.m = map[string]profile{}
		}
	}
	c.m[id] = p
}
