package localstytch

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	discoveryorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/oauth"
	oauthdiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/oauth/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sso"
	consumersessions "github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
)

const appRedirect = "stytch-desktop://auth/callback"

// seededOrg returns a seeded organization as the API reports it.
func (e *env) seededOrg(slug string) organizations.Organization {
	e.t.Helper()
	ist := e.discoveryIST(DemoEmail).IntermediateSessionToken
	e.clock.Advance(2 * time.Second) // past the 1/s send limit for the next discoveryIST
	l, err := e.client.Discovery.Organizations.List(ctx(e.t), &discoveryorgs.ListParams{IntermediateSessionToken: ist})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, d := range l.DiscoveredOrganizations {
		if d.Organization.OrganizationSlug == slug {
			return *d.Organization
		}
	}
	e.t.Fatalf("no seeded organization %s", slug)
	return organizations.Organization{}
}

// callback runs a browser round trip and checks the redirect back to the app.
func (e *env) callback(start, email, wantType string) string {
	e.t.Helper()
	cb := browserRoundTrip(e.t, e.do(), e.base, start, email)
	if got := cb.Scheme + "://" + cb.Host + cb.Path; got != appRedirect {
		e.t.Fatalf("redirected to %s, want %s", got, appRedirect)
	}
	if typ := cb.Query().Get("stytch_token_type"); typ != wantType {
		e.t.Fatalf("stytch_token_type = %q, want %q", typ, wantType)
	}
	tok := cb.Query().Get("token")
	if !reToken.MatchString(tok) {
		e.t.Fatalf("token %q", tok)
	}
	return tok
}

func sortedFactorTypes(fs []consumersessions.AuthenticationFactor) []string {
	var out []string
	for _, f := range fs {
		out = append(out, string(f.Type)+"/"+string(f.DeliveryMethod))
	}
	slices.Sort(out)
	return out
}

// TestSSOWithDiscoveryIST is the SSO-only organization with a default
// connection: the discovery magic link lists it with primary_required sso,
// exchange keeps the IST, SSO at the default connection adds the SSO factor
// to that IST and yields a session carrying both factors.
func TestSSOWithDiscoveryIST(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	umbrella := e.seededOrg("umbrella")
	if umbrella.SSODefaultConnectionID == "" || len(umbrella.SSOActiveConnections) != 1 ||
		umbrella.AuthMethods != "RESTRICTED" || !slices.Equal(umbrella.AllowedAuthMethods, []string{"sso"}) {
		t.Fatalf("umbrella = %+v", umbrella)
	}
	ist := e.discoveryIST(DemoEmail).IntermediateSessionToken
	x, err := e.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: ist, OrganizationID: "umbrella"})
	if err != nil {
		t.Fatal(err)
	}
	if x.MemberAuthenticated || x.IntermediateSessionToken != ist || x.SessionToken != "" || x.MemberSession != nil ||
		x.PrimaryRequired == nil || !slices.Equal(x.PrimaryRequired.AllowedAuthMethods, []string{"sso"}) || x.MFARequired != nil {
		t.Fatalf("exchange into SSO-only org = %+v", x)
	}

	v, c := pkcePair(t)
	tok := e.callback(ssoStart(e.srv.PublicToken(), "organization_id", umbrella.OrganizationID,
		"login_redirect_url", appRedirect, "signup_redirect_url", appRedirect, "pkce_code_challenge", c), DemoEmail, "sso")
	resp, err := e.client.SSO.Authenticate(ctx(t), &sso.AuthenticateParams{
		SSOToken: tok, PkceCodeVerifier: v, IntermediateSessionToken: ist, SessionDurationMinutes: 30})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.MemberAuthenticated || resp.IntermediateSessionToken != "" || resp.OrganizationID != umbrella.OrganizationID ||
		resp.Member.EmailAddress != DemoEmail || !reToken.MatchString(resp.SessionToken) || resp.MemberSession == nil {
		t.Fatalf("sso authenticate = %+v", resp)
	}
	if got := sortedFactorTypes(resp.MemberSession.AuthenticationFactors); !slices.Equal(got, []string{"magic_link/email", "sso/sso_saml"}) {
		t.Fatalf("factors = %v", got)
	}
	saml := resp.MemberSession.AuthenticationFactors
	for _, f := range saml {
		if f.Type == "sso" && (f.SAMLSSOFactor == nil || f.SAMLSSOFactor.ProviderID != umbrella.SSODefaultConnectionID) {
			t.Fatalf("sso factor = %+v", f)
		}
	}
	// The IST is spent; the session works, and its JWT carries the factors.
	_, err = e.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: ist, OrganizationID: "northwind"})
	wantStytchErr(t, err, 404, "intermediate_session_not_found")
	// (Remote: the test clock runs ahead of the wall clock stytch-go's local
	// JWT check uses.)
	viaJWT, err := e.client.Sessions.Authenticate(ctx(t), &sessions.AuthenticateParams{SessionJWT: resp.SessionJWT})
	if err != nil || len(viaJWT.MemberSession.AuthenticationFactors) != 2 {
		t.Fatalf("JWT = %+v, %v", viaJWT, err)
	}
	// A session of the SSO-only org lists it as authenticated.
	l, err := e.client.Discovery.Organizations.List(ctx(t), &discoveryorgs.ListParams{SessionToken: resp.SessionToken})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range l.DiscoveredOrganizations {
		switch d.Organization.OrganizationSlug {
		case "umbrella":
			if !d.MemberAuthenticated || d.PrimaryRequired != nil {
				t.Errorf("own org: %+v", d)
			}
		case "globex": // SSO factors do not transfer between organizations
			if d.MemberAuthenticated || d.PrimaryRequired == nil {
				t.Errorf("globex: %+v", d)
			}
		}
	}
}

