package signin_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"stytch-desktop/app/keychain"
	"stytch-desktop/app/keychain/keychaintest"
	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/signin"
)

const demo = "demo@example.com"

func TestDiscoveryChooseRestoreSignOut(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		h := newHarness(t, port)
		ctx := context.Background()
		if err := h.flows.Restore(ctx); err != nil {
			t.Fatal(err)
		}
		wantScreen(t, h.flows, signin.ScreenSignedOut)

		if err := h.flows.StartSignIn(ctx, demo); err != nil {
			t.Fatal(err)
		}
		v := wantScreen(t, h.flows, signin.ScreenLinkSent)
		if v.Email != demo || v.ResendAfter == nil || v.LinkExpiresAt == nil {
			t.Fatalf("link_sent view incomplete: %+v", v)
		}
		msgs := h.srv.Messages()
		if len(msgs) == 0 || msgs[0].To != demo || msgs[0].TokenType != "discovery" {
			t.Fatalf("outbox = %+v", msgs)
		}
		if err := h.flows.CompleteLink(ctx, h.parse(h.linkFor(demo))); err != nil {
			t.Fatal(err)
		}
		v = wantScreen(t, h.flows, signin.ScreenChoosingOrganization)
		want := map[string]signin.Membership{
			"northwind":  signin.MembershipMember,
			"acme":       signin.MembershipInvited,
			"example-co": signin.MembershipEligibleByDomain,
			"fortress":   signin.MembershipMember,
		}
		for slug, m := range want {
			o := orgBySlug(t, v, slug)
			if o.Membership != m || o.ID == "" || o.Name == "" {
				t.Errorf("%s: %+v, want membership %s", slug, o, m)
			}
			if o.NeedsMoreAuth != (slug == "fortress") {
				t.Errorf("%s: needsMoreAuth = %v", slug, o.NeedsMoreAuth)
			}
		}

		if err := h.flows.ChooseOrganization(ctx, orgBySlug(t, v, "northwind").ID); err != nil {
			t.Fatal(err)
		}
		v = wantScreen(t, h.flows, signin.ScreenSignedIn)
		if v.Member == nil || v.Member.Email != demo || v.Organization == nil || v.Organization.Slug != "northwind" {
			t.Fatalf("signed-in view: %+v", v)
		}
		if v.SessionExpiresAt == nil || v.SessionExpiresAt.Sub(h.clock.Now()) < 7*24*time.Hour-time.Minute {
			t.Fatalf("session should last a week, expires %v", v.SessionExpiresAt)
		}
		token, ok := h.storedSession()
		if !ok || token == "" {
			t.Fatal("session token not in the keychain")
		}
		if _, err := h.store.Get(ctx, "pending-flow"); !errors.Is(err, keychain.ErrNotFound) {
			t.Fatalf("pending flow not cleared after use: %v", err)
		}

		// A restart restores the session from the keychain at once and
		// confirms (and extends) it with Stytch in the background.
		h.clock.Advance(3 * 24 * time.Hour)
		_ = h.store.Delete(ctx, "session-jwt") // too old to check locally after 3 days
		f2 := h.newDevice(h.store)
		if err := f2.Restore(ctx); err != nil {
			t.Fatal(err)
		}
		v = wantScreen(t, f2, signin.ScreenSignedIn)
		if v.Offline || v.Member.Email != demo {
			t.Fatalf("restored view: %+v", v)
		}
		v = waitView(t, f2, "the session extended by the configured duration", func(v signin.View) bool {
			return v.SessionExpiresAt != nil && v.SessionExpiresAt.Sub(h.clock.Now()) >= 7*24*time.Hour-time.Minute
		})

		// Sign-out revokes and forgets.
		if err := f2.SignOut(ctx); err != nil {
			t.Fatal(err)
		}
		v = wantScreen(t, f2, signin.ScreenSignedOut)
		if v.Email != demo {
			t.Fatalf("email should stay pre-filled after sign-out, got %q", v.Email)
		}
		if _, ok := h.storedSession(); ok {
			t.Fatal("session still in the keychain after sign-out")
		}
		// Stytch confirmed the revoke: nothing is left behind, not even the
		// signed-out marker.
		waitFor(t, "keychain emptied", func() bool { _, _, ok := h.storedRecord(); return !ok })
		_, err := h.port(t, h.srv, h.baseURL).AuthenticateSession(ctx, token, 60)
		wantKind(t, err, signin.KindSessionExpired)
	})
}

