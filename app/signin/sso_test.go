package signin_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"stytch-desktop/app/deeplink"
	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/signin"
)

// browserRecorder stands in for the system browser the flows open: it keeps
// the URLs; browse then plays the user in that browser against the local API
// (start endpoint → local identity-provider page → choose account), the way
// Playwright does in e2e/browser, and returns the link the OS would hand back.
type browserRecorder struct {
	mu   sync.Mutex
	urls []string
	fail error
}

func (b *browserRecorder) open(u string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail != nil {
		return b.fail
	}
	b.urls = append(b.urls, u)
	return nil
}

func (b *browserRecorder) last(t *testing.T) *url.URL {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.urls) == 0 {
		t.Fatal("the browser was not opened")
	}
	u, err := url.Parse(b.urls[len(b.urls)-1])
	if err != nil {
		t.Fatal(err)
	}
	return u
}

var requestIDRe = regexp.MustCompile(`name="request" value="([^"]+)"`)

// browse signs in as email on the local identity-provider page the start URL
// leads to and returns the stytch-desktop:// link it redirects to.
func (h *harness) browse(start *url.URL, email string) string {
	h.t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(start.String())
	if err != nil || resp.StatusCode != http.StatusFound {
		h.t.Fatalf("start URL: %v %v", resp, err)
	}
	resp.Body.Close()
	page, err := client.Get(h.baseURL + resp.Header.Get("Location"))
	if err != nil {
		h.t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	m := requestIDRe.FindSubmatch(body)
	if m == nil {
		h.t.Fatalf("identity-provider page: %s", body)
	}
	resp, err = client.PostForm(h.baseURL+"/emulator/idp", url.Values{"request": {string(m[1])}, "email": {email}, "action": {"continue"}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("choose account: %v %v", resp, err)
	}
	resp.Body.Close()
	return resp.Header.Get("Location")
}

func (h *harness) restore() {
	h.t.Helper()
	if err := h.flows.Restore(context.Background()); err != nil {
		h.t.Fatal(err)
	}
}

// TestOAuthDiscovery: "Continue with Google" → the browser → the same
// organization list as an email link (with the organization joinable by the
// Google Workspace tenant) → signed in.
func TestOAuthDiscovery(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		ctx := context.Background()
		h := newHarness(t, port)
		h.restore()
		v := h.flows.View()
		if !slices.Equal(v.OAuthProviders, []string{"google", "microsoft"}) || !v.SSOAvailable {
			t.Fatalf("first screen offers %v (sso %v)", v.OAuthProviders, v.SSOAvailable)
		}
		if err := h.flows.StartOAuth(ctx, "google"); err != nil {
			t.Fatal(err)
		}
		v = wantScreen(t, h.flows, signin.ScreenBrowser)
		if v.Browser == nil || v.Browser.Kind != "oauth_discovery" || v.Browser.Provider != "google" {
			t.Fatalf("browser view = %+v", v.Browser)
		}
		u := h.browser.last(t)
		q := u.Query()
		if u.Path != "/v1/b2b/public/oauth/google/discovery/start" || q.Get("public_token") != h.srv.PublicToken() ||
			q.Get("discovery_redirect_url") != "stytch-desktop://auth/callback" || len(q.Get("pkce_code_challenge")) != 43 {
			t.Fatalf("start URL = %s", u)
		}
		if err := h.flows.CompleteLink(ctx, h.parse(h.browse(u, demo))); err != nil {
			t.Fatal(err)
		}
		v = wantScreen(t, h.flows, signin.ScreenChoosingOrganization)
		if v.Browser != nil || v.Email != demo {
			t.Fatalf("view = %+v", v)
		}
		if o := orgBySlug(t, v, "initech"); o.Membership != signin.MembershipEligibleByTenant {
			t.Fatalf("initech = %+v", o)
		}
		if o := orgBySlug(t, v, "globex"); !o.SSORequired || len(o.SSOConnections) != 2 || !o.NeedsMoreAuth {
			t.Fatalf("globex = %+v", o)
		}
		if err := h.flows.ChooseOrganization(ctx, orgBySlug(t, v, "initech").ID); err != nil {
			t.Fatal(err)
		}
		wantScreen(t, h.flows, signin.ScreenSignedIn)
		if _, ok := h.storedSession(); !ok {
			t.Fatal("session not stored")
		}
	})
}

