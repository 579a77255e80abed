package localstytch

import (
	"time"

	"stytch-desktop/app/localstytch/store"
	"stytch-desktop/app/localstytch/wire"
)

// --- POST /v1/b2b/oauth/discovery/authenticate ---

type oauthDiscoveryAuthReq struct {
	Token                  string         `json:"discovery_oauth_token"`
	SessionToken           string         `json:"session_token"`
	SessionJWT             string         `json:"session_jwt"`
	SessionDurationMinutes int64          `json:"session_duration_minutes"`
	SessionCustomClaims    map[string]any `json:"session_custom_claims"`
	PKCECodeVerifier       string         `json:"pkce_code_verifier"`
}

// handleOAuthDiscoveryAuthenticate exchanges a discovery_oauth callback
// token for an intermediate session carrying the OAuth factor, and lists the
// organizations that email (or its OAuth tenant) can enter — the same list
// as the discovery magic link, decided by the OAuth factor.
func (s *Server) handleOAuthDiscoveryAuthenticate(rc *reqCtx) (any, *apiError) {
	var req oauthDiscoveryAuthReq
	if e := decodeBody(rc, &req); e != nil {
		return nil, e
	}
	if req.Token == "" {
		return nil, missingField("discovery_oauth_token")
	}
	if _, e := parseRoundTripParams(req.SessionToken, req.SessionJWT, req.SessionDurationMinutes, req.SessionCustomClaims); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	t, e := s.lookupIdPTokenLocked(req.Token, kindDiscoveryOAuth, now)
	if e != nil {
		return nil, e
	}
	if e := checkPKCE(t.PKCEChallenge, req.PKCECodeVerifier); e != nil {
		return nil, e
	}
	t.Used = true
	emailID := s.st.EmailID(t.Email)
	f := oauthFactor(t, emailID, now)
	exp := now.Add(istLifetime)
	ist := s.st.NewIST(&store.IST{Email: t.Email, EmailID: emailID, AuthenticatedAt: now,
		ExpiresAt: exp, Primary: []store.AuthFactor{f}})
	s.persistLocked()
	tenant := tenantOf(t.Provider, t.Email)
	return &wire.OAuthDiscoveryAuthenticateResponse{
		DiscoveryAuthenticateResponse: wire.DiscoveryAuthenticateResponse{
			IntermediateSessionToken: ist,
			// v17+ field; v16 ignores it (docs/local-api.md §1), as for magic links.
			IntermediateSessionTokenExpiresAt: ts(exp),
			EmailAddress:                      t.Email,
			DiscoveredOrganizations:           s.discoveredOrgsLocked(t.Email, true, f),
		},
		ProviderType:      oauthProviders[t.Provider],
		ProviderTenantID:  tenant,
		ProviderTenantIDs: []string{tenant},
		FullName:          t.Name,
	}, nil
}

// oauthFactor is the session factor of an OAuth callback token.
func oauthFactor(t *store.IdPToken, emailID string, now time.Time) store.AuthFactor {
	sub := providerSubject(t.Provider, t.Email)
	return store.AuthFactor{Type: "oauth", DeliveryMethod: "oauth_" + t.Provider, Email: t.Email, EmailID: emailID,
		Provider: t.Provider, Subject: sub, RegistrationID: "oauth-member-registration-test-" + sub, At: now}
}

// --- POST /v1/b2b/oauth/authenticate ---

type oauthAuthReq struct {
	Token                    string         `json:"oauth_token"`
	SessionToken             string         `json:"session_token"`
	SessionDurationMinutes   int64          `json:"session_duration_minutes"`
	SessionJWT               string         `json:"session_jwt"`
	SessionCustomClaims      map[string]any `json:"session_custom_claims"`
	PKCECodeVerifier         string         `json:"pkce_code_verifier"`
	Locale                   string         `json:"locale"`
	IntermediateSessionToken string         `json:"intermediate_session_token"`
	TelemetryID              string         `json:"telemetry_id"`
}

// handleOAuthAuthenticate exchanges an oauth callback token (the
// organization-specific OAuth flow). A new member may join by email domain
// or OAuth tenant; an organization that does not allow this provider answers
// with primary_required, one that requires MFA with mfa_required.
func (s *Server) handleOAuthAuthenticate(rc *reqCtx) (any, *apiError) {
	var req oauthAuthReq
	if e := decodeBody(rc, &req); e != nil {
		return nil, e
	}
	if req.Token == "" {
		return nil, missingField("oauth_token")
	}
	p, e := parseRoundTripParams(req.SessionToken, req.SessionJWT, req.SessionDurationMinutes, req.SessionCustomClaims)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	t, e := s.lookupIdPTokenLocked(req.Token, kindOAuth, now)
	if e != nil {
		return nil, e
	}
	if e := checkPKCE(t.PKCEChallenge, req.PKCECodeVerifier); e != nil {
		return nil, e
	}
	o := s.st.Orgs[t.OrgID]
	if o == nil {
		return nil, newErr("organization_not_found")
	}
	ist, e := s.roundTripISTLocked(req.IntermediateSessionToken, o, t.Email, now)
	if e != nil {
		return nil, e
	}
	if e := s.checkSessionArgLocked(p, now); e != nil {
		return nil, e
	}
	m := s.st.MemberOf(o.ID, t.Email)
	f := oauthFactor(t, "", now)
	if m == nil {
		_, byDomain := eligibleByDomain(o, t.Email)
		_, _, byTenant := eligibleByOAuthTenant(o, []store.AuthFactor{f})
		if !byDomain && !byTenant {
			return nil, newErr("email_jit_provisioning_not_allowed")
		}
		m = s.newMemberLocked(o, t.Email, statusActive, now)
		m.Name = t.Name
	}
	t.Used = true
	activateLocked(m, now)
	f.EmailID = m.EmailID
	resp := &wire.OAuthAuthenticateResponse{
		OrganizationID:  o.ID,
		ProviderSubject: f.Subject,
		ProviderType:    oauthProviders[t.Provider],
		// Local stand-ins for the provider's tokens: opaque, useless
		// anywhere else, and never persisted.
		ProviderValues: wire.ProviderValues{
			AccessToken: "local-access-" + store.NewToken(),
			ExpiresAt:   tsPtr(now.Add(time.Hour)),
			Scopes:      []string{"openid", "email", "profile"},
		},
	}
	s.finishRoundTripLocked(rc, &resp.SessionResult, o, m, ist, req.IntermediateSessionToken, f, p, now)
	return resp, nil
}
