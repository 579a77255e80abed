package localstytch

import (
	"strconv"
	"strings"
	"time"

	"stytch-desktop/app/localstytch/store"
	"stytch-desktop/app/localstytch/wire"
)

// discoveredOrgsLocked lists the organizations email can enter. With an IST
// all membership types are listed; with a member session only existing
// memberships (docs/local-api.md §3). factors are what the caller authenticated
// with (nil = an email magic link); they decide primary_required and
// eligibility by OAuth tenant. Caller holds s.mu.
func (s *Server) discoveredOrgsLocked(email string, includeEligible bool, factors ...store.AuthFactor) []wire.DiscoveredOrganization {
	if len(factors) == 0 {
		factors = []store.AuthFactor{store.MagicLinkFactor(email, "", time.Time{})}
	}
	out := []wire.DiscoveredOrganization{}
	for _, o := range s.st.OrgsInOrder() {
		var typ string
		var details map[string]string
		var member *wire.Member // null when no Member exists yet
		m := s.st.MemberOf(o.ID, email)
		if m != nil {
			switch m.Status {
			case statusActive:
				typ = "active_member"
			case statusPending:
				typ = "pending_member"
			case statusInvited:
				typ = "invited_member"
			default:
				continue
			}
			mj := memberJSON(m)
			member = &mj
		} else if domain, ok := eligibleByDomain(o, email); ok && includeEligible {
			typ = "eligible_to_join_by_email_domain"
			details = map[string]string{"domain": domain}
		} else if provider, tenant, ok := eligibleByOAuthTenant(o, factors); ok && includeEligible {
			typ = "eligible_to_join_by_oauth_tenant"
			details = map[string]string{"provider": provider, "tenant_id": tenant}
		} else {
			continue
		}
		// An organization restricting its methods (e.g. SSO only) asks for
		// primary authentication first; otherwise only MFA leaves the member
		// unauthenticated.
		d := wire.DiscoveredOrganization{
			MemberAuthenticated: true,
			Organization:        orgJSON(o),
			Membership:          wire.Membership{Type: typ, Details: details, Member: member},
		}
		if allowed := primaryRequired(o, factors); allowed != nil {
			d.PrimaryRequired, d.MemberAuthenticated = &wire.PrimaryRequired{AllowedAuthMethods: allowed}, false
		} else if needsMFA(o, m) {
			d.MFARequired, d.MemberAuthenticated = mfaRequiredJSON(m, ""), false // listing never texts a code
		}
		out = append(out, d)
	}
	return out
}

// lookupISTLocked returns a live, unused IST. Caller holds s.mu.
func (s *Server) lookupISTLocked(token string, now time.Time) (*store.IST, *apiError) {
	if token == "" {
		return nil, missingField("intermediate_session_token")
	}
	ist, ok := s.st.ISTs[store.HashToken(token)]
	if !ok || ist.Used || !now.Before(ist.ExpiresAt) {
		return nil, newErr("intermediate_session_not_found")
	}
	return ist, nil
}

// --- POST /v1/b2b/discovery/intermediate_sessions/exchange ---

type istExchangeReq struct {
	IST                    string         `json:"intermediate_session_token"`
	OrganizationID         string         `json:"organization_id"`
	SessionDurationMinutes int64          `json:"session_duration_minutes"`
	SessionCustomClaims    map[string]any `json:"session_custom_claims"`
	Locale                 string         `json:"locale"`
	TelemetryID            string         `json:"telemetry_id"`
}