// TestSSOFromDiscovery: an SSO-only organization with a default connection
// opens the browser at once from the organization list; the SSO factor joins
// the email link's intermediate session.
func TestSSOFromDiscovery(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		ctx := context.Background()
		h := newHarness(t, port)
		h.signInDiscovery(h.flows, demo)
		umbrella := orgBySlug(t, h.flows.View(), "umbrella")
		if !umbrella.SSORequired || umbrella.SSODefaultConnectionID == "" {
			t.Fatalf("umbrella = %+v", umbrella)
		}
		if err := h.flows.ChooseOrganization(ctx, umbrella.ID); err != nil {
			t.Fatal(err)
		}
		v := wantScreen(t, h.flows, signin.ScreenBrowser)
		if v.Browser.Kind != "sso" || v.Browser.Connection != "Umbrella Okta" || v.Browser.Organization != "Umbrella Health" {
			t.Fatalf("browser view = %+v", v.Browser)
		}
		u := h.browser.last(t)
		if u.Path != "/v1/public/sso/start" || u.Query().Get("connection_id") != umbrella.SSODefaultConnectionID {
			t.Fatalf("start URL = %s", u)
		}
		if err := h.flows.CompleteLink(ctx, h.parse(h.browse(u, demo))); err != nil {
			t.Fatal(err)
		}
		v = wantScreen(t, h.flows, signin.ScreenSignedIn)
		if v.Organization == nil || v.Organization.ID != umbrella.ID || v.Member.Email != demo {
			t.Fatalf("signed in to %+v", v.Organization)
		}
	})
}

// TestSSOChooseConnection: several connections and no default: the user
// picks one by name; Cancel goes back to the organization list.
func TestSSOChooseConnection(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, ports["stytch-go"])
	h.signInDiscovery(h.flows, demo)
	globex := orgBySlug(t, h.flows.View(), "globex")
	if err := h.flows.ChooseOrganization(ctx, globex.ID); err != nil {
		t.Fatal(err)
	}
	v := wantScreen(t, h.flows, signin.ScreenChoosingSSOConnection)
	if v.Organization == nil || len(v.Organization.SSOConnections) != 2 {
		t.Fatalf("choosing among %+v", v.Organization)
	}
	if len(h.browser.urls) != 0 {
		t.Fatal("the browser opened before a connection was chosen")
	}
	// Cancel: back to the list, which still works.
	if err := h.flows.CancelBrowser(ctx); err != nil {
		t.Fatal(err)
	}
	wantScreen(t, h.flows, signin.ScreenChoosingOrganization)
	_ = h.flows.ChooseOrganization(ctx, globex.ID)
	wantScreen(t, h.flows, signin.ScreenChoosingSSOConnection)
	// A connection of another organization is refused.
	err := h.flows.StartSSO(ctx, globex.ID, "saml-connection-test-00000000-0000-4000-8000-000000000000")
	wantKind(t, err, signin.KindSSOUnavailable)
	var entra signin.SSOConnection
	for _, c := range globex.SSOConnections {
		if c.DisplayName == "Microsoft Entra ID" {
			entra = c
		}
	}
	if err := h.flows.StartSSO(ctx, globex.ID, entra.ID); err != nil {
		t.Fatal(err)
	}
	v = wantScreen(t, h.flows, signin.ScreenBrowser)
	if v.Browser.Connection != "Microsoft Entra ID" || h.browser.last(t).Query().Get("connection_id") != entra.ID {
		t.Fatalf("browser = %+v, %s", v.Browser, h.browser.last(t))
	}
	if err := h.flows.CompleteLink(ctx, h.parse(h.browse(h.browser.last(t), demo))); err != nil {
		t.Fatal(err)
	}
	if v := wantScreen(t, h.flows, signin.ScreenSignedIn); v.Organization.ID != globex.ID {
		t.Fatalf("signed in to %+v", v.Organization)
	}
}

// TestSSODirectOrganization: with STYTCH_ORGANIZATION_ID set, SSO starts
// from the first screen at the organization's default connection, without
// an intermediate session.
func TestSSODirectOrganization(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		ctx := context.Background()
		h := newHarness(t, port, func(c *signin.Config) { c.Organization = "umbrella" })
		h.restore()
		if err := h.flows.StartSSO(ctx, "", ""); err != nil {
			t.Fatal(err)
		}
		u := h.browser.last(t)
		if u.Query().Get("organization_id") != "umbrella" || u.Query().Get("connection_id") != "" {
			t.Fatalf("start URL = %s", u)
		}
		if err := h.flows.CompleteLink(ctx, h.parse(h.browse(u, demo))); err != nil {
			t.Fatal(err)
		}
		wantScreen(t, h.flows, signin.ScreenSignedIn)
	})
}