// TestSSOWithoutIST picks one of several connections (no default) and
// authenticates the SSO token alone.
func TestSSOWithoutIST(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	globex := e.seededOrg("globex")
	if globex.SSODefaultConnectionID != "" || len(globex.SSOActiveConnections) != 2 {
		t.Fatalf("globex = %+v", globex)
	}
	var entra organizations.ActiveSSOConnection
	for _, c := range globex.SSOActiveConnections {
		if c.DisplayName == "Microsoft Entra ID" {
			entra = c
		}
	}
	if entra.IdentityProvider != "microsoft-entra" || !strings.HasPrefix(entra.ConnectionID, "oidc-connection-test-") {
		t.Fatalf("connections = %+v", globex.SSOActiveConnections)
	}
	// organization_id alone has no default connection to use.
	_, refused := startRoundTrip(t, e.do(), e.base, ssoStart(e.srv.PublicToken(), "organization_id", "globex"))
	wantHTTPErr(t, refused, 400, "no_sso_connection_exists_for_organization")

	v, c := pkcePair(t)
	tok := e.callback(ssoStart(e.srv.PublicToken(), "connection_id", entra.ConnectionID, "pkce_code_challenge", c), DemoEmail, "sso")
	resp, err := e.client.SSO.Authenticate(ctx(t), &sso.AuthenticateParams{SSOToken: tok, PkceCodeVerifier: v})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.MemberAuthenticated || resp.OrganizationID != globex.OrganizationID {
		t.Fatalf("resp = %+v", resp)
	}
	f := resp.MemberSession.AuthenticationFactors
	if len(f) != 1 || f[0].DeliveryMethod != "sso_oidc" || f[0].OIDCSSOFactor == nil || f[0].OIDCSSOFactor.ProviderID != entra.ConnectionID {
		t.Fatalf("factors = %+v", f)
	}
	// Single use.
	_, err = e.client.SSO.Authenticate(ctx(t), &sso.AuthenticateParams{SSOToken: tok, PkceCodeVerifier: v})
	wantStytchErr(t, err, 404, "sso_token_not_found")

	// A new address joins by SSO JIT provisioning (ALL_ALLOWED by default)
	// and went through the signup redirect URL.
	v, c = pkcePair(t)
	tok = e.callback(ssoStart(e.srv.PublicToken(), "connection_id", entra.ConnectionID, "pkce_code_challenge", c), "new.hire@globex.example", "sso")
	resp, err = e.client.SSO.Authenticate(ctx(t), &sso.AuthenticateParams{SSOToken: tok, PkceCodeVerifier: v})
	if err != nil || resp.Member.EmailAddress != "new.hire@globex.example" || resp.Member.Status != "active" {
		t.Fatalf("JIT = %+v, %v", resp, err)
	}
}

