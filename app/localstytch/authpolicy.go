package localstytch

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"stytch-desktop/app/localstytch/store"
	"stytch-desktop/app/localstytch/wire"
)

// Organization authentication policy and session factors: which primary
// methods an organization accepts (auth_methods / allowed_auth_methods), its
// SSO connections and its OAuth-tenant JIT rule, and the factors an
// intermediate session or member session carries (docs/local-api.md §2,
// §7).

// Primary authentication methods as Stytch names them in
// allowed_auth_methods and primary_required.allowed_auth_methods.
const (
	methodSSO            = "sso"
	methodMagicLink      = "magic_link"
	methodGoogleOAuth    = "google_oauth"
	methodMicrosoftOAuth = "microsoft_oauth"
)

// authMethodsRestricted is auth_methods: RESTRICTED (ALL_ALLOWED is the
// default, stored as "").
const authMethodsRestricted = "RESTRICTED"

// knownAuthMethods are the values Stytch accepts in allowed_auth_methods.
var knownAuthMethods = []string{methodSSO, methodMagicLink, "email_otp", "password",
	methodGoogleOAuth, methodMicrosoftOAuth, "slack_oauth", "github_oauth", "hubspot_oauth"}

// oauthProviders are the B2B OAuth providers Stytch serves start endpoints
// for; the local identity-provider page stands in for each of them.
var oauthProviders = map[string]string{ // path name -> provider_type as Stytch returns it
	"google":    "Google",
	"microsoft": "Microsoft",
	"hubspot":   "HubSpot",
	"slack":     "Slack",
	"github":    "GitHub",
}

// withFactor returns fs plus f, replacing an earlier factor of the same
// method (re-authenticating refreshes it rather than duplicating it).
func withFactor(fs []store.AuthFactor, f store.AuthFactor) []store.AuthFactor {
	out := make([]store.AuthFactor, 0, len(fs)+1)
	for _, g := range fs {
		if g.Method() != f.Method() || g.ConnectionID != f.ConnectionID {
			out = append(out, g)
		}
	}
	return append(out, f)
}

func transferableFactors(fs []store.AuthFactor) []store.AuthFactor {
	var out []store.AuthFactor
	for _, f := range fs {
		if f.Transferable() {
			out = append(out, f)
		}
	}
	return out
}

// carriedFactors are the factors of sess that would move to another
// organization's session; never empty (an SSO-only session carries a
// placeholder that satisfies no method).
func carriedFactors(sess *store.Session) []store.AuthFactor {
	fs := transferableFactors(store.FactorsOr(sess.Primary, sess.Email, sess.EmailID, sess.AuthenticatedAt))
	if len(fs) == 0 {
		return []store.AuthFactor{{Type: "none", Email: sess.Email}}
	}
	return fs
}

// primaryRequired returns the organization's allowed_auth_methods when none
// of factors satisfies them, or nil when primary authentication is done.
// An SSO factor counts only in the organization owning its connection.
func primaryRequired(o *store.Org, factors []store.AuthFactor) []string {
	if o.Auth.AuthMethods != authMethodsRestricted {
		return nil
	}
	for _, f := range factors {
		if f.Type == "sso" && o.Auth.Connection(f.ConnectionID) == nil {
			continue
		}
		if slices.Contains(o.Auth.AllowedAuthMethods, f.Method()) {
			return nil
		}
	}
	return append([]string{}, o.Auth.AllowedAuthMethods...)
}

// oauthTenant returns the OAuth factor's provider and tenant, if any.
func oauthTenant(factors []store.AuthFactor) (provider, tenant string) {
	for _, f := range factors {
		if f.Type == "oauth" {
			return f.Provider, tenantOf(f.Provider, f.Email)
		}
	}
	return "", ""
}

// tenantOf is the tenant id the local identity provider reports: the email
// domain (a Google Workspace "hd" claim is exactly that; for Microsoft the
// real tid is a UUID, the domain keeps the emulator readable — a guess).
func tenantOf(provider, email string) string {
	if provider == "" {
		return ""
	}
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return ""
	}
	return strings.ToLower(email[at+1:])
}