// TestSSOOrganizationLinkThenSSO: in the direct-organization mode an email
// link into an SSO-only organization leads on to SSO by itself.
func TestSSOOrganizationLinkThenSSO(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, ports["stytch-go"], func(c *signin.Config) { c.Organization = "umbrella" })
	h.restore()
	if err := h.flows.StartSignIn(ctx, demo); err != nil {
		t.Fatal(err)
	}
	if err := h.flows.CompleteLink(ctx, h.parse(h.linkFor(demo))); err != nil {
		t.Fatal(err)
	}
	wantScreen(t, h.flows, signin.ScreenBrowser)
	if err := h.flows.CompleteLink(ctx, h.parse(h.browse(h.browser.last(t), demo))); err != nil {
		t.Fatal(err)
	}
	wantScreen(t, h.flows, signin.ScreenSignedIn)
}

// TestSSOThenMFA: an organization requiring SSO and MFA: after SSO, the
// member still has to do MFA; no session exists yet.
func TestSSOThenMFA(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, ports["stytch-go"])
	if _, err := h.srv.CreateOrganization("Vault SSO", "vault-sso", localstytch.OrganizationOptions{MFAPolicy: "REQUIRED_FOR_ALL"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.srv.AddMember("vault-sso", demo); err != nil {
		t.Fatal(err)
	}
	if _, err := h.srv.AddSSOConnection("vault-sso", "Vault Okta", "okta", "saml", true); err != nil {
		t.Fatal(err)
	}
	if err := h.srv.RestrictAuthMethods("vault-sso", "sso"); err != nil {
		t.Fatal(err)
	}
	h.signInDiscovery(h.flows, demo)
	if err := h.flows.ChooseOrganization(ctx, orgBySlug(t, h.flows.View(), "vault-sso").ID); err != nil {
		t.Fatal(err)
	}
	wantScreen(t, h.flows, signin.ScreenBrowser)
	if err := h.flows.CompleteLink(ctx, h.parse(h.browse(h.browser.last(t), demo))); err != nil {
		t.Fatal(err)
	}
	// needs_more_auth, or the MFA step's screen once MFA is in the app (mfa.go).
	v := h.flows.View()
	if v.Screen == signin.ScreenSignedIn || v.Screen == signin.ScreenBrowser || v.Screen == signin.ScreenCompleting || v.Organization == nil {
		t.Fatalf("after SSO into an MFA organization: %+v", v)
	}
	if _, ok := h.storedSession(); ok {
		t.Fatal("a session was stored before MFA")
	}
}

// TestBrowserCallbackRules: a callback is taken only while a round trip of
// its kind waits, with that round trip's PKCE pair; a cancelled or expired
// round trip takes nothing; a new round trip gets a new pair.
func TestBrowserCallbackRules(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, ports["stytch-go"])
	h.restore()
	// Wrong type: an sso link while OAuth discovery waits.
	_ = h.flows.StartOAuth(ctx, "google")
	cb := h.parse(h.browse(h.browser.last(t), demo))
	wrong := deeplink.Link{TokenType: deeplink.SSO, Token: cb.Token}
	wantKind(t, h.flows.CompleteLink(ctx, wrong), signin.KindLinkNotRequested)
	wantScreen(t, h.flows, signin.ScreenBrowser)
	// An email link's type isn't taken either.
	wantKind(t, h.flows.CompleteLink(ctx, deeplink.Link{TokenType: deeplink.Discovery, Token: cb.Token}), signin.KindLinkNotRequested)

	// Cancelled: back to the first screen; the callback is then refused.
	if err := h.flows.CancelBrowser(ctx); err != nil {
		t.Fatal(err)
	}
	wantScreen(t, h.flows, signin.ScreenSignedOut)
	wantKind(t, h.flows.CompleteLink(ctx, cb), signin.KindLinkNotRequested)
	wantScreen(t, h.flows, signin.ScreenSignedOut)

	// Stale pair: the first round trip's callback against the second's verifier.
	_ = h.flows.StartOAuth(ctx, "google")
	first := h.browser.last(t)
	_ = h.flows.CancelBrowser(ctx)
	_ = h.flows.StartOAuth(ctx, "google")
	second := h.browser.last(t)
	if first.Query().Get("pkce_code_challenge") == second.Query().Get("pkce_code_challenge") {
		t.Fatal("two round trips share a PKCE pair")
	}
	stale := h.parse(h.browse(first, demo))
	wantKind(t, h.flows.CompleteLink(ctx, stale), signin.KindLinkOtherDevice)
	wantScreen(t, h.flows, signin.ScreenBrowser)
	if err := h.flows.CompleteLink(ctx, h.parse(h.browse(second, demo))); err != nil {
		t.Fatal(err)
	}
	wantScreen(t, h.flows, signin.ScreenChoosingOrganization)
	// Used: the same callback again is not requested any more.
	wantKind(t, h.flows.CompleteLink(ctx, stale), signin.KindLinkNotRequested)

	// Expired round trip.
	_ = h.flows.UseAnotherEmail(ctx)
	_ = h.flows.StartOAuth(ctx, "microsoft")
	late := h.parse(h.browse(h.browser.last(t), demo))
	h.clock.Advance(16 * time.Minute)
	wantKind(t, h.flows.CompleteLink(ctx, late), signin.KindLinkExpired)
}

