package broker_test

import (
	"strings"
	"testing"
)

// Nothing secret in the broker's logs: through every allowed flow and a set
// of refusals, the access log names routes, statuses and hashes, never a
// token, verifier, code, the secret or a plain email.
func TestLogsHoldNoSecrets(t *testing.T) {
	e := newEnv(t)
	const addr = "demo@example.com"
	token, jwt, secrets := e.signIn(addr, "northwind")

	verifier, challenge := pkcePair()
	secrets = append(secrets, verifier, challenge, e.api.Secret(), addr, "example.com")
	if a := e.post("/v1/b2b/magic_links/email/login_or_signup", map[string]any{
		"organization_id": "example-co", "email_address": "Other.Person@Example.com", "pkce_code_challenge": challenge}); a.status != 200 {
		t.Fatalf("login_or_signup: %d %s", a.status, a.raw)
	}
	link := e.linkToken("other.person@example.com")
	secrets = append(secrets, link, "other.person", "Other.Person")
	a := e.post("/v1/b2b/magic_links/authenticate", map[string]any{"magic_links_token": link, "pkce_code_verifier": verifier, "session_duration_minutes": 60})
	if a.status != 200 {
		t.Fatalf("magic link authenticate: %d %s", a.status, a.raw)
	}
	secrets = append(secrets, a.str("session_token"), a.str("session_jwt"))
	for _, body := range []map[string]any{
		{"session_jwt": jwt},
		{"session_token": token, "session_duration_minutes": 60},
		{"session_token": token, "session_custom_claims": map[string]any{"x": "claim-value-secret"}},
	} {
		e.post("/v1/b2b/sessions/authenticate", body)
	}
	e.post("/v1/b2b/sessions/exchange", map[string]any{"session_token": token, "organization_id": "northwind"})
	e.post("/v1/b2b/discovery/organizations", map[string]any{"session_token": token})
	e.post("/v1/b2b/otps/sms/authenticate", map[string]any{"organization_id": "northwind", "member_id": "m", "code": "654321", "intermediate_session_token": "ist-secret-value"})
	e.post("/v1/b2b/sessions/revoke", map[string]any{"member_id": "member-x", "session_token": token})
	e.post("/v1/b2b/sessions/revoke", map[string]any{"session_token": token})
	e.call("POST", "/v1/b2b/organizations/"+token, "application/json", `{}`)
	secrets = append(secrets, "claim-value-secret", "654321", "ist-secret-value")

	logs := e.logs.String()
	if !strings.Contains(logs, `"email_hash"`) || !strings.Contains(logs, `"route":"sessions.revoke"`) {
		t.Fatalf("access log lacks the expected fields:\n%s", logs)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(strings.ToLower(logs), strings.ToLower(s)) {
			t.Fatalf("the broker's log contains a secret or email (%.12s…):\n%s", s, logs)
		}
	}
}