func TestCreateOrganization(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		h := newHarness(t, port)
		ctx := context.Background()
		h.signInDiscovery(h.flows, "founder@startup.test")
		if n := len(h.flows.View().Organizations); n != 0 {
			t.Fatalf("a new address should discover no organizations, got %d", n)
		}
		err := h.flows.CreateOrganization(ctx, signin.NewOrganization{Name: "Copycat", Slug: "northwind"})
		wantKind(t, err, signin.KindSlugTaken)
		v := wantScreen(t, h.flows, signin.ScreenChoosingOrganization)
		if v.Notice == nil || v.Notice.Kind != signin.KindSlugTaken {
			t.Fatalf("notice = %+v", v.Notice)
		}
		err = h.flows.CreateOrganization(ctx, signin.NewOrganization{Name: "", Slug: "x"})
		wantKind(t, err, signin.KindInvalidOrganization)

		if err := h.flows.CreateOrganization(ctx, signin.NewOrganization{Name: "Startup Inc", Slug: "startup-inc"}); err != nil {
			t.Fatal(err)
		}
		v = wantScreen(t, h.flows, signin.ScreenSignedIn)
		if v.Organization.Slug != "startup-inc" || v.Organization.Name != "Startup Inc" || v.Member.Email != "founder@startup.test" {
			t.Fatalf("signed in to %+v as %+v", v.Organization, v.Member)
		}
		if _, ok := h.storedSession(); !ok {
			t.Fatal("no stored session")
		}
	})
}

func TestJoinByDomainAndAcceptInvite(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		for _, slug := range []string{"example-co", "acme"} {
			t.Run(slug, func(t *testing.T) {
				h := newHarness(t, port)
				h.signInDiscovery(h.flows, demo)
				org := orgBySlug(t, h.flows.View(), slug)
				if err := h.flows.ChooseOrganization(context.Background(), org.ID); err != nil {
					t.Fatal(err)
				}
				v := wantScreen(t, h.flows, signin.ScreenSignedIn)
				if v.Organization.ID != org.ID {
					t.Fatalf("entered %+v, want %s", v.Organization, org.ID)
				}
				// Now a member: a new discovery lists the organization as such.
				h.clock.Advance(2 * time.Second)
				f2 := h.newDevice(keychaintest.NewMemory())
				_ = f2.Restore(context.Background())
				h.signInDiscovery(f2, demo)
				if got := orgBySlug(t, f2.View(), slug).Membership; got != signin.MembershipMember {
					t.Fatalf("after joining, membership = %s", got)
				}
			})
		}
	})
}

func TestDirectOrganizationFlow(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		for _, who := range []string{demo, "newcomer@example.com"} {
			t.Run(who, func(t *testing.T) {
				// example-co lets any @example.com address join; demo is a member already.
				h := newHarness(t, port, func(c *signin.Config) { c.Organization = "example-co" })
				ctx := context.Background()
				_ = h.flows.Restore(ctx)
				if err := h.flows.StartSignIn(ctx, who); err != nil {
					t.Fatal(err)
				}
				if tt := h.srv.Messages()[0].TokenType; tt != "multi_tenant_magic_links" {
					t.Fatalf("token type = %s", tt)
				}
				if err := h.flows.CompleteLink(ctx, h.parse(h.linkFor(who))); err != nil {
					t.Fatal(err)
				}
				v := wantScreen(t, h.flows, signin.ScreenSignedIn)
				if v.Organization.Slug != "example-co" || v.Member.Email != who {
					t.Fatalf("signed in: %+v %+v", v.Organization, v.Member)
				}
			})
		}
	})
}

func TestPendingFlowSurvivesRestart(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		h := newHarness(t, port)
		ctx := context.Background()
		_ = h.flows.Restore(ctx)
		if err := h.flows.StartSignIn(ctx, demo); err != nil {
			t.Fatal(err)
		}
		link := h.linkFor(demo)
		// The app quits; the user clicks the link; the OS cold-starts the app.
		h.clock.Advance(20 * time.Minute)
		f2 := h.newDevice(h.store)
		if err := f2.Restore(ctx); err != nil {
			t.Fatal(err)
		}
		wantScreen(t, f2, signin.ScreenLinkSent)
		if err := f2.CompleteLink(ctx, h.parse(link)); err != nil {
			t.Fatal(err)
		}
		wantScreen(t, f2, signin.ScreenChoosingOrganization)
	})
}

