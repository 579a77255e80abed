package localstytch

import (
	"net/http"
	"testing"
	"time"
)

// TestWireShapesMFA holds the MFA endpoints' bodies (SMS send and
// authenticate, TOTP create and authenticate, recovery-code recover), and
// the MFA objects inside them (member_options, phone / authenticator-app /
// recovery-code factors), to wireShapes.
func TestWireShapesMFA(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	c := &shapeChecker{seen: map[string]int{}}
	call := func(name, path string, body any) map[string]any {
		t.Helper()
		st, out := e.raw(path, body)
		if st != http.StatusOK {
			t.Fatalf("%s = %d %v", path, st, out)
		}
		c.must(t, name, path, out)
		return out
	}
	exchange := func(org string) map[string]any {
		e.clock.Advance(2 * time.Second)
		ist := e.discoveryIST(DemoEmail).IntermediateSessionToken
		return call("session_exchange_response", "/v1/b2b/discovery/intermediate_sessions/exchange",
			map[string]any{"intermediate_session_token": ist, "organization_id": org})
	}

	// Fortress: SMS texted at once; member_options filled in.
	x := exchange("fortress")
	if x["mfa_required"].(map[string]any)["member_options"] == nil {
		t.Fatalf("fortress mfa_required = %v", x["mfa_required"])
	}
	member := x["member_id"]
	code := e.latestSMS(DemoPhone).Code
	a := call("mfa_authenticate_response", "/v1/b2b/otps/sms/authenticate", map[string]any{
		"organization_id": "fortress", "member_id": member, "code": code, "intermediate_session_token": x["intermediate_session_token"]})
	e.clock.Advance(2 * time.Second)
	call("sms_send_response", "/v1/b2b/otps/sms/send", map[string]any{
		"organization_id": "fortress", "member_id": member, "session_token": a["session_token"]})

	// Vault: TOTP enrollment, then a recovery code on a second sign-in.
	x = exchange("vault")
	member = x["member_id"]
	cr := call("totp_create_response", "/v1/b2b/totp", map[string]any{
		"organization_id": "vault", "member_id": member, "intermediate_session_token": x["intermediate_session_token"]})
	totp, err := TOTPCode(cr["secret"].(string), e.clock.Now().Unix())
	if err != nil {
		t.Fatal(err)
	}
	call("mfa_authenticate_response", "/v1/b2b/totp/authenticate", map[string]any{
		"organization_id": "vault", "member_id": member, "code": totp, "intermediate_session_token": x["intermediate_session_token"]})
	x = exchange("vault")
	call("recovery_codes_recover_response", "/v1/b2b/recovery_codes/recover", map[string]any{
		"organization_id": "vault", "member_id": member, "recovery_code": cr["recovery_codes"].([]any)[0],
		"intermediate_session_token": x["intermediate_session_token"]})

	for _, name := range []string{"sms_send_response", "mfa_authenticate_response", "totp_create_response",
		"recovery_codes_recover_response", "member_options", "phone_number_factor", "authenticator_app_factor", "recovery_code_factor"} {
		if c.seen[name] == 0 {
			t.Errorf("shape %q was never checked", name)
		}
	}
}