// TestSSOAuthenticateErrors covers PKCE, token kind, reuse, expiry and IST
// mismatches; failures before consumption leave the token usable.
func TestSSOAuthenticateErrors(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	umbrella := e.seededOrg("umbrella")
	start := func(c string) string {
		return ssoStart(e.srv.PublicToken(), "organization_id", umbrella.OrganizationID, "pkce_code_challenge", c)
	}
	v, c := pkcePair(t)
	tok := e.callback(start(c), DemoEmail, "sso")
	other, _ := pkcePair(t)
	auth := func(p sso.AuthenticateParams) error {
		_, err := e.client.SSO.Authenticate(ctx(t), &p)
		return err
	}
	wantStytchErr(t, auth(sso.AuthenticateParams{SSOToken: tok, PkceCodeVerifier: other}), 400, "pkce_mismatch")
	wantStytchErr(t, auth(sso.AuthenticateParams{SSOToken: tok}), 400, "pkce_expected_code_verifier")
	wantStytchErr(t, auth(sso.AuthenticateParams{SSOToken: tok, PkceCodeVerifier: v, IntermediateSessionToken: "nope"}), 404, "intermediate_session_not_found")
	// An IST of another email does not combine with this SSO login.
	e.clock.Advance(2 * time.Second)
	foreign := e.discoveryIST("someone@example.com").IntermediateSessionToken
	wantStytchErr(t, auth(sso.AuthenticateParams{SSOToken: tok, PkceCodeVerifier: v, IntermediateSessionToken: foreign}), 400,
		"invalid_intermediate_session_token_for_organization")
	// An IST already tied to another organization doesn't either.
	e.clock.Advance(2 * time.Second)
	tied := e.discoveryIST(DemoEmail).IntermediateSessionToken
	if _, err := e.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: tied, OrganizationID: "globex"}); err != nil {
		t.Fatal(err)
	}
	wantStytchErr(t, auth(sso.AuthenticateParams{SSOToken: tok, PkceCodeVerifier: v, IntermediateSessionToken: tied}), 400,
		"invalid_intermediate_session_token_for_organization")
	wantStytchErr(t, auth(sso.AuthenticateParams{SSOToken: tok, PkceCodeVerifier: v, SessionToken: "x", SessionJWT: "y"}), 400, "too_many_session_arguments")
	wantStytchErr(t, auth(sso.AuthenticateParams{SSOToken: tok, PkceCodeVerifier: v, SessionDurationMinutes: 1}), 400, "invalid_session_duration_minutes")
	// An OAuth token is not an SSO token, and vice versa.
	ov, oc := pkcePair(t)
	otok := e.callback(oauthStart("google", e.srv.PublicToken(), true, "pkce_code_challenge", oc), DemoEmail, "discovery_oauth")
	wantStytchErr(t, auth(sso.AuthenticateParams{SSOToken: otok, PkceCodeVerifier: ov}), 404, "sso_token_not_found")
	_, err := e.client.OAuth.Discovery.Authenticate(ctx(t), &oauthdiscovery.AuthenticateParams{DiscoveryOAuthToken: tok, PkceCodeVerifier: v})
	wantStytchErr(t, err, 404, "oauth_token_not_found")
	// All of the above left the token usable.
	if err := auth(sso.AuthenticateParams{SSOToken: tok, PkceCodeVerifier: v}); err != nil {
		t.Fatalf("token after failed attempts: %v", err)
	}
	// Expired after 10 minutes.
	v, c = pkcePair(t)
	tok = e.callback(start(c), DemoEmail, "sso")
	e.clock.Advance(idpTokenLifetime)
	wantStytchErr(t, auth(sso.AuthenticateParams{SSOToken: tok, PkceCodeVerifier: v}), 404, "sso_token_not_found")
	wantStytchErr(t, auth(sso.AuthenticateParams{}), 400, "missing_required_field")
}

