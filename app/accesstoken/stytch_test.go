package accesstoken_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"

	"stytch-desktop/app/accesstoken"
	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/sessiontest"
)

// Through the real stytch-go client over HTTP against the local API: a
// refresh mints a new JWT for the session with its roles; a revoke makes the
// next refresh definitive; a 503 is transient and keeps the session.
func TestStytchRefresherAgainstLocalAPI(t *testing.T) {
	api := sessiontest.Start(t, localstytch.Options{})
	admin := api.Admin(t)
	var ended, transient atomic.Int32
	src := accesstoken.New(accesstoken.NewStytchRefresher(api.Sessions(), admin.Token, 60), "", accesstoken.Options{
		OnEnded:     func(error) { ended.Add(1) },
		OnTransient: func(error) { transient.Add(1) },
		RetryGap:    time.Millisecond, // the revoke below is checked right after the 503
	})
	defer src.Close()
	ctx := context.Background()

	tok, err := src.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tok.MemberID != admin.MemberID || tok.OrganizationID != admin.Organization ||
		!slices.Equal(tok.Roles, []string{"stytch_member", "stytch_admin"}) || time.Until(tok.ExpiresAt) < 4*time.Minute {
		t.Fatalf("token = %v roles %v", tok, tok.Roles)
	}
	// The JWT is Stytch's: the local API accepts it as a session JWT.
	if _, err := api.Sessions().Authenticate(ctx, &sessions.AuthenticateParams{SessionJWT: tok.JWT}); err != nil {
		t.Fatalf("the refreshed JWT is not accepted: %v", err)
	}

	// Stytch down: transient, the session is kept, the cached JWT served.
	api.Server.SetFault("/v1/b2b/sessions/authenticate", localstytch.Fault{Status: http.StatusServiceUnavailable, Times: 1})
	if _, err := src.Refresh(ctx, tok.JWT); !errors.Is(err, accesstoken.ErrUnavailable) {
		t.Fatalf("refresh during a 503: %v", err)
	}
	if ended.Load() != 0 || transient.Load() != 1 {
		t.Fatalf("ended %d transient %d", ended.Load(), transient.Load())
	}
	if again, err := src.Token(ctx); err != nil || again.JWT != tok.JWT {
		t.Fatalf("cached JWT after a transient failure: %v", err)
	}

	// Revoked elsewhere (say, by an administrator): definitive.
	if _, err := api.Sessions().Revoke(ctx, &sessions.RevokeParams{SessionToken: admin.Token}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond) // past the retry gap
	if _, err := src.Refresh(ctx, tok.JWT); !errors.Is(err, accesstoken.ErrSessionEnded) {
		t.Fatalf("refresh after revoke: %v", err)
	}
	if _, err := src.Token(ctx); !errors.Is(err, accesstoken.ErrSessionEnded) {
		t.Fatalf("Token after the end: %v", err)
	}
	if ended.Load() != 1 {
		t.Fatalf("OnEnded called %d times", ended.Load())
	}
}

// A plain member's session carries only stytch_member.
func TestMemberRoles(t *testing.T) {
	api := sessiontest.Start(t, localstytch.Options{})
	m := api.Member(t, "northwind")
	tok, err := accesstoken.NewStytchRefresher(api.Sessions(), m.Token, 0).Refresh(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tok.Roles, []string{"stytch_member"}) || tok.HasRole("stytch_admin") {
		t.Fatalf("roles %v", tok.Roles)
	}
}