func TestLinkErrors(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		ctx := context.Background()
		t.Run("not requested here", func(t *testing.T) {
			h := newHarness(t, port)
			_ = h.flows.Restore(ctx)
			other := h.newDevice(keychaintest.NewMemory())
			_ = other.Restore(ctx)
			if err := other.StartSignIn(ctx, demo); err != nil {
				t.Fatal(err)
			}
			err := h.flows.CompleteLink(ctx, h.parse(h.linkFor(demo)))
			wantKind(t, err, signin.KindLinkNotRequested)
			wantScreen(t, h.flows, signin.ScreenSignedOut)
		})
		t.Run("other device (PKCE mismatch)", func(t *testing.T) {
			h := newHarness(t, port)
			_ = h.flows.Restore(ctx)
			phone := h.newDevice(keychaintest.NewMemory())
			_ = phone.Restore(ctx)
			if err := h.flows.StartSignIn(ctx, demo); err != nil {
				t.Fatal(err)
			}
			h.clock.Advance(2 * time.Second)
			if err := phone.StartSignIn(ctx, demo); err != nil {
				t.Fatal(err)
			}
			err := h.flows.CompleteLink(ctx, h.parse(h.linkFor(demo))) // the phone's link
			wantKind(t, err, signin.KindLinkOtherDevice)
			v := wantScreen(t, h.flows, signin.ScreenLinkSent)
			if v.Notice == nil || v.Notice.Kind != signin.KindLinkOtherDevice {
				t.Fatalf("notice = %+v", v.Notice)
			}
			// Our own link still works afterwards: nothing changed.
			msgs := h.srv.Messages() // newest first: [phone's, ours]
			if err := h.flows.CompleteLink(ctx, h.parse(h.follow(msgs[1].Link))); err != nil {
				t.Fatal(err)
			}
			wantScreen(t, h.flows, signin.ScreenChoosingOrganization)
		})
		t.Run("reused link", func(t *testing.T) {
			h := newHarness(t, port)
			_ = h.flows.Restore(ctx)
			if err := h.flows.StartSignIn(ctx, demo); err != nil {
				t.Fatal(err)
			}
			h.clock.Advance(3 * time.Second)
			if err := h.flows.Resend(ctx); err != nil { // same verifier, second link
				t.Fatal(err)
			}
			msgs := h.srv.Messages()
			if len(msgs) < 2 {
				t.Fatalf("resend sent no second email: %d", len(msgs))
			}
			first := h.linkFor(demo)
			if err := h.flows.CompleteLink(ctx, h.parse(first)); err != nil {
				t.Fatal(err)
			}
			_ = h.flows.UseAnotherEmail(ctx)
			h.clock.Advance(2 * time.Second)
			if err := h.flows.StartSignIn(ctx, demo); err != nil {
				t.Fatal(err)
			}
			err := h.flows.CompleteLink(ctx, h.parse(first))
			wantKind(t, err, signin.KindLinkExpired)
			wantScreen(t, h.flows, signin.ScreenLinkSent)
		})
		t.Run("link from another project", func(t *testing.T) {
			// Stytch answers 404 magic_link_not_found for a token it never
			// issued in this project: not "expired or used", not our link.
			h := newHarness(t, port)
			_ = h.flows.Restore(ctx)
			if err := h.flows.StartSignIn(ctx, demo); err != nil {
				t.Fatal(err)
			}
			own := h.linkFor(demo)
			u, err := url.Parse(own)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			q.Set("token", "another-project-token-0123456789abcdefghijk=")
			u.RawQuery = q.Encode()
			err = h.flows.CompleteLink(ctx, h.parse(u.String()))
			wantKind(t, err, signin.KindLinkNotForApp)
			v := wantScreen(t, h.flows, signin.ScreenLinkSent)
			if v.Notice == nil || v.Notice.Kind != signin.KindLinkNotForApp {
				t.Fatalf("notice = %+v", v.Notice)
			}
			if err := h.flows.CompleteLink(ctx, h.parse(own)); err != nil { // our own link still works
				t.Fatal(err)
			}
			wantScreen(t, h.flows, signin.ScreenChoosingOrganization)
		})
		t.Run("expired link", func(t *testing.T) {
			h := newHarness(t, port)
			_ = h.flows.Restore(ctx)
			if err := h.flows.StartSignIn(ctx, demo); err != nil {
				t.Fatal(err)
			}
			link := h.linkFor(demo)
			h.clock.Advance(61 * time.Minute)
			err := h.flows.CompleteLink(ctx, h.parse(link))
			wantKind(t, err, signin.KindLinkExpired)
		})
		t.Run("malformed pasted link", func(t *testing.T) {
			h := newHarness(t, port)
			_ = h.flows.Restore(ctx)
			_ = h.flows.StartSignIn(ctx, demo)
			err := h.paste(ctx, "https://evil.test/phish?token=abc")
			wantKind(t, err, signin.KindLinkMalformed)
			wantScreen(t, h.flows, signin.ScreenLinkSent)
		})
		t.Run("pasted email link", func(t *testing.T) {
			h := newHarness(t, port)
			_ = h.flows.Restore(ctx)
			_ = h.flows.StartSignIn(ctx, demo)
			if err := h.paste(ctx, "  "+h.srv.Messages()[0].Link+"\n"); err != nil {
				t.Fatal(err)
			}
			wantScreen(t, h.flows, signin.ScreenChoosingOrganization)
		})
	})
}