// eligibleByOAuthTenant reports whether an OAuth factor's tenant may
// JIT-join o (oauth_tenant_jit_provisioning RESTRICTED + allowed tenant).
func eligibleByOAuthTenant(o *store.Org, factors []store.AuthFactor) (provider, tenant string, ok bool) {
	if o.Auth.OAuthTenantJITProvisioning != jitRestricted {
		return "", "", false
	}
	provider, tenant = oauthTenant(factors)
	if tenant == "" {
		return "", "", false
	}
	return provider, tenant, slices.Contains(o.Auth.AllowedOAuthTenants[provider], tenant)
}

// providerSubject is the stable "sub" the local identity provider reports
// for an account: 21 digits, the shape of a Google subject.
func providerSubject(provider, email string) string {
	sum := sha256.Sum256([]byte(provider + "\x00" + strings.ToLower(email)))
	h := hex.EncodeToString(sum[:])
	var b strings.Builder
	b.WriteByte('1')
	for i := 0; b.Len() < 21; i++ {
		b.WriteByte('0' + h[i]%10)
	}
	return b.String()
}

// --- wire ---

func authFactorJSON(f store.AuthFactor) wire.AuthenticationFactor {
	out := factorJSON(f.Type, f.DeliveryMethod, f.At)
	sso := &wire.SSOFactor{ID: f.RegistrationID, ProviderID: f.ConnectionID, ExternalID: f.Subject}
	oauth := &wire.OAuthFactor{ID: f.RegistrationID, EmailID: f.EmailID, ProviderSubject: f.Subject}
	switch {
	case f.Type == "magic_link":
		out.EmailFactor = &wire.EmailFactor{EmailID: f.EmailID, EmailAddress: f.Email}
	case f.DeliveryMethod == "sso_saml":
		out.SAMLSSOFactor = sso
	case f.DeliveryMethod == "sso_oidc":
		out.OIDCSSOFactor = sso
	case f.Type == "oauth":
		switch f.Provider {
		case "google":
			out.GoogleOAuthFactor = oauth
		case "microsoft":
			out.MicrosoftOAuthFactor = oauth
		case "hubspot":
			out.HubspotOAuthFactor = oauth
		case "slack":
			out.SlackOAuthFactor = oauth
		case "github":
			out.GithubOAuthFactor = oauth
		}
	}
	return out
}

func authFactorsJSON(fs []store.AuthFactor) []wire.AuthenticationFactor {
	out := make([]wire.AuthenticationFactor, 0, len(fs))
	for _, f := range fs {
		out = append(out, authFactorJSON(f))
	}
	return out
}

// addAuthPolicyJSON fills the policy fields of an organization object.
func addAuthPolicyJSON(out *wire.Organization, o *store.Org) {
	a := &o.Auth
	methods := allAllowed
	if a.AuthMethods != "" {
		methods = a.AuthMethods
	}
	conns := []wire.SSOActiveConnection{}
	for _, c := range a.SSOConnections {
		conns = append(conns, wire.SSOActiveConnection{
			ConnectionID: c.ID, DisplayName: c.DisplayName, IdentityProvider: c.IdentityProvider,
		})
	}
	var def *string // null when there is no default connection
	if a.SSODefaultConnectionID != "" {
		id := a.SSODefaultConnectionID
		def = &id
	}
	ssoJIT := allAllowed
	if a.SSOJITProvisioning != "" {
		ssoJIT = a.SSOJITProvisioning
	}
	tenantJIT := jitNotAllowed
	if a.OAuthTenantJITProvisioning != "" {
		tenantJIT = a.OAuthTenantJITProvisioning
	}
	tenants := map[string][]string{}
	for p, ids := range a.AllowedOAuthTenants {
		tenants[p] = append([]string{}, ids...)
	}
	out.AuthMethods = methods
	out.AllowedAuthMethods = orEmpty(append([]string(nil), a.AllowedAuthMethods...))
	out.SSOActiveConnections = conns
	out.SSODefaultConnectionID = def
	out.SSOJITProvisioning = ssoJIT
	out.OAuthTenantJITProvisioning = tenantJIT
	out.AllowedOAuthTenants = tenants
}

// withPrimaryRequired fills the 200 "not done yet" shape of a member who
// still has to authenticate with one of allowed (docs/local-api.md §2): primary
// first, so mfa_required is null even in an MFA organization.
func withPrimaryRequired(r *wire.SessionResult, ist string, allowed []string, istExpires time.Time) {
	notDoneYet(r, ist, istExpires)
	r.PrimaryRequired = &wire.PrimaryRequired{AllowedAuthMethods: allowed}
}