// TestSSOThenMFA: an SSO login into an organization requiring MFA answers
// the 200 "not done yet" shape; with an IST, the same IST comes back.
func TestSSOThenMFA(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	o, err := e.srv.CreateOrganization("Vault Co", "vault-sso", OrganizationOptions{MFAPolicy: "REQUIRED_FOR_ALL"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.AddMember("vault-sso", DemoEmail); err != nil {
		t.Fatal(err)
	}
	conn, err := e.srv.AddSSOConnection("vault-sso", "Vault Okta", "okta", "saml", true)
	if err != nil || conn.OrganizationID != o.ID {
		t.Fatal(conn, err)
	}
	if err := e.srv.RestrictAuthMethods("vault-sso", "sso"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.SetMFAPhone("vault-sso", DemoEmail, DemoPhone); err != nil {
		t.Fatal(err)
	}
	// MFA can't stand in for the missing SSO: an IST from the magic link,
	// exchanged into the SSO-only org, is refused by the MFA step.
	x := e.exchangeInto(DemoEmail, "vault-sso")
	if x.PrimaryRequired == nil || x.MFARequired != nil {
		t.Fatalf("exchange = %+v", x)
	}
	_, err = e.client.OTPs.Sms.Send(ctx(t), &sms.SendParams{OrganizationID: o.ID, MemberID: x.MemberID, IntermediateSessionToken: x.IntermediateSessionToken})
	wantStytchErr(t, err, 400, "action_available_only_once_primary_authentication_is_met")
	for _, withIST := range []bool{false, true} {
		e.clock.Advance(2 * time.Second)
		var ist string
		if withIST {
			ist = e.discoveryIST(DemoEmail).IntermediateSessionToken
		}
		v, c := pkcePair(t)
		tok := e.callback(ssoStart(e.srv.PublicToken(), "organization_id", "vault-sso", "pkce_code_challenge", c), DemoEmail, "sso")
		resp, err := e.client.SSO.Authenticate(ctx(t), &sso.AuthenticateParams{SSOToken: tok, PkceCodeVerifier: v, IntermediateSessionToken: ist})
		if err != nil {
			t.Fatal(err)
		}
		if resp.MemberAuthenticated || resp.MFARequired == nil || resp.PrimaryRequired != nil || resp.SessionToken != "" ||
			resp.MemberSession != nil || !reToken.MatchString(resp.IntermediateSessionToken) || resp.MemberID == "" {
			t.Fatalf("withIST=%v: %+v", withIST, resp)
		}
		if withIST && resp.IntermediateSessionToken != ist {
			t.Fatalf("a passed IST must come back unchanged")
		}
		// The IST is tied to the org: the org list hints at it.
		l, err := e.client.Discovery.Organizations.List(ctx(t), &discoveryorgs.ListParams{IntermediateSessionToken: resp.IntermediateSessionToken})
		if err != nil || l.OrganizationIDHint != o.ID {
			t.Fatalf("list = %+v, %v", l, err)
		}
		// The member has a verified phone: a code was texted; it finishes
		// the sign-in with both factors.
		if resp.MFARequired.SecondaryAuthInitiated != "sms_otp" {
			t.Fatalf("mfa_required = %+v", resp.MFARequired)
		}
		ok, err := e.client.OTPs.Sms.Authenticate(ctx(t), &sms.AuthenticateParams{OrganizationID: o.ID, MemberID: resp.MemberID,
			Code: e.latestSMS(DemoPhone).Code, IntermediateSessionToken: resp.IntermediateSessionToken})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"otp/sms", "sso/sso_saml"}
		if withIST {
			want = []string{"magic_link/email", "otp/sms", "sso/sso_saml"}
		}
		if got := sortedFactorTypes(ok.MemberSession.AuthenticationFactors); !slices.Equal(got, want) {
			t.Fatalf("withIST=%v: factors = %v, want %v", withIST, got, want)
		}
	}
}

// TestOAuthDiscovery: Google discovery → IST with the OAuth factor → the
// organization list (with the OAuth-tenant one) → exchange.
func TestOAuthDiscovery(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	v, c := pkcePair(t)
	start := oauthStart("google", e.srv.PublicToken(), true, "discovery_redirect_url", appRedirect, "pkce_code_challenge", c,
		"provider_prompt", "select_account")
	tok := e.callback(start, DemoEmail, "discovery_oauth")
	resp, err := e.client.OAuth.Discovery.Authenticate(ctx(t), &oauthdiscovery.AuthenticateParams{DiscoveryOAuthToken: tok, PkceCodeVerifier: v})
	if err != nil {
		t.Fatal(err)
	}
	if resp.EmailAddress != DemoEmail || resp.ProviderType != "Google" || resp.ProviderTenantID != "example.com" ||
		!slices.Equal(resp.ProviderTenantIds, []string{"example.com"}) || !reToken.MatchString(resp.IntermediateSessionToken) {
		t.Fatalf("resp = %+v", resp)
	}
	got := map[string]string{}
	for _, d := range resp.DiscoveredOrganizations {
		got[d.Organization.OrganizationSlug] = d.Membership.Type
		if d.Organization.OrganizationSlug == "globex" && (d.MemberAuthenticated || d.PrimaryRequired == nil) {
			t.Errorf("globex: %+v", d)
		}
	}
	if got["initech"] != "eligible_to_join_by_oauth_tenant" || got["northwind"] != "active_member" || got["example-co"] != "eligible_to_join_by_email_domain" {
		t.Fatalf("discovered = %v", got)
	}
	ist := resp.IntermediateSessionToken
	// Exchange into the tenant-joinable org JIT-creates the member; the
	// session carries the Google OAuth factor.
	x, err := e.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{IntermediateSessionToken: ist, OrganizationID: "initech"})
	if err != nil || !x.MemberAuthenticated {
		t.Fatalf("exchange = %+v, %v", x, err)
	}
	f := x.MemberSession.AuthenticationFactors
	if len(f) != 1 || f[0].Type != "oauth" || f[0].DeliveryMethod != "oauth_google" || f[0].GoogleOAuthFactor == nil ||
		len(f[0].GoogleOAuthFactor.ProviderSubject) != 21 {
		t.Fatalf("factors = %+v", f)
	}
	// Wrong verifier, reuse.
	_, err = e.client.OAuth.Discovery.Authenticate(ctx(t), &oauthdiscovery.AuthenticateParams{DiscoveryOAuthToken: tok, PkceCodeVerifier: v})
	wantStytchErr(t, err, 404, "oauth_token_not_found")
	v2, c2 := pkcePair(t)
	tok = e.callback(oauthStart("microsoft", e.srv.PublicToken(), true, "pkce_code_challenge", c2), DemoEmail, "discovery_oauth")
	_, err = e.client.OAuth.Discovery.Authenticate(ctx(t), &oauthdiscovery.AuthenticateParams{DiscoveryOAuthToken: tok, PkceCodeVerifier: v})
	wantStytchErr(t, err, 400, "pkce_mismatch")
	resp, err = e.client.OAuth.Discovery.Authenticate(ctx(t), &oauthdiscovery.AuthenticateParams{DiscoveryOAuthToken: tok, PkceCodeVerifier: v2})
	if err != nil || resp.ProviderType != "Microsoft" {
		t.Fatalf("microsoft = %+v, %v", resp, err)
	}
	// The SSO-only org asks for SSO on exchange; then SSO finishes it.
	x, err = e.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{IntermediateSessionToken: resp.IntermediateSessionToken, OrganizationID: "umbrella"})
	if err != nil || x.MemberAuthenticated || x.PrimaryRequired == nil {
		t.Fatalf("exchange into umbrella = %+v, %v", x, err)
	}
	v3, c3 := pkcePair(t)
	stok := e.callback(ssoStart(e.srv.PublicToken(), "organization_id", "umbrella", "pkce_code_challenge", c3), DemoEmail, "sso")
	s, err := e.client.SSO.Authenticate(ctx(t), &sso.AuthenticateParams{SSOToken: stok, PkceCodeVerifier: v3, IntermediateSessionToken: resp.IntermediateSessionToken})
	if err != nil || !s.MemberAuthenticated {
		t.Fatalf("sso = %+v, %v", s, err)
	}
	if got := sortedFactorTypes(s.MemberSession.AuthenticationFactors); !slices.Equal(got, []string{"oauth/oauth_microsoft", "sso/sso_saml"}) {
		t.Fatalf("factors = %v", got)
	}
}