func TestSendErrors(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		ctx := context.Background()
		t.Run("invalid email never reaches Stytch", func(t *testing.T) {
			h := newHarness(t, port)
			_ = h.flows.Restore(ctx)
			for _, bad := range []string{"", "no-at-sign", "a@b", "a@@b.com", "Ada <ada@example.com>", "ada@exa mple.com", strings.Repeat("a", 250) + "@x.com"} {
				err := h.flows.StartSignIn(ctx, bad)
				wantKind(t, err, signin.KindInvalidEmail)
			}
			if n := len(h.srv.Messages()); n != 0 {
				t.Fatalf("%d emails sent for invalid addresses", n)
			}
			v := wantScreen(t, h.flows, signin.ScreenSignedOut)
			if v.Email != strings.Repeat("a", 250)+"@x.com" {
				t.Fatal("the typed address should be kept for editing")
			}
		})
		t.Run("too many requests", func(t *testing.T) {
			h := newHarness(t, port)
			_ = h.flows.Restore(ctx)
			other := h.newDevice(keychaintest.NewMemory())
			_ = other.Restore(ctx)
			if err := h.flows.StartSignIn(ctx, demo); err != nil {
				t.Fatal(err)
			}
			err := other.StartSignIn(ctx, demo) // same email, same second
			wantKind(t, err, signin.KindRateLimited)
			if signin.RetryAfterOf(err) <= 0 {
				t.Fatal("rate limit without a retry-after")
			}
			if n := other.View().Notice; n == nil || n.RetryAfterSeconds < 1 {
				t.Fatalf("notice = %+v", n)
			}
			// The local resend countdown also holds.
			err = h.flows.Resend(ctx)
			wantKind(t, err, signin.KindRateLimited)
		})
		t.Run("organization does not let this address join", func(t *testing.T) {
			h := newHarness(t, port, func(c *signin.Config) { c.Organization = "northwind" })
			_ = h.flows.Restore(ctx)
			wantKind(t, h.flows.StartSignIn(ctx, "stranger@elsewhere.test"), signin.KindNotAllowed)
		})
		t.Run("network down", func(t *testing.T) {
			h := newHarness(t, port)
			_ = h.flows.Restore(ctx)
			h.srv.SetFault("/v1/b2b/magic_links/email/discovery/send", localstytch.Fault{Drop: true})
			wantKind(t, h.flows.StartSignIn(ctx, demo), signin.KindNetwork)
			h.srv.SetFault("/v1/b2b/magic_links/email/discovery/send", localstytch.Fault{Status: 503})
			wantKind(t, h.flows.StartSignIn(ctx, demo), signin.KindNetwork)
			wantScreen(t, h.flows, signin.ScreenSignedOut)
		})
		t.Run("deadline", func(t *testing.T) {
			h := newHarness(t, port, func(c *signin.Config) { c.CallTimeout = 200 * time.Millisecond })
			_ = h.flows.Restore(ctx)
			h.srv.SetFault("/v1/b2b/magic_links/email/discovery/send", localstytch.Fault{Latency: 2 * time.Second})
			start := time.Now()
			wantKind(t, h.flows.StartSignIn(ctx, demo), signin.KindNetwork)
			if d := time.Since(start); d > 1500*time.Millisecond {
				t.Fatalf("call not bounded by its deadline: %v", d)
			}
			if h.flows.View().Busy {
				t.Fatal("left busy after a timeout")
			}
		})
	})
}

func TestIntermediateSessionExpires(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		h := newHarness(t, port)
		h.signInDiscovery(h.flows, demo)
		id := orgBySlug(t, h.flows.View(), "northwind").ID
		h.clock.Advance(11 * time.Minute)
		err := h.flows.ChooseOrganization(context.Background(), id)
		wantKind(t, err, signin.KindIntermediateExpired)
		v := wantScreen(t, h.flows, signin.ScreenSignedOut)
		if v.Email != demo {
			t.Fatal("email should be pre-filled to start again")
		}
	})
}

func TestChooseUnknownOrganization(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		h := newHarness(t, port)
		h.signInDiscovery(h.flows, demo)
		err := h.flows.ChooseOrganization(context.Background(), "organization-test-not-discovered")
		wantKind(t, err, signin.KindOrganizationNotFound)
		wantScreen(t, h.flows, signin.ScreenChoosingOrganization)
	})
}

