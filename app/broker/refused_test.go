package broker_test

import (
	"net/http"
	"strings"
	"testing"

	"stytch-desktop/app/broker"
)

// The broker is not an open relay: every request below is refused with its
// exact error, in Stytch's error format, and never reaches Stytch.
func TestRefusedRequestsNeverReachUpstream(t *testing.T) {
	const json = "application/json"
	_, challenge := pkcePair()
	verifier, _ := pkcePair()
	big := `{"email_address":"a@example.com","pkce_code_challenge":"` + challenge + `","locale":"` + strings.Repeat("x", 17<<10) + `"}`

	cases := []struct {
		name, method, path, ctype, body string
		hdr                             []string
		status                          int
		errorType                       string
	}{
		// Routes outside the allow-list: administration, invites, passwords, impersonation…
		{"organization create (admin)", "POST", "/v1/b2b/organizations", json, `{"organization_name":"x"}`, nil, 404, "route_not_found"},
		{"organization search", "POST", "/v1/b2b/organizations/search", json, `{}`, nil, 404, "route_not_found"},
		{"organization get", "GET", "/v1/b2b/organizations/organization-test-1", "", "", nil, 404, "route_not_found"},
		{"organization delete", "DELETE", "/v1/b2b/organizations/organization-test-1", "", "", nil, 404, "route_not_found"},
		{"member create", "POST", "/v1/b2b/organizations/organization-test-1/members", json, `{"email_address":"x@example.com"}`, nil, 404, "route_not_found"},
		{"member update", "PUT", "/v1/b2b/organizations/organization-test-1/members/member-test-1", json, `{"roles":["stytch_admin"]}`, nil, 404, "route_not_found"},
		{"invite", "POST", "/v1/b2b/magic_links/email/invite", json, `{"organization_id":"northwind","email_address":"x@example.com"}`, nil, 404, "route_not_found"},
		{"passwords authenticate", "POST", "/v1/b2b/passwords/authenticate", json, `{}`, nil, 404, "route_not_found"},
		{"SSO SAML admin", "PUT", "/v1/b2b/sso/saml/organization-test-1/connections/c", json, `{}`, nil, 404, "route_not_found"},
		{"SSO connections get", "GET", "/v1/b2b/sso/organization-test-1", "", "", nil, 404, "route_not_found"},
		{"SCIM admin", "POST", "/v1/b2b/scim/organization-test-1/connection", json, `{}`, nil, 404, "route_not_found"},
		{"GET sessions of a member", "GET", "/v1/b2b/sessions?organization_id=o&member_id=m", "", "", nil, 404, "route_not_found"},
		{"sessions migrate", "POST", "/v1/b2b/sessions/migrate", json, `{}`, nil, 404, "route_not_found"},
		{"sessions exchange access token", "POST", "/v1/b2b/sessions/exchange_access_token", json, `{}`, nil, 404, "route_not_found"},
		{"impersonation", "POST", "/v1/b2b/impersonation/authenticate", json, `{}`, nil, 404, "route_not_found"},
		{"recovery codes rotate", "POST", "/v1/b2b/recovery_codes/rotate", json, `{"organization_id":"o","member_id":"m"}`, nil, 404, "route_not_found"},
		{"recovery codes get", "GET", "/v1/b2b/recovery_codes/o/m", "", "", nil, 404, "route_not_found"},
		{"TOTP migrate", "POST", "/v1/b2b/totp/migrate", json, `{}`, nil, 404, "route_not_found"},
		{"email OTP", "POST", "/v1/b2b/otps/email/login_or_signup", json, `{}`, nil, 404, "route_not_found"},
		{"RBAC policy", "GET", "/v1/b2b/rbac/policy", "", "", nil, 404, "route_not_found"},
		{"another project's JWKS", "GET", "/v1/b2b/sessions/jwks/project-test-11111111-1111-4111-8111-111111111111", "", "", nil, 404, "route_not_found"},
		{"trailing slash", "POST", "/v1/b2b/sessions/authenticate/", json, `{"session_token":"x"}`, nil, 404, "route_not_found"},
		{"encoded slash", "POST", "/v1/b2b/sessions%2Fauthenticate", json, `{"session_token":"x"}`, nil, 404, "route_not_found"},
		{"dot segments", "POST", "/v1/b2b/sessions/revoke/../../organizations", json, `{}`, nil, 404, "route_not_found"},
		{"emulator outbox", "GET", "/emulator/messages", "", "", nil, 404, "route_not_found"},
		{"emulator faults", "POST", "/emulator/faults", json, `{}`, nil, 404, "route_not_found"},
		{"email redirect hop", "GET", "/v1/magic_links/redirect?token=x", "", "", nil, 404, "route_not_found"},
		{"root", "GET", "/", "", "", nil, 404, "route_not_found"},

		// Wrong methods, and no CORS preflight.
		{"GET on a send", "GET", "/v1/b2b/magic_links/email/discovery/send", "", "", nil, 405, "method_not_allowed"},
		{"PUT on sessions authenticate", "PUT", "/v1/b2b/sessions/authenticate", json, `{"session_token":"x"}`, nil, 405, "method_not_allowed"},
		{"CORS preflight", "OPTIONS", "/v1/b2b/sessions/authenticate", "", "",
			[]string{"Origin", "https://evil.example", "Access-Control-Request-Method", "POST"}, 405, "method_not_allowed"},
		{"POST on JWKS", "POST", "/v1/b2b/sessions/jwks/project-test-00000000-0000-4000-8000-000000000000", json, `{}`, nil, 405, "method_not_allowed"},

		// Bodies.
		{"oversized body", "POST", "/v1/b2b/magic_links/email/discovery/send", json, big, nil, 400, "bad_request"},
		{"text/plain body", "POST", "/v1/b2b/sessions/authenticate", "text/plain", `{"session_token":"x"}`, nil, 400, "bad_request"},
		{"form body", "POST", "/v1/b2b/sessions/authenticate", "application/x-www-form-urlencoded", `session_token=x`, nil, 400, "bad_request"},
		{"no content type", "POST", "/v1/b2b/sessions/authenticate", "", `{"session_token":"x"}`, nil, 400, "bad_request"},
		{"malformed JSON", "POST", "/v1/b2b/sessions/authenticate", json, `{"session_token":`, nil, 400, "bad_request"},
		{"two JSON objects", "POST", "/v1/b2b/sessions/authenticate", json, `{"session_token":"x"}{"member_id":"m"}`, nil, 400, "bad_request"},
		{"JSON array", "POST", "/v1/b2b/sessions/authenticate", json, `[{"session_token":"x"}]`, nil, 400, "bad_request"},
		{"wrong field type", "POST", "/v1/b2b/sessions/authenticate", json, `{"session_token":"x","session_duration_minutes":"60"}`, nil, 400, "bad_request"},
		{"unknown field", "POST", "/v1/b2b/sessions/authenticate", json, `{"session_token":"x","organization_id":"o"}`, nil, 400, "bad_request"},
		{"org create with policy fields", "POST", "/v1/b2b/discovery/organizations/create", json,
			`{"intermediate_session_token":"x","organization_name":"n","mfa_policy":"OPTIONAL"}`, nil, 400, "bad_request"},

		// Revoke only by the caller's own token.
		{"revoke by member_id", "POST", "/v1/b2b/sessions/revoke", json, `{"member_id":"member-test-1"}`, nil, 400, "bad_request"},
		{"revoke by member_session_id", "POST", "/v1/b2b/sessions/revoke", json, `{"member_session_id":"member-session-test-1"}`, nil, 400, "bad_request"},
		{"revoke by token and member_id", "POST", "/v1/b2b/sessions/revoke", json, `{"session_token":"x","member_id":"m"}`, nil, 400, "bad_request"},
		{"revoke with nothing", "POST", "/v1/b2b/sessions/revoke", json, `{}`, nil, 400, "bad_request"},

		// Custom claims.
		{"claims on sessions authenticate", "POST", "/v1/b2b/sessions/authenticate", json,
			`{"session_token":"x","session_custom_claims":{"role":"admin"}}`, nil, 400, "bad_request"},
		{"claims on exchange", "POST", "/v1/b2b/discovery/intermediate_sessions/exchange", json,
			`{"intermediate_session_token":"x","organization_id":"northwind","session_custom_claims":{"a":1}}`, nil, 400, "bad_request"},
		{"claims on magic link authenticate", "POST", "/v1/b2b/magic_links/authenticate", json,
			`{"magic_links_token":"x","pkce_code_verifier":"` + verifier + `","session_custom_claims":{"a":1}}`, nil, 400, "bad_request"},

		// PKCE.
		{"discovery send without challenge", "POST", "/v1/b2b/magic_links/email/discovery/send", json, `{"email_address":"a@example.com"}`, nil, 400, "bad_request"},
		{"login_or_signup without challenge", "POST", "/v1/b2b/magic_links/email/login_or_signup", json,
			`{"organization_id":"northwind","email_address":"a@example.com"}`, nil, 400, "bad_request"},
		{"discovery authenticate without verifier", "POST", "/v1/b2b/magic_links/discovery/authenticate", json, `{"discovery_magic_links_token":"x"}`, nil, 400, "bad_request"},
		{"magic link authenticate without verifier", "POST", "/v1/b2b/magic_links/authenticate", json, `{"magic_links_token":"x"}`, nil, 400, "bad_request"},
		{"SSO authenticate without verifier", "POST", "/v1/b2b/sso/authenticate", json, `{"sso_token":"x"}`, nil, 400, "bad_request"},
		{"OAuth authenticate without verifier", "POST", "/v1/b2b/oauth/authenticate", json, `{"oauth_token":"x"}`, nil, 400, "bad_request"},
		{"OAuth discovery without verifier", "POST", "/v1/b2b/oauth/discovery/authenticate", json, `{"discovery_oauth_token":"x"}`, nil, 400, "bad_request"},
		{"short challenge", "POST", "/v1/b2b/magic_links/email/discovery/send", json, `{"email_address":"a@example.com","pkce_code_challenge":"abc"}`, nil, 400, "bad_request"},
		{"SSO token on the magic link route", "POST", "/v1/b2b/magic_links/authenticate", json,
			`{"sso_token":"x","pkce_code_verifier":"` + verifier + `"}`, nil, 400, "bad_request"},

		// Redirect URLs and templates are the company's, not the caller's.
		{"caller-chosen discovery redirect", "POST", "/v1/b2b/magic_links/email/discovery/send", json,
			`{"email_address":"a@example.com","pkce_code_challenge":"` + challenge + `","discovery_redirect_url":"https://evil.example/cb"}`, nil, 400, "bad_request"},
		{"caller-chosen login redirect", "POST", "/v1/b2b/magic_links/email/login_or_signup", json,
			`{"organization_id":"northwind","email_address":"a@example.com","pkce_code_challenge":"` + challenge + `","login_redirect_url":"https://evil.example/cb"}`, nil, 400, "bad_request"},
		{"caller-chosen signup redirect", "POST", "/v1/b2b/magic_links/email/login_or_signup", json,
			`{"organization_id":"northwind","email_address":"a@example.com","pkce_code_challenge":"` + challenge + `","signup_redirect_url":"https://evil.example/cb"}`, nil, 400, "bad_request"},
		{"caller-chosen template", "POST", "/v1/b2b/magic_links/email/discovery/send", json,
			`{"email_address":"a@example.com","pkce_code_challenge":"` + challenge + `","login_template_id":"phishing"}`, nil, 400, "bad_request"},
		{"caller-chosen link expiry", "POST", "/v1/b2b/magic_links/email/discovery/send", json,
			`{"email_address":"a@example.com","pkce_code_challenge":"` + challenge + `","discovery_expiration_minutes":10080}`, nil, 400, "bad_request"},
		{"invalid email", "POST", "/v1/b2b/magic_links/email/discovery/send", json,
			`{"email_address":"not-an-email","pkce_code_challenge":"` + challenge + `"}`, nil, 400, "invalid_email"},

		// MFA routes need the intermediate session or session they act for.
		{"SMS send without a token", "POST", "/v1/b2b/otps/sms/send", json, `{"organization_id":"o","member_id":"m"}`, nil, 400, "bad_request"},
		{"TOTP create without a token", "POST", "/v1/b2b/totp", json, `{"organization_id":"o","member_id":"m"}`, nil, 400, "bad_request"},
		{"SMS authenticate unenroll", "POST", "/v1/b2b/otps/sms/authenticate", json,
			`{"organization_id":"o","member_id":"m","code":"123456","intermediate_session_token":"x","set_mfa_enrollment":"unenroll"}`, nil, 400, "bad_request"},
		{"TOTP authenticate with two tokens", "POST", "/v1/b2b/totp/authenticate", json,
			`{"organization_id":"o","member_id":"m","code":"123456","intermediate_session_token":"x","session_token":"y"}`, nil, 400, "bad_request"},
		{"recovery without code", "POST", "/v1/b2b/recovery_codes/recover", json,
			`{"organization_id":"o","member_id":"m","intermediate_session_token":"x"}`, nil, 400, "bad_request"},
		{"SMS send to a bad number", "POST", "/v1/b2b/otps/sms/send", json,
			`{"organization_id":"o","member_id":"m","intermediate_session_token":"x","mfa_phone_number":"555-1234"}`, nil, 400, "invalid_phone_number"},
	}
	e := newEnv(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.rec.reset()
			a := do(t, e.url, c.method, c.path, c.ctype, c.body, c.hdr...)
			if a.status != c.status || a.str("error_type") != c.errorType {
				t.Fatalf("answer %d %q, want %d %q (%s)", a.status, a.str("error_type"), c.status, c.errorType, a.raw)
			}
			if code, _ := a.body["status_code"].(float64); int(code) != c.status || a.str("request_id") == "" || a.str("error_message") == "" {
				t.Fatalf("not Stytch's error object: %s", a.raw)
			}
			if got := a.header.Get("Access-Control-Allow-Origin"); got != "" {
				t.Fatalf("CORS header %q present", got)
			}
			if reached := e.rec.all(); len(reached) != 0 {
				t.Fatalf("refused request reached the upstream: %+v", reached[0].Path)
			}
		})
	}
}