// TestOAuthOrganizationFlow: the organization-specific OAuth start and
// oauth.authenticate.
func TestOAuthOrganizationFlow(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	login := func(provider, org, email string) (*oauth.AuthenticateResponse, error) {
		v, c := pkcePair(t)
		tok := e.callback(oauthStart(provider, e.srv.PublicToken(), false, "slug", org, "login_redirect_url", appRedirect,
			"signup_redirect_url", appRedirect, "pkce_code_challenge", c), email, "oauth")
		return e.client.OAuth.Authenticate(ctx(t), &oauth.AuthenticateParams{OAuthToken: tok, PkceCodeVerifier: v, SessionDurationMinutes: 60})
	}
	r, err := login("microsoft", "northwind", DemoEmail)
	if err != nil || !r.MemberAuthenticated || r.ProviderType != "Microsoft" || r.ProviderValues == nil || r.ProviderValues.AccessToken == "" ||
		r.MemberSession == nil || r.MemberSession.AuthenticationFactors[0].MicrosoftOAuthFactor == nil || r.ProviderSubject == "" {
		t.Fatalf("northwind = %+v, %v", r, err)
	}
	// The SSO-only org answers primary_required with an IST.
	r, err = login("google", "globex", DemoEmail)
	if err != nil || r.MemberAuthenticated || r.PrimaryRequired == nil || !slices.Equal(r.PrimaryRequired.AllowedAuthMethods, []string{"sso"}) ||
		!reToken.MatchString(r.IntermediateSessionToken) || r.SessionToken != "" {
		t.Fatalf("globex = %+v, %v", r, err)
	}
	// Tenant JIT: any example.com Google account joins initech.
	r, err = login("google", "initech", "pat@example.com")
	if err != nil || !r.MemberAuthenticated || r.Member.EmailAddress != "pat@example.com" {
		t.Fatalf("initech = %+v, %v", r, err)
	}
	// No JIT into northwind for a stranger; the org must exist.
	_, err = login("google", "northwind", "stranger@elsewhere.example")
	wantStytchErr(t, err, 403, "email_jit_provisioning_not_allowed")
	_, refused := startRoundTrip(t, e.do(), e.base, oauthStart("google", e.srv.PublicToken(), false, "slug", "no-such-org"))
	wantHTTPErr(t, refused, 404, "organization_not_found")
}