func TestRestore(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		ctx := context.Background()
		signedIn := func(t *testing.T, mutate ...func(*signin.Config)) *harness {
			h := newHarness(t, port, mutate...)
			h.signInDiscovery(h.flows, demo)
			if err := h.flows.ChooseOrganization(ctx, orgBySlug(t, h.flows.View(), "northwind").ID); err != nil {
				t.Fatal(err)
			}
			return h
		}
		// restart starts a second copy of the app on the same keychain and
		// restores; the first copy is closed, as if it had quit.
		restart := func(t *testing.T, h *harness, store signin.Secrets) *signin.Flows {
			h.flows.Close()
			f := h.newDevice(store)
			if err := f.Restore(ctx); err != nil {
				t.Fatalf("restore: %v", err)
			}
			// Shown at once from the keychain (the background check may
			// already have moved on by now).
			if !strings.Contains(h.views.all(), `"screen":"signed_in"`) {
				t.Fatalf("restore did not show the stored session: %s", h.views.all())
			}
			return f
		}
		gone := func(t *testing.T, f *signin.Flows, h *harness) {
			v := waitView(t, f, "sign-in after the session ended", func(v signin.View) bool { return v.Screen == signin.ScreenSignedOut })
			if v.Email != demo || v.Notice == nil || v.Notice.Kind != signin.KindSessionExpired {
				t.Fatalf("view after the session ended: %+v", v)
			}
			waitFor(t, "ended session removed from the keychain", func() bool { _, ok := h.storedSession(); return !ok })
		}
		t.Run("fresh JWT is checked locally, no network", func(t *testing.T) {
			h := signedIn(t)
			h.srv.SetFault("/v1/b2b/sessions/authenticate", localstytch.Fault{Drop: true})
			f := restart(t, h, h.store)
			if !strings.Contains(h.logs.String(), `"confirmed_locally":true`) {
				t.Fatal("restore did not check the JWT locally")
			}
			// Confirmed with Stytch right after it is shown: unreachable, so
			// offline — still signed in, still stored.
			v := waitView(t, f, "offline", func(v signin.View) bool { return v.Offline })
			if v.Screen != signin.ScreenSignedIn {
				t.Fatalf("a stored session must survive an unreachable Stytch: %+v", v)
			}
			if _, ok := h.storedSession(); !ok {
				t.Fatal("session dropped")
			}
		})
		t.Run("fresh JWT of a session revoked elsewhere ends at once", func(t *testing.T) {
			h := signedIn(t)
			token, _ := h.storedSession()
			if err := h.port(t, h.srv, h.baseURL).RevokeSession(ctx, token); err != nil {
				t.Fatal(err)
			}
			gone(t, restart(t, h, h.store), h)
		})
		t.Run("session expired", func(t *testing.T) {
			h := signedIn(t, func(c *signin.Config) { c.SessionDuration = time.Hour })
			h.clock.Advance(2 * time.Hour)
			_ = h.store.Delete(ctx, "session-jwt")
			gone(t, restart(t, h, h.store), h)
		})
		t.Run("revoked elsewhere", func(t *testing.T) {
			h := signedIn(t)
			token, _ := h.storedSession()
			if err := h.port(t, h.srv, h.baseURL).RevokeSession(ctx, token); err != nil {
				t.Fatal(err)
			}
			_ = h.store.Delete(ctx, "session-jwt")
			gone(t, restart(t, h, h.store), h)
		})
		for name, fault := range map[string]localstytch.Fault{
			"server error":     {Status: 500},
			"unavailable":      {Status: 503},
			"rate limited":     {Status: 429, RetryAfter: time.Second},
			"connection drop":  {Drop: true},
			"malformed answer": {MalformedJSON: true},
		} {
			t.Run("transient: "+name, func(t *testing.T) {
				h := signedIn(t)
				before, _ := h.storedSession()
				_ = h.store.Delete(ctx, "session-jwt")
				h.srv.SetFault("/v1/b2b/sessions/authenticate", fault)
				f := restart(t, h, h.store)
				v := waitView(t, f, "offline", func(v signin.View) bool { return v.Offline })
				if v.Screen != signin.ScreenSignedIn || v.Member == nil || v.Member.Email != demo {
					t.Fatalf("want offline signed-in view from stored data, got %+v", v)
				}
				if after, ok := h.storedSession(); !ok || after != before {
					t.Fatal("a transient failure changed the stored session")
				}
				h.srv.ClearFaults() // the network comes back: retried with backoff
				waitView(t, f, "back online", func(v signin.View) bool { return !v.Offline && v.Screen == signin.ScreenSignedIn })
			})
		}
		t.Run("keychain locked", func(t *testing.T) {
			h := signedIn(t)
			faulty := keychaintest.NewFaulty(h.store)
			faulty.Fail(keychaintest.OpGet, keychain.ErrLocked)
			h.flows.Close()
			f := h.newDevice(faulty)
			wantKind(t, f.Restore(ctx), signin.KindKeychainLocked)
			wantScreen(t, f, signin.ScreenSignedOut)
			if _, ok := h.storedSession(); !ok {
				t.Fatal("a locked keychain lost the session")
			}
			faulty.Fail(keychaintest.OpGet, nil)
			if err := f.RetryRestore(ctx); err != nil { // after unlocking
				t.Fatal(err)
			}
			wantScreen(t, f, signin.ScreenSignedIn)
		})
		t.Run("keychain unavailable", func(t *testing.T) {
			h := newHarness(t, port)
			faulty := keychaintest.NewFaulty(h.store)
			faulty.Fail(keychaintest.OpGet, keychain.ErrUnavailable)
			faulty.Fail(keychaintest.OpSet, keychain.ErrUnavailable)
			f := h.newDevice(faulty)
			wantKind(t, f.Restore(ctx), signin.KindKeychainUnavailable)
			if v := wantScreen(t, f, signin.ScreenSignedOut); v.KeychainWarning != signin.KeychainNotRemembered {
				t.Fatalf("no visible warning: %+v", v)
			}
			h.signInDiscovery(f, demo)
			wantKind(t, f.ChooseOrganization(ctx, orgBySlug(t, f.View(), "northwind").ID), signin.KindKeychainUnavailable)
			if v := wantScreen(t, f, signin.ScreenSignedIn); v.KeychainWarning != signin.KeychainNotRemembered {
				t.Fatalf("session in memory without the warning: %+v", v)
			}
		})
		t.Run("unreadable record", func(t *testing.T) {
			h := newHarness(t, port)
			_ = h.store.Set(ctx, "session", []byte("{not json"))
			if err := h.flows.Restore(ctx); err != nil {
				t.Fatal(err)
			}
			wantScreen(t, h.flows, signin.ScreenSignedOut)
		})
	})
}