// TestBrowserUnavailable: the browser not opening, a provider not offered,
// and no public token each say so and change nothing else.
func TestBrowserUnavailable(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, ports["stytch-go"])
	h.restore()
	h.browser.fail = errors.New("xdg-open: not found")
	wantKind(t, h.flows.StartOAuth(ctx, "google"), signin.KindBrowserUnavailable)
	wantScreen(t, h.flows, signin.ScreenSignedOut)
	h.browser.fail = nil
	wantKind(t, h.flows.StartOAuth(ctx, "github"), signin.KindSSOUnavailable)
	wantScreen(t, h.flows, signin.ScreenSignedOut)

	// Without a public token there are no buttons, and an SSO-only
	// organization ends on needs_more_auth as before.
	off := newHarness(t, ports["stytch-go"], func(c *signin.Config) { c.Browser = signin.BrowserConfig{} })
	off.restore()
	if v := off.flows.View(); len(v.OAuthProviders) != 0 || v.SSOAvailable {
		t.Fatalf("view = %+v", v)
	}
	wantKind(t, off.flows.StartOAuth(ctx, "google"), signin.KindSSOUnavailable)
	off.signInDiscovery(off.flows, demo)
	_ = off.flows.ChooseOrganization(ctx, orgBySlug(t, off.flows.View(), "umbrella").ID)
	if v := wantScreen(t, off.flows, signin.ScreenNeedsMoreAuth); strings.Contains(v.Organization.Name, "token") {
		t.Fatal("unreachable")
	}
}

// TestSwitchIntoSSOOnlyOrganization: from the signed-in screen, an
// organization that signs in by SSO only starts its SSO (its default
// connection, or the choice of connections) instead of answering "sign out
// and sign in again". The current session stays stored and valid until the
// new one is stored, then is revoked; cancelling goes back to it.
func TestSwitchIntoSSOOnlyOrganization(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, ports["stytch-go"])
	oldToken, v := signedInListing(t, h, "northwind")
	globex, umbrella := otherBySlug(t, v, "globex"), otherBySlug(t, v, "umbrella")
	if !umbrella.SSORequired || !globex.SSORequired {
		t.Fatalf("listed as SSO only: umbrella %v, globex %v", umbrella.SSORequired, globex.SSORequired)
	}

	// Several connections, no default: the choice; cancel keeps the session.
	if err := h.flows.SwitchOrganization(ctx, globex.ID); err != nil {
		t.Fatal(err)
	}
	if v := wantScreen(t, h.flows, signin.ScreenChoosingSSOConnection); v.Organization.ID != globex.ID {
		t.Fatalf("choosing a connection of %+v", v.Organization)
	}
	if err := h.flows.CancelBrowser(ctx); err != nil {
		t.Fatal(err)
	}
	v = wantScreen(t, h.flows, signin.ScreenSignedIn)
	if v.Organization.Slug != "northwind" || len(v.OtherOrganizations) == 0 {
		t.Fatalf("after cancel: %+v, %d others", v.Organization, len(v.OtherOrganizations))
	}

	// The default connection: straight to the browser, then signed in there.
	if err := h.flows.SwitchOrganization(ctx, umbrella.ID); err != nil {
		t.Fatal(err)
	}
	v = wantScreen(t, h.flows, signin.ScreenBrowser)
	u := h.browser.last(t)
	if v.Browser.Kind != "sso" || v.Browser.Organization != "Umbrella Health" || u.Query().Get("connection_id") != umbrella.SSODefaultConnectionID {
		t.Fatalf("browser = %+v, %s", v.Browser, u)
	}
	if tok, _ := h.storedSession(); tok != oldToken || checkToken(t, h, oldToken) != "" {
		t.Fatal("the current session must stay stored and valid during the switch")
	}
	if err := h.flows.CompleteLink(ctx, h.parse(h.browse(u, demo))); err != nil {
		t.Fatal(err)
	}
	v = wantScreen(t, h.flows, signin.ScreenSignedIn)
	if v.Organization.ID != umbrella.ID || v.Member.Email != demo {
		t.Fatalf("signed in to %+v", v.Organization)
	}
	if tok, _ := h.storedSession(); tok == oldToken || tok == "" {
		t.Fatal("the new session was not stored")
	}
	waitFor(t, "the session switched from revoked", func() bool { return checkToken(t, h, oldToken) == signin.KindSessionExpired })
}
