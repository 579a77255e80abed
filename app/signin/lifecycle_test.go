package signin_test

import (
	"context"
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
			if _, ok := h.storedSession(); ok {
				t.Fatal("revoked session kept in the keychain")
			}
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