func TestKeychainWriteFailureKeepsSession(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		for _, tc := range []struct {
			err  error
			kind signin.Kind
		}{
			{keychain.ErrUnavailable, signin.KindKeychainUnavailable},
			{keychain.ErrTimeout, signin.KindKeychainLocked},
			{keychain.ErrTooBig, signin.KindKeychainTooBig},
		} {
			t.Run(string(tc.kind), func(t *testing.T) {
				h := newHarness(t, port)
				faulty := keychaintest.NewFaulty(keychaintest.NewMemory())
				f := h.newDevice(faulty)
				_ = f.Restore(context.Background())
				h.signInDiscovery(f, demo)
				faulty.Fail(keychaintest.OpSet, tc.err)
				err := f.ChooseOrganization(context.Background(), orgBySlug(t, f.View(), "northwind").ID)
				wantKind(t, err, tc.kind)
				v := wantScreen(t, f, signin.ScreenSignedIn)
				if v.KeychainWarning != signin.KeychainNotRemembered {
					t.Fatalf("keychainWarning = %q", v.KeychainWarning)
				}
				// The in-memory session still signs out properly.
				faulty.Fail(keychaintest.OpSet, nil)
				if err := f.SignOut(context.Background()); err != nil {
					t.Fatal(err)
				}
			})
		}
	})
}

func TestSignOutWhenRevokeFails(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		h := newHarness(t, port, func(c *signin.Config) { c.RevokeTimeout = 200 * time.Millisecond })
		h.signInDiscovery(h.flows, demo)
		_ = h.flows.ChooseOrganization(context.Background(), orgBySlug(t, h.flows.View(), "northwind").ID)
		h.srv.SetFault("/v1/b2b/sessions/revoke", localstytch.Fault{Latency: 3 * time.Second})
		start := time.Now()
		if err := h.flows.SignOut(context.Background()); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("sign-out waited %v for revoke", d)
		}
		wantScreen(t, h.flows, signin.ScreenSignedOut)
		if _, ok := h.storedSession(); ok {
			t.Fatal("stored session not deleted when revoke failed")
		}
		token, signedOut, ok := h.storedRecord()
		if !ok || !signedOut {
			t.Fatal("the revoke Stytch hasn't confirmed is not remembered")
		}
		// The app is killed before the background retry succeeds; at the next
		// start the session is not shown, and the revoke is finished.
		h.flows.Close() // killed: its background retry stops with it
		h.srv.ClearFaults()
		f2 := h.newDevice(h.store)
		if err := f2.Restore(context.Background()); err != nil {
			t.Fatal(err)
		}
		if v := wantScreen(t, f2, signin.ScreenSignedOut); v.Email != demo || strings.Contains(h.views.all(), `"screen":"signed_in"`) {
			t.Fatalf("a signed-out session came back: %+v", v)
		}
		waitFor(t, "tombstone forgotten", func() bool { _, _, ok := h.storedRecord(); return !ok })
		_, err := h.port(t, h.srv, h.baseURL).AuthenticateSession(context.Background(), token, 60)
		wantKind(t, err, signin.KindSessionExpired)
	})
}

// Keychain stuck (paused daemon, unanswered unlock prompt) while signing
// out: sign-out still ends the session at Stytch, asks the keychain once,
// not once per item; the app is then killed, and at the next start the
// stored session — whose JWT still checks out locally — is confirmed with
// Stytch at once and ends.
func TestSignOutWithAStuckKeychain(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		ctx := context.Background()
		h := newHarness(t, port)
		faulty := keychaintest.NewFaulty(h.store)
		h.flows = h.newDevice(faulty)
		h.signInDiscovery(h.flows, demo)
		if err := chooseNorthwind(t, h); err != nil {
			t.Fatal(err)
		}
		token, _ := h.storedSession()
		faulty.Fail(keychaintest.OpSet, signin.ErrKeychainTimeout)
		faulty.Fail(keychaintest.OpDelete, signin.ErrKeychainTimeout)
		sets, deletes := faulty.Calls(keychaintest.OpSet), faulty.Calls(keychaintest.OpDelete)
		if err := h.flows.SignOut(ctx); err != nil {
			t.Fatal(err)
		}
		wantScreen(t, h.flows, signin.ScreenSignedOut)
		if n := faulty.Calls(keychaintest.OpSet) + faulty.Calls(keychaintest.OpDelete) - sets - deletes; n != 1 {
			t.Fatalf("sign-out asked a stuck keychain %d times, want once", n)
		}
		if _, err := h.port(t, h.srv, h.baseURL).AuthenticateSession(ctx, token, 60); signin.KindOf(err) != signin.KindSessionExpired {
			t.Fatalf("session not revoked at Stytch: %v", err)
		}
		h.flows.Close()
		f2 := h.newDevice(h.store) // the keychain answers again
		if err := f2.Restore(ctx); err != nil {
			t.Fatal(err)
		}
		v := waitView(t, f2, "signed out", func(v signin.View) bool { return v.Screen == signin.ScreenSignedOut })
		if v.Notice == nil || v.Notice.Kind != signin.KindSessionExpired {
			t.Fatalf("after restart: %+v", v)
		}
		waitFor(t, "keychain emptied", func() bool { _, _, ok := h.storedRecord(); return !ok })
	})
}

