package signin_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/signin"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// stytch-go starts keyfunc's JWKS refresher per client and offers no
		// way to stop it; idle keep-alive connections belong to net/http.
		goleak.IgnoreTopFunction("github.com/MicahParks/keyfunc/v2.(*JWKS).backgroundRefresh"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}

// signedInWith signs demo in to northwind on a harness built with mutate.
func signedInWith(t *testing.T, port portFactory, mutate ...func(*signin.Config)) *harness {
	t.Helper()
	h := newHarness(t, port, mutate...)
	h.signInDiscovery(h.flows, demo)
	if err := h.flows.ChooseOrganization(context.Background(), orgBySlug(t, h.flows.View(), "northwind").ID); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestPeriodicRevalidation(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		ctx := context.Background()
		t.Run("revoked elsewhere ends the session here", func(t *testing.T) {
			h := signedInWith(t, port, func(c *signin.Config) { c.RefreshInterval = 50 * time.Millisecond })
			token, _ := h.storedSession()
			if err := h.port(t, h.srv, h.baseURL).RevokeSession(ctx, token); err != nil {
				t.Fatal(err)
			}
			v := waitView(t, h.flows, "sign-in screen", func(v signin.View) bool { return v.Screen == signin.ScreenSignedOut })
			if v.Email != demo || v.Notice == nil || v.Notice.Kind != signin.KindSessionExpired {
				t.Fatalf("after revocation elsewhere: %+v", v)
			}
			waitFor(t, "revoked session removed from the keychain", func() bool { _, ok := h.storedSession(); return !ok })
		})
		t.Run("offline while signed in, then back", func(t *testing.T) {
			h := signedInWith(t, port, func(c *signin.Config) { c.RefreshInterval = 50 * time.Millisecond })
			h.srv.SetFault("/v1/b2b/sessions/authenticate", localstytch.Fault{Status: 503})
			waitView(t, h.flows, "offline", func(v signin.View) bool { return v.Offline })
			if _, ok := h.storedSession(); !ok {
				t.Fatal("offline lost the stored session")
			}
			h.srv.ClearFaults()
			waitView(t, h.flows, "online", func(v signin.View) bool { return !v.Offline && v.Screen == signin.ScreenSignedIn })
		})
	})
}

// The app's clock may jump (sleep, NTP, timezone change, a user fiddling).
// Only Stytch's answer decides whether the session lives.
func TestClockJumps(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		appClock := newClock()
		h := signedInWith(t, port, func(c *signin.Config) {
			c.RefreshInterval = 30 * time.Millisecond
			c.Now = appClock.Now
		})
		for _, jump := range []time.Duration{400 * 24 * time.Hour, -800 * 24 * time.Hour, 13 * time.Hour} {
			appClock.Advance(jump)
			time.Sleep(150 * time.Millisecond) // several checks
			if v := h.flows.View(); v.Screen != signin.ScreenSignedIn || v.Offline {
				t.Fatalf("clock jump %v changed the session state: %+v", jump, v)
			}
		}
		// Stytch's own clock passing the expiry ends it, whatever ours says.
		h.clock.Advance(8 * 24 * time.Hour)
		waitView(t, h.flows, "signed out", func(v signin.View) bool { return v.Screen == signin.ScreenSignedOut })
	})
}

func TestSignOutDuringRefresh(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		h := signedInWith(t, port, func(c *signin.Config) { c.RefreshInterval = 20 * time.Millisecond })
		h.srv.SetFault("/v1/b2b/sessions/authenticate", localstytch.Fault{Latency: 300 * time.Millisecond})
		time.Sleep(60 * time.Millisecond) // a check is now in flight
		if err := h.flows.SignOut(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond) // the check answers "valid" after sign-out
		if v := h.flows.View(); v.Screen != signin.ScreenSignedOut {
			t.Fatalf("a refresh brought the session back after sign-out: %+v", v)
		}
		if _, ok := h.storedSession(); ok {
			t.Fatal("a refresh wrote the session back after sign-out")
		}
	})
}

func TestRevokeRetriedInBackground(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		h := signedInWith(t, port)
		token, _ := h.storedSession()
		h.srv.SetFault("/v1/b2b/sessions/revoke", localstytch.Fault{Status: 503, Times: 2})
		if err := h.flows.SignOut(context.Background()); err != nil {
			t.Fatal(err)
		}
		wantScreen(t, h.flows, signin.ScreenSignedOut)
		api := h.port(t, h.srv, h.baseURL)
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, err := api.AuthenticateSession(context.Background(), token, 0)
			if signin.KindOf(err) == signin.KindSessionExpired {
				return // revoked by a background retry
			}
			if time.Now().After(deadline) {
				t.Fatalf("session still valid after sign-out: %v", err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

func TestTwoLinksAtOnce(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		h := newHarness(t, port)
		ctx := context.Background()
		_ = h.flows.Restore(ctx)
		if err := h.flows.StartSignIn(ctx, demo); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(2 * time.Second)
		if err := h.flows.Resend(ctx); err != nil {
			t.Fatal(err)
		}
		msgs := h.srv.Messages()
		links := []string{h.follow(msgs[0].Link), h.follow(msgs[1].Link)}
		h.srv.SetFault("/v1/b2b/magic_links/discovery/authenticate", localstytch.Fault{Latency: 100 * time.Millisecond})
		errs := make(chan error, 2)
		for _, l := range links {
			go func(l string) { errs <- h.flows.CompleteLink(ctx, h.parse(l)) }(l)
		}
		kinds := map[signin.Kind]int{}
		for range links {
			kinds[signin.KindOf(<-errs)]++
		}
		// One completes; the other finds an operation in flight or no
		// flow waiting any more. Either way one well-defined state.
		if kinds[""] != 1 || kinds[signin.KindBusy]+kinds[signin.KindLinkNotRequested] != 1 {
			t.Fatalf("outcomes %v", kinds)
		}
		wantScreen(t, h.flows, signin.ScreenChoosingOrganization)
	})
}

func TestLinkArrivingMidExchange(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		h := newHarness(t, port)
		ctx := context.Background()
		h.signInDiscovery(h.flows, demo)
		id := orgBySlug(t, h.flows.View(), "northwind").ID
		h.srv.SetFault("/v1/b2b/discovery/intermediate_sessions/exchange", localstytch.Fault{Latency: 200 * time.Millisecond, Times: 1})
		done := make(chan error)
		go func() { done <- h.flows.ChooseOrganization(ctx, id) }()
		time.Sleep(50 * time.Millisecond)
		stray := h.parse("stytch-desktop://auth/callback?stytch_token_type=discovery&token=" + strings.Repeat("Q", 44))
		if k := signin.KindOf(h.flows.CompleteLink(ctx, stray)); k != signin.KindBusy {
			t.Fatalf("a link mid-exchange: %q, want busy", k)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		wantScreen(t, h.flows, signin.ScreenSignedIn)
		if k := signin.KindOf(h.flows.CompleteLink(ctx, stray)); k != signin.KindLinkNotRequested {
			t.Fatalf("a link while signed in: %q", k)
		}
		wantScreen(t, h.flows, signin.ScreenSignedIn)
	})
}
