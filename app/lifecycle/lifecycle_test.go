package lifecycle_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"stytch-desktop/app/config"
	"stytch-desktop/app/core"
	"stytch-desktop/app/deeplink"
	"stytch-desktop/app/keychain/keychaintest"
	"stytch-desktop/app/lifecycle"
	"stytch-desktop/app/lifecycle/lifecycletest"
	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/signin"
)

// sendLink and chooseOrganization are the screens' actions of the same
// names (app.App's bindings run them the same way, through Do).
func sendLink(lc *lifecycle.Lifecycle, email string) signin.View {
	return lc.Do(func(ctx context.Context, f *signin.Flows) error { return f.StartSignIn(ctx, email) })
}

func chooseOrganization(lc *lifecycle.Lifecycle, id string) signin.View {
	return lc.Do(func(ctx context.Context, f *signin.Flows) error { return f.ChooseOrganization(ctx, id) })
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
		lc := lifecycle.New(cfg, core.Options{Secrets: keychaintest.NewMemory(), StateDir: t.TempDir(), SkipSchemeRegistration: true})
		win := &lifecycletest.Recorder{}
		var wg sync.WaitGroup
		run := func(f func()) { wg.Add(1); go func() { defer wg.Done(); f() }() }
		run(func() { lc.Start(win) })
		run(func() { lc.OpenInbox() })
		run(func() {
			lc.Links().OfferArgs([]string{"stytch-desktop://auth/callback?stytch_token_type=discovery&token=" + strings.Repeat("R", 44)})
		})
		run(func() { _ = lc.State() })
		run(func() { lc.Paste("not a link") })
		run(func() { lc.Shutdown(context.Background()) })
		wg.Wait()
		lc.Shutdown(context.Background()) // twice is harmless
		lc.Start(win)                     // after shutdown: nothing starts
	}
	// Shutdown before Start: Start does nothing, nothing leaks.
	lc := lifecycle.New(cfg, core.Options{Secrets: keychaintest.NewMemory(), StateDir: t.TempDir(), SkipSchemeRegistration: true})
	lc.Shutdown(context.Background())
	lc.Start(&lifecycletest.Recorder{})
	if v := sendLink(lc, "demo@example.com"); v.Screen == signin.ScreenLinkSent {
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
	run := func(t *testing.T, deliver func(lc *lifecycle.Lifecycle, link string) signin.View) []outcome {
		lc, _, srv, base := lifecycletest.StartDirect(t, keychaintest.NewMemory())
		var got []outcome
		note := func(v signin.View) {
			o := outcome{Screen: v.Screen}
			if v.Notice != nil {
				o.Notice = v.Notice.Kind
			}
			got = append(got, o)
		}
		sendLink(lc, "demo@example.com")
		_, link := lifecycletest.AppLink(t, base+"/", "demo@example.com")
		note(deliver(lc, link))
		note(deliver(lc, link)) // the same link again: already applied
		var northwind string
		for _, o := range lc.State().Organizations {
			if o.Slug == "northwind" {
				northwind = o.ID
			}
		}
		srv.SetFault("/v1/b2b/discovery/intermediate_sessions/exchange", localstytch.Fault{Latency: 300 * time.Millisecond, Times: 1})
		chose := make(chan signin.View)
		go func() { chose <- chooseOrganization(lc, northwind) }()
		lifecycletest.WaitFor(t, func() bool { return lc.State().Screen == signin.ScreenEntering })
		stray := "stytch-desktop://auth/callback?stytch_token_type=discovery&token=" + strings.Repeat("S", 44)
		note(deliver(lc, stray)) // waits for the exchange, then finds no flow waiting
		<-chose
		note(deliver(lc, "stytch-desktop://evil/callback?stytch_token_type=discovery&token="+strings.Repeat("E", 44)))
		return got
	}
	os := run(t, func(lc *lifecycle.Lifecycle, link string) signin.View {
		lc.Links().OfferArgs([]string{link})
		if err := lc.Links().Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		return lc.State()
	})
	pasted := run(t, func(lc *lifecycle.Lifecycle, link string) signin.View {
		lc.Paste(link)
		return lc.State()
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

// Quitting while an organization is being entered: the exchange (whose
// intermediate session Stytch has already spent) finishes and its session is
// stored before the app stops — never both spend the token and drop the
// session.
func TestQuitDuringAnExchangeKeepsTheSession(t *testing.T) {
	store := keychaintest.NewMemory()
	lc, _, srv, base := lifecycletest.StartDirect(t, store)
	sendLink(lc, "demo@example.com")
	_, link := lifecycletest.AppLink(t, base+"/", "demo@example.com")
	lc.Paste(link)
	var northwind string
	for _, o := range lc.State().Organizations {
		if o.Slug == "northwind" {
			northwind = o.ID
		}
	}
	srv.SetFault("/v1/b2b/discovery/intermediate_sessions/exchange", localstytch.Fault{Latency: 300 * time.Millisecond, Times: 1})
	go chooseOrganization(lc, northwind)
	lifecycletest.WaitFor(t, func() bool { return lc.State().Screen == signin.ScreenEntering })
	lc.Shutdown(context.Background())
	if _, err := store.Get(context.Background(), "session"); err != nil {
		t.Fatalf("the session obtained while quitting was not stored: %v", err)
	}
}

// More links at once than the inbox holds: the ones dropped unread are
// reported as dropped ("open the newest one again"), not as malformed links.
func TestTooManyLinksAtOnceAreReportedAsDropped(t *testing.T) {
	lc, win, srv, _ := lifecycletest.StartDirect(t, keychaintest.NewMemory())

	// Hold the flows busy (a slow send), so links pile up in the inbox.
	srv.SetFault("/v1/b2b/magic_links/email/discovery/send", localstytch.Fault{Latency: 2 * time.Second, Times: 1})
	sent := make(chan signin.View)
	go func() { sent <- sendLink(lc, "demo@example.com") }()
	lifecycletest.WaitFor(t, func() bool { return lc.State().Busy })
	for i := range deeplink.InboxBuffer + 2 {
		tok := strings.Repeat("T", 40) + strconv.Itoa(1000+i)
		lc.Links().OfferArgs([]string{"stytch-desktop://auth/callback?stytch_token_type=discovery&token=" + tok})
	}
	<-sent
	if err := lc.Links().Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := lc.Links().Stats(); st.Dropped == 0 {
		t.Fatalf("nothing was dropped: %+v", st)
	}
	win.Mu.Lock()
	defer win.Mu.Unlock()
	var kinds []signin.Kind
	for _, v := range win.Views {
		if v.Notice != nil {
			kinds = append(kinds, v.Notice.Kind)
		}
	}
	var dropped, malformed bool
	for _, k := range kinds {
		dropped = dropped || k == signin.KindLinksDropped
		malformed = malformed || k == signin.KindLinkMalformed
	}
	if !dropped || malformed {
		t.Fatalf("notices %v: want links_dropped and no link_malformed (the links were well formed)", kinds)
	}
}

// A condition of the whole run (no single-instance lock) is on every view:
// the one before start, the ones the flows emit, the ones actions return.
func TestWarningIsOnEveryView(t *testing.T) {
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	lc := lifecycle.New(cfg, core.Options{Secrets: keychaintest.NewMemory(), StateDir: t.TempDir(), SkipSchemeRegistration: true})
	lc.Warn(signin.KindSingleInstanceUnavailable)
	if v := lc.State(); v.Warning != signin.KindSingleInstanceUnavailable {
		t.Fatalf("before start: warning %q", v.Warning)
	}
	win := &lifecycletest.Recorder{}
	lc.Start(win)
	defer lc.Shutdown(context.Background())
	win.WaitScreen(t, signin.ScreenSignedOut)
	if v := sendLink(lc, "not an email"); v.Warning != signin.KindSingleInstanceUnavailable {
		t.Fatalf("action result: warning %q", v.Warning)
	}
	win.Mu.Lock()
	defer win.Mu.Unlock()
	for _, v := range win.Views {
		if v.Warning != signin.KindSingleInstanceUnavailable {
			t.Fatalf("emitted view %s without the warning", v.Screen)
		}
	}
}

// firstView fetches what the page's /first-view.js script would set.
func firstView(t *testing.T, lc *lifecycle.Lifecycle) signin.View {
	t.Helper()
	rec := httptest.NewRecorder()
	lc.ServeFirstView(rec, httptest.NewRequest("GET", lifecycle.FirstViewPath, nil))
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Fatalf("content type %q", ct)
	}
	body, ok := strings.CutPrefix(rec.Body.String(), "window."+lifecycle.FirstViewGlobal+" = ")
	if !ok {
		t.Fatalf("script %q", rec.Body.String())
	}
	var v signin.View
	if err := json.Unmarshal([]byte(strings.TrimSuffix(strings.TrimSpace(body), ";")), &v); err != nil {
		t.Fatalf("script %q: %v", rec.Body.String(), err)
	}
	return v
}

// The page paints its first screen from the view handed over with its files:
// the view after the start-up restore, the same one State gives. Before the
// backend runs it is "restoring", after a bounded wait (the page then
// follows the events).
func TestFirstViewIsTheRestoredView(t *testing.T) {
	lc, _, _, _ := lifecycletest.StartDirect(t, keychaintest.NewMemory())
	v := firstView(t, lc)
	if v.Screen != signin.ScreenSignedOut || v.Seq == 0 || v.Seq != lc.State().Seq {
		t.Fatalf("first view %+v, State %+v", v, lc.State())
	}

	idle := lifecycle.New(config.Config{Mode: config.ModeLocal}, core.Options{Secrets: keychaintest.NewMemory(), StateDir: t.TempDir()})
	t.Cleanup(func() { idle.Shutdown(context.Background()) })
	if v := firstView(t, idle); v.Screen != signin.ScreenRestoring {
		t.Fatalf("before start: %+v", v)
	}
}

// A page of another site including the script (under wails dev the asset
// server is a localhost port) gets nothing; the app's own page does.
func TestFirstViewOnlyForTheAppsOwnPage(t *testing.T) {
	lc, _, _, _ := lifecycletest.StartDirect(t, keychaintest.NewMemory())
	for _, c := range []struct {
		name, site, referer string
		want                int
	}{
		{"app page (WebKit, custom scheme)", "", "wails://wails/", 200},
		{"app page (wails dev)", "same-origin", "http://localhost:34115/", 200},
		{"no headers", "", "", 200},
		{"another site", "cross-site", "https://evil.example/", 403},
		{"another site, no referrer", "cross-site", "", 403},
		{"same site, other origin", "same-site", "", 403},
		{"old browser, foreign referrer", "", "https://evil.example/page", 403},
	} {
		req := httptest.NewRequest("GET", lifecycle.FirstViewPath, nil)
		req.Host = "localhost:34115"
		if strings.HasPrefix(c.referer, "wails://") {
			req.Host = "wails"
		}
		if c.site != "" {
			req.Header.Set("Sec-Fetch-Site", c.site)
		}
		if c.referer != "" {
			req.Header.Set("Referer", c.referer)
		}
		rec := httptest.NewRecorder()
		lc.ServeFirstView(rec, req)
		if rec.Code != c.want {
			t.Errorf("%s: status %d, want %d", c.name, rec.Code, c.want)
		}
		if c.want == 403 && strings.Contains(rec.Body.String(), "screen") {
			t.Errorf("%s: the view leaked: %s", c.name, rec.Body.String())
		}
	}
}
