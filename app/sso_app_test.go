package app_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"stytch-desktop/app/signin"
)

// idpSignIn plays the user in the system browser the app opened: the start
// URL → the local identity-provider page → choose email; it returns the
// stytch-desktop:// link the browser would hand to the OS.
func idpSignIn(t *testing.T, start, email string) string {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r, err := hc.Get(start)
	if err != nil || r.StatusCode != http.StatusFound {
		t.Fatalf("start %s: %v %v", start, r, err)
	}
	r.Body.Close()
	u, _ := url.Parse(start)
	origin := u.Scheme + "://" + u.Host
	page, err := hc.Get(origin + r.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	m := regexp.MustCompile(`name="request" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("identity-provider page: %s", body)
	}
	r, err = hc.PostForm(origin+"/emulator/idp", url.Values{"request": {string(m[1])}, "email": {email}, "action": {"continue"}})
	if err != nil || r.StatusCode != http.StatusSeeOther {
		t.Fatalf("choose account: %v %v", r, err)
	}
	r.Body.Close()
	return r.Header.Get("Location")
}

// TestLocalModeOAuthAndSSO: local mode offers Google and Microsoft, opens
// the system browser at the local API's start URL, and takes the browser's
// link back through the OS door; an SSO-only organization opens the browser
// again at its identity provider.
func TestLocalModeOAuthAndSSO(t *testing.T) {
	a, lc, win, v := startLocalApp(t)
	if !slices.Equal(v.OAuthProviders, []string{"google", "microsoft"}) || !v.SSOAvailable {
		t.Fatalf("first screen: %+v", v)
	}

	if v := a.StartOAuth("google"); v.Screen != signin.ScreenBrowser || v.Browser == nil {
		t.Fatalf("after StartOAuth: %+v", v)
	}
	win.Mu.Lock()
	start := win.Opened[len(win.Opened)-1]
	win.Mu.Unlock()
	if !strings.HasPrefix(start, strings.TrimSuffix(v.InboxURL, "/")+"/v1/b2b/public/oauth/google/discovery/start?") {
		t.Fatalf("opened %s", start)
	}
	lc.Links().OfferArgs([]string{idpSignIn(t, start, "demo@example.com")})
	v = win.WaitScreen(t, signin.ScreenChoosingOrganization)

	var umbrella string
	for _, o := range v.Organizations {
		if o.Slug == "umbrella" && o.SSORequired {
			umbrella = o.ID
		}
	}
	if umbrella == "" {
		t.Fatalf("no SSO-only umbrella in %+v", v.Organizations)
	}
	if v := a.ChooseOrganization(umbrella); v.Screen != signin.ScreenBrowser || v.Browser.Kind != "sso" {
		t.Fatalf("after choosing umbrella: %+v", v)
	}
	win.Mu.Lock()
	start = win.Opened[len(win.Opened)-1]
	win.Mu.Unlock()
	// The paste box takes the browser's link as well as the OS does.
	if v := a.SubmitLink(idpSignIn(t, start, "demo@example.com")); v.Screen != signin.ScreenSignedIn || v.Organization.Slug != "umbrella" {
		t.Fatalf("after the SSO link: %+v", v)
	}
}
