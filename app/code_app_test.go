package app_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"

	"stytch-desktop/app"
	"stytch-desktop/app/config"
	"stytch-desktop/app/core"
	"stytch-desktop/app/keychain/keychaintest"
	"stytch-desktop/app/lifecycle"
	"stytch-desktop/app/lifecycle/lifecycletest"
	"stytch-desktop/app/signin"
)

var shownCode = regexp.MustCompile(`id="code"><span aria-hidden="true">([A-Z0-9]{4}-[A-Z0-9]{4})</span>`)
var copiedLink = regexp.MustCompile(`id="copy" data-link="([^"]+)"`)

// openPageFor opens the newest email to addr the way a browser would and
// returns the /open page's HTML (local mode's default redirect URL).
func openPageFor(t *testing.T, inboxURL, to, userAgent string) string {
	t.Helper()
	emailLink, _ := lifecycletest.AppLink(t, inboxURL, to)
	req, _ := http.NewRequest(http.MethodGet, emailLink, nil)
	req.Header.Set("User-Agent", userAgent)
	page, err := http.DefaultClient.Do(req) // follows the hop to /open
	if err != nil {
		t.Fatal(err)
	}
	defer page.Body.Close()
	body, _ := io.ReadAll(page.Body)
	if page.StatusCode != http.StatusOK || page.Request.URL.Path != "/open" {
		t.Fatalf("the email's link led to %s (%d), want the /open page", page.Request.URL.Path, page.StatusCode)
	}
	return string(body)
}

// startLocalApp starts the app in local mode (the in-process local API, an
// in-memory keychain) and waits for its first screen; the test's cleanup
// shuts it down.
func startLocalApp(t *testing.T) (*app.App, *lifecycle.Lifecycle, *recorder, signin.View) {
	t.Helper()
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	a, lc := newApp(cfg, core.Options{Secrets: keychaintest.NewMemory(), StateDir: t.TempDir(), SkipSchemeRegistration: true})
	win := &recorder{}
	lc.Start(win)
	t.Cleanup(func() { lc.Shutdown(context.Background()) })
	return a, lc, win, win.WaitScreen(t, signin.ScreenSignedOut)
}

// Local mode uses the local API's /open page: the code typed into the app
// (RedeemCode), or the page's "Copy link" pasted into the paste box
// (SubmitLink), signs in through the bound methods.
func TestLocalModeSignInCodeThroughTheBoundMethods(t *testing.T) {
	a, _, _, v := startLocalApp(t)

	if v := a.SendLink("demo@example.com"); v.Screen != signin.ScreenLinkSent || !v.CodeEntry {
		t.Fatalf("after SendLink: %+v", v)
	}
	page := openPageFor(t, v.InboxURL, "demo@example.com", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148")
	m := shownCode.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no code on the phone page")
	}
	if v := a.RedeemCode(m[1]); v.Screen != signin.ScreenChoosingOrganization {
		t.Fatalf("after RedeemCode: screen %s notice %+v", v.Screen, v.Notice)
	}
	if v := a.UseAnotherEmail(); v.Screen != signin.ScreenSignedOut {
		t.Fatalf("after UseAnotherEmail: %s", v.Screen)
	}

	// The desktop page's Copy link carries the code, not the token; the
	// paste box takes it.
	if v := a.SendLink("ada@example.com"); v.Screen != signin.ScreenLinkSent {
		t.Fatalf("second SendLink: %+v", v)
	}
	page = openPageFor(t, v.InboxURL, "ada@example.com", "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0")
	c := copiedLink.FindStringSubmatch(page)
	if c == nil {
		t.Fatal("no Copy link on the desktop page")
	}
	if v := a.SubmitLink("  " + c[1] + "\n"); v.Screen != signin.ScreenChoosingOrganization {
		t.Fatalf("after pasting the copied link: screen %s notice %+v", v.Screen, v.Notice)
	}
}

// A redeemed code enters through the same door as a link from the OS, so
// the email's own link clicked afterwards is refused as a duplicate by the
// inbox instead of reaching the flows a second time.
func TestRedeemedCodeGoesThroughTheLinkInbox(t *testing.T) {
	a, lc, _, v := startLocalApp(t)

	if v = a.SendLink("demo@example.com"); v.Screen != signin.ScreenLinkSent {
		t.Fatalf("after SendLink: %+v", v)
	}
	page := openPageFor(t, v.InboxURL, "demo@example.com", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148")
	m := shownCode.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no code on the phone page")
	}
	_, appURL := lifecycletest.AppLink(t, v.InboxURL, "demo@example.com") // the same email's link, as the OS would hand it over
	if v := a.RedeemCode(m[1]); v.Screen != signin.ScreenChoosingOrganization {
		t.Fatalf("after RedeemCode: screen %s notice %+v", v.Screen, v.Notice)
	}
	before := lc.Links().Stats()
	if before.Accepted != 1 || before.Delivered != 1 {
		t.Fatalf("the redeemed code's link did not go through the inbox: %+v", before)
	}
	if lc.Links().Offer(appURL) {
		t.Fatal("the email's link was accepted again after its code was redeemed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := lc.Links().Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if st := lc.Links().Stats(); st.Duplicates != 1 || st.Delivered != 1 {
		t.Fatalf("inbox stats after the second arrival: %+v", st)
	}
	if v := a.State(); v.Screen != signin.ScreenChoosingOrganization {
		t.Fatalf("after the duplicate: screen %s notice %+v", v.Screen, v.Notice)
	}
}
