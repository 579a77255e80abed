package localstytch

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/rbac"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/recoverycodes"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"
)

// TestRBACPolicyIsStytchsDefault: rbac.policy through stytch-go answers
// Stytch's default roles and resources.
func TestRBACPolicyIsStytchsDefault(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	p, err := e.client.RBAC.Policy(ctx(t), &rbac.PolicyParams{})
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string][]rbac.PolicyRolePermission{}
	for _, r := range p.Policy.Roles {
		roles[r.RoleID] = r.Permissions
	}
	admin := map[string]bool{}
	for _, perm := range roles["stytch_admin"] {
		admin[perm.ResourceID] = slices.Equal(perm.Actions, []string{"*"})
	}
	if len(roles) != 2 || len(admin) != 4 || !admin["stytch.organization"] || !admin["stytch.member"] ||
		!admin["stytch.sso"] || !admin["stytch.scim"] {
		t.Fatalf("roles = %+v", p.Policy.Roles)
	}
	if m := roles["stytch_member"]; len(m) != 1 || m[0].ResourceID != "stytch.self" || !slices.Equal(m[0].Actions, []string{"*"}) {
		t.Fatalf("stytch_member = %+v", m)
	}
	resources := map[string][]string{}
	for _, r := range p.Policy.Resources {
		resources[r.ResourceID] = r.Actions
	}
	for id, action := range map[string]string{"stytch.organization": "update.info.mfa_policy", "stytch.member": "update.settings.roles",
		"stytch.sso": "create", "stytch.scim": "get", "stytch.self": "update.info.delete.password"} {
		if !slices.Contains(resources[id], action) {
			t.Errorf("resource %s lacks %s: %v", id, action, resources[id])
		}
	}
	if len(resources) != 5 {
		t.Errorf("resources = %v", resources)
	}
}

