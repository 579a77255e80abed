package signin

import (
	"context"
	"errors"
	"slices"
	"time"

	"golang.org/x/oauth2"

	"stytch-desktop/app/deeplink"
)

// The browser step: "Continue with Google / Microsoft" (OAuth discovery, or
// OAuth into the configured organization) and SSO through the organization's
// identity provider. The app builds Stytch's start URL (starturl.go) with a
// new PKCE pair for every round trip, opens the system browser, and waits for
// the link the browser brings back through the one link door. Only a link of
// the kind this round trip expects, redeemed with its own verifier, completes
// it. Its secret is the verifier (f.browser), kept in memory only: a round
// trip does not outlive the app (the browser's callback token lives minutes).

// BrowserConfig turns on the browser round trips. All three of APIBase,
// PublicToken and Open are needed; the zero value turns them off.
type BrowserConfig struct {
	APIBase        string             // Stytch's API origin the browser goes to (the local API's in local mode)
	PublicToken    string             // the project's public token (public by design)
	OAuthProviders []string           // which "Continue with …" buttons show, e.g. google, microsoft
	Open           func(string) error // opens the system browser (Wails BrowserOpenURL)
	TTL            time.Duration      // how long a round trip may take; default 15 minutes
}

const defaultBrowserTTL = 15 * time.Minute

func (b BrowserConfig) enabled() bool { return b.APIBase != "" && b.PublicToken != "" && b.Open != nil }