func (s *Server) handleISTExchange(rc *reqCtx) (any, *apiError) {
	var req istExchangeReq
	if e := decodeBody(rc, &req); e != nil {
		return nil, e
	}
	if req.IST == "" {
		return nil, missingField("intermediate_session_token")
	}
	if req.OrganizationID == "" {
		return nil, missingField("organization_id")
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
	ist, e := s.lookupISTLocked(req.IST, now)
	if e != nil {
		return nil, e
	}
	o := s.st.OrgByIDOrSlug(req.OrganizationID)
	if o == nil {
		return nil, newErr("organization_not_found")
	}
	factors := ist.Factors()
	m := s.st.MemberOf(o.ID, ist.Email)
	if m == nil {
		_, byDomain := eligibleByDomain(o, ist.Email)
		_, _, byTenant := eligibleByOAuthTenant(o, factors)
		if !byDomain && !byTenant {
			// IST not consumed: the user can still pick another org.
			return nil, newErr("email_jit_provisioning_not_allowed")
		}
		m = s.newMemberLocked(o, ist.Email, statusActive, now) // JIT by email domain or OAuth tenant
	}
	// Invited/pending members are activated (the IST proves the address).
	// This also happens when MFA is still required, so member_id is stable.
	activateLocked(m, now)
	resp := sessionResult(m, o)
	// Unless a session is issued the IST is not consumed: Stytch returns the
	// same one for the MFA step, and it carries on to SSO (or another method).
	s.concludeLocked(rc, &resp, istDone(o, m, ist, req.IST, dur, claims), now)
	return &resp, nil
}

// istDone is the primary step finished by an IST (discovery exchange and
// organization create): the IST's email and factors, the member's email id.
func istDone(o *store.Org, m *store.Member, ist *store.IST, token string, dur time.Duration, claims map[string]any) primaryDone {
	return primaryDone{o: o, m: m, email: ist.Email, emailID: m.EmailID, authenticatedAt: ist.AuthenticatedAt,
		primary: ist.Primary, ist: ist, istToken: token, dur: dur, claims: claims}
}

// --- POST /v1/b2b/discovery/organizations/create ---

type orgCreateReq struct {
	IST                    string         `json:"intermediate_session_token"`
	SessionDurationMinutes int64          `json:"session_duration_minutes"`
	SessionCustomClaims    map[string]any `json:"session_custom_claims"`
	OrganizationName       string         `json:"organization_name"`
	OrganizationSlug       string         `json:"organization_slug"`
	OrganizationExternalID string         `json:"organization_external_id"`
	OrganizationLogoURL    string         `json:"organization_logo_url"`
	TrustedMetadata        map[string]any `json:"trusted_metadata"`
	EmailAllowedDomains    []string       `json:"email_allowed_domains"`
	EmailJITProvisioning   string         `json:"email_jit_provisioning"`
	MFAPolicy              string         `json:"mfa_policy"`
	MFAMethods             string         `json:"mfa_methods"`
	AllowedMFAMethods      []string       `json:"allowed_mfa_methods"`
}

func (s *Server) handleOrgCreate(rc *reqCtx) (any, *apiError) {
	var req orgCreateReq
	if e := decodeBody(rc, &req); e != nil {
		return nil, e
	}
	if req.IST == "" {
		return nil, missingField("intermediate_session_token")
	}
	dur, _, e := sessionDuration(req.SessionDurationMinutes)
	if e != nil {
		return nil, e
	}
	claims, e := customClaims(req.SessionCustomClaims)
	if e != nil {
		return nil, e
	}
	if req.OrganizationName != "" && !validOrgName(req.OrganizationName) {
		return nil, newErr("invalid_organization_name")
	}
	if req.OrganizationSlug != "" && !validSlug(req.OrganizationSlug) {
		return nil, newErr("invalid_organization_slug")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	ist, e := s.lookupISTLocked(req.IST, now)
	if e != nil {
		return nil, e
	}
	name := req.OrganizationName
	if name == "" {
		name = defaultOrgName(ist.Email)
	}
	slug := req.OrganizationSlug
	if slug == "" {
		slug = s.uniqueSlugLocked(slugify(name))
	}
	o, e := s.createOrgLocked(orgSpec{
		name: name, slug: slug, logoURL: req.OrganizationLogoURL, domains: req.EmailAllowedDomains,
		jit: req.EmailJITProvisioning, mfa: req.MFAPolicy, externalID: req.OrganizationExternalID,
		trustedMetadata: req.TrustedMetadata, mfaMethods: restrictedMFA(req.MFAMethods, req.AllowedMFAMethods),
	}, now)
	if e != nil {
		return nil, e
	}
	m := s.newMemberLocked(o, ist.Email, statusActive, now)
	m.IsAdmin = true // the creator gets stytch_admin
	resp := sessionResult(m, o)
	s.concludeLocked(rc, &resp, istDone(o, m, ist, req.IST, dur, claims), now)
	return &resp, nil
}

// defaultOrgName derives a name from the email domain ("acme.io" → "Acme"),
// standing in for Stytch's undocumented derivation.
func defaultOrgName(email string) string {
	domain := email[strings.LastIndexByte(email, '@')+1:]
	label, _, _ := strings.Cut(domain, ".")
	if label == "" {
		return "My Organization"
	}
	return strings.ToUpper(label[:1]) + label[1:]
}

func slugify(name string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(name) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '~' {
			b.WriteRune(c)
		} else if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
			b.WriteByte('-')
		}
	}
	slug := strings.Trim(b.String(), "-")
	if len(slug) > maxSlugLen-8 {
		slug = slug[:maxSlugLen-8]
	}
	if len(slug) < minSlugLen {
		slug = "org-" + slug
	}
	return slug
}

func (s *Server) uniqueSlugLocked(base string) string {
	slug := base
	for i := 2; s.st.SlugTaken(slug); i++ {
		slug = base + "-" + strconv.Itoa(i)
	}
	return slug
}

// --- POST /v1/b2b/discovery/organizations (list; consumes nothing) ---

type orgListReq struct {
	IST          string `json:"intermediate_session_token"`
	SessionToken string `json:"session_token"`
	SessionJWT   string `json:"session_jwt"`
}

func (s *Server) handleOrgList(rc *reqCtx) (any, *apiError) {
	var req orgListReq
	if e := decodeBody(rc, &req); e != nil {
		return nil, e
	}
	n := 0
	for _, v := range []string{req.IST, req.SessionToken, req.SessionJWT} {
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
	if req.IST != "" {
		ist, e := s.lookupISTLocked(req.IST, now)
		if e != nil {
			return nil, e
		}
		// Stytch sends null, not "", when the IST is not tied to an
		// organization (Node: organization_id_hint?: string).
		var hint any
		if ist.OrgID != "" {
			hint = ist.OrgID
		}
		return map[string]any{
			"email_address":            ist.Email,
			"discovered_organizations": s.discoveredOrgsLocked(ist.Email, true, ist.Factors()...),
			"organization_id_hint":     hint,
		}, nil
	}
	sess, _, _, e := s.findSessionLocked(req.SessionToken, req.SessionJWT, now)
	if e != nil {
		return nil, e
	}
	orgs := s.discoveredOrgsLocked(sess.Email, false, carriedFactors(sess)...)
	for i := range orgs {
		// The session already satisfies its own organization's policy.
		if d := &orgs[i]; d.Organization.OrganizationID == sess.OrgID {
			d.MemberAuthenticated, d.MFARequired, d.PrimaryRequired = true, nil, nil
		}
	}
	return map[string]any{
		"email_address":            sess.Email,
		"discovered_organizations": orgs,
		"organization_id_hint":     nil,
	}, nil
}

// restrictedMFA is allowed_mfa_methods when mfa_methods is RESTRICTED (the
// list is ignored under ALL_ALLOWED, as Stytch's docs describe).
func restrictedMFA(mode string, allowed []string) []string {
	if mode != jitRestricted {
		return nil
	}
	return allowed
}