// TestAuthorizationCheck: sessions.authenticate with authorization_check
// answers a verdict with the granting roles, 403 for an action no role of
// the member grants or for another organization, and a refused check
// changes nothing. stytch-go's local JWT check agrees, using this policy.
func TestAuthorizationCheck(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	ist := e.discoveryIST("founder@rbac.example").IntermediateSessionToken
	created, err := e.client.Discovery.Organizations.Create(ctx(t), &organizations.CreateParams{
		IntermediateSessionToken: ist, OrganizationName: "RBAC Test"})
	if err != nil {
		t.Fatal(err)
	}
	adminOrg := created.Organization.OrganizationID

	// Roles are in the session and in the JWT, which stytch-go checks
	// locally against this policy (checked first: the JWT's times must not
	// be ahead of the real clock).
	local, err := e.client.Sessions.AuthenticateJWTLocal(ctx(t), created.SessionJWT, time.Hour,
		&sessions.AuthorizationCheck{OrganizationID: adminOrg, ResourceID: "stytch.member", Action: "delete"})
	if err != nil || !slices.Equal(local.Roles, []string{"stytch_member", "stytch_admin"}) {
		t.Fatalf("local JWT check = %+v, %v", local, err)
	}
	_, err = e.client.Sessions.AuthenticateJWTLocal(ctx(t), created.SessionJWT, time.Hour,
		&sessions.AuthorizationCheck{OrganizationID: adminOrg, ResourceID: "documents", Action: "read"})
	var se stytcherror.Error // the SDK's own error: no request id
	if !errors.As(err, &se) || se.StatusCode != 403 || se.ErrorType != "session_authorization_error" {
		t.Fatalf("local JWT check of an ungranted action = %v", err)
	}

	member := e.exchangeInto(DemoEmail, "northwind")
	memberOrg := member.Organization.OrganizationID

	check := func(token, org, resource, action string) (*sessions.AuthenticateResponse, error) {
		return e.client.Sessions.Authenticate(ctx(t), &sessions.AuthenticateParams{SessionToken: token,
			AuthorizationCheck: &sessions.AuthorizationCheck{OrganizationID: org, ResourceID: resource, Action: action}})
	}
	tests := []struct {
		name, token, org, resource, action string
		want                               []string // granting roles; nil = refused
		status                             int
		errType                            string
	}{
		{"admin deletes a member", created.SessionToken, adminOrg, "stytch.member", "delete", []string{"stytch_admin"}, 0, ""},
		{"admin renames itself", created.SessionToken, adminOrg, "stytch.self", "update.info.name", []string{"stytch_member"}, 0, ""},
		{"member renames itself", member.SessionToken, memberOrg, "stytch.self", "update.info.name", []string{"stytch_member"}, 0, ""},
		{"member deletes a member", member.SessionToken, memberOrg, "stytch.member", "delete", nil, 403, "session_authorization_error"},
		{"unknown resource", created.SessionToken, adminOrg, "documents", "read", nil, 403, "session_authorization_error"},
		{"another organization", created.SessionToken, memberOrg, "stytch.self", "update.info.name", nil, 403, "session_authorization_tenancy_error"},
		{"no action", created.SessionToken, adminOrg, "stytch.self", "", nil, 400, "missing_required_field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := check(tt.token, tt.org, tt.resource, tt.action)
			if tt.want == nil {
				wantStytchErr(t, err, tt.status, tt.errType)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if resp.Verdict == nil || !resp.Verdict.Authorized || !slices.Equal(resp.Verdict.GrantingRoles, tt.want) {
				t.Fatalf("verdict = %+v, want %v", resp.Verdict, tt.want)
			}
		})
	}

	// A refused check leaves the session as it was (not accessed, not extended).
	before := e.sessionRecord(t, member.MemberSession.MemberSessionID)
	e.clock.Advance(time.Minute)
	_, err = e.client.Sessions.Authenticate(ctx(t), &sessions.AuthenticateParams{SessionToken: member.SessionToken,
		SessionDurationMinutes: 600, AuthorizationCheck: &sessions.AuthorizationCheck{
			OrganizationID: memberOrg, ResourceID: "stytch.organization", Action: "delete"}})
	wantStytchErr(t, err, 403, "session_authorization_error")
	if after := e.sessionRecord(t, member.MemberSession.MemberSessionID); after != before {
		t.Fatalf("refused check changed the session: %+v → %+v", before, after)
	}

	// Without a check the answer has verdict null and the member's roles.
	plain, err := e.client.Sessions.Authenticate(ctx(t), &sessions.AuthenticateParams{SessionToken: created.SessionToken})
	if err != nil || plain.Verdict != nil || !slices.Equal(plain.MemberSession.Roles, []string{"stytch_member", "stytch_admin"}) {
		t.Fatalf("plain authenticate = %+v, %v", plain, err)
	}
}

// sessionRecord is a copy of a stored session's times.
func (e *env) sessionRecord(t *testing.T, id string) [2]time.Time {
	t.Helper()
	e.srv.mu.Lock()
	defer e.srv.mu.Unlock()
	s := e.srv.st.Sessions[id]
	if s == nil {
		t.Fatalf("no session %s", id)
	}
	return [2]time.Time{s.LastAccessedAt, s.ExpiresAt}
}

