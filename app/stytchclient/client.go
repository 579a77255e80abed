// Package stytchclient implements the sign-in flows' Stytch port with the
// official stytch-go client, talking HTTP to Stytch or to the local
// Stytch-compatible API.
package stytchclient

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/MicahParks/keyfunc/v2"
	"github.com/stytchauth/stytch-go/v16/stytch"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	discoveryorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks"
	mldiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email"
	emaildiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/mfa"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/config"

	"stytch-desktop/app/signin"
	"stytch-desktop/app/stytcherr"
	"stytch-desktop/app/trace"
)

// Stytch's error vocabulary (error_type → kind, Retry-After) lives in
// app/stytcherr, shared by every adapter.
var (
	mapError     = stytcherr.Map
	withRetryBox = stytcherr.WithRetryBox
)

// Config says which Stytch project to talk to and where.
type Config struct {
	ProjectID string
	Secret    string
	BaseURL   string            // empty: Stytch's test or live API, chosen by the project id as the SDK does
	Transport http.RoundTripper // optional; tests and fault injection
	// OnKeysError is told when a background fetch of the signing keys fails
	// (it is retried); optional. The error names no secret.
	OnKeysError func(error)
}

// Client adapts stytch-go's B2B clients to signin.Stytch.
type Client struct {
	api *api
	// verifier is stytch-go's sessions client holding the project's signing
	// keys (JWKS) once they have been fetched in the background; nil until then.
	verifier  atomic.Pointer[b2b.SessionsClient]
	keysReady chan struct{}
}

// api holds the stytch-go B2B clients the flows call, built the way
// b2bstytchapi.NewClient builds them, over one stytch.Client. Only these:
// b2bstytchapi.API also builds a dozen others (consumer, SCIM, passwords,
// fraud…) that this app never calls, and since Wails links text/template
// (whose reflection keeps every exported method of every type the program
// can reach) each of them would stay in the binary: about 1 MB.
type api struct {
	Discovery     *b2b.DiscoveryClient
	MagicLinks    *b2b.MagicLinksClient
	OAuth         *b2b.OAuthClient
	OTPs          *b2b.OTPsClient
	RecoveryCodes *b2b.RecoveryCodesClient
	SSO           *b2b.SSOClient
	Sessions      *b2b.SessionsClient
	TOTPs         *b2b.TOTPsClient
}

func newAPI(sc stytch.Client, jwks *keyfunc.JWKS) *api {
	policies := b2b.NewPolicyCache(b2b.NewRBACClient(sc))
	return &api{
		Discovery:     b2b.NewDiscoveryClient(sc),
		MagicLinks:    b2b.NewMagicLinksClient(sc),
		OAuth:         b2b.NewOAuthClient(sc),
		OTPs:          b2b.NewOTPsClient(sc),
		RecoveryCodes: b2b.NewRecoveryCodesClient(sc),
		SSO:           b2b.NewSSOClient(sc),
		Sessions:      b2b.NewSessionsClient(sc, jwks, policies),
		TOTPs:         b2b.NewTOTPsClient(sc),
	}
}

var _ signin.Stytch = (*Client)(nil)

// New builds the client without any network call: stytch-go would fetch the
// project's signing keys while it is constructed (up to 10 s), and start-up
// must never wait on the network. The keys are fetched in the background
// instead, retried with backoff while ctx lives; until they arrive a session
// JWT cannot be checked locally and the flows confirm the session with Stytch
// (which they do in the background anyway).
func New(ctx context.Context, cfg Config) (*Client, error) {
	base := cfg.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	// No overall http.Client timeout: every call carries its own deadline.
	hc := &http.Client{Transport: stytcherr.Transport(base)}
	// As b2bstytchapi.NewClient with WithHTTPClient and WithBaseURI: stytch.New
	// picks Stytch's test or live API from the project id.
	sc := stytch.New(cfg.ProjectID, cfg.Secret)
	sc.HTTPClient = hc
	if cfg.BaseURL != "" {
		sc.Config.BaseURI = config.BaseURI(strings.TrimSuffix(cfg.BaseURL, "/"))
	}
	c := &Client{api: newAPI(sc, nil), keysReady: make(chan struct{})}
	go c.fetchKeys(ctx, sc, cfg.OnKeysError)
	return c, nil
}