// Company allow-lists and switched-off routes refuse too, before Stytch.
func TestPolicyRefusals(t *testing.T) {
	_, challenge := pkcePair()
	e := newEnv(t, func(c *broker.Config) {
		c.AllowedEmailDomains = []string{"Example.com"}
		c.AllowedOrganizations = []string{"northwind"}
		c.AllowedPhonePrefixes = []string{"+1"}
		c.AllowOrganizationCreate = false
	})
	cases := []struct {
		name, path string
		body       map[string]any
		status     int
		errorType  string
	}{
		{"email domain not allowed", "/v1/b2b/magic_links/email/discovery/send",
			map[string]any{"email_address": "a@other.example", "pkce_code_challenge": challenge}, 403, "email_domain_not_allowed"},
		{"subdomain is another domain", "/v1/b2b/magic_links/email/login_or_signup",
			map[string]any{"organization_id": "northwind", "email_address": "a@evil.example.com", "pkce_code_challenge": challenge}, 403, "email_domain_not_allowed"},
		{"organization not allowed (login)", "/v1/b2b/magic_links/email/login_or_signup",
			map[string]any{"organization_id": "acme", "email_address": "a@example.com", "pkce_code_challenge": challenge}, 403, "organization_not_allowed"},
		{"organization not allowed (exchange)", "/v1/b2b/discovery/intermediate_sessions/exchange",
			map[string]any{"intermediate_session_token": "x", "organization_id": "acme"}, 403, "organization_not_allowed"},
		{"organization not allowed (switch)", "/v1/b2b/sessions/exchange",
			map[string]any{"session_token": "x", "organization_id": "acme"}, 403, "organization_not_allowed"},
		{"phone country not allowed", "/v1/b2b/otps/sms/send",
			map[string]any{"organization_id": "northwind", "member_id": "m", "intermediate_session_token": "x", "mfa_phone_number": "+447700900123"}, 403, "phone_country_not_allowed"},
		{"organization create switched off", "/v1/b2b/discovery/organizations/create",
			map[string]any{"intermediate_session_token": "x", "organization_name": "n"}, 404, "route_not_found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.rec.reset()
			a := e.post(c.path, c.body)
			if a.status != c.status || a.str("error_type") != c.errorType {
				t.Fatalf("answer %d %q, want %d %q (%s)", a.status, a.str("error_type"), c.status, c.errorType, a.raw)
			}
			if reached := e.rec.all(); len(reached) != 0 {
				t.Fatalf("refused request reached the upstream: %s", reached[0].Path)
			}
		})
	}
	// The allowed domain (case-insensitive) and organization still work.
	if a := e.post("/v1/b2b/magic_links/email/login_or_signup", map[string]any{
		"organization_id": "northwind", "email_address": "Demo@EXAMPLE.com", "pkce_code_challenge": challenge}); a.status != http.StatusOK {
		t.Fatalf("allowed send refused: %d %s", a.status, a.raw)
	}
}
