package localstytch

// --- POST /v1/b2b/sessions/exchange (switch organization) ---

type sessionExchangeReq struct {
	OrganizationID         string         `json:"organization_id"`
	SessionToken           string         `json:"session_token"`
	SessionJWT             string         `json:"session_jwt"`
	SessionDurationMinutes int64          `json:"session_duration_minutes"`
	SessionCustomClaims    map[string]any `json:"session_custom_claims"`
	Locale                 string         `json:"locale"`
	TelemetryID            string         `json:"telemetry_id"`
}

// handleSessionExchange switches organization (docs/local-api.md §6). Like Stytch it
// can accept an invite but cannot JIT-create a member (→ member_not_found).
// Only the magic-link factor moves, and an SMS factor when the target member
// has the same verified phone — which alone can satisfy the target's MFA;
// otherwise the target's MFA step follows with a new IST (and a code texted
// as after any primary authentication). The original session is left valid:
// Stytch does not document revoking it, and the app revokes it itself once
// the new one is stored.
func (s *Server) handleSessionExchange(rc *reqCtx) (any, *apiError) {
	var req sessionExchangeReq
	if e := decodeBody(rc, &req); e != nil {
		return nil, e
	}
	if req.OrganizationID == "" {
		return nil, missingField("organization_id")
	}
	if e := oneSessionArg(req.SessionToken, req.SessionJWT); e != nil {
		return nil, e
	}
	dur, _, e := sessionDuration(req.SessionDurationMinutes)
	if e != nil {
		return nil, e
	}
	claims, e := customClaims(req.SessionCustomClaims)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	old, _, _, e := s.findSessionLocked(req.SessionToken, req.SessionJWT, now)
	if e != nil {
		return nil, e
	}
	o := s.st.OrgByIDOrSlug(req.OrganizationID)
	if o == nil {
		return nil, newErr("organization_not_found")
	}
	m := s.st.MemberOf(o.ID, old.Email)
	if m == nil {
		return nil, newErr("member_not_found")
	}
	activateLocked(m, now)
	resp := sessionResult(m, o)
	carried := exchangeFactors(old, m)
	// Primary factors move too, except SSO (bound to its organization's
	// connection); an organization they don't satisfy (e.g. SSO only) asks
	// for primary authentication first, with a new IST (authpolicy.go).
	s.concludeLocked(rc, &resp, primaryDone{o: o, m: m, email: old.Email, emailID: old.EmailID,
		authenticatedAt: old.AuthenticatedAt, primary: carriedFactors(old), mfa: carried,
		dur: dur, claims: claims}, now)
	return &resp, nil
}
