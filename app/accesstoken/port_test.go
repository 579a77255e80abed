package accesstoken_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"

	"stytch-desktop/app/accesstoken"
	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/sessiontest"
	"stytch-desktop/app/stytchclient"
)

// Through the sign-in core's own adapter (app/stytchclient) against the
// local API: roles from the JWT claim, and a revoke is definitive.
func TestPortRefresher(t *testing.T) {
	api := sessiontest.Start(t, localstytch.Options{})
	s := api.Admin(t)
	port, err := stytchclient.New(context.Background(), stytchclient.Config{ProjectID: api.Server.ProjectID(), Secret: api.Server.Secret(), BaseURL: api.Base})
	if err != nil {
		t.Fatal(err)
	}
	ended := 0
	src := accesstoken.New(accesstoken.PortRefresher(port, s.Token, 60), "", accesstoken.Options{OnEnded: func(error) { ended++ }})
	defer src.Close()
	tok, err := src.Token(context.Background())
	if err != nil || tok.MemberID != s.MemberID || !slices.Equal(tok.Roles, []string{"stytch_member", "stytch_admin"}) || tok.SessionExpires.IsZero() {
		t.Fatalf("%v %v roles %v", tok, err, tok.Roles)
	}
	if _, err := api.Sessions().Revoke(context.Background(), &sessions.RevokeParams{SessionToken: s.Token}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Refresh(context.Background(), tok.JWT); !errors.Is(err, accesstoken.ErrSessionEnded) || ended != 1 {
		t.Fatalf("after revoke: %v (ended %d)", err, ended)
	}
}