// KeysReady is closed once the project's signing keys have been fetched.
func (c *Client) KeysReady() <-chan struct{} { return c.keysReady }

// Key fetch retry bounds.
const (
	keysBackoffMin = time.Second
	keysBackoffMax = 5 * time.Minute
)

// fetchKeys builds the verifying sessions client once the project's JWKS
// has been fetched (keyfunc then refreshes the keys for as long as ctx lives),
// with the options b2bstytchapi.NewClient uses.
func (c *Client) fetchKeys(ctx context.Context, sc *stytch.DefaultClient, onErr func(error)) {
	wait := keysBackoffMin
	url := fmt.Sprintf("%s/v1/b2b/sessions/jwks/%s", sc.Config.BaseURI, sc.Config.ProjectID)
	for {
		end := traced("fetch-jwks")
		jwks, err := fetchJWKS(ctx, sc.HTTPClient, url)
		end()
		if err == nil {
			c.verifier.Store(newAPI(sc, jwks).Sessions)
			close(c.keysReady)
			return
		}
		if onErr != nil && ctx.Err() == nil {
			onErr(err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(2*wait, keysBackoffMax)
	}
}

// fetchJWKS gets the project's signing keys with the keyfunc options
// stytch-go uses (b2bstytchapi's instantiateJWKSClient): hourly refresh, and
// a refresh on an unknown key id, at most every 5 minutes, while ctx lives.
func fetchJWKS(ctx context.Context, hc *http.Client, url string) (*keyfunc.JWKS, error) {
	type result struct {
		jwks *keyfunc.JWKS
		err  error
	}
	res := make(chan result, 1)
	go func() {
		jwks, err := keyfunc.Get(url, keyfunc.Options{
			Client:            hc,
			Ctx:               ctx,
			RefreshInterval:   time.Hour,
			RefreshRateLimit:  5 * time.Minute,
			RefreshTimeout:    10 * time.Second,
			RefreshUnknownKID: true,
		})
		res <- result{jwks, err}
	}()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-res:
		if r.err != nil {
			return nil, fmt.Errorf("fetch JWKS from URL: %w", r.err)
		}
		return r.jwks, nil
	}
}

func (c *Client) SendDiscoveryLink(ctx context.Context, req signin.DiscoveryLinkRequest) error {
	const op = "send discovery link"
	ctx, box := withRetryBox(ctx)
	_, err := c.api.MagicLinks.Email.Discovery.Send(ctx, &emaildiscovery.SendParams{
		EmailAddress:         req.Email,
		DiscoveryRedirectURL: req.RedirectURL,
		PkceCodeChallenge:    req.PKCEChallenge,
	})
	return mapError(op, err, box)
}

func (c *Client) SendOrganizationLink(ctx context.Context, req signin.OrganizationLinkRequest) (signin.Organization, error) {
	const op = "send organization link"
	ctx, box := withRetryBox(ctx)
	resp, err := c.api.MagicLinks.Email.LoginOrSignup(ctx, &email.LoginOrSignupParams{
		OrganizationID:    req.Organization,
		EmailAddress:      req.Email,
		LoginRedirectURL:  req.RedirectURL,
		SignupRedirectURL: req.RedirectURL,
		PkceCodeChallenge: req.PKCEChallenge,
	})
	if err != nil {
		return signin.Organization{}, mapError(op, err, box)
	}
	return organization(resp.Organization), nil
}

func (c *Client) AuthenticateDiscoveryLink(ctx context.Context, token, verifier string) (signin.Discovery, error) {
	const op = "authenticate discovery link"
	defer traced("authenticate-discovery-link")()
	ctx, box := withRetryBox(ctx)
	resp, err := c.api.MagicLinks.Discovery.Authenticate(ctx, &mldiscovery.AuthenticateParams{
		DiscoveryMagicLinksToken: token,
		PkceCodeVerifier:         verifier,
	})
	if err != nil {
		return signin.Discovery{}, mapError(op, err, box)
	}
	return signin.Discovery{
		IntermediateSessionToken: resp.IntermediateSessionToken,
		Email:                    resp.EmailAddress,
		Organizations:            discovered(resp.DiscoveredOrganizations),
	}, nil
}

func (c *Client) AuthenticateOrganizationLink(ctx context.Context, token, verifier string, minutes int) (signin.Authentication, error) {
	const op = "authenticate organization link"
	defer traced("authenticate-organization-link")()
	ctx, box := withRetryBox(ctx)
	resp, err := c.api.MagicLinks.Authenticate(ctx, &magiclinks.AuthenticateParams{
		MagicLinksToken:        token,
		PkceCodeVerifier:       verifier,
		SessionDurationMinutes: int32(minutes),
	})
	if err != nil {
		return signin.Authentication{}, mapError(op, err, box)
	}
	return authentication(resp.MemberAuthenticated, resp.SessionToken, resp.SessionJWT, resp.IntermediateSessionToken,
		resp.Member, resp.Organization, resp.MemberSession, resp.MFARequired, primary(resp.PrimaryRequired)), nil
}

func (c *Client) ExchangeIntermediateSession(ctx context.Context, ist, organizationID string, minutes int) (signin.Authentication, error) {
	const op = "exchange intermediate session"
	defer traced("exchange-intermediate-session")()
	ctx, box := withRetryBox(ctx)
	resp, err := c.api.Discovery.IntermediateSessions.Exchange(ctx, &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: ist,
		OrganizationID:           organizationID,
		SessionDurationMinutes:   int32(minutes),
	})
	if err != nil {
		return signin.Authentication{}, mapError(op, err, box)
	}
	return authentication(resp.MemberAuthenticated, resp.SessionToken, resp.SessionJWT, resp.IntermediateSessionToken,
		resp.Member, resp.Organization, resp.MemberSession, resp.MFARequired, primary(resp.PrimaryRequired)), nil
}

