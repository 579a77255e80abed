package localstytch

import (
	"fmt"
	"strings"
	"time"

	"stytch-desktop/app/localstytch/mfacode"
	"stytch-desktop/app/localstytch/store"
)

// OrganizationOptions are the optional settings of CreateOrganization.
type OrganizationOptions struct {
	LogoURL              string
	EmailAllowedDomains  []string
	EmailJITProvisioning string   // "RESTRICTED" or "NOT_ALLOWED" (default)
	MFAPolicy            string   // "OPTIONAL" (default) or "REQUIRED_FOR_ALL"
	AllowedMFAMethods    []string // empty = all allowed; else RESTRICTED to these ("sms_otp", "totp")
	ExternalID           string
}

// Organization identifies an organization created by a fixture helper.
type Organization struct {
	ID, Name, Slug string
}

// Member identifies a member created by a fixture helper.
type Member struct {
	ID, OrganizationID, Email, Status string
}

// CreateOrganization adds an organization directly (no API call, no IST),
// applying the same validation as discovery.organizations.create. Errors
// wrap the Stytch error type (e.g. organization_slug_already_used).
func (s *Server) CreateOrganization(name, slug string, opts OrganizationOptions) (Organization, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.createOrgLocked(orgSpec{
		name: name, slug: slug, logoURL: opts.LogoURL, domains: opts.EmailAllowedDomains,
		jit: opts.EmailJITProvisioning, mfa: opts.MFAPolicy, externalID: opts.ExternalID,
		mfaMethods: opts.AllowedMFAMethods,
	}, s.clock())
	if err != nil {
		return Organization{}, fmt.Errorf("localstytch.CreateOrganization: %w", err)
	}
	s.persistLocked()
	return Organization{ID: o.ID, Name: o.Name, Slug: o.Slug}, nil
}

// AddMember makes email an active, verified member of org (id or slug).
// An existing member is activated.
func (s *Server) AddMember(org, email string) (Member, error) {
	return s.fixtureMember("localstytch.AddMember", org, email, statusActive)
}

// Invite makes email an invited member of org (id or slug), as an admin's
// invite would; the discovery flow then lists it as invited_member. No email
// is sent.
func (s *Server) Invite(org, email string) (Member, error) {
	return s.fixtureMember("localstytch.Invite", org, email, statusInvited)
}