// TestRecoveryCodesGetAndRotate: get shows the member's unused codes, a used
// one disappears, rotate replaces all (old ones stop working), and a member
// without an authenticator app has none.
func TestRecoveryCodesGetAndRotate(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	x := e.exchangeInto(DemoEmail, "northwind") // a session, then an authenticator app
	if _, _, err := e.srv.EnrollTOTP("northwind", DemoEmail); err != nil {
		t.Fatal(err)
	}
	org, member := x.Organization.OrganizationID, x.MemberID
	get := func() []string {
		t.Helper()
		r, err := e.client.RecoveryCodes.Get(ctx(t), &recoverycodes.GetParams{OrganizationID: org, MemberID: member})
		if err != nil {
			t.Fatal(err)
		}
		return r.RecoveryCodes
	}
	codes := get()
	if len(codes) != recoveryCodeCount || !reRecoveryCode.MatchString(codes[0]) || !slices.Equal(get(), codes) {
		t.Fatalf("get = %v", codes)
	}
	recover := func(code string) error {
		_, err := e.client.RecoveryCodes.Recover(ctx(t), &recoverycodes.RecoverParams{OrganizationID: org, MemberID: member,
			RecoveryCode: code, SessionToken: x.SessionToken})
		return err
	}
	if err := recover(codes[3]); err != nil {
		t.Fatal(err)
	}
	if got := get(); len(got) != recoveryCodeCount-1 || slices.Contains(got, codes[3]) {
		t.Fatalf("after using one: %v", got)
	}
	rot, err := e.client.RecoveryCodes.Rotate(ctx(t), &recoverycodes.RotateParams{OrganizationID: org, MemberID: member})
	if err != nil {
		t.Fatal(err)
	}
	if len(rot.RecoveryCodes) != recoveryCodeCount || slices.Contains(rot.RecoveryCodes, codes[0]) || !slices.Equal(get(), rot.RecoveryCodes) {
		t.Fatalf("rotate = %v (old %v)", rot.RecoveryCodes, codes)
	}
	wantStytchErr(t, recover(codes[0]), 401, "invalid_recovery_code")
	if err := recover(rot.RecoveryCodes[0]); err != nil {
		t.Fatal(err)
	}

	acme := e.exchangeInto(DemoEmail, "acme")
	_, err = e.client.RecoveryCodes.Get(ctx(t), &recoverycodes.GetParams{OrganizationID: acme.Organization.OrganizationID, MemberID: acme.MemberID})
	wantStytchErr(t, err, 404, "recovery_codes_not_found")
	_, err = e.client.RecoveryCodes.Rotate(ctx(t), &recoverycodes.RotateParams{OrganizationID: org, MemberID: acme.MemberID})
	wantStytchErr(t, err, 404, "member_not_found")
}

// TestRBACAndRecoveryCodesShapes holds the new answers to wireShapes.
func TestRBACAndRecoveryCodesShapes(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	c := &shapeChecker{seen: map[string]int{}}
	get := func(name, path string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, e.base+path, nil)
		req.SetBasicAuth(e.srv.ProjectID(), e.srv.Secret())
		resp, err := e.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s = %d %v %v", path, resp.StatusCode, out, err)
		}
		c.must(t, name, path, out)
	}
	x := e.exchangeInto(DemoEmail, "northwind")
	if _, _, err := e.srv.EnrollTOTP("northwind", DemoEmail); err != nil {
		t.Fatal(err)
	}
	get("rbac_policy_response", "/v1/b2b/rbac/policy")
	get("recovery_codes_response", "/v1/b2b/recovery_codes/"+x.Organization.OrganizationID+"/"+x.MemberID)
	st, out := e.raw("/v1/b2b/recovery_codes/rotate", map[string]any{"organization_id": "northwind", "member_id": x.MemberID})
	if st != http.StatusOK {
		t.Fatalf("rotate = %d %v", st, out)
	}
	c.must(t, "recovery_codes_response", "rotate", out)
	st, out = e.raw("/v1/b2b/sessions/authenticate", map[string]any{"session_token": x.SessionToken,
		"authorization_check": map[string]any{"organization_id": x.Organization.OrganizationID, "resource_id": "stytch.self", "action": "delete"}})
	if st != http.StatusOK {
		t.Fatalf("authenticate = %d %v", st, out)
	}
	c.must(t, "sessions_authenticate_response", "authenticate", out)
	for _, name := range []string{"policy", "policy_role", "policy_resource", "permission", "authorization_verdict"} {
		if c.seen[name] == 0 {
			t.Errorf("shape %q was never checked", name)
		}
	}
}