func (b BrowserConfig) providers() []string {
	if !b.enabled() {
		return nil
	}
	var out []string
	for _, p := range b.OAuthProviders {
		if slices.Contains(OAuthProviders, p) && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// SSOConnection is one of an organization's SSO connections, as the
// "choose how to sign in" screen lists it.
type SSOConnection struct {
	ID               string `json:"id"`
	DisplayName      string `json:"displayName"`
	IdentityProvider string `json:"identityProvider"`
}

// BrowserView is what the browser screen says is happening.
type BrowserView struct {
	Kind         string    `json:"kind"`                   // "oauth_discovery", "oauth" or "sso"
	Provider     string    `json:"provider,omitempty"`     // oauth: google, microsoft, …
	Connection   string    `json:"connection,omitempty"`   // sso: the connection's display name
	Organization string    `json:"organization,omitempty"` // sso, oauth: the organization's name
	ExpiresAt    time.Time `json:"expiresAt"`              // the round trip is given up after this
}

// browserFlow is the round trip being waited for. verifier is "" while the
// user still chooses among the organization's connections.
type browserFlow struct {
	kind     deeplink.TokenType
	verifier string
	provider string
	org      Organization
	returnTo Screen // where Cancel goes
	// switchingFrom is the signed-in session an SSO switch started from
	// (switch.go): it stays until the new session is stored, then is revoked.
	switchingFrom string
	expiresAt     time.Time
	connection    SSOConnection
}

// StartOAuth opens the system browser at "Continue with <provider>": OAuth
// discovery (the same organization list as an email link follows), or OAuth
// into the configured organization in the direct-organization mode.
func (f *Flows) StartOAuth(ctx context.Context, provider string) error {
	const a, op = ActStartOAuth, "start oauth"
	end, err := f.begin(a)
	if err != nil {
		return err
	}
	defer end()
	if !slices.Contains(f.cfg.Browser.providers(), provider) {
		return f.fail(a, Errorf(op, KindSSOUnavailable, "provider not offered"))
	}
	b := &browserFlow{kind: deeplink.DiscoveryOAuth, provider: provider, returnTo: f.View().Screen}
	if f.cfg.Organization != "" {
		b.kind = deeplink.OAuth
		b.org = Organization{Slug: f.cfg.Organization, Name: f.cfg.Organization}
	}
	return f.openBrowser(a, op, b, func(s startURL) (string, error) {
		if b.kind == deeplink.OAuth {
			return s.oauthOrganization(provider, f.cfg.Organization)
		}
		return s.oauthDiscovery(provider)
	})
}

// StartSSO signs in to an organization through its identity provider:
// organizationID is one of the discovered organizations (or the one waiting
// on needs_more_auth or on the connection choice), connectionID one of its
// connections or "" for its default. With several connections and no
// default, the user is asked which (choosing_sso_connection). In the
// direct-organization mode, organizationID "" means the configured one, at
// its default connection.
func (f *Flows) StartSSO(ctx context.Context, organizationID, connectionID string) error {
	const a, op = ActStartSSO, "start sso"
	end, err := f.begin(a)
	if err != nil {
		return err
	}
	defer end()
	if !f.cfg.Browser.enabled() {
		return f.fail(a, Errorf(op, KindSSOUnavailable, "no public token configured"))
	}
	v := f.View()
	if v.Screen == ScreenSignedOut {
		if f.cfg.Organization == "" || organizationID != "" {
			return f.fail(a, Errorf(op, KindOrganizationNotFound, "no organization to sign in to"))
		}
		org := Organization{Slug: f.cfg.Organization, Name: f.cfg.Organization}
		return f.openSSO(a, op, &browserFlow{kind: deeplink.SSO, org: org, returnTo: ScreenSignedOut}, "")
	}
	var org *Organization
	if v.Organization != nil && v.Organization.ID == organizationID {
		org = v.Organization
	}
	for i := range v.Organizations {
		if org == nil && v.Organizations[i].ID == organizationID {
			org = &v.Organizations[i]
		}
	}
	if org == nil {
		return f.fail(a, E(op, KindOrganizationNotFound, errors.New("not among the discovered organizations")))
	}
	back := ssoReturn{screen: v.Screen}
	f.mu.Lock()
	if b := f.browser; v.Screen == ScreenChoosingSSOConnection && b != nil {
		back = ssoReturn{screen: b.returnTo, switchingFrom: b.switchingFrom}
	}
	f.mu.Unlock()
	return f.ssoStep(a, op, *org, connectionID, back)
}

// ssoReturn is where a cancelled SSO round trip goes back to, and the
// signed-in session it switches from, if any.
type ssoReturn struct {
	screen        Screen
	switchingFrom string
}

// ssoStep starts SSO for org inside action a: at connectionID, at the
// default (or only) connection, or by asking which one.
func (f *Flows) ssoStep(a Action, op string, org Organization, connectionID string, back ssoReturn) error {
	b := &browserFlow{kind: deeplink.SSO, org: org, returnTo: back.screen, switchingFrom: back.switchingFrom}
	if connectionID == "" {
		connectionID = org.SSODefaultConnectionID
		if connectionID == "" && len(org.SSOConnections) == 1 {
			connectionID = org.SSOConnections[0].ID
		}
	}
	if connectionID == "" {
		if len(org.SSOConnections) == 0 {
			return f.fail(a, Errorf(op, KindSSOUnavailable, "the organization has no SSO connection"))
		}
		b.expiresAt = f.now().Add(f.cfg.Browser.TTL)
		f.mu.Lock()
		f.browser = b
		f.mu.Unlock()
		f.update(a, func(v *View) {
			v.Screen = ScreenChoosingSSOConnection
			o := org
			v.Organization = &o
			v.Browser = nil
		})
		return nil
	}
	i := slices.IndexFunc(org.SSOConnections, func(c SSOConnection) bool { return c.ID == connectionID })
	if i < 0 {
		return f.fail(a, Errorf(op, KindSSOUnavailable, "not one of the organization's connections"))
	}
	b.connection = org.SSOConnections[i]
	return f.openSSO(a, op, b, connectionID)
}

func (f *Flows) openSSO(a Action, op string, b *browserFlow, connectionID string) error {
	return f.openBrowser(a, op, b, func(s startURL) (string, error) {
		if connectionID == "" {
			return s.sso("", b.org.Slug) // the configured organization's default connection
		}
		return s.sso(connectionID, "")
	})
}

// openBrowser gives the round trip a new PKCE pair, builds its start URL and
// opens the system browser there. The flow is waited for before the browser
// opens, so even an instant answer finds it.
func (f *Flows) openBrowser(a Action, op string, b *browserFlow, build func(startURL) (string, error)) error {
	b.verifier = oauth2.GenerateVerifier()
	b.expiresAt = f.now().Add(f.cfg.Browser.TTL)
	u, err := build(startURL{api: f.cfg.Browser.APIBase, publicToken: f.cfg.Browser.PublicToken,
		redirect: f.cfg.RedirectURL, challenge: oauth2.S256ChallengeFromVerifier(b.verifier)})
	if err != nil {
		return f.fail(a, E(op, KindSSOUnavailable, err))
	}
	f.mu.Lock()
	f.browser = b
	f.mu.Unlock()
	if err := f.cfg.Browser.Open(u); err != nil {
		f.mu.Lock()
		f.browser = nil
		f.mu.Unlock()
		return f.fail(a, E(op, KindBrowserUnavailable, errors.New("the system browser did not open")))
	}
	bv := &BrowserView{Kind: "sso", Provider: b.provider, Connection: b.connection.DisplayName,
		Organization: b.org.Name, ExpiresAt: b.expiresAt}
	switch b.kind {
	case deeplink.DiscoveryOAuth:
		bv.Kind = "oauth_discovery"
	case deeplink.OAuth:
		bv.Kind = "oauth"
	}
	f.update(a, func(v *View) {
		v.Screen = ScreenBrowser
		v.Browser = bv
	})
	f.log.Info("browser opened", "flow", bv.Kind, "provider", b.provider)
	return nil
}

// CancelBrowser stops waiting for the browser (or for the connection
// choice) and goes back where the user came from. A link from that round
// trip arriving later is answered link_not_requested.
func (f *Flows) CancelBrowser(ctx context.Context) error {
	const a = ActCancelBrowser
	end, err := f.begin(a)
	if err != nil {
		return err
	}
	defer end()
	f.mu.Lock()
	b := f.browser
	f.browser = nil
	hasOrgs := len(f.view.Organizations) > 0 && f.inter != nil
	var rec *sessionRecord
	if f.session != nil {
		rec = f.session.rec
	}
	f.mu.Unlock()
	back := ScreenSignedOut
	if b != nil {
		back = b.returnTo
	}
	if back == ScreenSignedIn && rec != nil {
		// An SSO switch cancelled: the session it started from, as it was
		// (its organization list kept, to pick another).
		f.backToSession(a, rec)
		return nil
	}
	switch back {
	case ScreenSignedOut, ScreenLinkSent, ScreenNeedsMoreAuth, ScreenChoosingOrganization:
	default:
		back = ScreenSignedOut
	}
	if back == ScreenChoosingOrganization && !hasOrgs {
		back = ScreenSignedOut
	}
	f.update(a, func(v *View) {
		v.Screen = back
		v.Browser = nil
		if back != ScreenNeedsMoreAuth {
			v.Organization = nil
		}
	})
	return nil
}

// completeBrowser redeems a link the browser brought back: only while a round
// trip of that kind waits, with that round trip's verifier.
func (f *Flows) completeBrowser(ctx context.Context, a Action, link deeplink.Link) error {
	const op = "complete sign-in"
	f.mu.Lock()
	b := f.browser
	prev := f.view.Screen
	f.mu.Unlock()
	if b == nil || b.verifier == "" || prev != ScreenBrowser {
		return f.fail(a, E(op, KindLinkNotRequested, errors.New("no browser sign-in is waiting")))
	}
	if b.kind != link.TokenType {
		return f.fail(a, Errorf(op, KindLinkNotRequested, "a %s link was not requested", link.TokenType))
	}
	if !f.now().Before(b.expiresAt) {
		return f.fail(a, E(op, KindLinkExpired, errors.New("the browser sign-in took too long")))
	}
	f.update(a, func(v *View) { v.Screen = ScreenCompleting })
	back := func(err error) error {
		f.update(a, func(v *View) { v.Screen = prev })
		return f.fail(a, withOp(op, err))
	}
	done := func() {
		f.mu.Lock()
		if f.browser == b {
			f.browser = nil
		}
		f.mu.Unlock()
	}
	cctx, cancel := f.callCtx(ctx)
	defer cancel()
	switch b.kind {
	case deeplink.DiscoveryOAuth:
		d, err := f.api.AuthenticateDiscoveryOAuth(cctx, link.Token, b.verifier)
		if err != nil {
			return back(err)
		}
		done()
		f.beginIntermediate(d.IntermediateSessionToken)
		f.update(a, func(v *View) {
			v.Screen = ScreenChoosingOrganization
			v.Email = d.Email
			v.Organizations = append([]Organization{}, d.Organizations...)
			v.Browser, v.Organization = nil, nil
		})
		f.log.Info("oauth discovery authenticated", "organizations", len(d.Organizations))
		return nil
	case deeplink.OAuth:
		auth, err := f.api.AuthenticateOAuth(cctx, link.Token, b.verifier, f.sessionMinutes())
		if err != nil {
			return back(err)
		}
		done()
		f.update(a, func(v *View) { v.Browser = nil })
		return f.finish(ctx, a, auth)
	default: // SSO: the intermediate session, if any, adds its factors
		ist := ""
		f.mu.Lock()
		if f.inter != nil && f.now().Before(f.inter.expires) {
			ist = f.inter.token
		}
		f.mu.Unlock()
		auth, err := f.api.AuthenticateSSO(cctx, link.Token, b.verifier, ist, f.sessionMinutes())
		if ist != "" && KindOf(err) == KindIntermediateExpired {
			// It ran out during the identity provider's round trip: SSO
			// alone may still satisfy the organization (our reading: docs/stytch-notes.md, "SSO").
			auth, err = f.api.AuthenticateSSO(cctx, link.Token, b.verifier, "", f.sessionMinutes())
		}
		if err != nil {
			return back(err)
		}
		done()
		f.update(a, func(v *View) { v.Browser = nil })
		if err := f.finish(ctx, a, auth); err != nil {
			return err // stored nowhere: a session switched from stays (not revoked)
		}
		f.revokeSwitchedFrom(b.switchingFrom)
		return nil
	}
}

// ssoOnly reports whether org accepts nothing but SSO and SSO can start.
func (f *Flows) ssoOnly(org Organization) bool {
	return f.cfg.Browser.enabled() && org.SSORequired && len(org.SSOConnections) > 0
}

// continueWithSSO keeps the intermediate session and starts SSO for the
// organization that asked for it, inside action a.
func (f *Flows) continueWithSSO(a Action, auth Authentication) error {
	f.beginIntermediate(auth.IntermediateSessionToken)
	f.mu.Lock()
	returnTo := ScreenSignedOut
	if len(f.view.Organizations) > 0 {
		returnTo = ScreenChoosingOrganization
	}
	f.mu.Unlock()
	org := auth.Organization
	org.SSORequired = true
	return f.ssoStep(a, "start sso", org, "", ssoReturn{screen: returnTo})
}
