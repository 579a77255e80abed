package localstytch

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/b2bstytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	discoveryorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks"
	mldiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email"
	emaildiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
)

var (
	reOrgID     = regexp.MustCompile(`^organization-test-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	reMemberID  = regexp.MustCompile(`^member-test-[0-9a-f-]{36}$`)
	reSessionID = regexp.MustCompile(`^member-session-test-[0-9a-f-]{36}$`)
	reToken     = regexp.MustCompile(`^[A-Za-z0-9_-]{44}$`)
)

// TestDiscoveryFlowCreateOrg is the desktop app's main path through the
// real SDK: send → click → authenticate → create org → session → JWT → revoke.
func TestDiscoveryFlowCreateOrg(t *testing.T) {
	e := newEnv(t, Options{})
	const addr = "New.User@Widgets.io"
	auth := e.discoveryIST(addr)
	if !reToken.MatchString(auth.IntermediateSessionToken) {
		t.Fatalf("IST = %q, want 44-char base64url", auth.IntermediateSessionToken)
	}
	if auth.EmailAddress != "new.user@widgets.io" || len(auth.DiscoveredOrganizations) != 0 {
		t.Fatalf("authenticate = %+v", auth)
	}

	created, err := e.client.Discovery.Organizations.Create(ctx(t), &discoveryorgs.CreateParams{
		IntermediateSessionToken: auth.IntermediateSessionToken,
		OrganizationName:         "Widgets Inc", OrganizationSlug: "widgets",
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if !created.MemberAuthenticated || created.IntermediateSessionToken != "" ||
		!reToken.MatchString(created.SessionToken) || created.SessionJWT == "" {
		t.Fatalf("create response = %+v", created)
	}
	o, m, ms := created.Organization, created.Member, created.MemberSession
	if !reOrgID.MatchString(o.OrganizationID) || o.OrganizationSlug != "widgets" || o.OrganizationName != "Widgets Inc" {
		t.Fatalf("organization = %+v", o)
	}
	if !reMemberID.MatchString(m.MemberID) || m.Status != "active" || !m.EmailAddressVerified || !m.IsAdmin {
		t.Fatalf("member = %+v", m)
	}
	if len(m.Roles) != 2 || m.Roles[1].RoleID != "stytch_admin" || m.Roles[0].Sources[0].Type != "direct_assignment" {
		t.Fatalf("member.roles = %+v", m.Roles)
	}
	if ms == nil || !reSessionID.MatchString(ms.MemberSessionID) || ms.OrganizationSlug != "widgets" ||
		ms.ExpiresAt.Sub(*ms.StartedAt) != time.Hour || len(ms.AuthenticationFactors) != 1 ||
		ms.AuthenticationFactors[0].EmailFactor.EmailAddress != "new.user@widgets.io" {
		t.Fatalf("member_session = %+v", ms)
	}

	// sessions.authenticate with the token and with the JWT.
	a1, err := e.client.Sessions.Authenticate(ctx(t), &sessions.AuthenticateParams{SessionToken: created.SessionToken})
	if err != nil {
		t.Fatalf("sessions.authenticate(token): %v", err)
	}
	if a1.MemberSession.MemberSessionID != ms.MemberSessionID || a1.Member.MemberID != m.MemberID ||
		a1.Organization.OrganizationID != o.OrganizationID || a1.SessionJWT == "" {
		t.Fatalf("authenticate = %+v", a1)
	}
	if _, err := e.client.Sessions.Authenticate(ctx(t), &sessions.AuthenticateParams{SessionJWT: created.SessionJWT}); err != nil {
		t.Fatalf("sessions.authenticate(jwt): %v", err)
	}

	// Local JWT verification with the JWKS fetched by NewClient.
	local, err := e.client.Sessions.AuthenticateJWTLocal(ctx(t), created.SessionJWT, time.Minute, nil)
	if err != nil {
		t.Fatalf("AuthenticateJWTLocal: %v", err)
	}
	if local.MemberSessionID != ms.MemberSessionID || local.MemberID != m.MemberID ||
		local.OrganizationID != o.OrganizationID || local.OrganizationSlug != "widgets" ||
		local.StartedAt == nil || local.ExpiresAt == nil || len(local.Roles) != 2 ||
		len(local.AuthenticationFactors) != 1 {
		t.Fatalf("local session = %+v", local)
	}

	if _, err := e.client.Sessions.Revoke(ctx(t), &sessions.RevokeParams{SessionToken: created.SessionToken}); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	_, err = e.client.Sessions.Authenticate(ctx(t), &sessions.AuthenticateParams{SessionToken: created.SessionToken})
	wantStytchErr(t, err, 404, "session_not_found")
	_, err = e.client.Sessions.Authenticate(ctx(t), &sessions.AuthenticateParams{SessionJWT: created.SessionJWT})
	wantStytchErr(t, err, 404, "session_not_found")
}

// TestRawWireFormat checks fields that must be present even when false,
// empty or null — the SDK structs can't tell absent from zero.
func TestRawWireFormat(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	_, c := pkcePair(t)
	st, body := e.raw("/v1/b2b/magic_links/email/discovery/send", map[string]any{"email_address": DemoEmail, "pkce_code_challenge": c})
	if st != 200 || body["status_code"] != float64(200) || !strings.HasPrefix(body["request_id"].(string), "request-id-test-") {
		t.Fatalf("send = %d %v", st, body)
	}
	tok := e.follow(e.latestMessage(DemoEmail).Link).Query().Get("token")
	e.clock.Advance(time.Second)

	// PKCE mismatch doesn't consume; then authenticate without the verifier
	// is a different error; the SDK-free raw call checks our JSON.
	st, body = e.raw("/v1/b2b/magic_links/discovery/authenticate", map[string]any{"discovery_magic_links_token": tok})
	if st != 400 || body["error_type"] != "pkce_expected_code_verifier" {
		t.Fatalf("want pkce_expected_code_verifier, got %d %v", st, body)
	}
	for _, k := range []string{"status_code", "request_id", "error_type", "error_message", "error_url"} {
		if _, ok := body[k]; !ok {
			t.Errorf("error body lacks %q", k)
		}
	}

	// Raw discovery authenticate via a fresh send without PKCE.
	e.clock.Advance(2 * time.Second)
	e.raw("/v1/b2b/magic_links/email/discovery/send", map[string]any{"email_address": DemoEmail})
	tok = e.follow(e.latestMessage(DemoEmail).Link).Query().Get("token")
	st, body = e.raw("/v1/b2b/magic_links/discovery/authenticate", map[string]any{"discovery_magic_links_token": tok})
	if st != 200 {
		t.Fatalf("authenticate = %d %v", st, body)
	}
	ist := body["intermediate_session_token"].(string)
	orgs := body["discovered_organizations"].([]any)
	types := map[string]map[string]any{}
	for _, d := range orgs {
		dm := d.(map[string]any)
		slug := dm["organization"].(map[string]any)["organization_slug"].(string)
		types[slug] = dm
		for _, k := range []string{"member_authenticated", "organization", "membership", "primary_required", "mfa_required"} {
			if _, ok := dm[k]; !ok {
				t.Errorf("%s: discovered org lacks %q", slug, k)
			}
		}
	}
	fortress := types["fortress"]
	if fortress["member_authenticated"] != false || fortress["mfa_required"] == nil {
		t.Errorf("fortress = %v", fortress)
	}
	// Listing shows the member's options (phone masked) and never texts.
	if mr := fortress["mfa_required"].(map[string]any); len(mr) != 2 || mr["secondary_auth_initiated"] != nil ||
		mr["member_options"].(map[string]any)["mfa_phone_number"] != "XXXXXXX0123" ||
		mr["member_options"].(map[string]any)["totp_registration_id"] != "" {
		t.Errorf("fortress mfa_required = %v", mr)
	}
	if ex := types["example-co"]["membership"].(map[string]any); ex["member"] != nil || ex["type"] != "eligible_to_join_by_email_domain" {
		t.Errorf("example-co membership = %v", ex)
	}
	if nw := types["northwind"]["membership"].(map[string]any)["member"].(map[string]any); nw["roles"].([]any)[0].(map[string]any)["role_id"] != "stytch_member" {
		t.Errorf("northwind member roles = %v", nw["roles"])
	}

	// Exchange into the MFA org: 200, member_authenticated:false, IST kept,
	// session fields empty/null but present.
	st, body = e.raw("/v1/b2b/discovery/intermediate_sessions/exchange", map[string]any{"intermediate_session_token": ist, "organization_id": "fortress"})
	if st != 200 {
		t.Fatalf("exchange fortress = %d %v", st, body)
	}
	want := map[string]any{"member_authenticated": false, "intermediate_session_token": ist, "session_token": "", "session_jwt": "", "member_session": nil, "primary_required": nil}
	for k, v := range want {
		got, ok := body[k]
		if !ok || got != v {
			t.Errorf("exchange fortress %s = %v (present %v), want %v", k, got, ok, v)
		}
	}
	// The member has a verified phone: a code was texted (secondary_auth_initiated).
	if mr, ok := body["mfa_required"].(map[string]any); !ok || mr["secondary_auth_initiated"] != "sms_otp" ||
		mr["member_options"].(map[string]any)["mfa_phone_number"] != "XXXXXXX0123" {
		t.Errorf("mfa_required = %v", body["mfa_required"])
	}

	// Exchange into northwind: authenticated; IST present and empty.
	st, body = e.raw("/v1/b2b/discovery/intermediate_sessions/exchange", map[string]any{"intermediate_session_token": ist, "organization_id": "northwind"})
	if st != 200 || body["member_authenticated"] != true || body["intermediate_session_token"] != "" || body["mfa_required"] != nil {
		t.Fatalf("exchange northwind = %d %v", st, body)
	}
	ms := body["member_session"].(map[string]any)
	if _, ok := ms["roles"].([]any)[0].(string); !ok {
		t.Errorf("member_session.roles must be strings: %v", ms["roles"])
	}
	for _, k := range []string{"started_at", "last_accessed_at", "expires_at"} {
		if _, err := time.Parse(time.RFC3339, ms[k].(string)); err != nil {
			t.Errorf("member_session.%s not RFC3339: %v", k, err)
		}
	}

	// login_or_signup: member_created:false is present.
	e.clock.Advance(2 * time.Second)
	st, body = e.raw("/v1/b2b/magic_links/email/login_or_signup", map[string]any{"organization_id": "northwind", "email_address": DemoEmail})
	if v, ok := body["member_created"]; st != 200 || !ok || v != false {
		t.Fatalf("login_or_signup = %d %v", st, body)
	}
}

func TestBasicAuth(t *testing.T) {
	e := newEnv(t, Options{})
	bad, err := b2bstytchapi.NewClient(e.srv.ProjectID(), "wrong-secret", b2bstytchapi.WithBaseURI(e.base))
	if err != nil {
		t.Fatalf("NewClient (JWKS needs no auth): %v", err)
	}
	_, err = bad.MagicLinks.Email.Discovery.Send(ctx(t), &emaildiscovery.SendParams{EmailAddress: "a@b.co"})
	wantStytchErr(t, err, 401, "unauthorized_credentials")

	resp, err := http.Post(e.base+"/v1/b2b/sessions/authenticate", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("no auth: status %d", resp.StatusCode)
	}
	if len(e.srv.Messages()) != 0 {
		t.Fatal("unauthorized send produced an email")
	}
}

func TestMagicLinkSingleUseAndExpiry(t *testing.T) {
	e := newEnv(t, Options{})
	authn := func(tok string) error {
		_, err := e.client.MagicLinks.Discovery.Authenticate(ctx(t), &mldiscovery.AuthenticateParams{DiscoveryMagicLinksToken: tok})
		return err
	}
	tok := e.discoveryToken("once@example.org", "")
	if err := authn(tok); err != nil {
		t.Fatal(err)
	}
	wantStytchErr(t, authn(tok), 401, "unable_to_auth_magic_link")
	wantStytchErr(t, authn("bm90LWEtcmVhbC10b2tlbi1ub3QtYS1yZWFsLXRva2Vu"), 404, "magic_link_not_found")

	// Default expiry: 60 minutes.
	e.clock.Advance(2 * time.Second)
	tok = e.discoveryToken("once@example.org", "")
	e.clock.Advance(60 * time.Minute)
	wantStytchErr(t, authn(tok), 401, "unable_to_auth_magic_link")

	// Custom expiry honoured, and validated.
	_, err := e.client.MagicLinks.Email.Discovery.Send(ctx(t), &emaildiscovery.SendParams{EmailAddress: "ttl@example.org", DiscoveryExpirationMinutes: 5})
	if err != nil {
		t.Fatal(err)
	}
	tok = e.follow(e.latestMessage("ttl@example.org").Link).Query().Get("token")
	e.clock.Advance(5*time.Minute - time.Second)
	if err := authn(tok); err != nil {
		t.Fatalf("link valid until 5 min: %v", err)
	}
	for _, m := range []uint32{4, 10081} {
		_, err = e.client.MagicLinks.Email.Discovery.Send(ctx(t), &emaildiscovery.SendParams{EmailAddress: "bad-ttl@example.org", DiscoveryExpirationMinutes: m})
		wantStytchErr(t, err, 400, "invalid_expiration_minutes")
	}

	// Sandbox values.
	if err := authn(sandboxTokenOK); err != nil {
		t.Fatalf("sandbox ok token: %v", err)
	}
	if err := authn(sandboxTokenOK); err != nil {
		t.Fatalf("sandbox ok token must be reusable: %v", err)
	}
	wantStytchErr(t, authn(sandboxToken401), 401, "unable_to_auth_magic_link")
	wantStytchErr(t, authn(sandboxToken404), 404, "magic_link_not_found")
}

// TestSandboxTokensGetNoPKCEExemption: Stytch's docs list the sandbox
// tokens' responses and say nothing about PKCE, so a client that uses PKCE
// (sends a verifier) is refused as for any link sent without a challenge;
// the published token cannot sign a PKCE-using app in (issue 8 item 1).
func TestSandboxTokensGetNoPKCEExemption(t *testing.T) {
	e := newEnv(t, Options{})
	v, _ := pkcePair(t)
	_, err := e.client.MagicLinks.Discovery.Authenticate(ctx(t), &mldiscovery.AuthenticateParams{
		DiscoveryMagicLinksToken: sandboxTokenOK, PkceCodeVerifier: v})
	wantStytchErr(t, err, 400, "pkce_did_not_expect_code_verifier")
	_, err = e.client.MagicLinks.Authenticate(ctx(t), &magiclinks.AuthenticateParams{
		MagicLinksToken: sandboxTokenOK, PkceCodeVerifier: v})
	wantStytchErr(t, err, 400, "pkce_did_not_expect_code_verifier")
	// The error and not-found tokens answer as documented, verifier or not.
	for _, verifier := range []string{"", v} {
		_, err = e.client.MagicLinks.Authenticate(ctx(t), &magiclinks.AuthenticateParams{MagicLinksToken: sandboxToken401, PkceCodeVerifier: verifier})
		wantStytchErr(t, err, 401, "unable_to_auth_magic_link")
		_, err = e.client.MagicLinks.Discovery.Authenticate(ctx(t), &mldiscovery.AuthenticateParams{DiscoveryMagicLinksToken: sandboxToken404, PkceCodeVerifier: verifier})
		wantStytchErr(t, err, 404, "magic_link_not_found")
	}
	// Without a verifier the success token works in both flows.
	if _, err := e.client.MagicLinks.Authenticate(ctx(t), &magiclinks.AuthenticateParams{MagicLinksToken: sandboxTokenOK}); err != nil {
		t.Fatalf("sandbox org token without PKCE: %v", err)
	}
}

func TestPKCE(t *testing.T) {
	e := newEnv(t, Options{})
	v, c := pkcePair(t)
	other, _ := pkcePair(t)
	tests := []struct {
		name, challenge, verifier, wantType string
	}{
		{"mismatch", c, other, "pkce_mismatch"},
		{"missing verifier", c, "", "pkce_expected_code_verifier"},
		{"unexpected verifier", "", v, "pkce_did_not_expect_code_verifier"},
		{"ok", c, v, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.clock.Advance(2 * time.Second)
			addr := "pkce" + string(rune('a'+i)) + "@example.org"
			tok := e.discoveryToken(addr, tt.challenge)
			_, err := e.client.MagicLinks.Discovery.Authenticate(ctx(t), &mldiscovery.AuthenticateParams{DiscoveryMagicLinksToken: tok, PkceCodeVerifier: tt.verifier})
			if tt.wantType == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantStytchErr(t, err, 400, tt.wantType)
			// A failed PKCE check does not consume the link.
			if tt.challenge != "" {
				if _, err := e.client.MagicLinks.Discovery.Authenticate(ctx(t), &mldiscovery.AuthenticateParams{DiscoveryMagicLinksToken: tok, PkceCodeVerifier: v}); err != nil {
					t.Fatalf("retry with right verifier: %v", err)
				}
			}
		})
	}
}

func TestIntermediateSessionSingleUseAndExpiry(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	exchange := func(ist, org string) (*intermediatesessions.ExchangeResponse, error) {
		return e.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{IntermediateSessionToken: ist, OrganizationID: org})
	}
	ist := e.discoveryIST(DemoEmail).IntermediateSessionToken
	// List does not consume.
	for range 2 {
		l, err := e.client.Discovery.Organizations.List(ctx(t), &discoveryorgs.ListParams{IntermediateSessionToken: ist})
		if err != nil || len(l.DiscoveredOrganizations) != 8 || l.EmailAddress != DemoEmail { // 6 + the SSO-only globex, umbrella
			t.Fatalf("list = %+v, %v", l, err)
		}
	}
	if _, err := exchange(ist, "northwind"); err != nil {
		t.Fatal(err)
	}
	_, err := exchange(ist, "northwind")
	wantStytchErr(t, err, 404, "intermediate_session_not_found")
	_, err = e.client.Discovery.Organizations.Create(ctx(t), &discoveryorgs.CreateParams{IntermediateSessionToken: ist})
	wantStytchErr(t, err, 404, "intermediate_session_not_found")
	_, err = exchange("unknown-ist", "northwind")
	wantStytchErr(t, err, 404, "intermediate_session_not_found")

	e.clock.Advance(2 * time.Second)
	ist = e.discoveryIST(DemoEmail).IntermediateSessionToken
	e.clock.Advance(10 * time.Minute)
	_, err = exchange(ist, "northwind")
	wantStytchErr(t, err, 404, "intermediate_session_not_found")
	_, err = e.client.Discovery.Organizations.List(ctx(t), &discoveryorgs.ListParams{IntermediateSessionToken: ist})
	wantStytchErr(t, err, 404, "intermediate_session_not_found")
}

func TestMembershipTypesAndExchange(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	auth := e.discoveryIST(DemoEmail)
	got := map[string]string{}
	for _, d := range auth.DiscoveredOrganizations {
		got[d.Organization.OrganizationSlug] = d.Membership.Type
		switch slug := d.Organization.OrganizationSlug; {
		case slug == "fortress" || slug == "vault" || slug == "harbor":
			if d.MemberAuthenticated || d.MFARequired == nil {
				t.Errorf("fortress: %+v", d)
			}
		case slug == "globex" || slug == "umbrella": // SSO only: the magic link is not enough
			if d.MemberAuthenticated || d.PrimaryRequired == nil || len(d.PrimaryRequired.AllowedAuthMethods) != 1 ||
				d.PrimaryRequired.AllowedAuthMethods[0] != "sso" || d.MFARequired != nil {
				t.Errorf("%s: %+v", slug, d)
			}
		case !d.MemberAuthenticated:
			t.Errorf("%s: member_authenticated false", d.Organization.OrganizationSlug)
		}
	}
	want := map[string]string{"northwind": "active_member", "acme": "invited_member", "example-co": "eligible_to_join_by_email_domain",
		"fortress": "active_member", "vault": "active_member", "harbor": "active_member", "globex": "active_member", "umbrella": "active_member"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s membership = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("discovered %v, want exactly %v", got, want)
	}

	// Any @example.com address can join example-co; exchange JIT-creates.
	e.clock.Advance(2 * time.Second)
	other := e.discoveryIST("someone@example.com")
	if len(other.DiscoveredOrganizations) != 1 || other.DiscoveredOrganizations[0].Membership.Member != nil {
		t.Fatalf("someone@example.com discovered %+v", other.DiscoveredOrganizations)
	}
	x, err := e.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{IntermediateSessionToken: other.IntermediateSessionToken, OrganizationID: "example-co"})
	if err != nil || x.Member.Status != "active" || !x.MemberAuthenticated {
		t.Fatalf("JIT exchange = %+v, %v", x, err)
	}

	// Invited → active on exchange.
	x, err = e.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{IntermediateSessionToken: auth.IntermediateSessionToken, OrganizationID: "acme", SessionDurationMinutes: 120})
	if err != nil || x.Member.Status != "active" || x.MemberSession.ExpiresAt.Sub(*x.MemberSession.StartedAt) != 2*time.Hour {
		t.Fatalf("invite exchange = %+v, %v", x, err)
	}

	// Not allowed: an outsider exchanging into northwind; IST survives.
	e.clock.Advance(2 * time.Second)
	out := e.discoveryIST("outsider@else.org")
	_, err = e.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{IntermediateSessionToken: out.IntermediateSessionToken, OrganizationID: "northwind"})
	wantStytchErr(t, err, 403, "email_jit_provisioning_not_allowed")
	_, err = e.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{IntermediateSessionToken: out.IntermediateSessionToken, OrganizationID: "nope"})
	wantStytchErr(t, err, 404, "organization_not_found")
	_, err = e.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{IntermediateSessionToken: out.IntermediateSessionToken, OrganizationID: "example-co", SessionDurationMinutes: 4})
	wantStytchErr(t, err, 400, "invalid_session_duration_minutes")

	// List with a session shows only real memberships, not eligibility.
	l, err := e.client.Discovery.Organizations.List(ctx(t), &discoveryorgs.ListParams{SessionToken: x.SessionToken})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range l.DiscoveredOrganizations {
		if d.Membership.Type == "eligible_to_join_by_email_domain" {
			t.Errorf("session list includes eligible org %s", d.Organization.OrganizationSlug)
		}
	}
	_, err = e.client.Discovery.Organizations.List(ctx(t), &discoveryorgs.ListParams{SessionToken: x.SessionToken, SessionJWT: x.SessionJWT})
	wantStytchErr(t, err, 400, "too_many_session_arguments")
}

func TestOrganizationCreateValidation(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	ist := e.discoveryIST("founder@startup.dev").IntermediateSessionToken
	tests := []struct {
		name, orgName, slug, wantType string
	}{
		{"slug taken", "Another", "northwind", "organization_slug_already_used"},
		{"slug taken ignoring case", "Another", "NorthWind", "organization_slug_already_used"},
		{"slug too short", "Another", "a", "invalid_organization_slug"},
		{"slug bad char", "Another", "has space", "invalid_organization_slug"},
		{"name too long", strings.Repeat("n", 129), "fine-slug", "invalid_organization_name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.client.Discovery.Organizations.Create(ctx(t), &discoveryorgs.CreateParams{IntermediateSessionToken: ist, OrganizationName: tt.orgName, OrganizationSlug: tt.slug})
			wantStytchErr(t, err, 400, tt.wantType)
		})
	}
	// Failed creates did not consume the IST; defaults derive name and slug.
	c, err := e.client.Discovery.Organizations.Create(ctx(t), &discoveryorgs.CreateParams{IntermediateSessionToken: ist})
	if err != nil || c.Organization.OrganizationName != "Startup" || c.Organization.OrganizationSlug != "startup" {
		t.Fatalf("default create = %+v, %v", c, err)
	}
	// MFA-required org on create: not authenticated, IST returned.
	e.clock.Advance(2 * time.Second)
	ist = e.discoveryIST("founder@startup.dev").IntermediateSessionToken
	c, err = e.client.Discovery.Organizations.Create(ctx(t), &discoveryorgs.CreateParams{IntermediateSessionToken: ist, OrganizationName: "Vault", MFAPolicy: "REQUIRED_FOR_ALL"})
	if err != nil || c.MemberAuthenticated || c.IntermediateSessionToken != ist || c.SessionToken != "" || c.MemberSession != nil || c.MFARequired == nil {
		t.Fatalf("mfa create = %+v, %v", c, err)
	}
	// Fixture helper shares validation.
	if _, err := e.srv.CreateOrganization("Dup", "acme", OrganizationOptions{}); err == nil || !strings.Contains(err.Error(), "organization_slug_already_used") {
		t.Fatalf("fixture dup slug err = %v", err)
	}
}

func TestRedirectAllowList(t *testing.T) {
	e := newEnv(t, Options{Seed: true, RedirectURLs: []string{"myapp://cb?x=1", "http://localhost:3000/authenticate"}})
	_, err := e.client.MagicLinks.Email.Discovery.Send(ctx(t), &emaildiscovery.SendParams{EmailAddress: "r@example.org", DiscoveryRedirectURL: "https://evil.example/cb"})
	wantStytchErr(t, err, 400, "invalid_discovery_redirect_url")
	_, err = e.client.MagicLinks.Email.Discovery.Send(ctx(t), &emaildiscovery.SendParams{EmailAddress: "r@example.org", DiscoveryRedirectURL: "myapp://cb"})
	wantStytchErr(t, err, 400, "invalid_discovery_redirect_url") // exact match incl. query
	_, err = e.client.MagicLinks.Email.LoginOrSignup(ctx(t), &email.LoginOrSignupParams{OrganizationID: "northwind", EmailAddress: DemoEmail, LoginRedirectURL: "http://localhost:3001/x"})
	wantStytchErr(t, err, 400, "invalid_login_redirect_url")
	_, err = e.client.MagicLinks.Email.LoginOrSignup(ctx(t), &email.LoginOrSignupParams{OrganizationID: "northwind", EmailAddress: DemoEmail, SignupRedirectURL: "http://localhost:3001/x"})
	wantStytchErr(t, err, 400, "invalid_signup_redirect_url")

	// Missing discovery redirect → first allowed URL; its query is kept.
	if _, err := e.client.MagicLinks.Email.Discovery.Send(ctx(t), &emaildiscovery.SendParams{EmailAddress: "r@example.org"}); err != nil {
		t.Fatal(err)
	}
	loc := e.follow(e.latestMessage("r@example.org").Link)
	q := loc.Query()
	if loc.Scheme != "myapp" || loc.Host != "cb" || q.Get("x") != "1" || q.Get("stytch_token_type") != "discovery" || !reToken.MatchString(q.Get("token")) || q.Has("slug") {
		t.Fatalf("Location = %s", loc)
	}
}

func TestLoginOrSignupFlow(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	v, c := pkcePair(t)
	// New @example.com address: JIT into example-co as pending, signup email.
	r, err := e.client.MagicLinks.Email.LoginOrSignup(ctx(t), &email.LoginOrSignupParams{OrganizationID: "example-co", EmailAddress: "new@example.com", PkceCodeChallenge: c})
	if err != nil || !r.MemberCreated || r.Member.Status != "pending" {
		t.Fatalf("login_or_signup = %+v, %v", r, err)
	}
	msg := e.latestMessage("new@example.com")
	loc := e.follow(msg.Link)
	if msg.TokenType != "multi_tenant_magic_links" || loc.Query().Get("slug") != "example-co" || loc.Query().Get("stytch_token_type") != "multi_tenant_magic_links" ||
		loc.String()[:len("stytch-desktop://auth/callback?")] != "stytch-desktop://auth/callback?" {
		t.Fatalf("message %+v → %s", msg, loc)
	}
	// The discovery endpoint does not accept an org-specific token.
	_, err = e.client.MagicLinks.Discovery.Authenticate(ctx(t), &mldiscovery.AuthenticateParams{DiscoveryMagicLinksToken: loc.Query().Get("token"), PkceCodeVerifier: v})
	wantStytchErr(t, err, 404, "magic_link_not_found")

	a, err := e.client.MagicLinks.Authenticate(ctx(t), &magiclinks.AuthenticateParams{MagicLinksToken: loc.Query().Get("token"), PkceCodeVerifier: v})
	if err != nil || !a.MemberAuthenticated || a.Member.Status != "active" || a.MemberSession == nil || a.OrganizationID != r.Organization.OrganizationID {
		t.Fatalf("authenticate = %+v, %v", a, err)
	}
	_, err = e.client.MagicLinks.Authenticate(ctx(t), &magiclinks.AuthenticateParams{MagicLinksToken: loc.Query().Get("token"), PkceCodeVerifier: v})
	wantStytchErr(t, err, 401, "unable_to_auth_magic_link")

	// Outsider can't sign up to northwind; MFA org returns member_authenticated false.
	_, err = e.client.MagicLinks.Email.LoginOrSignup(ctx(t), &email.LoginOrSignupParams{OrganizationID: "northwind", EmailAddress: "x@else.org"})
	wantStytchErr(t, err, 403, "email_jit_provisioning_not_allowed")
	if _, err := e.client.MagicLinks.Email.LoginOrSignup(ctx(t), &email.LoginOrSignupParams{OrganizationID: "fortress", EmailAddress: DemoEmail}); err != nil {
		t.Fatal(err)
	}
	tok := e.follow(e.latestMessage(DemoEmail).Link).Query().Get("token")
	a, err = e.client.MagicLinks.Authenticate(ctx(t), &magiclinks.AuthenticateParams{MagicLinksToken: tok})
	if err != nil || a.MemberAuthenticated || a.IntermediateSessionToken == "" || a.SessionToken != "" || a.MFARequired == nil {
		t.Fatalf("fortress authenticate = %+v, %v", a, err)
	}
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	send := func(addr string) error {
		_, err := e.client.MagicLinks.Email.Discovery.Send(ctx(t), &emaildiscovery.SendParams{EmailAddress: addr})
		return err
	}
	if err := send(DemoEmail); err != nil {
		t.Fatal(err)
	}
	wantStytchErr(t, send(DemoEmail), 429, "too_many_requests")
	// Shared across send endpoints.
	_, err := e.client.MagicLinks.Email.LoginOrSignup(ctx(t), &email.LoginOrSignupParams{OrganizationID: "northwind", EmailAddress: DemoEmail})
	wantStytchErr(t, err, 429, "too_many_requests")
	if err := send("other@example.org"); err != nil {
		t.Fatalf("other address limited: %v", err)
	}
	st, _ := e.raw("/v1/b2b/magic_links/email/discovery/send", map[string]any{"email_address": DemoEmail})
	if st != 429 {
		t.Fatalf("raw status %d", st)
	}
	// Retry-After header.
	req, _ := http.NewRequest("POST", e.base+"/v1/b2b/magic_links/email/discovery/send", strings.NewReader(`{"email_address":"demo@example.com"}`))
	req.SetBasicAuth(e.srv.ProjectID(), e.srv.Secret())
	resp, err := e.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("Retry-After = %q", resp.Header.Get("Retry-After"))
	}
	e.clock.Advance(time.Second)
	if err := send(DemoEmail); err != nil {
		t.Fatalf("after 1s: %v", err)
	}
	if n := len(e.srv.Messages()); n != 3 {
		t.Fatalf("messages = %d, want 3 (limited requests send nothing)", n)
	}
}

func TestSessionLifecycle(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	ist := e.discoveryIST(DemoEmail).IntermediateSessionToken
	x, err := e.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{IntermediateSessionToken: ist, OrganizationID: "northwind", SessionDurationMinutes: 30})
	if err != nil {
		t.Fatal(err)
	}
	auth := func(p *sessions.AuthenticateParams) (*sessions.AuthenticateResponse, error) {
		return e.client.Sessions.Authenticate(ctx(t), p)
	}
	start := *x.MemberSession.ExpiresAt

	// No extension without session_duration_minutes.
	e.clock.Advance(20 * time.Minute)
	a, err := auth(&sessions.AuthenticateParams{SessionToken: x.SessionToken})
	if err != nil || !a.MemberSession.ExpiresAt.Equal(start) || !a.MemberSession.LastAccessedAt.After(*a.MemberSession.StartedAt) {
		t.Fatalf("authenticate = %+v, %v", a, err)
	}
	// Extension with it.
	a, err = auth(&sessions.AuthenticateParams{SessionToken: x.SessionToken, SessionDurationMinutes: 30})
	if err != nil || !a.MemberSession.ExpiresAt.Equal(e.clock.Now().Add(30*time.Minute).Truncate(time.Second)) {
		t.Fatalf("extend = %v, %v", a.MemberSession.ExpiresAt, err)
	}
	// Argument errors.
	_, err = auth(&sessions.AuthenticateParams{})
	wantStytchErr(t, err, 400, "no_session_arguments")
	_, err = auth(&sessions.AuthenticateParams{SessionToken: x.SessionToken, SessionJWT: x.SessionJWT})
	wantStytchErr(t, err, 400, "too_many_session_arguments")
	_, err = auth(&sessions.AuthenticateParams{SessionToken: x.SessionToken, SessionDurationMinutes: 527041})
	wantStytchErr(t, err, 400, "invalid_session_duration_minutes")
	_, err = auth(&sessions.AuthenticateParams{SessionJWT: "not.a.jwt"})
	wantStytchErr(t, err, 404, "session_not_found")
	// Expiry.
	e.clock.Advance(31 * time.Minute)
	_, err = auth(&sessions.AuthenticateParams{SessionToken: x.SessionToken})
	wantStytchErr(t, err, 404, "session_not_found")

	// Revoke by member_session_id; and by member_id (all sessions).
	e.clock.Advance(2 * time.Second)
	ist = e.discoveryIST(DemoEmail).IntermediateSessionToken
	x, err = e.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{IntermediateSessionToken: ist, OrganizationID: "northwind"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.Sessions.Revoke(ctx(t), &sessions.RevokeParams{MemberSessionID: x.MemberSession.MemberSessionID}); err != nil {
		t.Fatal(err)
	}
	_, err = auth(&sessions.AuthenticateParams{SessionToken: x.SessionToken})
	wantStytchErr(t, err, 404, "session_not_found")
	_, err = e.client.Sessions.Revoke(ctx(t), &sessions.RevokeParams{MemberSessionID: x.MemberSession.MemberSessionID})
	wantStytchErr(t, err, 404, "session_not_found")

	// sessions.exchange: northwind → acme (invited) works; → example-co
	// (eligible only) can't JIT; → fortress needs MFA.
	e.clock.Advance(2 * time.Second)
	ist = e.discoveryIST(DemoEmail).IntermediateSessionToken
	x, err = e.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{IntermediateSessionToken: ist, OrganizationID: "northwind"})
	if err != nil {
		t.Fatal(err)
	}
	sx, err := e.client.Sessions.Exchange(ctx(t), &sessions.ExchangeParams{OrganizationID: "acme", SessionToken: x.SessionToken})
	if err != nil || !sx.MemberAuthenticated || sx.Organization.OrganizationSlug != "acme" || sx.Member.Status != "active" || sx.MemberSession.OrganizationSlug != "acme" {
		t.Fatalf("sessions.exchange = %+v, %v", sx, err)
	}
	_, err = e.client.Sessions.Exchange(ctx(t), &sessions.ExchangeParams{OrganizationID: "example-co", SessionToken: x.SessionToken})
	wantStytchErr(t, err, 404, "member_not_found")
	sx, err = e.client.Sessions.Exchange(ctx(t), &sessions.ExchangeParams{OrganizationID: "fortress", SessionJWT: x.SessionJWT})
	if err != nil || sx.MemberAuthenticated || sx.IntermediateSessionToken == "" || sx.MemberSession != nil {
		t.Fatalf("sessions.exchange fortress = %+v, %v", sx, err)
	}
	if _, err := e.client.Sessions.Revoke(ctx(t), &sessions.RevokeParams{MemberID: x.MemberID}); err != nil {
		t.Fatal(err)
	}
	_, err = auth(&sessions.AuthenticateParams{SessionToken: x.SessionToken})
	wantStytchErr(t, err, 404, "session_not_found")
}
