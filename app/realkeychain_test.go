package app_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"stytch-desktop/app"
	"stytch-desktop/app/config"
	"stytch-desktop/app/core"
	"stytch-desktop/app/keychain"
	"stytch-desktop/app/lifecycle"
	"stytch-desktop/app/lifecycle/lifecycletest"
	"stytch-desktop/app/signin"
)

// TestRealKeychain runs the app's sign-in against the real Secret Service in
// each situation scripts/test-keyring.sh sets up (KEYCHAIN_REAL_SCENARIO):
// unlocked, locked, and a bus without a Secret Service.
func TestRealKeychain(t *testing.T) {
	if os.Getenv("KEYCHAIN_REAL") != "1" {
		t.Skip("set KEYCHAIN_REAL=1 under a real Secret Service; scripts/test-keyring.sh does")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	service := "stytch-desktop-apptest-" + hex.EncodeToString(b)
	cfg, _ := config.FromEnv(func(string) string { return "" })
	stateDir := t.TempDir()
	start := func() (*app.App, *recorder, *lifecycle.Lifecycle) {
		a, lc := newApp(cfg, core.Options{Secrets: keychain.NewKeyring(service), StateDir: stateDir, SkipSchemeRegistration: true})
		win := &recorder{}
		lc.Start(win)
		t.Cleanup(func() { lc.Shutdown(context.Background()) })
		return a, win, lc
	}
	signIn := func(a *app.App, win *recorder) signin.View {
		inbox := win.WaitScreen(t, signin.ScreenSignedOut).InboxURL
		a.SendLink("real-keychain@example.com")
		_, link := lifecycletest.AppLink(t, inbox, "real-keychain@example.com")
		a.SubmitLink(link)
		v := a.State()
		for _, o := range v.Organizations {
			if o.Slug == "example-co" {
				return a.ChooseOrganization(o.ID)
			}
		}
		t.Fatalf("example-co not offered: %+v", v)
		return v
	}
	items := func() string {
		out, _ := exec.Command("secret-tool", "search", "--all", "service", service).CombinedOutput()
		var keep []string
		for _, l := range strings.Split(string(out), "\n") {
			if !strings.HasPrefix(l, "secret = ") { // never print a secret
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}

	switch os.Getenv("KEYCHAIN_REAL_SCENARIO") {
	case "":
		a, win, lc := start()
		v := signIn(a, win)
		if v.Screen != signin.ScreenSignedIn || v.KeychainWarning != "" {
			t.Fatalf("signed in: %+v", v)
		}
		if got := items(); !strings.Contains(got, "attribute.username = session") {
			t.Fatalf("session not in the Secret Service:\n%s", got)
		}
		lc.Shutdown(context.Background())
		a2, win2, _ := start() // restart: restored from the real keychain
		v = win2.WaitScreen(t, signin.ScreenSignedIn)
		if v.Member == nil || v.Member.Email != "real-keychain@example.com" {
			t.Fatalf("restored: %+v", v)
		}
		if v = a2.SignOut(); v.Screen != signin.ScreenSignedOut {
			t.Fatalf("sign out: %+v", v)
		}
		// The signed-out marker goes once Stytch has confirmed the revoke
		// (in the background, right after the sign-out screen).
		deadline := time.Now().Add(10 * time.Second)
		for got := items(); strings.Contains(got, "attribute.username = session\n"); got = items() {
			if time.Now().After(deadline) {
				t.Fatalf("session still in the Secret Service after sign-out:\n%s", got)
			}
			time.Sleep(50 * time.Millisecond)
		}
	case "locked":
		a, win, _ := start()
		v := win.WaitScreen(t, signin.ScreenSignedOut)
		if v.Notice == nil || v.Notice.Kind != signin.KindKeychainLocked {
			t.Fatalf("a locked keychain at start should say so: %+v", v.Notice)
		}
		v = signIn(a, win)
		if v.Screen != signin.ScreenSignedIn || v.KeychainWarning != signin.KeychainNotRemembered {
			t.Fatalf("the session must work in memory, with a warning: %+v", v)
		}
	case "no-secret-service":
		a, win, _ := start()
		v := win.WaitScreen(t, signin.ScreenSignedOut)
		if v.Notice == nil || v.Notice.Kind != signin.KindKeychainUnavailable || v.KeychainWarning != signin.KeychainNotRemembered {
			t.Fatalf("no Secret Service should be shown: %+v", v)
		}
		v = signIn(a, win)
		if v.Screen != signin.ScreenSignedIn || v.KeychainWarning != signin.KeychainNotRemembered {
			t.Fatalf("the session must work in memory, with a warning: %+v", v)
		}
	}
}
