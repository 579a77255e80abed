package app_test

import (
	"context"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"stytch-desktop/app"
	"stytch-desktop/app/config"
	"stytch-desktop/app/core"
	"stytch-desktop/app/keychain/keychaintest"
	"stytch-desktop/app/lifecycle"
	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/signin"
)

// newApp is what main.go wires: a lifecycle, and the bound screen actions on it.
func newApp(cfg config.Config, opts core.Options) (*app.App, *lifecycle.Lifecycle) {
	lc := lifecycle.New(cfg, opts)
	return app.New(lc), lc
}

// Wails binds every exported method of app.App to JavaScript: they must be
// exactly the screens' actions listed in the frontend's Backend interface,
// nothing more (no Start, no link door) and nothing less.
func TestBindingsAreScreenActions(t *testing.T) {
	src, err := os.ReadFile("../frontend/src/lib/backend.ts")
	if err != nil {
		t.Fatal(err)
	}
	body := regexp.MustCompile(`(?s)export interface Backend \{(.*?)\n\}`).FindSubmatch(src)
	if body == nil {
		t.Fatal("interface Backend not found in backend.ts")
	}
	var screens []string
	for _, m := range regexp.MustCompile(`(?m)^\s+([A-Z]\w*)\(`).FindAllSubmatch(body[1], -1) {
		screens = append(screens, string(m[1]))
	}
	var bound []string
	typ := reflect.TypeOf(&app.App{})
	for i := range typ.NumMethod() {
		bound = append(bound, typ.Method(i).Name)
	}
	slices.Sort(screens)
	slices.Sort(bound)
	if len(screens) < 5 || !slices.Equal(screens, bound) {
		t.Fatalf("bound methods %v\nscreen actions %v", bound, screens)
	}
}

// Start, the link door and Shutdown are called from different goroutines
// (OnDomReady, the D-Bus hand-off, OnShutdown, the screens): run them all at
// once under the race detector, in both orders.
func TestStartOpenInboxAndShutdownConcurrently(t *testing.T) {
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		a, lc := newApp(cfg, core.Options{Secrets: keychaintest.NewMemory(), StateDir: t.TempDir(), SkipSchemeRegistration: true})
		win := &recorder{}
		var wg sync.WaitGroup
		run := func(f func()) { wg.Add(1); go func() { defer wg.Done(); f() }() }
		run(func() { lc.Start(win) })
		run(func() { a.OpenInbox() })
		run(func() {
			lc.Links().OfferArgs([]string{"stytch-desktop://auth/callback?stytch_token_type=discovery&token=" + strings.Repeat("R", 44)})
		})
		run(func() { _ = a.State() })
		run(func() { a.SubmitLink("not a link") })
		run(func() { lc.Shutdown(context.Background()) })
		wg.Wait()
		lc.Shutdown(context.Background()) // twice is harmless
		lc.Start(win)                     // after shutdown: nothing starts
	}
	// Shutdown before Start: Start does nothing, nothing leaks.
	a, lc := newApp(cfg, core.Options{Secrets: keychaintest.NewMemory(), StateDir: t.TempDir(), SkipSchemeRegistration: true})
	lc.Shutdown(context.Background())
	lc.Start(&recorder{})
	if v := a.SendLink("demo@example.com"); v.Screen == signin.ScreenLinkSent {
		t.Fatalf("a stopped app sent a link: %+v", v)
	}
}

