package localstytch

import (
	"net/http"
	"time"

	"stytch-desktop/app/localstytch/store"
	"stytch-desktop/app/localstytch/wire"
)

// newSessionLocked creates a member session and returns it with its raw
// token, which exists only to be put in this one response: the record keeps
// just the hash. Caller holds s.mu.
func (s *Server) newSessionLocked(rc *reqCtx, m *store.Member, o *store.Org, email, emailID string,
	authenticatedAt, now time.Time, dur time.Duration, claims map[string]any) (*store.Session, string) {
	token := store.NewToken()
	sess := &store.Session{
		ID: store.NewID("member-session"), TokenHash: store.HashToken(token), MemberID: m.ID, OrgID: o.ID,
		Email: email, EmailID: emailID, StartedAt: now, LastAccessedAt: now,
		ExpiresAt: now.Add(dur), AuthenticatedAt: authenticatedAt, CustomClaims: claims,
	}
	s.sweepLocked(now)
	s.st.AddSession(sess)
	s.st.Issued[sess.ID] = token
	return sess, token
}

// sessionJWTLocked signs a session JWT at once (under s.mu). Handlers use
// rc.signLater(s.sessionClaimsLocked(…)) instead, so the RSA signature —
// the most expensive step of a flow — is computed after s.mu is released.
func (s *Server) sessionJWTLocked(sess *store.Session, m *store.Member, o *store.Org, now time.Time) (string, error) {
	return s.signer.sign(s.sessionClaimsLocked(sess, m, o, now))
}

// signLater hands the claims of the response's session_jwt to writeOK,
// which signs them once the handler has returned and released s.mu. The
// claims must not share mutable state with the records (sessionClaimsLocked
// builds fresh maps).
func (rc *reqCtx) signLater(claims map[string]any) { rc.jwtClaims = claims }

// sessionClaimsLocked builds a 5-minute session JWT's claims with Stytch's
// layout (docs/local-api.md §4): stytch-go and the Node SDK both parse them.
// Caller holds s.mu (the records are read).
func (s *Server) sessionClaimsLocked(sess *store.Session, m *store.Member, o *store.Org, now time.Time) map[string]any {
	claims := map[string]any{}
	for k, v := range sess.CustomClaims {
		claims[k] = v
	}
	claims["iss"] = "stytch.com/" + s.projectID
	claims["aud"] = []string{s.projectID}
	claims["sub"] = m.ID
	claims["iat"] = now.Unix()
	claims["nbf"] = now.Unix()
	claims["exp"] = now.Add(sessionJWTLifetime).Unix()
	claims["https://stytch.com/session"] = map[string]any{
		"id":                     sess.ID,
		"started_at":             ts(sess.StartedAt),
		"last_accessed_at":       ts(sess.LastAccessedAt),
		"expires_at":             ts(sess.ExpiresAt),
		"attributes":             map[string]any{"ip_address": sess.IPAddress, "user_agent": sess.UserAgent},
		"authentication_factors": factorsJSON(sess),
		"roles":                  roleIDs(m),
	}
	claims["https://stytch.com/organization"] = map[string]any{"organization_id": o.ID, "slug": o.Slug}
	return claims
}

// findSessionLocked resolves a live session from a token or a JWT signed by
// this server. Expired sessions are deleted and reported as not found, the
// same as revoked or unknown ones. A JWT that does not verify is also
// reported as session_not_found (Stytch's exact type for a forged JWT is
// unknown; to the app both mean "sign in again").
func (s *Server) findSessionLocked(token, jwt string, now time.Time) (*store.Session, *store.Member, *store.Org, *apiError) {
	var sess *store.Session
	switch {
	case token != "":
		sess = s.st.SessionByToken[store.HashToken(token)]
	case jwt != "":
		claims, err := s.signer.verify(jwt)
		if err == nil {
			if sc, ok := claims["https://stytch.com/session"].(map[string]any); ok {
				if id, ok := sc["id"].(string); ok {
					sess = s.st.Sessions[id]
				}
			}
		}
	}
	if sess == nil {
		return nil, nil, nil, newErr("session_not_found")
	}
	if !now.Before(sess.ExpiresAt) {
		s.st.DeleteSession(sess)
		return nil, nil, nil, newErr("session_not_found")
	}
	m, o := s.st.Members[sess.MemberID], s.st.Orgs[sess.OrgID]
	if m == nil || o == nil {
		return nil, nil, nil, newErr("session_not_found")
	}
	return sess, m, o, nil
}

func oneSessionArg(token, jwt string) *apiError {
	switch {
	case token != "" && jwt != "":
		return newErr("too_many_session_arguments")
	case token == "" && jwt == "":
		return newErr("no_session_arguments")
	}
	return nil
}

