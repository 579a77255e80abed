package signin_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"stytch-desktop/app/signin"
)

// pendingVerifier reads the PKCE verifier the flows keep in the keychain — what
// a same-user process could read too.
func pendingVerifier(t *testing.T, h *harness) string {
	t.Helper()
	b, err := h.store.Get(context.Background(), "pending-flow")
	if err != nil {
		t.Fatal(err)
	}
	var p struct{ Verifier string }
	if err := json.Unmarshal(b, &p); err != nil || p.Verifier == "" {
		t.Fatalf("pending flow: %v", err)
	}
	return p.Verifier
}

// Login CSRF: a link that authenticates someone else's account — made with
// the pending verifier by another process, so PKCE passes — is refused with
// its own kind, changes no state, and the user's own link still works.
func TestLinkForAnotherAccountIsRefused(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		ctx := context.Background()
		t.Run("discovery: another email", func(t *testing.T) {
			h := newHarness(t, port)
			_ = h.flows.Restore(ctx)
			if err := h.flows.StartSignIn(ctx, "Demo@Example.com"); err != nil {
				t.Fatal(err)
			}
			challenge := oauth2.S256ChallengeFromVerifier(pendingVerifier(t, h))
			attacker := h.port(t, h.srv, h.baseURL)
			if err := attacker.SendDiscoveryLink(ctx, signin.DiscoveryLinkRequest{Email: "mallory@example.com",
				RedirectURL: "stytch-desktop://auth/callback", PKCEChallenge: challenge}); err != nil {
				t.Fatal(err)
			}
			before := h.flows.View()
			err := h.flows.CompleteLink(ctx, h.parse(h.linkFor("mallory@example.com")))
			wantKind(t, err, signin.KindLinkWrongAccount)
			v := wantScreen(t, h.flows, signin.ScreenLinkSent)
			if v.Email != before.Email || len(v.Organizations) != 0 || v.Notice == nil || v.Notice.Kind != signin.KindLinkWrongAccount {
				t.Fatalf("after a link for another account: %+v", v)
			}
			// The user's own link (case of the address aside) still completes.
			if err := h.flows.CompleteLink(ctx, h.parse(h.linkFor("demo@example.com"))); err != nil {
				t.Fatal(err)
			}
			if v := wantScreen(t, h.flows, signin.ScreenChoosingOrganization); v.Email != "demo@example.com" {
				t.Fatalf("own link: %+v", v)
			}
		})
		for name, attack := range map[string]struct{ org, email string }{
			"organization: another email":        {"example-co", "mallory@example.com"},
			"organization: another organization": {"northwind", "demo@example.com"},
		} {
			t.Run(name, func(t *testing.T) {
				h := newHarness(t, port, func(c *signin.Config) { c.Organization = "example-co" })
				_ = h.flows.Restore(ctx)
				if err := h.flows.StartSignIn(ctx, "demo@example.com"); err != nil {
					t.Fatal(err)
				}
				own := h.linkFor("demo@example.com")
				challenge := oauth2.S256ChallengeFromVerifier(pendingVerifier(t, h))
				attacker := h.port(t, h.srv, h.baseURL)
				h.clock.Advance(2 * time.Second) // Stytch allows one send a second per address
				if err := attacker.SendOrganizationLink(ctx, signin.OrganizationLinkRequest{Organization: attack.org,
					Email: attack.email, RedirectURL: "stytch-desktop://auth/callback", PKCEChallenge: challenge}); err != nil {
					t.Fatal(err)
				}
				err := h.flows.CompleteLink(ctx, h.parse(h.linkFor(attack.email)))
				wantKind(t, err, signin.KindLinkWrongAccount)
				wantScreen(t, h.flows, signin.ScreenLinkSent)
				if _, ok := h.storedSession(); ok {
					t.Fatal("a session for another account was stored")
				}
				if err := h.flows.CompleteLink(ctx, h.parse(own)); err != nil {
					t.Fatal(err)
				}
				v := wantScreen(t, h.flows, signin.ScreenSignedIn)
				if v.Member.Email != "demo@example.com" || v.Organization.Slug != "example-co" {
					t.Fatalf("own link: %+v", v)
				}
			})
		}
	})
}
