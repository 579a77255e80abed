// Package sessiontest gives tests real member sessions from the local
// Stytch-compatible API, obtained the way the app obtains them: a discovery
// magic link sent and authenticated through the real stytch-go client, the
// email's redirect hop followed over HTTP, then an organization created (its
// creator holds stytch_admin) or entered (a plain stytch_member).
//
// It is imported by tests only; it lives outside a _test file so the
// packages that use sessions (accesstoken, exampleapi, the CLI) share it.
package sessiontest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	discoveryorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	mldiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/discovery"
	emaildiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/config"

	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/stytcherr"
)

// API is a running local API and a stytch-go client for it.
type API struct {
	Server *localstytch.Server
	Base   string
	SC     *stytch.DefaultClient
}

// Start runs a seeded local API on 127.0.0.1 for the test's lifetime.
func Start(t testing.TB, opts localstytch.Options) *API {
	t.Helper()
	opts.Seed = true
	srv, err := localstytch.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	sc := stytch.New(srv.ProjectID(), srv.Secret())
	sc.Config.BaseURI = config.BaseURI(base)
	// As the app's client: a 429's Retry-After reaches stytcherr.Map.
	sc.HTTPClient = &http.Client{Transport: stytcherr.Transport(http.DefaultTransport)}
	return &API{Server: srv, Base: base, SC: sc}
}

// Sessions is a stytch-go sessions client without signing keys (remote
// calls only).
func (a *API) Sessions() *b2b.SessionsClient {
	return b2b.NewSessionsClient(a.SC, nil, b2b.NewPolicyCache(b2b.NewRBACClient(a.SC)))
}

// Session is a member session: the opaque token and its first JWT.
type Session struct {
	Token, JWT             string
	MemberID, Organization string
	Email                  string
}

var seq atomic.Int64

// Admin signs a fresh address in by creating an organization: its creator
// carries the stytch_admin role.
func (a *API) Admin(t testing.TB) Session {
	t.Helper()
	email, ist := a.discover(t)
	n := seq.Add(1)
	resp, err := b2b.NewDiscoveryClient(a.SC).Organizations.Create(context.Background(), &discoveryorgs.CreateParams{
		IntermediateSessionToken: ist,
		OrganizationName:         fmt.Sprintf("Test Org %d", n),
		OrganizationSlug:         fmt.Sprintf("test-org-%d-%d", time.Now().UnixNano()%1e6, n),
		SessionDurationMinutes:   60,
	})
	if err != nil {
		t.Fatalf("create organization: %v", err)
	}
	return Session{Token: resp.SessionToken, JWT: resp.SessionJWT, MemberID: resp.Member.MemberID,
		Organization: resp.Organization.OrganizationID, Email: email}
}

// Member signs a fresh address in as a plain member of the seeded
// organization slug (added as an active member first).
func (a *API) Member(t testing.TB, slug string) Session {
	t.Helper()
	n := seq.Add(1)
	email := fmt.Sprintf("member%d-%d@example.org", n, time.Now().UnixNano()%1e9)
	m, err := a.Server.AddMember(slug, email)
	if err != nil {
		t.Fatal(err)
	}
	_, ist := a.discoverAs(t, email)
	resp, err := b2b.NewDiscoveryClient(a.SC).IntermediateSessions.Exchange(context.Background(), &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: ist,
		OrganizationID:           m.OrganizationID,
		SessionDurationMinutes:   60,
	})
	if err != nil || resp.SessionToken == "" {
		t.Fatalf("exchange into %s: %v (authenticated %v)", slug, err, resp != nil && resp.MemberAuthenticated)
	}
	return Session{Token: resp.SessionToken, JWT: resp.SessionJWT, MemberID: resp.Member.MemberID,
		Organization: m.OrganizationID, Email: email}
}

func (a *API) discover(t testing.TB) (string, string) {
	n := seq.Add(1)
	return a.discoverAs(t, fmt.Sprintf("admin%d-%d@example.org", n, time.Now().UnixNano()%1e9))
}

// discoverAs sends a discovery link to email, follows its redirect hop and
// authenticates the token: an intermediate session token.
func (a *API) discoverAs(t testing.TB, email string) (string, string) {
	t.Helper()
	ctx := context.Background()
	ml := b2b.NewMagicLinksClient(a.SC)
	if _, err := ml.Email.Discovery.Send(ctx, &emaildiscovery.SendParams{EmailAddress: email}); err != nil {
		t.Fatalf("send discovery link: %v", err)
	}
	var link string
	for _, m := range a.Server.Messages() {
		if m.To == email && m.Link != "" {
			link = m.Link
			break
		}
	}
	if link == "" {
		t.Fatalf("no link emailed to %s", email)
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("token") == "" {
		t.Fatalf("redirect hop answered %d %q", resp.StatusCode, strings.SplitN(resp.Header.Get("Location"), "?", 2)[0])
	}
	auth, err := ml.Discovery.Authenticate(ctx, &mldiscovery.AuthenticateParams{DiscoveryMagicLinksToken: loc.Query().Get("token")})
	if err != nil {
		t.Fatalf("authenticate discovery link: %v", err)
	}
	return email, auth.IntermediateSessionToken
}
