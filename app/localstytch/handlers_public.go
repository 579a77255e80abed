package localstytch

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"time"

	"stytch-desktop/app/localstytch/store"
)

// Stytch's public, browser-facing start endpoints for SSO and OAuth. The
// user's browser opens them (no project secret, only the public token);
// instead of Stytch's redirect to a real identity provider they redirect to
// the local identity-provider page (idp_page.go), which redirects back to the
// app with a single-use token. Errors are Stytch's JSON error objects, as
// Stytch answers a bad start request.
//
//	GET /v1/public/sso/start?public_token&(connection_id|organization_id)
//	    &login_redirect_url&signup_redirect_url&pkce_code_challenge
//	GET /v1/b2b/public/oauth/{provider}/discovery/start?public_token
//	    &discovery_redirect_url&pkce_code_challenge&custom_scopes&provider_*
//	GET /v1/b2b/public/oauth/{provider}/start?public_token&(organization_id|slug)
//	    &login_redirect_url&signup_redirect_url&pkce_code_challenge
const (
	ssoStartPath      = "/v1/public/sso/start"
	oauthPublicPrefix = "/v1/b2b/public/oauth/"
)

// idpRequestLifetime bounds how long a started round trip may wait on the
// identity-provider page (guess: Stytch's OAuth state lives about as long).
const idpRequestLifetime = 10 * time.Minute

// maxIdPRequests bounds the pending round trips kept in memory.
const maxIdPRequests = 1000

func isPublicPath(path string) bool {
	return path == ssoStartPath || strings.HasPrefix(path, "/v1/public/") || strings.HasPrefix(path, "/v1/b2b/public/")
}

// idpRequest is one started SSO/OAuth round trip, waiting for the user to
// pick an account on the identity-provider page. Memory only: it holds no
// secret, and a restart simply asks the user to start again.
type idpRequest struct {
	ID             string
	Kind           string // kindSSO, kindOAuth, kindDiscoveryOAuth
	Provider       string // oauth kinds: google, microsoft, …
	OrgID          string // sso, oauth
	ConnectionID   string // sso
	DiscoveryURL   string // discovery_oauth
	LoginURL       string // sso, oauth
	SignupURL      string // sso, oauth
	PKCEChallenge  string
	CreatedAt      time.Time
	ExpiresAt      time.Time
	ProviderParams map[string]string // provider_* parameters, shown on the page (e.g. login_hint)
}

// Token kinds of the browser round trips, which double as stytch_token_type.
const (
	kindSSO            = "sso"
	kindOAuth          = "oauth"
	kindDiscoveryOAuth = "discovery_oauth"
)

func (s *Server) handlePublicStart(rc *reqCtx) {
	path := rc.r.URL.Path
	var kind, provider string
	switch {
	case path == ssoStartPath:
		kind = kindSSO
	case strings.HasPrefix(path, oauthPublicPrefix):
		rest := strings.TrimPrefix(path, oauthPublicPrefix)
		p, tail, _ := strings.Cut(rest, "/")
		switch tail {
		case "discovery/start":
			kind = kindDiscoveryOAuth
		case "start":
			kind = kindOAuth
		default:
			s.writeError(rc, newErr("route_not_found"))
			return
		}
		if _, ok := oauthProviders[p]; !ok {
			s.writeError(rc, newErr("invalid_oauth_provider"))
			return
		}
		provider = p
	default:
		s.writeError(rc, newErr("route_not_found"))
		return
	}
	if rc.r.Method != http.MethodGet && rc.r.Method != http.MethodHead {
		s.writeError(rc, newErr("method_not_allowed"))
		return
	}
	q, e := singleValuedQuery(rc.r.URL.RawQuery)
	if e != nil {
		s.writeError(rc, e)
		return
	}
	if e := s.checkPublicToken(q.Get("public_token")); e != nil {
		s.writeError(rc, e)
		return
	}
	challenge := q.Get("pkce_code_challenge")
	if challenge != "" && !validPKCEChallenge(challenge) {
		s.writeError(rc, newErr("invalid_pkce_code_challenge"))
		return
	}
	req := &idpRequest{Kind: kind, Provider: provider, PKCEChallenge: challenge}
	for k := range q {
		if strings.HasPrefix(k, "provider_") {
			if req.ProviderParams == nil {
				req.ProviderParams = map[string]string{}
			}
			req.ProviderParams[strings.TrimPrefix(k, "provider_")] = q.Get(k)
		}
	}

	switch kind {
	case kindDiscoveryOAuth:
		if req.DiscoveryURL, e = s.checkRedirect(q.Get("discovery_redirect_url"), "invalid_discovery_redirect_url"); e != nil {
			s.writeError(rc, e)
			return
		}
	default:
		if req.LoginURL, e = s.checkRedirect(q.Get("login_redirect_url"), "invalid_login_redirect_url"); e != nil {
			s.writeError(rc, e)
			return
		}
		if req.SignupURL, e = s.checkRedirect(q.Get("signup_redirect_url"), "invalid_signup_redirect_url"); e != nil {
			s.writeError(rc, e)
			return
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	switch kind {
	case kindSSO:
		e = s.locateSSOConnectionLocked(req, q.Get("connection_id"), q.Get("organization_id"))
	case kindOAuth:
		e = s.locateOAuthOrgLocked(req, q.Get("organization_id"), q.Get("slug"))
	}
	if e != nil {
		s.writeError(rc, e)
		return
	}
	req.ID = store.NewToken()
	req.CreatedAt, req.ExpiresAt = now, now.Add(idpRequestLifetime)
	s.addIdPRequestLocked(req, now)

	h := rc.w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	http.Redirect(rc.w, rc.r, idpPagePath+"?request="+url.QueryEscape(req.ID), http.StatusFound)
}

// checkPublicToken compares in constant time, like the Basic-auth check.
func (s *Server) checkPublicToken(tok string) *apiError {
	if tok == "" {
		return newErr("public_token_required")
	}
	if subtle.ConstantTimeCompare([]byte(tok), []byte(s.publicToken)) != 1 {
		return newErr("public_token_not_found")
	}
	return nil
}

// singleValuedQuery parses a query string and refuses a parameter given
// twice: which copy wins would differ between parsers (parameter pollution).
func singleValuedQuery(raw string) (url.Values, *apiError) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, newErrMsg("invalid_request", "The query string could not be parsed.")
	}
	for k, v := range q {
		if len(v) > 1 {
			return nil, newErrMsg("invalid_request", "The query parameter "+truncateForMessage(k)+" must appear at most once.")
		}
	}
	return q, nil
}