func TestOneOperationAtATime(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		h := newHarness(t, port)
		h.signInDiscovery(h.flows, demo)
		id := orgBySlug(t, h.flows.View(), "northwind").ID
		h.srv.SetFault("/v1/b2b/discovery/intermediate_sessions/exchange", localstytch.Fault{Latency: 300 * time.Millisecond, Times: 1})
		var wg sync.WaitGroup
		errs := make([]error, 5)
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				errs[i] = h.flows.ChooseOrganization(context.Background(), id)
			}(i)
		}
		wg.Wait()
		ok, busy := 0, 0
		for _, err := range errs {
			switch signin.KindOf(err) {
			case "":
				ok++
			case signin.KindBusy:
				busy++
			default:
				// A click that arrived after the first finished finds the screen changed.
			}
		}
		if ok != 1 {
			t.Fatalf("%d exchanges succeeded (%v), want exactly 1", ok, errs)
		}
		wantScreen(t, h.flows, signin.ScreenSignedIn)
	})
}

// TestNoSecretsLeak runs the flows with debug logging and checks that no
// token, verifier or secret shows up in logs, views or error texts.
func TestNoSecretsLeak(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		h := newHarness(t, port)
		ctx := context.Background()
		var errTexts []string
		note := func(err error) {
			if err != nil {
				errTexts = append(errTexts, err.Error())
			}
		}
		note(h.flows.Restore(ctx))
		note(h.flows.StartSignIn(ctx, demo))
		pendingRaw, _ := h.store.Get(ctx, "pending-flow")
		link := h.parse(h.linkFor(demo))
		note(h.paste(ctx, "stytch-desktop://auth/callback?stytch_token_type=discovery&token="+link.Token+"&token=x"))
		note(h.flows.CompleteLink(ctx, link))
		note(h.flows.CompleteLink(ctx, link)) // replay
		note(h.flows.CreateOrganization(ctx, signin.NewOrganization{Name: "Taken", Slug: "northwind"}))
		note(h.flows.ChooseOrganization(ctx, orgBySlug(t, h.flows.View(), "northwind").ID))
		token, _ := h.storedSession()
		note(h.flows.SignOut(ctx))

		var pending struct{ Verifier string }
		_ = jsonUnmarshal(pendingRaw, &pending)
		secrets := map[string]string{
			"session token": token, "magic link token": link.Token, "pkce verifier": pending.Verifier,
			"project secret": h.srv.Secret(),
		}
		haystack := h.logs.String() + h.views.all() + strings.Join(errTexts, "\n")
		for name, s := range secrets {
			if len(s) < 10 {
				t.Fatalf("test setup: %s not captured (%q)", name, s)
			}
			if strings.Contains(haystack, s) {
				t.Errorf("%s leaked into logs, views or errors", name)
			}
		}
		if !strings.Contains(h.logs.String(), "signed in") {
			t.Fatal("expected debug logs to be captured")
		}
	})
}

// Issue 8 item 14: "needs more verification" goes back to the organization
// list with the same intermediate session, not to email entry. Umbrella
// signs in by SSO only; without SSO configured (no browser round trip) it
// needs another sign-in method.
func TestBackToOrganizations(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		ctx := context.Background()
		t.Run("discovery: the list and the intermediate session are kept", func(t *testing.T) {
			h := newHarness(t, port, noSSO)
			h.signInDiscovery(h.flows, demo)
			listed := h.flows.View().Organizations
			if err := h.flows.ChooseOrganization(ctx, orgBySlug(t, h.flows.View(), "umbrella").ID); err != nil {
				t.Fatal(err)
			}
			wantScreen(t, h.flows, signin.ScreenNeedsMoreAuth)
			sent := len(h.srv.Messages())
			if err := h.flows.BackToOrganizations(ctx); err != nil {
				t.Fatal(err)
			}
			v := wantScreen(t, h.flows, signin.ScreenChoosingOrganization)
			if v.Organization != nil || v.Notice != nil || v.Email != demo {
				t.Fatalf("back on the list: organization %+v notice %+v email %q", v.Organization, v.Notice, v.Email)
			}
			if len(v.Organizations) != len(listed) {
				t.Fatalf("list has %d organizations, had %d", len(v.Organizations), len(listed))
			}
			if err := h.flows.ChooseOrganization(ctx, orgBySlug(t, v, "northwind").ID); err != nil {
				t.Fatal(err) // no new link needed
			}
			wantScreen(t, h.flows, signin.ScreenSignedIn)
			if n := len(h.srv.Messages()); n != sent {
				t.Fatalf("%d new emails", n-sent)
			}
		})
		t.Run("the intermediate session ran out: email entry, said so", func(t *testing.T) {
			h := newHarness(t, port, noSSO)
			h.signInDiscovery(h.flows, demo)
			_ = h.flows.ChooseOrganization(ctx, orgBySlug(t, h.flows.View(), "umbrella").ID)
			wantScreen(t, h.flows, signin.ScreenNeedsMoreAuth)
			h.clock.Advance(11 * time.Minute)
			wantKind(t, h.flows.BackToOrganizations(ctx), signin.KindIntermediateExpired)
			wantScreen(t, h.flows, signin.ScreenSignedOut)
		})
		t.Run("an organization's own link has no list to go back to", func(t *testing.T) {
			h := newHarness(t, port, noSSO, func(c *signin.Config) { c.Organization = "umbrella" })
			_ = h.flows.Restore(ctx)
			if err := h.flows.StartSignIn(ctx, demo); err != nil {
				t.Fatal(err)
			}
			if err := h.flows.CompleteLink(ctx, h.parse(h.linkFor(demo))); err != nil {
				t.Fatal(err)
			}
			wantScreen(t, h.flows, signin.ScreenNeedsMoreAuth)
			err := h.flows.BackToOrganizations(ctx)
			if !errors.Is(err, signin.ErrNotNow) {
				t.Fatalf("err = %v, want ErrNotNow", err)
			}
			wantScreen(t, h.flows, signin.ScreenNeedsMoreAuth)
		})
	})
}

