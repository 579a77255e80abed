package localstytch

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"stytch-desktop/app/localstytch/store"
	"stytch-desktop/app/localstytch/wire"
)

// --- POST /v1/b2b/magic_links/email/discovery/send ---

type discoverySendReq struct {
	EmailAddress               string `json:"email_address"`
	DiscoveryRedirectURL       string `json:"discovery_redirect_url"`
	PKCECodeChallenge          string `json:"pkce_code_challenge"`
	LoginTemplateID            string `json:"login_template_id"`
	Locale                     string `json:"locale"`
	DiscoveryExpirationMinutes int64  `json:"discovery_expiration_minutes"`
}

func (s *Server) handleDiscoverySend(rc *reqCtx) (any, *apiError) {
	var req discoverySendReq
	if e := decodeBody(rc, &req); e != nil {
		return nil, e
	}
	email, e := normalizeEmail(req.EmailAddress)
	if e != nil {
		return nil, e
	}
	redirect, e := s.checkRedirect(req.DiscoveryRedirectURL, "invalid_discovery_redirect_url")
	if e != nil {
		return nil, e
	}
	ttl, e := linkExpiry(req.DiscoveryExpirationMinutes)
	if e != nil {
		return nil, e
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	if e := s.rateLimitLocked(rc, email, now); e != nil {
		return nil, e
	}
	s.issueLinkLocked(rc, &store.MagicToken{
		Kind: kindDiscovery, Email: email, PKCEChallenge: req.PKCECodeChallenge,
		RedirectURL: redirect, CreatedAt: now, ExpiresAt: now.Add(ttl),
	}, "Your sign-in link", "")
	s.persistLocked()
	return map[string]any{}, nil
}

// rateLimitLocked enforces Stytch's one email-sending request per second per
// address across send endpoints. Caller holds s.mu.
func (s *Server) rateLimitLocked(rc *reqCtx, email string, now time.Time) *apiError {
	if last, ok := s.lastSend[email]; ok {
		if wait := emailSendMinInterval - now.Sub(last); wait > 0 {
			rc.w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
			return newErr("too_many_requests")
		}
	}
	s.lastSend[email] = now // stale entries go in sweepLocked (bounds.go)
	return nil
}

// issueLinkLocked stores a magic-link token (by hash only) and puts the
// email, whose link carries the raw token, in the in-memory outbox. The link
// points at this server's redirect hop, like Stytch's
// test.stytch.com/v1/magic_links/redirect. Caller holds s.mu.
func (s *Server) issueLinkLocked(rc *reqCtx, t *store.MagicToken, subject, slug string) {
	s.sweepLocked(t.CreatedAt)
	token := store.NewToken()
	s.st.AddMagicToken(store.HashToken(token), t)
	q := url.Values{}
	q.Set("public_token", s.publicToken)
	q.Set("stytch_token_type", t.Kind)
	q.Set("token", token)
	if slug != "" {
		q.Set("slug", slug)
	}
	s.addMessageLocked(&messageRecord{
		ID: store.NewID("message"), To: t.Email, Subject: subject, TokenType: t.Kind,
		Origin: "http://" + rc.r.Host, PathQuery: "/v1/magic_links/redirect?" + q.Encode(),
		SentAt: t.CreatedAt,
	})
}

// lookupLinkLocked resolves a magic-link token of the given kind without
// consuming it. A token of the other kind is reported as not found.
func (s *Server) lookupLinkLocked(token, kind string, now time.Time) (*store.MagicToken, *apiError) {
	t, ok := s.st.MagicTokens[store.HashToken(token)]
	if !ok || t.Kind != kind {
		return nil, newErr("magic_link_not_found")
	}
	if t.Used || !now.Before(t.ExpiresAt) {
		return nil, newErr("unable_to_auth_magic_link")
	}
	return t, nil
}

// --- POST /v1/b2b/magic_links/discovery/authenticate ---

type discoveryAuthReq struct {
	Token            string `json:"discovery_magic_links_token"`
	PKCECodeVerifier string `json:"pkce_code_verifier"`
}

func (s *Server) handleDiscoveryAuthenticate(rc *reqCtx) (any, *apiError) {
	var req discoveryAuthReq
	if e := decodeBody(rc, &req); e != nil {
		return nil, e
	}
	if req.Token == "" {
		return nil, missingField("discovery_magic_links_token")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()

	var email string
	switch req.Token {
	case sandboxToken401:
		return nil, newErr("unable_to_auth_magic_link")
	case sandboxToken404:
		return nil, newErr("magic_link_not_found")
	case sandboxTokenOK:
		// Reusable; PKCE rules as for a link sent without a challenge
		// (see the sandbox constants in validate.go for what Stytch's docs say).
		if e := checkPKCE("", req.PKCECodeVerifier); e != nil {
			return nil, e
		}
		email = sandboxEmail
	default:
		t, e := s.lookupLinkLocked(req.Token, kindDiscovery, now)
		if e != nil {
			return nil, e
		}
		// PKCE is checked before consuming: a mismatch leaves the link usable.
		if e := checkPKCE(t.PKCEChallenge, req.PKCECodeVerifier); e != nil {
			return nil, e
		}
		t.Used = true
		email = t.Email
	}

	istExpires := now.Add(istLifetime)
	ist := s.st.NewIST(&store.IST{
		Email: email, EmailID: s.st.EmailID(email), AuthenticatedAt: now, ExpiresAt: istExpires,
	})
	s.persistLocked()
	return &wire.DiscoveryAuthenticateResponse{
		IntermediateSessionToken:          ist,
		IntermediateSessionTokenExpiresAt: ts(istExpires),
		EmailAddress:                      email,
		DiscoveredOrganizations:           s.discoveredOrgsLocked(email, true),
	}, nil
}

// --- POST /v1/b2b/magic_links/email/login_or_signup ---

type loginOrSignupReq struct {
	OrganizationID          string `json:"organization_id"`
	EmailAddress            string `json:"email_address"`
	LoginRedirectURL        string `json:"login_redirect_url"`
	SignupRedirectURL       string `json:"signup_redirect_url"`
	PKCECodeChallenge       string `json:"pkce_code_challenge"`
	LoginTemplateID         string `json:"login_template_id"`
	SignupTemplateID        string `json:"signup_template_id"`
	Locale                  string `json:"locale"`
	LoginExpirationMinutes  int64  `json:"login_expiration_minutes"`
	SignupExpirationMinutes int64  `json:"signup_expiration_minutes"`
}

func (s *Server) handleLoginOrSignup(rc *reqCtx) (any, *apiError) {
	var req loginOrSignupReq
	if e := decodeBody(rc, &req); e != nil {
		return nil, e
	}
	if req.OrganizationID == "" {
		return nil, missingField("organization_id")
	}
	email, e := normalizeEmail(req.EmailAddress)
	if e != nil {
		return nil, e
	}
	loginURL, e := s.checkRedirect(req.LoginRedirectURL, "invalid_login_redirect_url")
	if e != nil {
		return nil, e
	}
	signupURL, e := s.checkRedirect(req.SignupRedirectURL, "invalid_signup_redirect_url")
	if e != nil {
		return nil, e
	}
	loginTTL, e := linkExpiry(req.LoginExpirationMinutes)
	if e != nil {
		return nil, e
	}
	signupTTL, e := linkExpiry(req.SignupExpirationMinutes)
	if e != nil {
		return nil, e
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	o := s.st.OrgByIDOrSlug(req.OrganizationID)
	if o == nil {
		return nil, newErr("organization_not_found")
	}
	m := s.st.MemberOf(o.ID, email)
	if m == nil {
		if _, ok := eligibleByDomain(o, email); !ok {
			return nil, newErr("email_jit_provisioning_not_allowed")
		}
	}
	if e := s.rateLimitLocked(rc, email, now); e != nil {
		return nil, e
	}
	created := false
	if m == nil {
		// Stytch creates a pending member that becomes active on click.
		m = s.newMemberLocked(o, email, statusPending, now)
		created = true
	}
	// Active members get a login email; new, pending and invited members a
	// signup email (docs/local-api.md §3).
	redirect, ttl, subject := loginURL, loginTTL, "Your login link for "+o.Name
	if m.Status != statusActive {
		redirect, ttl, subject = signupURL, signupTTL, "Finish signing up for "+o.Name
	}
	s.issueLinkLocked(rc, &store.MagicToken{
		Kind: kindMultiTenant, Email: email, OrgID: o.ID, MemberID: m.ID,
		PKCEChallenge: req.PKCECodeChallenge, RedirectURL: redirect,
		CreatedAt: now, ExpiresAt: now.Add(ttl),
	}, subject, o.Slug)
	s.persistLocked()
	return map[string]any{
		"member_id":      m.ID,
		"member_created": created,
		"member":         memberJSON(m),
		"organization":   orgJSON(o),
	}, nil
}

// --- POST /v1/b2b/magic_links/authenticate ---

type magicLinkAuthReq struct {
	Token                    string         `json:"magic_links_token"`
	PKCECodeVerifier         string         `json:"pkce_code_verifier"`
	SessionToken             string         `json:"session_token"`
	SessionJWT               string         `json:"session_jwt"`
	SessionDurationMinutes   int64          `json:"session_duration_minutes"`
	SessionCustomClaims      map[string]any `json:"session_custom_claims"`
	Locale                   string         `json:"locale"`
	IntermediateSessionToken string         `json:"intermediate_session_token"`
}

func (s *Server) handleMagicLinkAuthenticate(rc *reqCtx) (any, *apiError) {
	var req magicLinkAuthReq
	if e := decodeBody(rc, &req); e != nil {
		return nil, e
	}
	if req.Token == "" {
		return nil, missingField("magic_links_token")
	}
	if req.SessionToken != "" && req.SessionJWT != "" {
		return nil, newErr("too_many_session_arguments")
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
	var o *store.Org
	var m *store.Member
	switch req.Token {
	case sandboxToken401:
		return nil, newErr("unable_to_auth_magic_link")
	case sandboxToken404:
		return nil, newErr("magic_link_not_found")
	case sandboxTokenOK:
		if e := checkPKCE("", req.PKCECodeVerifier); e != nil {
			return nil, e
		}
		o = s.st.Orgs[sandboxOrgID]
		m = s.st.MemberOf(sandboxOrgID, sandboxEmail)
	default:
		t, e := s.lookupLinkLocked(req.Token, kindMultiTenant, now)
		if e != nil {
			return nil, e
		}
		if e := checkPKCE(t.PKCEChallenge, req.PKCECodeVerifier); e != nil {
			return nil, e
		}
		o, m = s.st.Orgs[t.OrgID], s.st.Members[t.MemberID]
		if o == nil || m == nil {
			return nil, newErr("member_not_found")
		}
		t.Used = true
	}
	// Clicking the link proves the address: pending/invited become active.
	activateLocked(m, now)

	resp := &wire.MagicLinkAuthenticateResponse{SessionResult: sessionResult(m, o), MethodID: m.EmailID, OrganizationID: o.ID}
	// An organization that doesn't accept email links (e.g. SSO only) asks
	// for its method first, with an IST carrying the link (authpolicy.go).
	s.concludeLocked(rc, &resp.SessionResult, primaryDone{o: o, m: m, email: m.Email, emailID: m.EmailID,
		authenticatedAt: now, dur: dur, claims: claims}, now)
	return resp, nil
}

func activateLocked(m *store.Member, now time.Time) {
	if m.Status != statusActive || !m.EmailVerified {
		m.Status, m.EmailVerified, m.UpdatedAt = statusActive, true, now
	}
}

// withSession fills the fields of a fully authenticated answer. token is
// the raw session token just minted; the record only knows its hash. The
// handler must also call rc.signLater: writeOK fills session_jwt.
// member_device stays null (only sent with device fingerprinting).
func withSession(r *wire.SessionResult, sess *store.Session, token string, m *store.Member, o *store.Org) {
	ms := sessionJSON(sess, m, o)
	r.MemberAuthenticated = true
	r.IntermediateSessionToken, r.IntermediateSessionTokenExpiresAt = "", nil
	r.SessionToken, r.MemberSession = token, &ms
	r.MFARequired, r.PrimaryRequired = nil, nil
}

// notDoneYet fills the fields every "not done yet" answer shares
// (docs/local-api.md §2): no session, the IST and its expiry.
func notDoneYet(r *wire.SessionResult, ist string, istExpires time.Time) {
	r.MemberAuthenticated = false
	r.IntermediateSessionToken, r.IntermediateSessionTokenExpiresAt = ist, tsPtr(istExpires)
	r.SessionToken, r.SessionJWT, r.MemberSession = "", "", nil
	r.MFARequired, r.PrimaryRequired = nil, nil
}

// withMFARequired fills the answer of a member who still needs MFA
// (docs/local-api.md §2); mfaStepLocked (handlers_mfa.go) builds
// mfaRequired and texts a code when Stytch would.
func withMFARequired(r *wire.SessionResult, ist string, istExpires time.Time, mfaRequired *wire.MFARequired) {
	notDoneYet(r, ist, istExpires)
	r.MFARequired = mfaRequired
}

// --- GET /v1/magic_links/redirect (the email link hop) ---

// handleRedirectHop mimics Stytch's redirect page: 302 to the redirect URL
// the token was sent with, adding stytch_token_type and token (and slug for
// organization links) while keeping the URL's own query parameters. It does
// not consume or check the expiry of the token — Stytch's hop doesn't
// either; authenticate reports used/expired links.
func (s *Server) handleRedirectHop(rc *reqCtx) {
	if rc.r.Method != http.MethodGet && rc.r.Method != http.MethodHead {
		s.writeError(rc, newErr("method_not_allowed"))
		return
	}
	q := rc.r.URL.Query()
	token := q.Get("token")
	s.mu.Lock()
	// Looked up by hash, so a link delivered before a restart still works
	// although the outbox that held it is gone.
	t, ok := s.st.MagicTokens[store.HashToken(token)]
	var redirect, kind, slug string
	if ok {
		redirect, kind = t.RedirectURL, t.Kind
		if o := s.st.Orgs[t.OrgID]; o != nil && t.Kind == kindMultiTenant {
			slug = o.Slug
		}
	}
	s.mu.Unlock()
	if !ok {
		s.writeError(rc, newErr("magic_link_not_found"))
		return
	}
	u, err := url.Parse(redirect)
	if err != nil { // allow-listed URLs were valid when stored; be defensive
		s.writeError(rc, newErr("internal_server_error"))
		return
	}
	rq := u.Query()
	rq.Set("stytch_token_type", kind)
	rq.Set("token", token)
	if slug != "" {
		rq.Set("slug", slug)
	}
	u.RawQuery = rq.Encode()
	rc.w.Header().Set("Cache-Control", "no-store")
	rc.w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(rc.w, rc.r, u.String(), http.StatusFound)
}
