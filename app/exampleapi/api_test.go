package exampleapi_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"

	"stytch-desktop/app/exampleapi"
	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/sessiontest"
)

// fakeMembers stands in for Stytch's organizations.members.search, the one
// call the local API does not serve yet; it records who was listed.
type fakeMembers struct {
	mu   sync.Mutex
	orgs []string
}

func (f *fakeMembers) ListMembers(_ context.Context, org string) ([]exampleapi.MemberSummary, error) {
	f.mu.Lock()
	f.orgs = append(f.orgs, org)
	f.mu.Unlock()
	return []exampleapi.MemberSummary{{MemberID: "member-x", EmailAddress: "x@example.org", Status: "active", Roles: []string{"stytch_member"}}}, nil
}

type harness struct {
	api     *sessiontest.API
	url     string
	members *fakeMembers
}

func newHarness(t *testing.T, maxAge time.Duration, now func() time.Time) *harness {
	t.Helper()
	api := sessiontest.Start(t, localstytch.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	clients, err := exampleapi.NewStytch(ctx, api.Server.ProjectID(), api.Server.Secret(), api.Base)
	if err != nil {
		t.Fatal(err)
	}
	fm := &fakeMembers{}
	h, err := exampleapi.New(exampleapi.Config{Sessions: clients.Sessions, MaxTokenAge: maxAge, Members: fm, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &harness{api: api, url: srv.URL, members: fm}
}

type answer struct {
	status int
	body   map[string]any
}

func (h *harness) get(t *testing.T, path, authorization string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.url+path, nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s: Content-Type %q", path, ct)
	}
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("%s: body is not JSON: %v", path, err)
	}
	return answer{resp.StatusCode, body}
}

// wantError checks the refusal's status and JSON shape.
func wantError(t *testing.T, a answer, status int, typ string) {
	t.Helper()
	if a.status != status || a.body["error_type"] != typ {
		t.Fatalf("got %d %v, want %d %s", a.status, a.body, status, typ)
	}
	if m, _ := a.body["error_message"].(string); m == "" {
		t.Fatalf("no error_message in %v", a.body)
	}
}

func TestMe(t *testing.T) {
	h := newHarness(t, 5*time.Minute, nil)
	admin := h.api.Admin(t)
	first := h.get(t, "/api/me", "Bearer "+admin.JWT)
	if first.status != 200 {
		t.Fatalf("status %d %v", first.status, first.body)
	}
	b := first.body
	roles, _ := b["roles"].([]any)
	if b["member_id"] != admin.MemberID || b["email_address"] != admin.Email || b["organization_id"] != admin.Organization ||
		b["organization_name"] == "" || b["organization_name"] == nil || len(roles) != 2 || roles[1] != "stytch_admin" {
		t.Fatalf("/api/me = %v", b)
	}
	if b["checked_with"] != "stytch" {
		t.Fatalf("a session's first request is checked with Stytch (its profile), got %v", b["checked_with"])
	}
	second := h.get(t, "/api/me", "bearer "+admin.JWT)
	if second.status != 200 || second.body["checked_with"] != "jwks" || second.body["email_address"] != admin.Email {
		t.Fatalf("second request: %d %v", second.status, second.body)
	}
}

func TestRefusals(t *testing.T) {
	h := newHarness(t, 5*time.Minute, nil)
	admin := h.api.Admin(t)
	wantError(t, h.get(t, "/api/me", ""), 401, "unauthorized")
	wantError(t, h.get(t, "/api/me", "Basic "+admin.JWT), 401, "unauthorized")
	wantError(t, h.get(t, "/api/me", "Bearer garbage"), 401, "invalid_session_jwt")
	wantError(t, h.get(t, "/api/me", "Bearer "+admin.JWT+"x"), 401, "invalid_session_jwt") // signature broken
	wantError(t, h.get(t, "/api/me", "Bearer "+forged(t, h.api.Server.ProjectID(), admin)), 401, "invalid_session_jwt")
	wantError(t, h.get(t, "/nope", "Bearer "+admin.JWT), 404, "not_found")
}

// forged is a well-formed session JWT for the right project and member,
// signed by a key that is not the project's.
func forged(t *testing.T, projectID string, s sessiontest.Session) string {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": "stytch.com/" + projectID, "aud": []string{projectID}, "sub": s.MemberID,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"https://stytch.com/session": map[string]any{"id": "member-session-test-x", "started_at": now.Format(time.RFC3339),
			"last_accessed_at": now.Format(time.RFC3339), "expires_at": now.Add(time.Hour).Format(time.RFC3339),
			"roles": []string{"stytch_member", "stytch_admin"}},
		"https://stytch.com/organization": map[string]any{"organization_id": s.Organization},
	})
	tok.Header["kid"] = "jwk-test-forged"
	out, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestExpiredJWT(t *testing.T) {
	later := func() time.Time { return time.Now().Add(6 * time.Minute) }
	h := newHarness(t, 5*time.Minute, later)
	admin := h.api.Admin(t)
	wantError(t, h.get(t, "/api/me", "Bearer "+admin.JWT), 401, "session_jwt_expired")
}