// TestSessionExchangeIntoSSOOrg: switching organization into an SSO-only
// one asks for SSO with a fresh IST.
func TestSessionExchangeIntoSSOOrg(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	ist := e.discoveryIST(DemoEmail).IntermediateSessionToken
	x, err := e.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{IntermediateSessionToken: ist, OrganizationID: "northwind"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.client.Sessions.Exchange(ctx(t), &sessions.ExchangeParams{SessionToken: x.SessionToken, OrganizationID: "globex"})
	if err != nil || s.MemberAuthenticated || s.PrimaryRequired == nil || s.IntermediateSessionToken == "" || s.SessionToken != "" {
		t.Fatalf("exchange = %+v, %v", s, err)
	}
}

func wantHTTPErr(t *testing.T, resp *http.Response, status int, typ string) {
	t.Helper()
	if resp == nil {
		t.Fatalf("request was accepted, want %d %s", status, typ)
	}
	defer resp.Body.Close()
	var body map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("body %q: %v", b, err)
	}
	if resp.StatusCode != status || body["error_type"] != typ || body["status_code"] != float64(status) {
		t.Fatalf("got %d %s, want %d %s", resp.StatusCode, b, status, typ)
	}
}

// TestPublicStartErrors: every refusal of the start endpoints.
func TestPublicStartErrors(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	umbrella := e.seededOrg("umbrella")
	pt := e.srv.PublicToken()
	_, c := pkcePair(t)
	cases := []struct {
		name, start string
		status      int
		typ         string
	}{
		{"no public token", ssoStartPath + "?organization_id=umbrella", 400, "public_token_required"},
		{"wrong public token", ssoStart("public-token-test-wrong", "organization_id", "umbrella"), 404, "public_token_not_found"},
		{"no locator", ssoStart(pt), 400, "missing_sso_connection_locator"},
		{"two locators", ssoStart(pt, "organization_id", "umbrella", "connection_id", umbrella.SSODefaultConnectionID), 400, "too_many_sso_connection_locators"},
		{"unknown connection", ssoStart(pt, "connection_id", "saml-connection-test-nope"), 404, "sso_connection_not_found"},
		{"unknown org", ssoStart(pt, "organization_id", "nope"), 404, "organization_not_found"},
		{"org without SSO", ssoStart(pt, "organization_id", "northwind"), 400, "no_sso_connection_exists_for_organization"},
		{"login URL not allowed", ssoStart(pt, "organization_id", "umbrella", "login_redirect_url", "https://evil.example/cb"), 400, "invalid_login_redirect_url"},
		{"signup URL not allowed", ssoStart(pt, "organization_id", "umbrella", "signup_redirect_url", "stytch-desktop://auth/other"), 400, "invalid_signup_redirect_url"},
		{"bad challenge", ssoStart(pt, "organization_id", "umbrella", "pkce_code_challenge", "short"), 400, "invalid_pkce_code_challenge"},
		{"challenge with padding", ssoStart(pt, "organization_id", "umbrella", "pkce_code_challenge", c[:42]+"="), 400, "invalid_pkce_code_challenge"},
		{"repeated parameter", ssoStart(pt, "organization_id", "umbrella", "public_token", pt), 400, "invalid_request"},
		{"unknown provider", oauthStart("myspace", pt, true), 400, "invalid_oauth_provider"},
		{"discovery URL not allowed", oauthStart("google", pt, true, "discovery_redirect_url", "http://localhost:3000/other"), 400, "invalid_discovery_redirect_url"},
		{"oauth no locator", oauthStart("google", pt, false), 400, "missing_oauth_organization_locator"},
		{"oauth two locators", oauthStart("google", pt, false, "slug", "northwind", "organization_id", "x"), 400, "too_many_oauth_organization_locators"},
		{"oauth wrong token", oauthStart("microsoft", "public-token-test-x", true), 404, "public_token_not_found"},
		{"unknown public route", "/v1/public/nope?public_token=" + pt, 404, "route_not_found"},
		{"unknown oauth route", oauthPublicPrefix + "google/finish?public_token=" + pt, 404, "route_not_found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, refused := startRoundTrip(t, e.do(), e.base, tc.start)
			wantHTTPErr(t, refused, tc.status, tc.typ)
		})
	}
	// POST is not how a browser starts a flow.
	resp, err := e.http.Post(e.base+ssoStart(pt, "organization_id", "umbrella"), "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	wantHTTPErr(t, resp, 405, "method_not_allowed")
	// A foreign Host header is refused (DNS rebinding).
	req, _ := http.NewRequest(http.MethodGet, e.base+ssoStart(pt, "organization_id", "umbrella"), nil)
	req.Host = "evil.example"
	resp, err = e.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	wantHTTPErr(t, resp, 403, "forbidden_host")
}

