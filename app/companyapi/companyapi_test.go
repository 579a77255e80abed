package companyapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"

	"stytch-desktop/app/accesstoken"
	"stytch-desktop/app/agent"
	"stytch-desktop/app/companyapi"
	"stytch-desktop/app/exampleapi"
	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/sessionhub"
	"stytch-desktop/app/sessiontest"
)

// The signed-in screen's call, through real stytch-go sessions, the hub and
// the example API: /api/me names the member; after a revoke the API's 401
// leads to Stytch's definitive answer and the session ends (OnEnded).
func TestMeThroughExampleAPI(t *testing.T) {
	api := sessiontest.Start(t, localstytch.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clients, err := exampleapi.NewStytch(ctx, api.Server.ProjectID(), api.Server.Secret(), api.Base)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := exampleapi.New(exampleapi.Config{Sessions: clients.Sessions, MaxTokenAge: 0}) // every request with Stytch
	company := httptest.NewServer(h)
	defer company.Close()

	s := api.Member(t, "northwind")
	ended := make(chan error, 1)
	var hub sessionhub.Hub
	hub.Set(agent.Identity{MemberID: s.MemberID}, accesstoken.New(accesstoken.NewStytchRefresher(api.Sessions(), s.Token, 60), s.JWT,
		accesstoken.Options{OnEnded: func(err error) { ended <- err }}))
	c, err := companyapi.New(company.URL+"/", &hub, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Me(ctx)
	var me map[string]any
	if err != nil || r.Status != 200 || json.Unmarshal(r.Body, &me) != nil || me["email_address"] != s.Email || me["organization_name"] != "Northwind Traders" {
		t.Fatalf("me: %v %d %s", err, r.Status, r.Body)
	}
	if strings.Contains(string(r.Body), s.JWT) || strings.Contains(string(r.Body), s.Token) {
		t.Fatal("a token in the answer")
	}
	r, err = c.Get(ctx, "/api/admin/members")
	if err != nil || r.Status != 403 {
		t.Fatalf("members as a plain member: %v %d", err, r.Status)
	}

	if _, err := api.Sessions().Revoke(ctx, &sessions.RevokeParams{SessionToken: s.Token}); err != nil {
		t.Fatal(err)
	}
	r, err = c.Me(ctx)
	if err != nil || r.Status != 401 {
		t.Fatalf("after revoke: %v %d %s", err, r.Status, r.Body)
	}
	select {
	case err := <-ended:
		if !errors.Is(err, accesstoken.ErrSessionEnded) {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the session did not end")
	}
	if _, err := c.Me(ctx); !errors.Is(err, accesstoken.ErrSessionEnded) {
		t.Fatalf("after the end: %v", err)
	}
}

type staticToken struct{}

func (staticToken) Token(context.Context) (accesstoken.Token, error) {
	return accesstoken.Token{JWT: "h.p.s", ExpiresAt: time.Now().Add(time.Hour)}, nil
}
func (s staticToken) Refresh(ctx context.Context, _ string) (accesstoken.Token, error) {
	return s.Token(ctx)
}

func TestPathsAndAnswers(t *testing.T) {
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.RequestURI())
		switch r.URL.Path {
		case "/base/html":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<p>hi</p>")
		case "/base/big":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `"`+strings.Repeat("x", 1<<20)+`"`)
		case "/base/redirect":
			http.Redirect(w, r, "https://elsewhere.example/", http.StatusFound)
		default:
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			io.WriteString(w, `{"ok":true}`)
		}
	}))
	defer srv.Close()
	c, err := companyapi.New(srv.URL+"/base", staticToken{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path     string
		wantErr  error
		wantSent string
	}{
		{"/api/me", nil, "/base/api/me"},
		{"/api/items?page=2", nil, "/base/api/items?page=2"},
		{"api/me", companyapi.ErrBadPath, ""},
		{"//evil.example/x", companyapi.ErrBadPath, ""},
		{"https://evil.example/x", companyapi.ErrBadPath, ""},
		{"/api/../admin", companyapi.ErrBadPath, ""},
		{"/api/%2e%2e/admin", companyapi.ErrBadPath, ""},
		{"/api/a%2fb", companyapi.ErrBadPath, ""},
		{"/api\\x", companyapi.ErrBadPath, ""},
		{"/html", companyapi.ErrNotJSON, "/base/html"},
		{"/big", companyapi.ErrTooLarge, "/base/big"},
		{"/redirect", companyapi.ErrNotJSON, "/base/redirect"}, // not followed
	}
	for _, tc := range tests {
		paths = nil
		_, err := c.Get(context.Background(), tc.path)
		if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
			t.Errorf("%q: %v, want %v", tc.path, err, tc.wantErr)
		}
		if got := strings.Join(paths, ","); got != tc.wantSent {
			t.Errorf("%q: sent %q, want %q", tc.path, got, tc.wantSent)
		}
	}
	for _, bad := range []string{"http://api.example.com", "ftp://127.0.0.1", "https://u:p@api.example.com", "https://api.example.com?x=1", "", "/api"} {
		if _, err := companyapi.New(bad, staticToken{}, nil); !errors.Is(err, companyapi.ErrBadBaseURL) {
			t.Errorf("New(%q): %v", bad, err)
		}
	}
	for _, good := range []string{"https://api.example.com", "http://127.0.0.1:8788", "http://localhost:1", "http://[::1]:2"} {
		if _, err := companyapi.New(good, staticToken{}, nil); err != nil {
			t.Errorf("New(%q): %v", good, err)
		}
	}
}
