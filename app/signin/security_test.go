package signin_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"stytch-desktop/app/keychain/keychaintest"
	"stytch-desktop/app/localstytch"
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
				if _, err := attacker.SendOrganizationLink(ctx, signin.OrganizationLinkRequest{Organization: attack.org,
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

// haltingPort stands for an app that dies right after Stytch answered: the
// real call is made, then the answer never comes back to the flows.
type haltingPort struct {
	signin.Stytch
	halt chan struct{}
}

func (p haltingPort) AuthenticateDiscoveryLink(ctx context.Context, token, verifier string) (signin.Discovery, error) {
	d, err := p.Stytch.AuthenticateDiscoveryLink(ctx, token, verifier)
	<-p.halt
	return d, err
}

func (p haltingPort) AuthenticateOrganizationLink(ctx context.Context, token, verifier string, m int) (signin.Authentication, error) {
	a, err := p.Stytch.AuthenticateOrganizationLink(ctx, token, verifier, m)
	<-p.halt
	return a, err
}

// The app stops after Stytch authenticated the link but before the outcome
// was stored: the next start does not wait for that (spent) link; it says
// the sign-in was interrupted and starts afresh.
func TestCrashWhileALinkIsUsed(t *testing.T) {
	for name, org := range map[string]string{"discovery": "", "organization": "example-co"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			halt, used := make(chan struct{}), make(chan struct{})
			// The "dead" app's call is let go at the end and waited for, so
			// it never outlives the test's harness.
			defer func() { close(halt); <-used }()
			h := newHarness(t, func(t *testing.T, srv *localstytch.Server, base string) signin.Stytch {
				return haltingPort{Stytch: ports["stytch-go"](t, srv, base), halt: halt}
			}, func(c *signin.Config) { c.Organization = org })
			_ = h.flows.Restore(ctx)
			if err := h.flows.StartSignIn(ctx, demo); err != nil {
				t.Fatal(err)
			}
			link := h.parse(h.linkFor(demo))
			go func() { defer close(used); _ = h.flows.CompleteLink(ctx, link) }()
			waitFor(t, "the link being used", func() bool {
				b, err := h.store.Get(ctx, "pending-flow")
				return err == nil && strings.Contains(string(b), `"spending":true`)
			})
			// "Restart": a new app on the same keychain while the old one is dead.
			f2 := signin.New(h.cfg, ports["stytch-go"](t, h.srv, h.baseURL), h.store)
			t.Cleanup(f2.Close)
			err := f2.Restore(ctx)
			wantKind(t, err, signin.KindSignInInterrupted)
			v := wantScreen(t, f2, signin.ScreenSignedOut)
			if v.Email != demo {
				t.Fatalf("email not kept: %+v", v)
			}
			if _, err := h.store.Get(ctx, "pending-flow"); err == nil {
				t.Fatal("the interrupted flow is still stored")
			}
			// A fresh start works.
			h.clock.Advance(2 * time.Second)
			if err := f2.StartSignIn(ctx, demo); err != nil {
				t.Fatal(err)
			}
			wantScreen(t, f2, signin.ScreenLinkSent)
		})
	}
}

// A keychain found locked at start is not asked again (no new unlock prompt,
// no wait) by every later action; a retry after unlocking asks it again.
// An item left behind by an interrupted sign-out goes at the next start.
func TestLockedKeychainIsAskedOnce(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, ports["stytch-go"])
	faulty := keychaintest.NewFaulty(h.store)
	faulty.Fail(keychaintest.OpGet, signin.ErrKeychainLocked)
	faulty.Fail(keychaintest.OpSet, signin.ErrKeychainLocked)
	faulty.Fail(keychaintest.OpDelete, signin.ErrKeychainLocked)
	f := h.newDevice(faulty)
	wantKind(t, f.Restore(ctx), signin.KindKeychainLocked)
	calls := func() int {
		return faulty.Calls(keychaintest.OpGet) + faulty.Calls(keychaintest.OpSet) + faulty.Calls(keychaintest.OpDelete)
	}
	before := calls()
	if err := f.StartSignIn(ctx, demo); err != nil {
		t.Fatal(err)
	}
	if err := f.CompleteLink(ctx, h.parse(h.linkFor(demo))); err != nil {
		t.Fatal(err)
	}
	if n := calls() - before; n != 0 {
		t.Fatalf("a locked keychain was asked %d more times", n)
	}
	// Unlocked: the retry asks again, and works.
	faulty.Reset()
	_ = h.store.Set(ctx, "session-jwt", []byte(`"eyJ.orphan"`)) // left by an interrupted sign-out
	f2 := h.newDevice(faulty)
	if err := f2.RetryRestore(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "orphaned JWT removed", func() bool { _, err := h.store.Get(ctx, "session-jwt"); return err != nil })
}
