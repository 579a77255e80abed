package broker_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"stytch-desktop/app/broker"
	"stytch-desktop/app/localstytch"
)

func upstreamBody(t *testing.T, s seen) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(s.Body, &m); err != nil {
		t.Fatalf("upstream body: %v", err)
	}
	return m
}

// What the broker sends on: the company's redirect URL filled in, the
// broker's credentials instead of the caller's, no session headers, the
// session length clamped, empty claims dropped.
func TestForwardRewritesRequests(t *testing.T) {
	e := newEnv(t, func(c *broker.Config) { c.MaxSessionMinutes = 120 })
	_, challenge := pkcePair()

	a := e.call(http.MethodPost, "/v1/b2b/magic_links/email/discovery/send", "application/json; charset=utf-8",
		`{"email_address":"first@example.com","pkce_code_challenge":"`+challenge+`"}`,
		"Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("project-test-evil:stolen")),
		"X-Stytch-Member-Session", "someone-elses-token", "X-Stytch-Member-SessionJWT", "jwt", "Cookie", "c=1")
	if a.status != 200 {
		t.Fatalf("send: %d %s", a.status, a.raw)
	}
	s := e.rec.last(t, "/v1/b2b/magic_links/email/discovery/send")
	user, pass, ok := (&http.Request{Header: s.Header}).BasicAuth()
	if !ok || user != e.api.ProjectID() || pass != e.api.Secret() {
		t.Fatalf("upstream credentials %q/%q, want the broker's", user, pass)
	}
	for _, h := range []string{"X-Stytch-Member-Session", "X-Stytch-Member-Sessionjwt", "Cookie", "X-Forwarded-For"} {
		if v := s.Header.Get(h); v != "" {
			t.Fatalf("caller header %s reached the upstream: %q", h, v)
		}
	}
	if got := upstreamBody(t, s)["discovery_redirect_url"]; got != "stytch-desktop://auth/callback" {
		t.Fatalf("redirect URL sent on = %v", got)
	}

	token, _, _ := e.signIn("demo@example.com", "northwind")
	a = e.post("/v1/b2b/sessions/authenticate", map[string]any{
		"session_token": token, "session_duration_minutes": 527040, "session_custom_claims": map[string]any{}})
	if a.status != 200 {
		t.Fatalf("authenticate: %d %s", a.status, a.raw)
	}
	body := upstreamBody(t, e.rec.last(t, "/v1/b2b/sessions/authenticate"))
	if body["session_duration_minutes"] != float64(120) {
		t.Fatalf("session_duration_minutes sent on = %v, want clamped to 120", body["session_duration_minutes"])
	}
	if _, ok := body["session_custom_claims"]; ok {
		t.Fatal("session_custom_claims reached the upstream")
	}
	exp, err := time.Parse(time.RFC3339, a.body["member_session"].(map[string]any)["expires_at"].(string))
	if err != nil || time.Until(exp) > 121*time.Minute {
		t.Fatalf("session expires at %v, want within the 120-minute cap", exp)
	}
	// Without a duration the session is not extended: nothing is added.
	e.post("/v1/b2b/sessions/authenticate", map[string]any{"session_token": token})
	if _, ok := upstreamBody(t, e.rec.last(t, "/v1/b2b/sessions/authenticate"))["session_duration_minutes"]; ok {
		t.Fatal("a duration was added to a non-extending authenticate")
	}
}

// Stytch's own errors come back untouched (status, error_type, Retry-After).
func TestStytchErrorsPassThrough(t *testing.T) {
	e := newEnv(t)
	a := e.post("/v1/b2b/sessions/authenticate", map[string]any{"session_token": "no-such-session-token-aaaaaaaaaaaaaaaaaaaaaa"})
	if a.status != 404 || a.str("error_type") != "session_not_found" {
		t.Fatalf("answer %d %s, want Stytch's 404 session_not_found", a.status, a.raw)
	}
	e.api.SetFault("/v1/b2b/sessions/authenticate", localstytch.Fault{Status: 429, ErrorType: "too_many_requests", RetryAfter: 7 * time.Second})
	a = e.post("/v1/b2b/sessions/authenticate", map[string]any{"session_token": "x"})
	if a.status != 429 || a.str("error_type") != "too_many_requests" || a.header.Get("Retry-After") != "7" {
		t.Fatalf("answer %d %s Retry-After %q", a.status, a.raw, a.header.Get("Retry-After"))
	}
}

// A wrong broker secret is the operator's problem: the app gets a 500, not
// a 401 that would make it drop the employee's session.
func TestBadBrokerSecretIsServerError(t *testing.T) {
	e := newEnv(t, func(c *broker.Config) { c.Secret = "secret-test-wrong" })
	a := e.post("/v1/b2b/sessions/authenticate", map[string]any{"session_token": "x"})
	if a.status != 500 || a.str("error_type") != "internal_server_error" {
		t.Fatalf("answer %d %s, want 500 internal_server_error", a.status, a.raw)
	}
	if strings.Contains(a.raw, "secret-test-wrong") || !strings.Contains(e.logs.String(), "check the project id and secret") {
		t.Fatalf("answer or log wrong: %s / %s", a.raw, e.logs.String())
	}
}