// TestIdPPage: what the page says and how it behaves.
func TestIdPPage(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	pt := e.srv.PublicToken()
	start := oauthStart("google", pt, true, "provider_login_hint", "demo@example.com")
	resp, err := e.http.Get(e.base + start)
	if err != nil || resp.StatusCode != 302 {
		t.Fatal(resp, err)
	}
	resp.Body.Close()
	page, err := e.http.Get(e.base + resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	csp := page.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "form-action 'self' stytch-desktop:", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "script-src") || strings.Contains(string(body), "<script") || strings.Contains(string(body), "https://") {
		t.Errorf("page loads or runs something external")
	}
	for _, want := range []string{"Sign in with Google", "Local stand-in", "It is not Google", `<legend>Choose an account</legend>`,
		`value="demo@example.com" checked`, `<label class="field" for="idp-email">`, "The app suggested: demo@example.com",
		`lang="en"`, "stytch-desktop://auth/callback"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("page lacks %q", want)
		}
	}
	id := requestIDRe.FindSubmatch(body)[1]

	// Invalid email: the page again, 400, with an alert; the request stays.
	r := chooseAccount(t, e.do(), e.base, url.Values{"request": {string(id)}, "email": {"not-an-email"}})
	b, _ := io.ReadAll(r.Body)
	if r.StatusCode != 400 || !strings.Contains(string(b), `role="alert"`) || !strings.Contains(string(b), `aria-invalid="true"`) {
		t.Fatalf("invalid email: %d %s", r.StatusCode, b)
	}
	// A cross-site form post is refused.
	req, _ := http.NewRequest(http.MethodPost, e.base+idpPagePath, strings.NewReader(url.Values{"request": {string(id)}, "account": {DemoEmail}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	r, _ = e.http.Do(req)
	wantHTTPErr(t, r, 403, "forbidden_host")
	// Picking the radio account works.
	r = chooseAccount(t, e.do(), e.base, url.Values{"request": {string(id)}, "account": {DemoEmail}, "action": {"continue"}})
	r.Body.Close()
	if r.StatusCode != 303 || !strings.HasPrefix(r.Header.Get("Location"), appRedirect+"?") {
		t.Fatalf("choice: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	// The request is single use.
	r = chooseAccount(t, e.do(), e.base, url.Values{"request": {string(id)}, "account": {DemoEmail}})
	r.Body.Close()
	if r.StatusCode != 404 {
		t.Fatalf("reuse: %d", r.StatusCode)
	}
	// Cancel sends nothing to the app.
	id2, _ := startRoundTrip(t, e.do(), e.base, oauthStart("microsoft", pt, true))
	r = chooseAccount(t, e.do(), e.base, url.Values{"request": {id2}, "action": {"cancel"}})
	b, _ = io.ReadAll(r.Body)
	if r.StatusCode != 200 || r.Header.Get("Location") != "" || !strings.Contains(string(b), "Sign-in cancelled") {
		t.Fatalf("cancel: %d %s", r.StatusCode, b)
	}
	// Requests expire.
	id3, _ := startRoundTrip(t, e.do(), e.base, oauthStart("microsoft", pt, true))
	e.clock.Advance(idpRequestLifetime)
	r = chooseAccount(t, e.do(), e.base, url.Values{"request": {id3}, "account": {DemoEmail}})
	r.Body.Close()
	if r.StatusCode != 404 {
		t.Fatalf("expired: %d", r.StatusCode)
	}
	// SSO page names the connection and suggests the org's members.
	id4, _ := startRoundTrip(t, e.do(), e.base, ssoStart(pt, "organization_id", "umbrella"))
	pg, _ := e.http.Get(e.base + idpPagePath + "?request=" + url.QueryEscape(id4))
	b, _ = io.ReadAll(pg.Body)
	if !strings.Contains(string(b), "Sign in with Umbrella Okta (SAML)") || !strings.Contains(string(b), "Umbrella Health") {
		t.Fatalf("sso page: %s", b)
	}
}

// TestWireShapesSSO holds the SSO/OAuth responses, and the organizations
// with SSO connections and primary_required inside them, to wireShapes.
func TestWireShapesSSO(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	c := &shapeChecker{seen: map[string]int{}}
	pt := e.srv.PublicToken()
	call := func(name, path string, body any) map[string]any {
		t.Helper()
		st, out := e.raw(path, body)
		if st != http.StatusOK {
			t.Fatalf("%s = %d %v", path, st, out)
		}
		c.must(t, name, path, out)
		return out
	}
	tok := e.callback(oauthStart("google", pt, true), DemoEmail, "discovery_oauth")
	d := call("oauth_discovery_authenticate_response", "/v1/b2b/oauth/discovery/authenticate", map[string]any{"discovery_oauth_token": tok})
	ist := d["intermediate_session_token"].(string)
	call("session_exchange_response", "/v1/b2b/discovery/intermediate_sessions/exchange",
		map[string]any{"intermediate_session_token": ist, "organization_id": "globex"}) // primary_required
	tok = e.callback(ssoStart(pt, "organization_id", "umbrella"), DemoEmail, "sso")
	call("sso_authenticate_response", "/v1/b2b/sso/authenticate", map[string]any{"sso_token": tok})
	for _, org := range []string{"northwind", "globex"} { // session; primary_required
		tok = e.callback(oauthStart("microsoft", pt, false, "slug", org), DemoEmail, "oauth")
		call("oauth_authenticate_response", "/v1/b2b/oauth/authenticate", map[string]any{"oauth_token": tok})
	}
	for _, name := range []string{"primary_required", "sso_active_connection", "provider_values", "authentication_factor"} {
		if c.seen[name] == 0 {
			t.Errorf("shape %q never checked", name)
		}
	}
}

// TestMagicLinkIntoSSOOnlyOrg: an organization's email link into an SSO-only
// organization answers primary_required with an IST, which SSO then finishes.
func TestMagicLinkIntoSSOOnlyOrg(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	v, c := pkcePair(t)
	if _, err := e.client.MagicLinks.Email.LoginOrSignup(ctx(t), &email.LoginOrSignupParams{
		OrganizationID: "umbrella", EmailAddress: DemoEmail, PkceCodeChallenge: c}); err != nil {
		t.Fatal(err)
	}
	tok := e.follow(e.latestMessage(DemoEmail).Link).Query().Get("token")
	r, err := e.client.MagicLinks.Authenticate(ctx(t), &magiclinks.AuthenticateParams{MagicLinksToken: tok, PkceCodeVerifier: v})
	if err != nil || r.MemberAuthenticated || r.PrimaryRequired == nil || r.IntermediateSessionToken == "" || r.SessionToken != "" {
		t.Fatalf("magic link into umbrella = %+v, %v", r, err)
	}
	v2, c2 := pkcePair(t)
	stok := e.callback(ssoStart(e.srv.PublicToken(), "organization_id", "umbrella", "pkce_code_challenge", c2), DemoEmail, "sso")
	s, err := e.client.SSO.Authenticate(ctx(t), &sso.AuthenticateParams{SSOToken: stok, PkceCodeVerifier: v2, IntermediateSessionToken: r.IntermediateSessionToken})
	if err != nil || !s.MemberAuthenticated {
		t.Fatalf("sso = %+v, %v", s, err)
	}
}
