package localstytch

import (
	"fmt"
	"slices"
	"time"

	"stytch-desktop/app/localstytch/store"
)

// SSOConnection identifies an SSO connection created by AddSSOConnection.
type SSOConnection struct {
	ID, OrganizationID, DisplayName, IdentityProvider, Protocol string
}

// AddSSOConnection adds an active SSO connection to org (id or slug).
// protocol is "saml" or "oidc"; identityProvider is Stytch's label (e.g.
// "okta", "microsoft-entra", "generic"). makeDefault sets it as the
// organization's sso_default_connection_id.
func (s *Server) AddSSOConnection(org, displayName, identityProvider, protocol string, makeDefault bool) (SSOConnection, error) {
	const op = "localstytch.AddSSOConnection"
	if protocol != "saml" && protocol != "oidc" {
		return SSOConnection{}, fmt.Errorf("%s: protocol %q is not saml or oidc", op, protocol)
	}
	if !validOrgName(displayName) {
		return SSOConnection{}, fmt.Errorf("%s: invalid display name", op)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.OrgByIDOrSlug(org)
	if o == nil {
		return SSOConnection{}, fmt.Errorf("%s: %w", op, newErr("organization_not_found"))
	}
	c := addConnection(o, displayName, identityProvider, protocol, makeDefault, s.clock())
	s.persistLocked()
	return SSOConnection{ID: c.ID, OrganizationID: o.ID, DisplayName: c.DisplayName,
		IdentityProvider: c.IdentityProvider, Protocol: c.Protocol}, nil
}

func addConnection(o *store.Org, displayName, idp, protocol string, makeDefault bool, now time.Time) store.SSOConnection {
	c := store.SSOConnection{ID: store.NewID(protocol + "-connection"), DisplayName: displayName,
		IdentityProvider: idp, Protocol: protocol}
	o.Auth.SSOConnections = append(o.Auth.SSOConnections, c)
	if makeDefault {
		o.Auth.SSODefaultConnectionID = c.ID
	}
	o.UpdatedAt = now
	return c
}

// RestrictAuthMethods sets org's auth_methods to RESTRICTED with the given
// allowed_auth_methods (e.g. "sso"), or back to ALL_ALLOWED when none.
func (s *Server) RestrictAuthMethods(org string, allowed ...string) error {
	const op = "localstytch.RestrictAuthMethods"
	for _, m := range allowed {
		if !slices.Contains(knownAuthMethods, m) {
			return fmt.Errorf("%s: unknown auth method %q", op, m)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.OrgByIDOrSlug(org)
	if o == nil {
		return fmt.Errorf("%s: %w", op, newErr("organization_not_found"))
	}
	if len(allowed) == 0 {
		o.Auth.AuthMethods, o.Auth.AllowedAuthMethods = "", nil
	} else {
		o.Auth.AuthMethods, o.Auth.AllowedAuthMethods = authMethodsRestricted, append([]string(nil), allowed...)
	}
	o.UpdatedAt = s.clock()
	s.persistLocked()
	return nil
}

// AllowOAuthTenants lets accounts of the given provider tenants (the local
// identity provider reports the email domain as tenant) JIT-join org:
// oauth_tenant_jit_provisioning RESTRICTED + allowed_oauth_tenants.
func (s *Server) AllowOAuthTenants(org, provider string, tenants ...string) error {
	const op = "localstytch.AllowOAuthTenants"
	if _, ok := oauthProviders[provider]; !ok {
		return fmt.Errorf("%s: unknown provider %q", op, provider)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.OrgByIDOrSlug(org)
	if o == nil {
		return fmt.Errorf("%s: %w", op, newErr("organization_not_found"))
	}
	allowOAuthTenants(o, provider, tenants...)
	o.UpdatedAt = s.clock()
	s.persistLocked()
	return nil
}

func allowOAuthTenants(o *store.Org, provider string, tenants ...string) {
	o.Auth.OAuthTenantJITProvisioning = jitRestricted
	if o.Auth.AllowedOAuthTenants == nil {
		o.Auth.AllowedOAuthTenants = map[string][]string{}
	}
	o.Auth.AllowedOAuthTenants[provider] = append(o.Auth.AllowedOAuthTenants[provider], tenants...)
}

// seedSSOLocked adds the SSO/OAuth demo organizations (idempotent by slug):
//
//	Globex Corporation (globex)  SSO only; two connections (Okta SAML, Microsoft Entra OIDC), no default;
//	                             demo@example.com active
//	Umbrella Health (umbrella)   SSO only; default connection "Umbrella Okta"; demo@example.com active
//	Initech (initech)            joinable by OAuth tenant example.com (Google, Microsoft);
//	                             not by email domain, so only OAuth discovery lists it
//
// Caller holds s.mu.
func (s *Server) seedSSOLocked(now time.Time) error {
	type seed struct {
		name, slug string
		setup      func(*store.Org)
		demo       bool
	}
	seeds := []seed{
		{name: "Globex Corporation", slug: "globex", demo: true, setup: func(o *store.Org) {
			o.Auth.AuthMethods, o.Auth.AllowedAuthMethods = authMethodsRestricted, []string{methodSSO}
			addConnection(o, "Okta", "okta", "saml", false, now)
			addConnection(o, "Microsoft Entra ID", "microsoft-entra", "oidc", false, now)
		}},
		{name: "Umbrella Health", slug: "umbrella", demo: true, setup: func(o *store.Org) {
			o.Auth.AuthMethods, o.Auth.AllowedAuthMethods = authMethodsRestricted, []string{methodSSO}
			addConnection(o, "Umbrella Okta", "okta", "saml", true, now)
		}},
		{name: "Initech", slug: "initech", setup: func(o *store.Org) {
			allowOAuthTenants(o, "google", "example.com")
			allowOAuthTenants(o, "microsoft", "example.com")
		}},
	}
	for _, sd := range seeds {
		if s.st.SlugTaken(sd.slug) {
			continue
		}
		o, err := s.createOrgLocked(orgSpec{name: sd.name, slug: sd.slug}, now)
		if err != nil {
			return fmt.Errorf("seed %s: %w", sd.slug, err)
		}
		sd.setup(o)
		if sd.demo {
			m := s.newMemberLocked(o, DemoEmail, statusActive, now)
			m.Name = "Demo User"
		}
	}
	return nil
}
