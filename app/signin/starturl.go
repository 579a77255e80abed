package signin

import (
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Stytch's public start URLs for the browser round trips. stytch-go has no
// builder for them (docs/stytch-notes.md, "Start URLs"), so the app builds them here, and checks
// every parameter first: they go to the system browser, and a wrong one would
// send the user to the wrong place or leak nothing but still fail far away.
//
//	{api}/v1/b2b/public/oauth/{provider}/discovery/start?public_token&discovery_redirect_url&pkce_code_challenge
//	{api}/v1/b2b/public/oauth/{provider}/start?public_token&organization_id|slug&login_redirect_url&signup_redirect_url&pkce_code_challenge
//	{api}/v1/public/sso/start?public_token&connection_id|organization_id&login_redirect_url&signup_redirect_url&pkce_code_challenge

var (
	publicTokenRe  = regexp.MustCompile(`^public-token-(test|live)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	connectionIDRe = regexp.MustCompile(`^(saml|oidc|external)-connection-(test|live)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	orgLocatorRe   = regexp.MustCompile(`^[A-Za-z0-9._~-]{2,128}$`) // an organization id or slug
	challengeRe    = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)
)

// OAuthProviders are the providers Stytch's B2B OAuth start endpoints serve.
var OAuthProviders = []string{"google", "microsoft", "hubspot", "slack", "github"}

type startURL struct {
	api, publicToken, redirect, challenge string
}

var errStartURL = errors.New("invalid start URL parameter")

func (s startURL) check() error {
	u, err := url.Parse(s.api)
	switch {
	case err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/"):
		return errStartURL
	case u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())):
		return errStartURL
	case !publicTokenRe.MatchString(s.publicToken), !challengeRe.MatchString(s.challenge):
		return errStartURL
	}
	r, err := url.Parse(s.redirect)
	if err != nil || r.Scheme == "" || r.RawQuery != "" || r.Fragment != "" || r.User != nil {
		return errStartURL
	}
	return nil
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

func (s startURL) build(path string, q url.Values) (string, error) {
	if err := s.check(); err != nil {
		return "", err
	}
	q.Set("public_token", s.publicToken)
	q.Set("pkce_code_challenge", s.challenge)
	return strings.TrimSuffix(s.api, "/") + path + "?" + q.Encode(), nil
}

// oauthDiscovery is "Continue with <provider>" before any organization is known.
func (s startURL) oauthDiscovery(provider string) (string, error) {
	if !slices.Contains(OAuthProviders, provider) {
		return "", errStartURL
	}
	return s.build("/v1/b2b/public/oauth/"+provider+"/discovery/start", url.Values{"discovery_redirect_url": {s.redirect}})
}

// oauthOrganization is OAuth into one organization (id, or slug).
func (s startURL) oauthOrganization(provider, org string) (string, error) {
	if !slices.Contains(OAuthProviders, provider) || !orgLocatorRe.MatchString(org) {
		return "", errStartURL
	}
	q := url.Values{"login_redirect_url": {s.redirect}, "signup_redirect_url": {s.redirect}}
	if strings.HasPrefix(org, "organization-") {
		q.Set("organization_id", org)
	} else {
		q.Set("slug", org)
	}
	return s.build("/v1/b2b/public/oauth/"+provider+"/start", q)
}

// sso starts SSO at one connection, or at the organization's default
// connection when connectionID is empty.
func (s startURL) sso(connectionID, org string) (string, error) {
	q := url.Values{"login_redirect_url": {s.redirect}, "signup_redirect_url": {s.redirect}}
	switch {
	case connectionID != "" && connectionIDRe.MatchString(connectionID):
		q.Set("connection_id", connectionID)
	case connectionID == "" && orgLocatorRe.MatchString(org):
		q.Set("organization_id", org)
	default:
		return "", errStartURL
	}
	return s.build("/v1/public/sso/start", q)
}