// Sends and authenticates are never retried, and the upstream deadline holds.
func TestNoRetriesAndDeadline(t *testing.T) {
	e := newEnv(t, func(c *broker.Config) { c.UpstreamTimeout = 500 * time.Millisecond })
	_, challenge := pkcePair()
	e.api.SetFault("/v1/b2b/magic_links/email/discovery/send", localstytch.Fault{Drop: true})
	a := e.post("/v1/b2b/magic_links/email/discovery/send", map[string]any{"email_address": "a@example.com", "pkce_code_challenge": challenge})
	if a.status != 502 || a.str("error_type") != "upstream_unavailable" {
		t.Fatalf("dropped connection: %d %s", a.status, a.raw)
	}
	if n := len(e.rec.all()); n != 1 {
		t.Fatalf("upstream saw %d sends, want exactly 1 (no retry)", n)
	}
	e.api.ClearFaults()
	e.api.SetFault("/v1/b2b/sessions/authenticate", localstytch.Fault{Latency: 5 * time.Second})
	e.rec.reset()
	// upstream_timeout is only ever the deadline firing (not a timing check).
	a = e.post("/v1/b2b/sessions/authenticate", map[string]any{"session_token": "x"})
	if a.status != 504 || a.str("error_type") != "upstream_timeout" {
		t.Fatalf("slow upstream: %d %s", a.status, a.raw)
	}
	if n := len(e.rec.all()); n != 1 {
		t.Fatalf("upstream saw %d authenticates, want exactly 1 (no retry)", n)
	}
}

// The configured project's JWKS passes through without credentials.
func TestJWKSPassThrough(t *testing.T) {
	e := newEnv(t)
	a := e.call(http.MethodGet, "/v1/b2b/sessions/jwks/"+e.api.ProjectID(), "", "")
	if a.status != 200 || a.body["keys"] == nil {
		t.Fatalf("jwks: %d %s", a.status, a.raw)
	}
	if s := e.rec.last(t, "/v1/b2b/sessions/jwks/"+e.api.ProjectID()); s.Header.Get("Authorization") != "" {
		t.Fatal("the JWKS request carried credentials")
	}
	if !strings.Contains(a.header.Get("Cache-Control"), "max-age") {
		t.Fatalf("Cache-Control %q", a.header.Get("Cache-Control"))
	}
}

// With an organization allow-list, discovery answers list only allowed
// organizations (the rest of Stytch's answer as it came), so the app never
// offers one the broker would refuse to enter.
func TestOrganizationAllowListFiltersDiscovery(t *testing.T) {
	e := newEnv(t, func(c *broker.Config) { c.AllowedOrganizations = []string{"northwind", "example-co"} })
	verifier, challenge := pkcePair()
	if a := e.post("/v1/b2b/magic_links/email/discovery/send", map[string]any{"email_address": "demo@example.com", "pkce_code_challenge": challenge}); a.status != 200 {
		t.Fatalf("send: %d %s", a.status, a.raw)
	}
	a := e.post("/v1/b2b/magic_links/discovery/authenticate", map[string]any{
		"discovery_magic_links_token": e.linkToken("demo@example.com"), "pkce_code_verifier": verifier})
	slugs := func(a answer) []string {
		var out []string
		list, _ := a.body["discovered_organizations"].([]any)
		for _, d := range list {
			out = append(out, d.(map[string]any)["organization"].(map[string]any)["organization_slug"].(string))
		}
		return out
	}
	var direct struct {
		Discovered []any `json:"discovered_organizations"`
	}
	_ = json.Unmarshal(e.rec.last(t, "/v1/b2b/magic_links/discovery/authenticate").Resp, &direct)
	upstream := direct.Discovered
	if got := slugs(a); a.status != 200 || strings.Join(got, ",") != "northwind,example-co" && strings.Join(got, ",") != "example-co,northwind" {
		t.Fatalf("discovered through the broker: %v (%d)", got, a.status)
	}
	if len(upstream) <= 2 {
		t.Fatalf("the local API discovered only %d organizations: the filter is not shown to work", len(upstream))
	}
	if a.str("intermediate_session_token") == "" || a.str("email_address") != "demo@example.com" || a.body["request_id"] == nil {
		t.Fatalf("the rest of the answer was not kept: %s", a.raw)
	}
	l := e.post("/v1/b2b/discovery/organizations", map[string]any{"intermediate_session_token": a.str("intermediate_session_token")})
	if got := slugs(l); len(got) != 2 {
		t.Fatalf("organizations list through the broker: %v", got)
	}
}