func (c *Client) CreateOrganization(ctx context.Context, ist string, org signin.NewOrganization, minutes int) (signin.Authentication, error) {
	const op = "create organization"
	ctx, box := withRetryBox(ctx)
	resp, err := c.api.Discovery.Organizations.Create(ctx, &discoveryorgs.CreateParams{
		IntermediateSessionToken: ist,
		OrganizationName:         org.Name,
		OrganizationSlug:         org.Slug,
		SessionDurationMinutes:   int32(minutes),
	})
	if err != nil {
		return signin.Authentication{}, mapError(op, err, box)
	}
	var o organizations.Organization
	if resp.Organization != nil {
		o = *resp.Organization
	}
	return authentication(resp.MemberAuthenticated, resp.SessionToken, resp.SessionJWT, resp.IntermediateSessionToken,
		resp.Member, o, resp.MemberSession, resp.MFARequired, primary(resp.PrimaryRequired)), nil
}

func (c *Client) AuthenticateSession(ctx context.Context, sessionToken string, minutes int) (signin.Authentication, error) {
	const op = "authenticate session"
	defer traced("authenticate-session")()
	ctx, box := withRetryBox(ctx)
	resp, err := c.api.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{
		SessionToken:           sessionToken,
		SessionDurationMinutes: int32(minutes),
	})
	if err != nil {
		return signin.Authentication{}, mapError(op, err, box)
	}
	ms := resp.MemberSession
	return authentication(true, resp.SessionToken, resp.SessionJWT, "", resp.Member, resp.Organization, &ms, nil, nil), nil
}

