package localstytch

import (
	"time"

	"stytch-desktop/app/localstytch/store"
	"stytch-desktop/app/localstytch/wire"
)

// Encoders from the emulator's records to the answer types of package wire
// (field by field as Stytch documents them; docs/local-api.md §1).

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// tsPtr is a timestamp field Stytch sends as null when unset.
func tsPtr(t time.Time) *string {
	s := ts(t)
	return &s
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func orEmptyMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func orgJSON(o *store.Org) wire.Organization {
	jit := o.EmailJITProvisioning
	if jit == "" {
		jit = jitNotAllowed
	}
	mfa := o.MFAPolicy
	if mfa == "" {
		mfa = mfaOptional
	}
	mfaMethods := allAllowed
	if len(o.AllowedMFAMethods) > 0 {
		mfaMethods = jitRestricted // "RESTRICTED"
	}
	out := wire.Organization{
		OrganizationID:                       o.ID,
		OrganizationName:                     o.Name,
		OrganizationLogoURL:                  o.LogoURL,
		OrganizationSlug:                     o.Slug,
		OrganizationExternalID:               o.ExternalID,
		SSOJITProvisioningAllowedConnections: []string{},
		EmailAllowedDomains:                  orEmpty(o.EmailAllowedDomains),
		EmailJITProvisioning:                 jit,
		EmailInvites:                         allAllowed,
		MFAPolicy:                            mfa,
		MFAMethods:                           mfaMethods,
		AllowedMFAMethods:                    orEmpty(o.AllowedMFAMethods),
		RBACEmailImplicitRoleAssignments:     []wire.EmailImplicitRoleAssignment{},
		ClaimedEmailDomains:                  []string{},
		FirstPartyConnectedAppsAllowedType:   allAllowed,
		AllowedFirstPartyConnectedApps:       []string{},
		ThirdPartyConnectedAppsAllowedType:   allAllowed,
		AllowedThirdPartyConnectedApps:       []string{},
		CustomRoles:                          []wire.CustomRole{},
		TrustedMetadata:                      orEmptyMap(o.TrustedMetadata),
		CreatedAt:                            ts(o.CreatedAt),
		UpdatedAt:                            ts(o.UpdatedAt),
	}
	addAuthPolicyJSON(&out, o)
	return out
}

// roleIDs is the flat list used in member_session.roles and the JWT.
func roleIDs(m *store.Member) []string {
	if m.IsAdmin {
		return []string{roleMember, roleAdmin}
	}
	return []string{roleMember}
}

func memberJSON(m *store.Member) wire.Member {
	roles := []wire.MemberRole{}
	for _, id := range roleIDs(m) {
		roles = append(roles, wire.MemberRole{
			RoleID:  id,
			Sources: []wire.MemberRoleSource{{Type: "direct_assignment", Details: map[string]any{}}},
		})
	}
	var mfa store.MemberMFA
	if m.MFA != nil {
		mfa = *m.MFA
	}
	return wire.Member{
		OrganizationID:         m.OrgID,
		MemberID:               m.ID,
		EmailAddress:           m.Email,
		Status:                 m.Status,
		Name:                   m.Name,
		SSORegistrations:       []wire.SSORegistration{},
		OAuthRegistrations:     []wire.OAuthRegistration{},
		RetiredEmailAddresses:  []wire.RetiredEmail{},
		IsAdmin:                m.IsAdmin,
		EmailAddressVerified:   m.EmailVerified,
		MFAEnrolled:            mfa.Enrolled,
		MFAPhoneNumber:         mfa.Phone,
		MFAPhoneNumberVerified: mfa.PhoneVerified,
		TOTPRegistrationID:     mfa.TOTPID,
		DefaultMFAMethod:       mfa.DefaultMethod,
		Roles:                  roles,
		TrustedMetadata:        map[string]any{},
		UntrustedMetadata:      map[string]any{},
		CreatedAt:              ts(m.CreatedAt),
		UpdatedAt:              ts(m.UpdatedAt),
	}
}

func sessionJSON(s *store.Session, m *store.Member, o *store.Org) wire.MemberSession {
	return wire.MemberSession{
		MemberSessionID:       s.ID,
		MemberID:              s.MemberID,
		OrganizationID:        s.OrgID,
		OrganizationSlug:      o.Slug,
		StartedAt:             ts(s.StartedAt),
		LastAccessedAt:        ts(s.LastAccessedAt),
		ExpiresAt:             ts(s.ExpiresAt),
		AuthenticationFactors: factorsJSON(s),
		Roles:                 roleIDs(m),
		CustomClaims:          orEmptyMap(s.CustomClaims),
	}
}

// factorsJSON lists a session's factors: the primary factors (email magic
// link, OAuth, SSO; authpolicy.go), then the MFA factors it gained
// (mfa_wire.go).
func factorsJSON(s *store.Session) []wire.AuthenticationFactor {
	out := authFactorsJSON(s.PrimaryFactors())
	for _, f := range s.Factors {
		out = append(out, mfaFactorJSON(f))
	}
	return out
}

// factorJSON starts an authentication factor: a factor is created, and last
// authenticated, when it is proven (the local API keeps one time per factor).
func factorJSON(typ, delivery string, at time.Time) wire.AuthenticationFactor {
	return wire.AuthenticationFactor{Type: typ, DeliveryMethod: delivery,
		LastAuthenticatedAt: ts(at), CreatedAt: ts(at), UpdatedAt: ts(at)}
}

// sessionResult starts the shared body of an authenticate answer.
func sessionResult(m *store.Member, o *store.Org) wire.SessionResult {
	return wire.SessionResult{MemberID: m.ID, Member: memberJSON(m), Organization: orgJSON(o)}
}