func truncateForMessage(s string) string {
	const max = 64
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= max {
			b.WriteString("…")
			break
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// validPKCEChallenge accepts what an S256 challenge must be: base64url
// without padding of a 32-byte digest (43 characters).
func validPKCEChallenge(c string) bool {
	if len(c) != 43 {
		return false
	}
	for _, r := range c {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// locateSSOConnectionLocked resolves connection_id or organization_id (id,
// slug or external id → its default connection). Caller holds s.mu.
func (s *Server) locateSSOConnectionLocked(req *idpRequest, connectionID, orgID string) *apiError {
	switch {
	case connectionID != "" && orgID != "":
		return newErr("too_many_sso_connection_locators")
	case connectionID == "" && orgID == "":
		return newErr("missing_sso_connection_locator")
	case connectionID != "":
		for _, o := range s.st.OrgsInOrder() {
			if o.Auth.Connection(connectionID) != nil {
				req.OrgID, req.ConnectionID = o.ID, connectionID
				return nil
			}
		}
		return newErr("sso_connection_not_found")
	}
	o := s.st.OrgByIDOrSlug(orgID)
	if o == nil {
		return newErr("organization_not_found")
	}
	if o.Auth.SSODefaultConnectionID == "" || o.Auth.Connection(o.Auth.SSODefaultConnectionID) == nil {
		return newErr("no_sso_connection_exists_for_organization")
	}
	req.OrgID, req.ConnectionID = o.ID, o.Auth.SSODefaultConnectionID
	return nil
}

// locateOAuthOrgLocked resolves organization_id or slug. Caller holds s.mu.
func (s *Server) locateOAuthOrgLocked(req *idpRequest, orgID, slug string) *apiError {
	switch {
	case orgID != "" && slug != "":
		return newErr("too_many_oauth_organization_locators")
	case orgID == "" && slug == "":
		return newErr("missing_oauth_organization_locator")
	}
	var o *store.Org
	if orgID != "" {
		o = s.st.Orgs[orgID]
		if o == nil {
			o = s.st.OrgByIDOrSlug(orgID) // external id, as Stytch accepts
		}
	} else {
		for _, c := range s.st.OrgsInOrder() {
			if strings.EqualFold(c.Slug, slug) {
				o = c
				break
			}
		}
	}
	if o == nil {
		return newErr("organization_not_found")
	}
	req.OrgID = o.ID
	return nil
}

// addIdPRequestLocked stores a pending round trip, dropping expired ones
// and, past the bound, the oldest. Caller holds s.mu.
func (s *Server) addIdPRequestLocked(req *idpRequest, now time.Time) {
	if s.idpRequests == nil {
		s.idpRequests = map[string]*idpRequest{}
	}
	for id, r := range s.idpRequests {
		if !now.Before(r.ExpiresAt) {
			delete(s.idpRequests, id)
		}
	}
	for len(s.idpRequests) >= maxIdPRequests {
		var oldest *idpRequest
		for _, r := range s.idpRequests {
			if oldest == nil || r.CreatedAt.Before(oldest.CreatedAt) {
				oldest = r
			}
		}
		delete(s.idpRequests, oldest.ID)
	}
	s.idpRequests[req.ID] = req
}

// pendingIdPRequestLocked returns a live pending round trip. Caller holds s.mu.
func (s *Server) pendingIdPRequestLocked(id string, now time.Time) *idpRequest {
	r, ok := s.idpRequests[id]
	if !ok {
		return nil
	}
	if !now.Before(r.ExpiresAt) {
		delete(s.idpRequests, id)
		return nil
	}
	return r
}