// Every link source goes through one door: a pasted link and a link from the
// OS meet the same parser, de-duplication and waiting. The same sequence —
// the link twice, then a stray link while an exchange runs — must end the
// same way whichever way the links come in.
func TestPastedLinksGoThroughTheSameDoor(t *testing.T) {
	type outcome struct {
		Screen signin.Screen
		Notice signin.Kind
	}
	run := func(t *testing.T, deliver func(a *app.App, lc *lifecycle.Lifecycle, link string) signin.View) []outcome {
		a, lc, _, srv, base := startDirect(t, keychaintest.NewMemory())
		var got []outcome
		note := func(v signin.View) {
			o := outcome{Screen: v.Screen}
			if v.Notice != nil {
				o.Notice = v.Notice.Kind
			}
			got = append(got, o)
		}
		a.SendLink("demo@example.com")
		_, link := appLink(t, base+"/", "demo@example.com")
		note(deliver(a, lc, link))
		note(deliver(a, lc, link)) // the same link again: already applied
		var northwind string
		for _, o := range a.State().Organizations {
			if o.Slug == "northwind" {
				northwind = o.ID
			}
		}
		srv.SetFault("/v1/b2b/discovery/intermediate_sessions/exchange", localstytch.Fault{Latency: 300 * time.Millisecond, Times: 1})
		chose := make(chan signin.View)
		go func() { chose <- a.ChooseOrganization(northwind) }()
		waitFor(t, func() bool { return a.State().Screen == signin.ScreenEntering })
		stray := "stytch-desktop://auth/callback?stytch_token_type=discovery&token=" + strings.Repeat("S", 44)
		note(deliver(a, lc, stray)) // waits for the exchange, then finds no flow waiting
		<-chose
		note(deliver(a, lc, "stytch-desktop://evil/callback?stytch_token_type=discovery&token="+strings.Repeat("E", 44)))
		return got
	}
	os := run(t, func(a *app.App, lc *lifecycle.Lifecycle, link string) signin.View {
		lc.Links().OfferArgs([]string{link})
		if err := lc.Links().Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		return a.State()
	})
	pasted := run(t, func(a *app.App, _ *lifecycle.Lifecycle, link string) signin.View {
		a.SubmitLink(link)
		return a.State()
	})
	want := []outcome{
		{signin.ScreenChoosingOrganization, ""},
		{signin.ScreenChoosingOrganization, ""},
		{signin.ScreenSignedIn, signin.KindLinkNotRequested},
		{signin.ScreenSignedIn, signin.KindLinkMalformed},
	}
	if !reflect.DeepEqual(os, want) || !reflect.DeepEqual(pasted, want) {
		t.Fatalf("links from the OS: %v\npasted links:       %v\nwant:               %v", os, pasted, want)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Quitting while an organization is being entered: the exchange (whose
// intermediate session Stytch has already spent) finishes and its session is
// stored before the app stops — never both spend the token and drop the
// session.
func TestQuitDuringAnExchangeKeepsTheSession(t *testing.T) {
	store := keychaintest.NewMemory()
	a, lc, _, srv, base := startDirect(t, store)
	a.SendLink("demo@example.com")
	_, link := appLink(t, base+"/", "demo@example.com")
	a.SubmitLink(link)
	var northwind string
	for _, o := range a.State().Organizations {
		if o.Slug == "northwind" {
			northwind = o.ID
		}
	}
	srv.SetFault("/v1/b2b/discovery/intermediate_sessions/exchange", localstytch.Fault{Latency: 300 * time.Millisecond, Times: 1})
	go a.ChooseOrganization(northwind)
	waitFor(t, func() bool { return a.State().Screen == signin.ScreenEntering })
	lc.Shutdown(context.Background())
	if _, err := store.Get(context.Background(), "session"); err != nil {
		t.Fatalf("the session obtained while quitting was not stored: %v", err)
	}
}

// startDirect starts a standalone local API and the app in direct mode
// against it (so a test can inject faults), shown on the sign-in screen.
// Both stop when the test ends (the app first).
func startDirect(t *testing.T, store signin.Secrets) (*app.App, *lifecycle.Lifecycle, *recorder, *localstytch.Server, string) {
	t.Helper()
	srv, err := localstytch.New(localstytch.Options{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	env := map[string]string{config.EnvProjectID: srv.ProjectID(), config.EnvSecret: srv.Secret(), config.EnvBaseURL: base}
	cfg, err := config.FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, lc := newApp(cfg, core.Options{Secrets: store, StateDir: t.TempDir(), SkipSchemeRegistration: true})
	win := &recorder{}
	lc.Start(win)
	t.Cleanup(func() { lc.Shutdown(context.Background()) })
	win.waitScreen(t, signin.ScreenSignedOut)
	return a, lc, win, srv, base
}