// AuthenticateSessionJWTLocal verifies the JWT's signature against the keys
// fetched in the background (an error while they are not there yet), plus
// audience, issuer and expiry. It never calls Stytch (unlike Sessions.AuthenticateJWT, which falls back to a remote
// call on any local failure and then fills more than the session).
func (c *Client) AuthenticateSessionJWTLocal(ctx context.Context, jwt string) (signin.LocalSession, error) {
	const op = "authenticate session JWT locally"
	v := c.verifier.Load()
	if v == nil {
		return signin.LocalSession{}, signin.Errorf(op, signin.KindUnknown, "signing keys not available yet")
	}
	ms, err := v.AuthenticateJWTLocal(ctx, jwt, maxJWTAge, nil)
	if err != nil || ms == nil {
		// Not a secret: golang-jwt's messages name the failed check, not the token.
		return signin.LocalSession{}, signin.Errorf(op, signin.KindUnknown, "session JWT not valid locally")
	}
	ls := signin.LocalSession{MemberID: ms.MemberID, OrganizationID: ms.OrganizationID}
	if ms.ExpiresAt != nil {
		ls.ExpiresAt = *ms.ExpiresAt
	}
	return ls, nil
}

// maxJWTAge accepts a session JWT for its whole 5-minute life.
const maxJWTAge = 5 * time.Minute

func (c *Client) RevokeSession(ctx context.Context, sessionToken string) error {
	const op = "revoke session"
	ctx, box := withRetryBox(ctx)
	_, err := c.api.Sessions.Revoke(ctx, &sessions.RevokeParams{SessionToken: sessionToken})
	return mapError(op, err, box)
}

func authentication(ok bool, token, jwt, ist string, m organizations.Member, o organizations.Organization,
	ms *sessions.MemberSession, mfaReq *mfa.MfaRequired, primary []string) signin.Authentication {
	a := signin.Authentication{
		Authenticated:            ok && token != "",
		SessionToken:             token,
		SessionJWT:               jwt,
		IntermediateSessionToken: ist,
		Member:                   signin.Member{ID: m.MemberID, Name: m.Name, Email: m.EmailAddress},
		Organization:             organization(o),
		MFARequired:              mfaReq != nil,
		PrimaryRequired:          primary,
	}
	if mfaReq != nil {
		a.MFA = mfaState(mfaReq, m, o)
	}
	if ms != nil {
		a.Roles = ms.Roles
		if ms.ExpiresAt != nil {
			a.ExpiresAt = *ms.ExpiresAt
		}
	}
	return a
}

func organization(o organizations.Organization) signin.Organization {
	return withSSO(signin.Organization{ID: o.OrganizationID, Name: o.OrganizationName, Slug: o.OrganizationSlug, LogoURL: o.OrganizationLogoURL}, o) // sso.go
}

func primary(p *sessions.PrimaryRequired) []string {
	if p == nil {
		return nil
	}
	if len(p.AllowedAuthMethods) == 0 {
		return []string{}
	}
	return p.AllowedAuthMethods
}

// memberships maps Stytch's membership types to the screens'.
var memberships = map[string]signin.Membership{
	"eligible_to_join_by_oauth_tenant": signin.MembershipEligibleByTenant,
	"active_member":                    signin.MembershipMember,
	"invited_member":                   signin.MembershipInvited,
	"pending_member":                   signin.MembershipPending,
	"eligible_to_join_by_email_domain": signin.MembershipEligibleByDomain,
}

func discovered(in []discovery.DiscoveredOrganization) []signin.Organization {
	out := make([]signin.Organization, 0, len(in))
	for _, d := range in {
		if d.Organization == nil || d.Membership == nil {
			continue
		}
		m, ok := memberships[d.Membership.Type]
		if !ok {
			continue
		}
		o := organization(*d.Organization)
		o.Membership = m
		o.NeedsMoreAuth = d.MFARequired != nil || d.PrimaryRequired != nil
		if d.PrimaryRequired != nil {
			o.SSORequired = slices.Equal(d.PrimaryRequired.AllowedAuthMethods, []string{"sso"})
		}
		out = append(out, o)
	}
	return out
}

// traced marks the start of a Stytch call for make bench (app/trace) and
// returns the function that marks its end.
func traced(call string) func() {
	if !trace.Enabled() {
		return func() {}
	}
	trace.Mark("call-start", "call", call)
	return func() { trace.Mark("call-end", "call", call) }
}