// mergeClaims returns a NEW map with claims laid over old. Copy on write:
// earlier responses may still be encoding the old map outside s.mu.
func mergeClaims(old, claims map[string]any) map[string]any {
	merged := make(map[string]any, len(old)+len(claims))
	for k, v := range old {
		merged[k] = v
	}
	for k, v := range claims {
		merged[k] = v
	}
	return merged
}

// --- POST /v1/b2b/sessions/authenticate ---

type sessionAuthReq struct {
	SessionToken           string              `json:"session_token"`
	SessionJWT             string              `json:"session_jwt"`
	SessionDurationMinutes int64               `json:"session_duration_minutes"`
	SessionCustomClaims    map[string]any      `json:"session_custom_claims"`
	AuthorizationCheck     *authorizationCheck `json:"authorization_check"` // rbac.go
}

func (s *Server) handleSessionAuthenticate(rc *reqCtx) (any, *apiError) {
	var req sessionAuthReq
	if e := decodeBody(rc, &req); e != nil {
		return nil, e
	}
	if e := oneSessionArg(req.SessionToken, req.SessionJWT); e != nil {
		return nil, e
	}
	dur, extend, e := sessionDuration(req.SessionDurationMinutes)
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
	sess, m, o, e := s.findSessionLocked(req.SessionToken, req.SessionJWT, now)
	if e != nil {
		s.persistLocked() // an expired session may have been deleted
		return nil, e
	}
	// Checked before anything changes: a refused check touches nothing.
	var verdict *wire.AuthorizationVerdict
	if req.AuthorizationCheck != nil {
		if verdict, e = authorize(req.AuthorizationCheck, o.ID, roleIDs(m)); e != nil {
			return nil, e
		}
	}
	sess.LastAccessedAt = now
	// Stytch extends the session only when a duration is passed.
	if extend {
		sess.ExpiresAt = now.Add(dur)
	}
	if claims != nil {
		sess.CustomClaims = mergeClaims(sess.CustomClaims, claims)
	}
	rc.signLater(s.sessionClaimsLocked(sess, m, o, now))
	s.persistLocked()
	token := req.SessionToken
	if token == "" {
		// JWT-only: Stytch answers with the session token too. Only hashes
		// are persisted, so this works for sessions issued since the start.
		token = s.st.Issued[sess.ID]
	}
	// session_jwt is signed by writeOK after s.mu is released.
	return &wire.SessionsAuthenticateResponse{
		MemberSession: sessionJSON(sess, m, o), SessionToken: token, Member: memberJSON(m), Organization: orgJSON(o),
		Verdict: verdict,
	}, nil
}

// --- POST /v1/b2b/sessions/revoke ---

type sessionRevokeReq struct {
	MemberSessionID string `json:"member_session_id"`
	SessionToken    string `json:"session_token"`
	SessionJWT      string `json:"session_jwt"`
	MemberID        string `json:"member_id"`
}

func (s *Server) handleSessionRevoke(rc *reqCtx) (any, *apiError) {
	var req sessionRevokeReq
	if e := decodeBody(rc, &req); e != nil {
		return nil, e
	}
	n := 0
	for _, v := range []string{req.MemberSessionID, req.SessionToken, req.SessionJWT, req.MemberID} {
		if v != "" {
			n++
		}
	}
	if n == 0 {
		return nil, newErr("no_session_arguments")
	}
	if n > 1 {
		return nil, newErr("too_many_session_arguments")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	switch {
	case req.MemberID != "":
		if s.st.Members[req.MemberID] == nil {
			return nil, newErr("member_not_found")
		}
		for _, sess := range s.st.Sessions {
			if sess.MemberID == req.MemberID {
				s.st.DeleteSession(sess)
			}
		}
	case req.MemberSessionID != "":
		sess := s.st.Sessions[req.MemberSessionID]
		if sess == nil || !now.Before(sess.ExpiresAt) {
			return nil, newErr("session_not_found")
		}
		s.st.DeleteSession(sess)
	default:
		sess, _, _, e := s.findSessionLocked(req.SessionToken, req.SessionJWT, now)
		if e != nil {
			return nil, e
		}
		s.st.DeleteSession(sess)
	}
	s.persistLocked()
	return map[string]any{}, nil
}

// --- GET /v1/b2b/sessions/jwks/{project_id} (no auth, like Stytch) ---

func (s *Server) handleJWKS(rc *reqCtx, projectID string) {
	if rc.r.Method != http.MethodGet && rc.r.Method != http.MethodHead {
		s.writeError(rc, newErr("method_not_allowed"))
		return
	}
	if projectID != s.projectID {
		s.writeError(rc, newErr("project_not_found"))
		return
	}
	s.mu.Lock()
	key := s.signer.jwk()
	s.mu.Unlock()
	s.writeOK(rc, map[string]any{"keys": []map[string]any{key}})
}