// noSSO turns the SSO and OAuth browser round trips off.
func noSSO(c *signin.Config) { c.Browser = signin.BrowserConfig{} }

// Issue 8 item 13: after Stytch's 429 with Retry-After, Resend stays closed
// (resendAfter, which the screen counts down from) until then.
func TestRateLimitedResendWaitsForRetryAfter(t *testing.T) {
	h := newHarness(t, ports["stytch-go"])
	ctx := context.Background()
	_ = h.flows.Restore(ctx)
	if err := h.flows.StartSignIn(ctx, demo); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(3 * time.Second) // past the local resend interval
	h.srv.SetFault("/v1/b2b/magic_links/email/discovery/send",
		localstytch.Fault{Status: 429, ErrorType: "too_many_requests", RetryAfter: 20 * time.Second})
	wantKind(t, h.flows.Resend(ctx), signin.KindRateLimited)
	h.srv.ClearFaults()
	v := wantScreen(t, h.flows, signin.ScreenLinkSent)
	if v.Notice == nil || v.Notice.RetryAfterSeconds != 20 {
		t.Fatalf("notice = %+v", v.Notice)
	}
	if v.ResendAfter == nil || !v.ResendAfter.Equal(h.clock.Now().Add(20*time.Second)) {
		t.Fatalf("resendAfter = %v, want now + 20 s", v.ResendAfter)
	}
	sent := len(h.srv.Messages())
	h.clock.Advance(10 * time.Second)
	err := h.flows.Resend(ctx)
	wantKind(t, err, signin.KindRateLimited)
	if ra := signin.RetryAfterOf(err); ra != 10*time.Second {
		t.Fatalf("retry after = %v, want the 10 s left", ra)
	}
	h.clock.Advance(10 * time.Second)
	if err := h.flows.Resend(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(h.srv.Messages()); n != sent+1 {
		t.Fatalf("%d emails sent, want 1 once Retry-After passed", n-sent)
	}
}

// Issue 8 item 16: direct-organization mode greets with the organization's
// name, not its id. Stytch returns the organization with the login-or-signup
// answer; the name is kept in the view for the run, in the pending flow
// (a restart while the link is pending) and comes with a restored session.
func TestDirectOrganizationName(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		ctx := context.Background()
		h := newHarness(t, port)
		org, err := h.srv.CreateOrganization("Globe Partners", "globe-partners", localstytch.OrganizationOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.srv.AddMember(org.ID, demo); err != nil {
			t.Fatal(err)
		}
		orgID := org.ID
		// Configured by id, as STYTCH_ORGANIZATION_ID usually is.
		h.cfg.Organization = orgID
		h.flows = h.newDevice(h.store)
		_ = h.flows.Restore(ctx)
		v := wantScreen(t, h.flows, signin.ScreenSignedOut)
		if v.DirectOrganization != orgID || v.DirectOrganizationName != "" {
			t.Fatalf("before any send: %q %q", v.DirectOrganization, v.DirectOrganizationName)
		}
		if err := h.flows.StartSignIn(ctx, demo); err != nil {
			t.Fatal(err)
		}
		if got := h.flows.View().DirectOrganizationName; got != "Globe Partners" {
			t.Fatalf("after the send: name %q", got)
		}
		// A restart while the link is pending still knows the name.
		again := h.newDevice(h.store)
		_ = again.Restore(ctx)
		v = wantScreen(t, again, signin.ScreenLinkSent)
		if v.DirectOrganizationName != "Globe Partners" {
			t.Fatalf("after a restart: name %q", v.DirectOrganizationName)
		}
		h.flows = again
		if err := again.CompleteLink(ctx, h.parse(h.linkFor(demo))); err != nil {
			t.Fatal(err)
		}
		wantScreen(t, again, signin.ScreenSignedIn)
		if err := again.SignOut(ctx); err != nil {
			t.Fatal(err)
		}
		if v := wantScreen(t, again, signin.ScreenSignedOut); v.DirectOrganizationName != "Globe Partners" {
			t.Fatalf("after sign-out: name %q", v.DirectOrganizationName)
		}
	})
}
