package app_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"stytch-desktop/app/config"
	"stytch-desktop/app/core"
	"stytch-desktop/app/deeplink"
	"stytch-desktop/app/keychain/keychaintest"
	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/signin"
)

// More links at once than the inbox holds: the ones dropped unread are
// reported as dropped ("open the newest one again"), not as malformed links.
func TestTooManyLinksAtOnceAreReportedAsDropped(t *testing.T) {
	a, lc, win, srv, _ := startDirect(t, keychaintest.NewMemory())

	// Hold the flows busy (a slow send), so links pile up in the inbox.
	srv.SetFault("/v1/b2b/magic_links/email/discovery/send", localstytch.Fault{Latency: 2 * time.Second, Times: 1})
	sent := make(chan signin.View)
	go func() { sent <- a.SendLink("demo@example.com") }()
	waitFor(t, func() bool { return a.State().Busy })
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
	win.mu.Lock()
	defer win.mu.Unlock()
	var kinds []signin.Kind
	for _, v := range win.views {
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
	a, lc := newApp(cfg, core.Options{Secrets: keychaintest.NewMemory(), StateDir: t.TempDir(), SkipSchemeRegistration: true})
	lc.Warn(signin.KindSingleInstanceUnavailable)
	if v := a.State(); v.Warning != signin.KindSingleInstanceUnavailable {
		t.Fatalf("before start: warning %q", v.Warning)
	}
	win := &recorder{}
	lc.Start(win)
	defer lc.Shutdown(context.Background())
	win.waitScreen(t, signin.ScreenSignedOut)
	if v := a.SendLink("not an email"); v.Warning != signin.KindSingleInstanceUnavailable {
		t.Fatalf("action result: warning %q", v.Warning)
	}
	win.mu.Lock()
	defer win.mu.Unlock()
	for _, v := range win.views {
		if v.Warning != signin.KindSingleInstanceUnavailable {
			t.Fatalf("emitted view %s without the warning", v.Screen)
		}
	}
}
