package app_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"stytch-desktop/app/config"
	"stytch-desktop/app/core"
	"stytch-desktop/app/keychain/keychaintest"
	"stytch-desktop/app/lifecycle"
	"stytch-desktop/app/signin"
)

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
	a, lc, _, _, _ := startDirect(t, keychaintest.NewMemory())
	v := firstView(t, lc)
	if v.Screen != signin.ScreenSignedOut || v.Seq == 0 || v.Seq != a.State().Seq {
		t.Fatalf("first view %+v, State %+v", v, a.State())
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
	_, lc, _, _, _ := startDirect(t, keychaintest.NewMemory())
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
