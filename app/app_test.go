package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"stytch-desktop/app/config"
	"stytch-desktop/app/core"
	"stytch-desktop/app/keychain/keychaintest"
	"stytch-desktop/app/lifecycle/lifecycletest"
	"stytch-desktop/app/signin"
)

// recorder stands in for the Wails window (see lifecycletest.Recorder).
type recorder = lifecycletest.Recorder

func TestLocalModeThroughTheBoundMethods(t *testing.T) {
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	store := keychaintest.NewMemory()
	a, lc := newApp(cfg, core.Options{Secrets: store, StateDir: t.TempDir(), SkipSchemeRegistration: true})
	if v := a.State(); v.Screen != signin.ScreenRestoring {
		t.Fatalf("before start: %s", v.Screen)
	}
	win := &recorder{}
	lc.Links().OfferArgs([]string{"--some-flag", "not-a-link"}) // argv noise is ignored
	lc.Start(win)
	defer lc.Shutdown(context.Background())

	v := win.WaitScreen(t, signin.ScreenSignedOut)
	if v.Mode != "local" || !strings.HasPrefix(v.InboxURL, "http://127.0.0.1:") {
		t.Fatalf("local mode view: %+v", v)
	}
	a.OpenInbox()
	if len(win.Opened) != 1 || win.Opened[0] != v.InboxURL {
		t.Fatalf("OpenInbox opened %v", win.Opened)
	}

	if v := a.SendLink("demo@example.com"); v.Screen != signin.ScreenLinkSent {
		t.Fatalf("after SendLink: %+v", v)
	}
	_, link := lifecycletest.AppLink(t, v.InboxURL, "demo@example.com")

	// A hostile hand-off changes nothing but the notice.
	lc.Links().OfferArgs([]string{"stytch-desktop://evil/callback?stytch_token_type=discovery&token=" + strings.Repeat("A", 44)})
	deadline := time.Now().Add(5 * time.Second)
	for a.State().Notice == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if v := a.State(); v.Screen != signin.ScreenLinkSent || v.Notice == nil || v.Notice.Kind != signin.KindLinkMalformed {
		t.Fatalf("after a hostile link: %+v", v)
	}

	// The OS hands the link over twice (double click): applied once.
	lc.Links().OfferArgs([]string{link})
	lc.Links().OfferArgs([]string{link})
	v = win.WaitScreen(t, signin.ScreenChoosingOrganization)
	if win.Raised == 0 {
		t.Fatal("the window was not brought to the front when the link arrived")
	}
	var northwind string
	for _, o := range v.Organizations {
		if o.Slug == "northwind" {
			northwind = o.ID
		}
	}
	if v := a.ChooseOrganization(northwind); v.Screen != signin.ScreenSignedIn {
		t.Fatalf("after choose: %+v", v)
	}
	time.Sleep(100 * time.Millisecond) // let a duplicate delivery, if any, land
	if v := a.State(); v.Screen != signin.ScreenSignedIn || v.Notice != nil {
		t.Fatalf("the duplicate link changed the state: %+v", v)
	}
	raw, err := store.Get(context.Background(), "session")
	if err != nil {
		t.Fatal(err)
	}
	var rec struct{ Token string }
	_ = json.Unmarshal(raw, &rec)

	if v := a.SignOut(); v.Screen != signin.ScreenSignedOut {
		t.Fatalf("after sign-out: %+v", v)
	}
	// Nothing secret ever reached the screens.
	all := strings.Join(win.Events, "\n")
	tok := link[strings.Index(link, "token=")+len("token="):]
	for name, s := range map[string]string{"session token": rec.Token, "link token": tok} {
		if len(s) < 20 {
			t.Fatalf("test setup: %s not captured", name)
		}
		if strings.Contains(all, s) {
			t.Errorf("%s sent to the frontend", name)
		}
	}
	if a.SuggestSlug("Café Crème") != "cafe-creme" {
		t.Fatal("SuggestSlug")
	}
}

func TestBadStartIsShownNotHung(t *testing.T) {
	cfg := config.Config{Mode: "bogus", Scheme: "stytch-desktop"}
	a, lc := newApp(cfg, core.Options{Secrets: keychaintest.NewMemory(), StateDir: t.TempDir(), SkipSchemeRegistration: true})
	win := &recorder{}
	lc.Start(win)
	defer lc.Shutdown(context.Background())
	v := a.SendLink("demo@example.com")
	if v.Screen != signin.ScreenSignedOut || v.Notice == nil {
		t.Fatalf("a backend that failed to start must say so: %+v", v)
	}
}