func (s *Server) fixtureMember(op, org, rawEmail, status string) (Member, error) {
	email, apiErr := normalizeEmail(rawEmail)
	if apiErr != nil {
		return Member{}, fmt.Errorf("%s: %w", op, apiErr)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.OrgByIDOrSlug(org)
	if o == nil {
		return Member{}, fmt.Errorf("%s: %w", op, newErr("organization_not_found"))
	}
	now := s.clock()
	m := s.st.MemberOf(o.ID, email)
	if m == nil {
		m = s.newMemberLocked(o, email, status, now)
	} else {
		m.Status, m.UpdatedAt = status, now
	}
	m.EmailVerified = status == statusActive
	s.persistLocked()
	return Member{ID: m.ID, OrganizationID: o.ID, Email: m.Email, Status: m.Status}, nil
}

type orgSpec struct {
	name, slug, logoURL string
	domains             []string
	jit, mfa            string
	mfaMethods          []string
	externalID          string
	trustedMetadata     map[string]any
}

// createOrgLocked validates and stores a new organization. Caller holds s.mu.
func (s *Server) createOrgLocked(spec orgSpec, now time.Time) (*store.Org, *apiError) {
	if !validOrgName(spec.name) {
		return nil, newErr("invalid_organization_name")
	}
	if !validSlug(spec.slug) {
		return nil, newErr("invalid_organization_slug")
	}
	if s.st.SlugTaken(spec.slug) {
		return nil, newErr("organization_slug_already_used")
	}
	switch spec.jit {
	case "":
		spec.jit = jitNotAllowed
	case jitRestricted, jitNotAllowed:
	default:
		return nil, newErr("invalid_email_jit_provisioning")
	}
	switch spec.mfa {
	case "":
		spec.mfa = mfaOptional
	case mfaOptional, mfaRequiredForAll:
	default:
		return nil, newErr("invalid_mfa_policy")
	}
	for _, m := range spec.mfaMethods {
		if m != mfaSMS && m != mfaTOTP {
			return nil, newErr("invalid_organization_allowed_mfa_methods")
		}
	}
	domains := make([]string, 0, len(spec.domains))
	for _, d := range spec.domains {
		domains = append(domains, strings.ToLower(strings.TrimSpace(d)))
	}
	o := &store.Org{
		ID: store.NewID("organization"), Name: spec.name, Slug: spec.slug, LogoURL: spec.logoURL,
		EmailAllowedDomains: domains, EmailJITProvisioning: spec.jit, MFAPolicy: spec.mfa,
		AllowedMFAMethods: append([]string(nil), spec.mfaMethods...),
		ExternalID:        spec.externalID, TrustedMetadata: spec.trustedMetadata,
		CreatedAt: now, UpdatedAt: now,
	}
	s.st.AddOrg(o)
	return o, nil
}

func (s *Server) newMemberLocked(o *store.Org, email, status string, now time.Time) *store.Member {
	m := &store.Member{
		ID: store.NewID("member"), OrgID: o.ID, Email: email, EmailID: store.NewID("email"),
		Status: status, EmailVerified: status == statusActive, CreatedAt: now, UpdatedAt: now,
	}
	s.st.AddMember(m)
	return m
}

// ensureSandbox creates Stytch's sandbox organization and member so the
// sandbox tokens resolve. Idempotent.
func (s *Server) ensureSandbox(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.st.Orgs[sandboxOrgID]
	if !ok {
		o = &store.Org{
			ID: sandboxOrgID, Name: sandboxOrgName, Slug: sandboxOrgSlug,
			EmailJITProvisioning: jitNotAllowed, MFAPolicy: mfaOptional, CreatedAt: now, UpdatedAt: now,
		}
		s.st.AddOrg(o)
	}
	if s.st.MemberOf(o.ID, sandboxEmail) == nil {
		m := s.newMemberLocked(o, sandboxEmail, statusActive, now)
		m.Name = sandboxMemberName
	}
}

// Demo data for the desktop app's local mode (Options.Seed).
const (
	DemoEmail = "demo@example.com"
	// DemoPhone is demo@example.com's verified MFA phone in Fortress Bank
	// (+1 555-555-01xx numbers are reserved for fiction).
	DemoPhone = "+15555550123"
	// exampleCoLogo is an inline SVG so the inbox and app never contact an
	// external host for a logo.
	exampleCoLogo = "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAzMiAzMiI+PHJlY3Qgd2lkdGg9IjMyIiBoZWlnaHQ9IjMyIiByeD0iNiIgZmlsbD0iIzI1NjNlYiIvPjx0ZXh0IHg9IjE2IiB5PSIyMiIgZm9udC1zaXplPSIxNiIgZm9udC1mYW1pbHk9InNhbnMtc2VyaWYiIGZpbGw9IiNmZmYiIHRleHQtYW5jaG9yPSJtaWRkbGUiPkU8L3RleHQ+PC9zdmc+"
)

// seedDemo adds the demo organizations (idempotent: an org whose slug
// already exists is left alone, so a persisted state is not duplicated):
//
//	Northwind Traders (northwind)  demo@example.com active member
//	Acme Corp (acme)               demo@example.com invited
//	Example Co (example-co)        any @example.com can join (JIT by domain)
//	Fortress Bank (fortress)       demo@example.com active; MFA REQUIRED_FOR_ALL;
//	                               verified phone DemoPhone → a code is texted at sign-in
//	Vault Labs (vault)             demo@example.com active; MFA REQUIRED_FOR_ALL, TOTP only;
//	                               no factor yet → authenticator-app enrollment
//	Harbor Health (harbor)         demo@example.com active; MFA REQUIRED_FOR_ALL, any method;
//	                               no factor yet → choose text message or authenticator app
//
// demo@example.com being in several organizations also exercises switching.
//   - the SSO/OAuth organizations of seedSSOLocked (Globex, Umbrella, Initech)
func (s *Server) seedDemo(now time.Time) error {
	type seedOrg struct {
		name, slug, logo string
		domains          []string
		jit, mfa         string
		mfaMethods       []string
		demoStatus       string // "" = demo is not a member
		demoPhone        string // verified MFA phone of demo
	}
	orgs := []seedOrg{
		{name: "Northwind Traders", slug: "northwind", demoStatus: statusActive},
		{name: "Acme Corp", slug: "acme", demoStatus: statusInvited},
		{name: "Example Co", slug: "example-co", logo: exampleCoLogo, domains: []string{"example.com"}, jit: jitRestricted},
		{name: "Fortress Bank", slug: "fortress", mfa: mfaRequiredForAll, demoStatus: statusActive, demoPhone: DemoPhone},
		{name: "Vault Labs", slug: "vault", mfa: mfaRequiredForAll, mfaMethods: []string{mfaTOTP}, demoStatus: statusActive},
		{name: "Harbor Health", slug: "harbor", mfa: mfaRequiredForAll, demoStatus: statusActive},
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, so := range orgs {
		if s.st.SlugTaken(so.slug) {
			continue
		}
		o, err := s.createOrgLocked(orgSpec{name: so.name, slug: so.slug, logoURL: so.logo,
			domains: so.domains, jit: so.jit, mfa: so.mfa, mfaMethods: so.mfaMethods}, now)
		if err != nil {
			return fmt.Errorf("seed %s: %w", so.slug, err)
		}
		if so.demoStatus != "" {
			m := s.newMemberLocked(o, DemoEmail, so.demoStatus, now)
			m.Name = "Demo User"
			if so.demoPhone != "" {
				setVerifiedPhone(m, so.demoPhone)
			}
		}
	}
	return s.seedSSOLocked(now) // fixtures_sso.go
}

// SetMFAPhone gives the member email of org (id or slug) a verified MFA phone
// (E.164) and enrolls them in MFA, as if they had completed SMS enrollment.
func (s *Server) SetMFAPhone(org, rawEmail, phone string) (Member, error) {
	const op = "localstytch.SetMFAPhone"
	email, apiErr := normalizeEmail(rawEmail)
	if apiErr != nil {
		return Member{}, fmt.Errorf("%s: %w", op, apiErr)
	}
	if _, ok := mfacode.ParseE164(phone); !ok {
		return Member{}, fmt.Errorf("%s: %w", op, newErr("invalid_phone_number"))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.OrgByIDOrSlug(org)
	if o == nil {
		return Member{}, fmt.Errorf("%s: %w", op, newErr("organization_not_found"))
	}
	m := s.st.MemberOf(o.ID, email)
	if m == nil {
		return Member{}, fmt.Errorf("%s: %w", op, newErr("member_not_found"))
	}
	setVerifiedPhone(m, phone)
	s.persistLocked()
	return Member{ID: m.ID, OrganizationID: o.ID, Email: m.Email, Status: m.Status}, nil
}

func setVerifiedPhone(m *store.Member, phone string) {
	mfa := memberMFAOf(m)
	mfa.Phone, mfa.PhoneID, mfa.PhoneVerified, mfa.Enrolled = phone, store.NewID("mfa-phone-number"), true, true
	if mfa.DefaultMethod == "" {
		mfa.DefaultMethod = mfaSMS
	}
}

// EnrollTOTP gives the member email of org (id or slug) an active
// authenticator-app registration, as if they had finished TOTP enrollment,
// and returns its base32 secret (TOTPCode computes its codes) and backup codes.
func (s *Server) EnrollTOTP(org, rawEmail string) (secret string, recoveryCodes []string, err error) {
	const op = "localstytch.EnrollTOTP"
	email, apiErr := normalizeEmail(rawEmail)
	if apiErr != nil {
		return "", nil, fmt.Errorf("%s: %w", op, apiErr)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.OrgByIDOrSlug(org)
	if o == nil {
		return "", nil, fmt.Errorf("%s: %w", op, newErr("organization_not_found"))
	}
	m := s.st.MemberOf(o.ID, email)
	if m == nil {
		return "", nil, fmt.Errorf("%s: %w", op, newErr("member_not_found"))
	}
	if hasTOTP(m) {
		return "", nil, fmt.Errorf("%s: %w", op, newErr("active_totp_exists"))
	}
	now := s.clock()
	reg, secret, codes := s.newTOTPLocked(m, now, time.Hour)
	reg.Verified = true
	mfa := memberMFAOf(m)
	mfa.TOTPID, mfa.Enrolled = reg.ID, true
	if mfa.DefaultMethod == "" {
		mfa.DefaultMethod = mfaTOTP
	}
	s.persistLocked()
	return secret, codes, nil
}