func TestRevoked(t *testing.T) {
	revoke := func(t *testing.T, h *harness, s sessiontest.Session) {
		if _, err := h.api.Sessions().Revoke(context.Background(), &sessions.RevokeParams{SessionToken: s.Token}); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("max-token-age 0: refused at once", func(t *testing.T) {
		h := newHarness(t, 0, nil)
		s := h.api.Admin(t)
		if a := h.get(t, "/api/me", "Bearer "+s.JWT); a.status != 200 || a.body["checked_with"] != "stytch" {
			t.Fatalf("before revoke: %v", a)
		}
		revoke(t, h, s)
		wantError(t, h.get(t, "/api/me", "Bearer "+s.JWT), 401, "session_not_found")
	})
	t.Run("max-token-age 1s: accepted locally within it, refused after it", func(t *testing.T) {
		h := newHarness(t, time.Second, nil)
		s := h.api.Admin(t)
		if a := h.get(t, "/api/me", "Bearer "+s.JWT); a.status != 200 {
			t.Fatalf("before revoke: %v", a)
		}
		revoke(t, h, s)
		// iat has one-second resolution: past iat + 1 s within about 2 s.
		deadline := time.Now().Add(3 * time.Second)
		for {
			a := h.get(t, "/api/me", "Bearer "+s.JWT)
			if a.status == 401 {
				wantError(t, a, 401, "session_not_found")
				break
			}
			if a.status != 200 || a.body["checked_with"] != "jwks" || time.Now().After(deadline) {
				t.Fatalf("revoked session still answered %d %v", a.status, a.body)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

func TestAdminMembers(t *testing.T) {
	h := newHarness(t, 5*time.Minute, nil)
	admin, member := h.api.Admin(t), h.api.Member(t, "northwind")
	wantError(t, h.get(t, "/api/admin/members", "Bearer "+member.JWT), 403, "forbidden")
	wantError(t, h.get(t, "/api/admin/members", ""), 401, "unauthorized")
	if len(h.members.orgs) != 0 {
		t.Fatal("members were listed for a refused request")
	}
	a := h.get(t, "/api/admin/members", "Bearer "+admin.JWT)
	ms, _ := a.body["members"].([]any)
	if a.status != 200 || len(ms) != 1 || a.body["organization_id"] != admin.Organization {
		t.Fatalf("admin: %d %v", a.status, a.body)
	}
	if !slices.Equal(h.members.orgs, []string{admin.Organization}) {
		t.Fatalf("listed %v", h.members.orgs)
	}
	// The member's own view shows only stytch_member.
	me := h.get(t, "/api/me", "Bearer "+member.JWT)
	if r, _ := me.body["roles"].([]any); me.status != 200 || len(r) != 1 || r[0] != "stytch_member" || me.body["organization_name"] != "Northwind Traders" {
		t.Fatalf("member /api/me: %v", me.body)
	}
}

func TestRoleAuthorizer(t *testing.T) {
	ra := exampleapi.RoleAuthorizer(exampleapi.DefaultRolePermissions)
	tests := []struct {
		roles []string
		perm  exampleapi.Permission
		ok    bool
	}{
		{[]string{"stytch_member", "stytch_admin"}, exampleapi.PermListMembers, true},
		{[]string{"stytch_member"}, exampleapi.PermListMembers, false},
		{nil, exampleapi.PermListMembers, false},
		{[]string{"stytch_admin"}, exampleapi.Permission{Resource: "stytch.member", Action: "delete"}, false}, // unlisted: refused
	}
	for _, tc := range tests {
		err := ra.Authorize(context.Background(), &exampleapi.Principal{Roles: tc.roles}, tc.perm)
		if (err == nil) != tc.ok {
			t.Errorf("%v %v: %v", tc.roles, tc.perm, err)
		}
	}
}

func TestStytchUnavailable(t *testing.T) {
	h := newHarness(t, 0, nil)
	s := h.api.Admin(t)
	h.api.Server.SetFault("/v1/b2b/sessions/authenticate", localstytch.Fault{Status: http.StatusServiceUnavailable, Times: 1})
	wantError(t, h.get(t, "/api/me", "Bearer "+s.JWT), 503, "stytch_unavailable")
	if a := h.get(t, "/api/me", "Bearer "+s.JWT); a.status != 200 {
		t.Fatalf("after the outage: %v", a)
	}
}
