package localstytch

import (
	"strings"
	"time"

	"stytch-desktop/app/localstytch/store"
	"stytch-desktop/app/localstytch/wire"
)

// --- POST /v1/b2b/sso/authenticate ---

type ssoAuthReq struct {
	Token                    string         `json:"sso_token"`
	PKCECodeVerifier         string         `json:"pkce_code_verifier"`
	SessionToken             string         `json:"session_token"`
	SessionJWT               string         `json:"session_jwt"`
	SessionDurationMinutes   int64          `json:"session_duration_minutes"`
	SessionCustomClaims      map[string]any `json:"session_custom_claims"`
	Locale                   string         `json:"locale"`
	IntermediateSessionToken string         `json:"intermediate_session_token"`
	TelemetryID              string         `json:"telemetry_id"`
}

// handleSSOAuthenticate exchanges an sso callback token. With an
// intermediate session token the SSO factor joins the IST's factors (e.g. the
// discovery magic link), so both count towards the organization's policy.
// Result: a member session, or the 200 "not done yet" shape with the IST and
// mfa_required when the organization requires MFA.
func (s *Server) handleSSOAuthenticate(rc *reqCtx) (any, *apiError) {
	var req ssoAuthReq
	if e := decodeBody(rc, &req); e != nil {
		return nil, e
	}
	if req.Token == "" {
		return nil, missingField("sso_token")
	}
	p, e := parseRoundTripParams(req.SessionToken, req.SessionJWT, req.SessionDurationMinutes, req.SessionCustomClaims)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	t, e := s.lookupIdPTokenLocked(req.Token, kindSSO, now)
	if e != nil {
		return nil, e
	}
	// PKCE is checked before anything is consumed, as for magic links.
	if e := checkPKCE(t.PKCEChallenge, req.PKCECodeVerifier); e != nil {
		return nil, e
	}
	o := s.st.Orgs[t.OrgID]
	if o == nil {
		return nil, newErr("organization_not_found")
	}
	conn := o.Auth.Connection(t.ConnectionID)
	if conn == nil {
		return nil, newErr("sso_connection_not_found")
	}
	ist, e := s.roundTripISTLocked(req.IntermediateSessionToken, o, t.Email, now)
	if e != nil {
		return nil, e
	}
	if e := s.checkSessionArgLocked(p, now); e != nil {
		return nil, e
	}
	m := s.st.MemberOf(o.ID, t.Email)
	if m == nil {
		// SSO JIT provisioning: ALL_ALLOWED (the default) creates the
		// member; RESTRICTED is treated as not allowed here (the emulator
		// keeps no per-connection JIT list).
		if o.Auth.SSOJITProvisioning != "" && o.Auth.SSOJITProvisioning != allAllowed {
			return nil, newErr("invalid_connection_for_jit_provisioning")
		}
		m = s.newMemberLocked(o, t.Email, statusActive, now)
		m.Name = t.Name
	}
	t.Used = true
	activateLocked(m, now)
	delivery := "sso_saml"
	if conn.Protocol == "oidc" {
		delivery = "sso_oidc"
	}
	f := store.AuthFactor{Type: "sso", DeliveryMethod: delivery, Email: m.Email, EmailID: m.EmailID,
		ConnectionID: conn.ID, Subject: m.Email, RegistrationID: ssoRegistrationID(m, conn), At: now}
	resp := &wire.SSOAuthenticateResponse{OrganizationID: o.ID}
	s.finishRoundTripLocked(rc, &resp.SessionResult, o, m, ist, req.IntermediateSessionToken, f, p, now)
	return resp, nil
}

// ssoRegistrationID is stable per member and connection.
func ssoRegistrationID(m *store.Member, c *store.SSOConnection) string {
	return "member-sso-registration-test-" + providerSubject(c.ID, m.ID)
}

// lookupIdPTokenLocked resolves a live callback token of kind without
// consuming it. Unknown, used, expired and wrong-kind tokens all answer
// <kind>_token_not_found: Stytch has no separate "already used" type for
// these (unlike unable_to_auth_magic_link). Caller holds s.mu.
func (s *Server) lookupIdPTokenLocked(token, kind string, now time.Time) (*store.IdPToken, *apiError) {
	notFound := "sso_token_not_found"
	if kind != kindSSO {
		notFound = "oauth_token_not_found"
	}
	t, ok := s.st.IdPTokens[store.HashToken(token)]
	if !ok || t.Kind != kind || t.Used || !now.Before(t.ExpiresAt) {
		return nil, newErr(notFound)
	}
	return t, nil
}

// roundTripParams are the session arguments shared by the SSO and OAuth
// authenticate endpoints.
type roundTripParams struct {
	sessionToken, sessionJWT string
	dur                      time.Duration
	claims                   map[string]any
}

func parseRoundTripParams(token, jwt string, minutes int64, claims map[string]any) (roundTripParams, *apiError) {
	if token != "" && jwt != "" {
		return roundTripParams{}, newErr("too_many_session_arguments")
	}
	dur, _, e := sessionDuration(minutes)
	if e != nil {
		return roundTripParams{}, e
	}
	c, e := customClaims(claims)
	if e != nil {
		return roundTripParams{}, e
	}
	return roundTripParams{sessionToken: token, sessionJWT: jwt, dur: dur, claims: c}, nil
}

// checkSessionArgLocked validates an optional existing session. The
// emulator then issues a new session rather than extending that one (the
// app never passes one). Caller holds s.mu.
func (s *Server) checkSessionArgLocked(p roundTripParams, now time.Time) *apiError {
	if p.sessionToken == "" && p.sessionJWT == "" {
		return nil
	}
	_, _, _, e := s.findSessionLocked(p.sessionToken, p.sessionJWT, now)
	return e
}

// roundTripISTLocked resolves the optional IST of an SSO/OAuth
// authenticate: it must be live, of the same email, and not tied to another
// organization. Caller holds s.mu.
func (s *Server) roundTripISTLocked(token string, o *store.Org, email string, now time.Time) (*store.IST, *apiError) {
	if token == "" {
		return nil, nil
	}
	ist, e := s.lookupISTLocked(token, now)
	if e != nil {
		return nil, e
	}
	if (ist.OrgID != "" && ist.OrgID != o.ID) || !strings.EqualFold(ist.Email, email) {
		return nil, newErr("invalid_intermediate_session_token_for_organization")
	}
	return ist, nil
}

// finishRoundTripLocked adds factor f to the IST's factors (if any) and
// answers with a session, or with the IST when the organization's primary
// or MFA requirements are still unmet (the same IST when one was passed, as
// Stytch documents, else a new one). Caller holds s.mu.
func (s *Server) finishRoundTripLocked(rc *reqCtx, r *wire.SessionResult, o *store.Org, m *store.Member,
	ist *store.IST, istToken string, f store.AuthFactor, p roundTripParams, now time.Time) {
	var factors []store.AuthFactor
	authenticatedAt := now
	if ist != nil {
		factors = ist.Factors()
		authenticatedAt = ist.AuthenticatedAt
	}
	*r = sessionResult(m, o)
	s.concludeLocked(rc, r, primaryDone{o: o, m: m, email: m.Email, emailID: m.EmailID,
		authenticatedAt: authenticatedAt, primary: withFactor(factors, f), ist: ist, istToken: istToken,
		dur: p.dur, claims: p.claims}, now)
}
