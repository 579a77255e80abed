package sessionhub_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"stytch-desktop/app/accesstoken"
	"stytch-desktop/app/agent"
	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/sessionhub"
	"stytch-desktop/app/sessiontest"
)

// Through real sessions from the local API: the hub follows a sign-in and a
// second session, the transport always sends the current one's JWT, and a
// signed-out hub sends nothing.
func TestHubFollowsTheSession(t *testing.T) {
	api := sessiontest.Start(t, localstytch.Options{})
	var seen []string
	company := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	}))
	defer company.Close()
	var hub sessionhub.Hub
	tr, err := accesstoken.NewTransport(&hub, company.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: tr}

	if _, ok := hub.Current(); ok {
		t.Fatal("a new hub is signed in")
	}
	if _, err := hc.Get(company.URL); !errors.Is(err, accesstoken.ErrSessionEnded) || len(seen) != 0 {
		t.Fatalf("signed out: %v, %d requests", err, len(seen))
	}

	for _, s := range []sessiontest.Session{api.Member(t, "northwind"), api.Admin(t)} {
		src := accesstoken.New(accesstoken.NewStytchRefresher(api.Sessions(), s.Token, 0), "", accesstoken.Options{})
		hub.Set(agent.Identity{MemberID: s.MemberID, Email: s.Email, OrganizationID: s.Organization}, src)
		resp, err := hc.Get(company.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		tok, _ := accesstoken.ParseJWT(seen[len(seen)-1])
		if tok.MemberID != s.MemberID {
			t.Fatalf("sent %v's JWT for %s", tok.MemberID, s.MemberID)
		}
		id, ok := hub.Current()
		if !ok || id.Email != s.Email || !slices.Contains(id.Roles, "stytch_member") {
			t.Fatalf("current %+v %v", id, ok)
		}
	}
	hub.Clear()
	if _, err := hub.Token(context.Background()); !errors.Is(err, accesstoken.ErrSessionEnded) {
		t.Fatalf("after Clear: %v", err)
	}
}
