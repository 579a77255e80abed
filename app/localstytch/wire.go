package localstytch

import (
	"time"
)

// Wire encoders. Responses are built as maps rather than with the SDK's
// structs: every SDK field is `omitempty`, so encoding them would drop
// fields Stytch always sends (member_authenticated:false, an empty
// intermediate_session_token, null member_session) — docs/local-api.md §1.

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

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

func orgJSON(o *orgRecord) map[string]any {
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
	out := map[string]any{
		"organization_id":                          o.ID,
		"organization_name":                        o.Name,
		"organization_logo_url":                    o.LogoURL,
		"organization_slug":                        o.Slug,
		"organization_external_id":                 o.ExternalID,
		"sso_jit_provisioning":                     allAllowed,
		"sso_jit_provisioning_allowed_connections": []string{},
		"sso_active_connections":                   []any{},
		"sso_default_connection_id":                nil,
		"scim_active_connection":                   nil,
		"email_allowed_domains":                    orEmpty(o.EmailAllowedDomains),
		"email_jit_provisioning":                   jit,
		"email_invites":                            allAllowed,
		"auth_methods":                             allAllowed,
		"allowed_auth_methods":                     []string{},
		"mfa_policy":                               mfa,
		"mfa_methods":                              mfaMethods,
		"allowed_mfa_methods":                      orEmpty(o.AllowedMFAMethods),
		"rbac_email_implicit_role_assignments":     []any{},
		"oauth_tenant_jit_provisioning":            jitNotAllowed,
		"allowed_oauth_tenants":                    map[string]any{},
		"claimed_email_domains":                    []string{},
		"first_party_connected_apps_allowed_type":  allAllowed,
		"allowed_first_party_connected_apps":       []string{},
		"third_party_connected_apps_allowed_type":  allAllowed,
		"allowed_third_party_connected_apps":       []string{},
		"custom_roles":                             []any{}, // required by Stytch's Node and Python SDKs
		"trusted_metadata":                         orEmptyMap(o.TrustedMetadata),
		"created_at":                               ts(o.CreatedAt),
		"updated_at":                               ts(o.UpdatedAt),
	}
	addAuthPolicyJSON(out, o)
	return out
}

// roleIDs is the flat list used in member_session.roles and the JWT.
func roleIDs(m *memberRecord) []string {
	if m.IsAdmin {
		return []string{"stytch_member", "stytch_admin"}
	}
	return []string{"stytch_member"}
}

func memberJSON(m *memberRecord) map[string]any {
	roles := []map[string]any{}
	for _, id := range roleIDs(m) {
		roles = append(roles, map[string]any{
			"role_id": id,
			"sources": []map[string]any{{"type": "direct_assignment", "details": map[string]any{}}},
		})
	}
	var mfa memberMFA
	if m.MFA != nil {
		mfa = *m.MFA
	}
	return map[string]any{
		"organization_id":           m.OrgID,
		"member_id":                 m.ID,
		"email_address":             m.Email,
		"status":                    m.Status,
		"name":                      m.Name,
		"sso_registrations":         []any{},
		"oauth_registrations":       []any{},
		"retired_email_addresses":   []any{},
		"is_breakglass":             false,
		"is_admin":                  m.IsAdmin,
		"is_locked":                 false,
		"member_password_id":        "",
		"email_address_verified":    m.EmailVerified,
		"mfa_enrolled":              mfa.Enrolled,
		"mfa_phone_number":          mfa.Phone,
		"mfa_phone_number_verified": mfa.PhoneVerified,
		"totp_registration_id":      mfa.TOTPID,
		"default_mfa_method":        mfa.DefaultMethod,
		"roles":                     roles,
		"trusted_metadata":          map[string]any{},
		"untrusted_metadata":        map[string]any{},
		"external_id":               "",
		"scim_registration":         nil,
		"lock_created_at":           nil,
		"lock_expires_at":           nil,
		"created_at":                ts(m.CreatedAt),
		"updated_at":                ts(m.UpdatedAt),
	}
}

func factorJSON(email, emailID string, at time.Time) map[string]any {
	return authFactorJSON(magicLinkFactor(email, emailID, at))
}

func sessionJSON(s *sessionRecord, m *memberRecord, o *orgRecord) map[string]any {
	return map[string]any{
		"member_session_id":      s.ID,
		"member_id":              s.MemberID,
		"organization_id":        s.OrgID,
		"organization_slug":      o.Slug,
		"started_at":             ts(s.StartedAt),
		"last_accessed_at":       ts(s.LastAccessedAt),
		"expires_at":             ts(s.ExpiresAt),
		"authentication_factors": factorsJSON(s),
		"roles":                  roleIDs(m),
		"custom_claims":          orEmptyMap(s.CustomClaims),
	}
}

// factorsJSON lists a session's factors: the primary factors (email magic
// link, OAuth, SSO; authpolicy.go), then the MFA factors it gained
// (mfa_wire.go).
func factorsJSON(s *sessionRecord) []map[string]any {
	out := authFactorsJSON(s.primaryFactors())
	for _, f := range s.Factors {
		out = append(out, mfaFactorJSON(f))
	}
	return out
}
