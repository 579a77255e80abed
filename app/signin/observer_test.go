package signin_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"stytch-desktop/app/accesstoken"
	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/sessionhub"
	"stytch-desktop/app/signin"
)

// followed is a harness whose flows keep a sessionhub.Hub on their session,
// as the app wires it (app/core).
func followed(t *testing.T, port portFactory) (*harness, *sessionhub.Hub) {
	t.Helper()
	h := newHarness(t, port)
	hub := &sessionhub.Hub{}
	t.Cleanup(hub.Clear)
	h.cfg.Session = hub.Follow(h.port(t, h.srv, h.baseURL), accesstoken.Options{Now: h.clock.Now})
	h.flows = h.newDevice(h.store)
	return h, hub
}

func signInNorthwind(t *testing.T, h *harness, f *signin.Flows) {
	t.Helper()
	h.signInDiscovery(f, demo)
	if err := f.ChooseOrganization(context.Background(), orgBySlug(t, f.View(), "northwind").ID); err != nil {
		t.Fatal(err)
	}
}

// wantHeld checks that hub holds the session on f's screen, with a JWT the
// project's signing keys vouch for.
func wantHeld(t *testing.T, h *harness, hub *sessionhub.Hub, f *signin.Flows) accesstoken.Token {
	t.Helper()
	ctx := context.Background()
	v := f.View()
	id, ok := hub.Current()
	if !ok || v.Member == nil || id.MemberID != v.Member.ID || id.OrganizationID != v.Organization.ID || id.Email != demo {
		t.Fatalf("hub holds %+v (ok %v); screen shows %+v", id, ok, v)
	}
	if !slices.Contains(id.Roles, "stytch_member") {
		t.Fatalf("roles %v lack stytch_member", id.Roles)
	}
	// The screen shows the session's roles (kept in the keychain record,
	// so a restore shows them before Stytch answers).
	if !slices.Equal(v.Roles, id.Roles) {
		t.Fatalf("view roles %v, session roles %v", v.Roles, id.Roles)
	}
	tok, err := hub.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := h.port(t, h.srv, h.baseURL).AuthenticateSessionJWTLocal(ctx, tok.JWT)
	if err != nil || ls.MemberID != v.Member.ID || ls.OrganizationID != v.Organization.ID {
		t.Fatalf("hub's JWT checked: %+v, %v", ls, err)
	}
	return tok
}

func TestSessionObserverFollowsTheSession(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		ctx := context.Background()
		t.Run("revoked upstream: the next refresh ends the session everywhere", func(t *testing.T) {
			h, hub := followed(t, port)
			signInNorthwind(t, h, h.flows)
			wantHeld(t, h, hub, h.flows)
			token, ok := h.storedSession()
			if !ok {
				t.Fatal("no stored session after sign-in")
			}
			if err := h.port(t, h.srv, h.baseURL).RevokeSession(ctx, token); err != nil {
				t.Fatal(err)
			}
			// The cached JWT is within its last minute: Token refreshes.
			h.clock.Advance(4*time.Minute + 30*time.Second)
			if _, err := hub.Token(ctx); !errors.Is(err, accesstoken.ErrSessionEnded) {
				t.Fatalf("Token after revoke: %v, want ErrSessionEnded", err)
			}
			// OnEnded ran before Token returned: no waiting needed.
			v := h.flows.View()
			if v.Screen != signin.ScreenSignedOut || v.Email != demo || v.Notice == nil || v.Notice.Kind != signin.KindSessionExpired {
				t.Fatalf("view after the refresh found the session gone: %+v", v)
			}
			if _, ok := h.storedSession(); ok {
				t.Fatal("ended session still in the keychain")
			}
			if _, err := h.store.Get(ctx, "session-jwt"); err == nil {
				t.Fatal("ended session's JWT still in the keychain")
			}
			if id, ok := hub.Current(); ok {
				t.Fatalf("hub still holds %+v", id)
			}
		})
		t.Run("a transient refresh failure ends nothing", func(t *testing.T) {
			h, hub := followed(t, port)
			signInNorthwind(t, h, h.flows)
			before := wantHeld(t, h, hub, h.flows)
			h.srv.SetFault("/v1/b2b/sessions/authenticate", localstytch.Fault{Status: 503})
			// Within the cached JWT's last seconds, when it is no longer served.
			h.clock.Advance(4*time.Minute + 55*time.Second)
			if _, err := hub.Token(ctx); !errors.Is(err, accesstoken.ErrUnavailable) {
				t.Fatalf("Token while Stytch fails: %v, want ErrUnavailable", err)
			}
			wantScreen(t, h.flows, signin.ScreenSignedIn)
			if _, ok := h.storedSession(); !ok {
				t.Fatal("a transient failure lost the stored session")
			}
			if _, ok := hub.Current(); !ok {
				t.Fatal("a transient failure cleared the hub")
			}
			h.srv.ClearFaults()
			h.clock.Advance(3 * time.Second) // past the retry gap
			// (The fresh JWT is issued at the test's clock, ahead of the real
			// one stytch-go checks it against: compare, don't check locally.)
			after, err := hub.Token(ctx)
			if err != nil || after.JWT == before.JWT || after.MemberID != before.MemberID {
				t.Fatalf("Token once Stytch answers again: %+v, %v", after, err)
			}
		})
		t.Run("sign-out clears the hub; a restore fills it", func(t *testing.T) {
			h, hub := followed(t, port)
			signInNorthwind(t, h, h.flows)
			first := wantHeld(t, h, hub, h.flows)
			// Another start of the app with the same keychain restores it.
			again := h.newDevice(h.store)
			if err := again.Restore(ctx); err != nil {
				t.Fatal(err)
			}
			wantScreen(t, again, signin.ScreenSignedIn)
			if tok := wantHeld(t, h, hub, again); tok.MemberID != first.MemberID {
				t.Fatalf("restored %+v, signed in %+v", tok, first)
			}
			if err := again.SignOut(ctx); err != nil {
				t.Fatal(err)
			}
			if id, ok := hub.Current(); ok {
				t.Fatalf("hub still holds %+v after sign-out", id)
			}
			if v := again.View(); v.Roles != nil {
				t.Fatalf("roles still on the view after sign-out: %v", v.Roles)
			}
			if _, err := hub.Token(ctx); !errors.Is(err, accesstoken.ErrSessionEnded) {
				t.Fatalf("Token after sign-out: %v", err)
			}
		})
	})
}
