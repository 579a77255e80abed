package stytchclient_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"stytch-desktop/app/deeplink"
	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/signin"
	"stytch-desktop/app/stytchclient"
)

func start(t *testing.T) (*localstytch.Server, string) {
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
	return srv, base
}

func client(t *testing.T, srv *localstytch.Server, base string) *stytchclient.Client {
	t.Helper()
	c, err := stytchclient.New(context.Background(), stytchclient.Config{ProjectID: srv.ProjectID(), Secret: srv.Secret(), BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// linkToken sends nothing itself: it follows the newest email's redirect hop
// and returns the token the app would receive.
func linkToken(t *testing.T, srv *localstytch.Server) string {
	t.Helper()
	msgs := srv.Messages()
	if len(msgs) == 0 {
		t.Fatal("no email sent")
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(msgs[0].Link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	l, err := deeplink.DefaultParser.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatalf("redirect target is not an app link: %v", err)
	}
	return l.Token
}

// RFC 7636 appendix B: the reference S256 pair. Stytch's SDKs compute the
// challenge the same way (base64url without padding of SHA-256 of the verifier).
const (
	rfcVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	rfcChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

func TestPKCEVectorAgainstLocalAPI(t *testing.T) {
	srv, base := start(t)
	c := client(t, srv, base)
	ctx := context.Background()
	send := func() string {
		err := c.SendDiscoveryLink(ctx, signin.DiscoveryLinkRequest{Email: "pkce@example.com", RedirectURL: deeplink.DefaultParser.RedirectURL(), PKCEChallenge: rfcChallenge})
		if err != nil {
			t.Fatal(err)
		}
		return linkToken(t, srv)
	}
	tok := send()
	_, err := c.AuthenticateDiscoveryLink(ctx, tok, "wrong-"+rfcVerifier)
	if k := signin.KindOf(err); k != signin.KindLinkOtherDevice {
		t.Fatalf("wrong verifier: kind %q (%v)", k, err)
	}
	_, err = c.AuthenticateDiscoveryLink(ctx, tok, "")
	if k := signin.KindOf(err); k != signin.KindLinkOtherDevice {
		t.Fatalf("missing verifier: kind %q (%v)", k, err)
	}
	d, err := c.AuthenticateDiscoveryLink(ctx, tok, rfcVerifier)
	if err != nil {
		t.Fatalf("RFC 7636 verifier rejected: %v", err)
	}
	if d.Email != "pkce@example.com" || d.IntermediateSessionToken == "" {
		t.Fatalf("discovery = %+v", d)
	}
}

func TestErrorKinds(t *testing.T) {
	srv, base := start(t)
	c := client(t, srv, base)
	ctx := context.Background()
	const sendPath = "/v1/b2b/magic_links/email/discovery/send"
	send := func(email string) error {
		return c.SendDiscoveryLink(ctx, signin.DiscoveryLinkRequest{Email: email, RedirectURL: deeplink.DefaultParser.RedirectURL()})
	}
	tests := []struct {
		name  string
		fault *localstytch.Fault
		call  func() error
		want  signin.Kind
		retry time.Duration
	}{
		{name: "unknown link token (Stytch's 404 sandbox token)", call: func() error {
			_, err := c.AuthenticateDiscoveryLink(ctx, "CprTtwhnRNiMBiUS2jSLcWYrfuO2POeBNdo5HhW6qTM=", "")
			return err
		}, want: signin.KindLinkNotForApp},
		{name: "token from another project", call: func() error {
			_, err := c.AuthenticateDiscoveryLink(ctx, "another-project-token-0123456789abcdefghijk=", "")
			return err
		}, want: signin.KindLinkNotForApp},
		{name: "used link token", call: func() error {
			if err := send("used@example.com"); err != nil {
				return err
			}
			tok := linkToken(t, srv)
			if _, err := c.AuthenticateDiscoveryLink(ctx, tok, ""); err != nil {
				return err
			}
			_, err := c.AuthenticateDiscoveryLink(ctx, tok, "")
			return err
		}, want: signin.KindLinkExpired},
		{name: "invalid email at Stytch", call: func() error { return send("not an email") }, want: signin.KindInvalidEmail},
		{name: "rate limit header", fault: &localstytch.Fault{Status: 429, ErrorType: "too_many_requests", RetryAfter: 7 * time.Second},
			call: func() error { return send("a@example.com") }, want: signin.KindRateLimited, retry: 7 * time.Second},
		{name: "500", fault: &localstytch.Fault{Status: 500}, call: func() error { return send("a@example.com") }, want: signin.KindNetwork},
		{name: "503", fault: &localstytch.Fault{Status: 503}, call: func() error { return send("a@example.com") }, want: signin.KindNetwork},
		{name: "dropped connection", fault: &localstytch.Fault{Drop: true}, call: func() error { return send("a@example.com") }, want: signin.KindNetwork},
		{name: "malformed JSON", fault: &localstytch.Fault{MalformedJSON: true}, call: func() error { return send("a@example.com") }, want: signin.KindNetwork},
		{name: "unknown extra fields are fine", fault: &localstytch.Fault{ExtraFields: true}, call: func() error { return send("extra@example.com") }, want: ""},
		{name: "unknown intermediate session", call: func() error {
			_, err := c.ExchangeIntermediateSession(ctx, "SeiGwdj5lKkrEVgcEY3QNJXt6srxS3IK2Nwkar6mXD4=", "northwind", 60)
			return err
		}, want: signin.KindIntermediateExpired},
		{name: "unknown session", call: func() error {
			_, err := c.AuthenticateSession(ctx, "mZAYn5aLEqKUlZ_Ad9U_fWr38GaAQ1oFAhT8ds245v7Q", 60)
			return err
		}, want: signin.KindSessionExpired},
		{name: "unknown organization for direct flow", call: func() error {
			_, err := c.SendOrganizationLink(ctx, signin.OrganizationLinkRequest{Organization: "no-such-org", Email: "a@example.com", RedirectURL: deeplink.DefaultParser.RedirectURL()})
			return err
		}, want: signin.KindOrganizationNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.ClearFaults()
			if tt.fault != nil {
				srv.SetFault(sendPath, *tt.fault)
			}
			err := tt.call()
			if got := signin.KindOf(err); got != tt.want {
				t.Fatalf("kind = %q (%v), want %q", got, err, tt.want)
			}
			if tt.retry > 0 && signin.RetryAfterOf(err) != tt.retry {
				t.Fatalf("retry after = %v, want %v", signin.RetryAfterOf(err), tt.retry)
			}
			if err != nil && strings.Contains(err.Error(), srv.Secret()) {
				t.Fatal("error text carries the project secret")
			}
		})
	}
}

func TestWrongCredentials(t *testing.T) {
	srv, base := start(t)
	c, err := stytchclient.New(context.Background(), stytchclient.Config{ProjectID: srv.ProjectID(), Secret: "secret-test-wrong", BaseURL: base})
	if err != nil {
		t.Fatal(err) // JWKS needs no credentials, so construction works
	}
	err = c.SendDiscoveryLink(context.Background(), signin.DiscoveryLinkRequest{Email: "a@example.com", RedirectURL: deeplink.DefaultParser.RedirectURL()})
	if k := signin.KindOf(err); k != signin.KindUnauthorized {
		t.Fatalf("kind = %q (%v)", k, err)
	}
	if strings.Contains(err.Error(), "secret-test-wrong") {
		t.Fatal("secret in error text")
	}
}

func TestOfflineStartStillBuildsClient(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens here now
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // stops the background key fetch
	keysErr := make(chan error, 1)
	c, err := stytchclient.New(ctx, stytchclient.Config{ProjectID: "project-test-x", Secret: "s", BaseURL: "http://" + addr,
		OnKeysError: func(err error) {
			select {
			case keysErr <- err:
			default:
			}
		}})
	if err != nil {
		t.Fatalf("offline start must not fail: %v", err)
	}
	select {
	case err := <-keysErr:
		if strings.Contains(err.Error(), "project-test-x:s") {
			t.Fatalf("key fetch error carries credentials: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the failed key fetch was never reported")
	}
	select {
	case <-c.KeysReady():
		t.Fatal("keys ready with nothing listening")
	default:
	}
	err = c.RevokeSession(context.Background(), "mZAYn5aLEqKUlZ_Ad9U_fWr38GaAQ1oFAhT8ds245v7Q")
	if k := signin.KindOf(err); k != signin.KindNetwork {
		t.Fatalf("kind = %q", k)
	}
}

func TestPKCEVectorMatchesOAuth2(t *testing.T) {
	if got := oauth2.S256ChallengeFromVerifier(rfcVerifier); got != rfcChallenge {
		t.Fatalf("S256(%s) = %s, want %s", rfcVerifier, got, rfcChallenge)
	}
	v := oauth2.GenerateVerifier()
	if len(v) != 43 || strings.ContainsAny(v, "+/=") {
		t.Fatalf("verifier %d chars, want 43 base64url", len(v))
	}
}

// gateTransport holds requests to the JWKS endpoint until open is closed.
type gateTransport struct {
	open chan struct{}
	held chan struct{} // closed when the first JWKS request is being held
	once sync.Once
}

func (g *gateTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.Contains(r.URL.Path, "/sessions/jwks/") {
		g.once.Do(func() { close(g.held) })
		select {
		case <-g.open:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// Start-up must not wait on the network: New returns while the signing keys
// are still on their way, sessions can be signed in and checked remotely
// meanwhile, and the JWT is checked locally once the keys arrive.
func TestKeysAreFetchedInTheBackground(t *testing.T) {
	srv, base := start(t)
	gate := &gateTransport{open: make(chan struct{}), held: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := stytchclient.New(ctx, stytchclient.Config{ProjectID: srv.ProjectID(), Secret: srv.Secret(), BaseURL: base, Transport: gate})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-gate.held: // New returned although the key request is held
	case <-time.After(30 * time.Second):
		t.Fatal("no background key request")
	}
	// A whole sign-in works without the keys.
	a := signInDemo(t, c, srv)
	if _, err := c.AuthenticateSessionJWTLocal(ctx, a.SessionJWT); err == nil {
		t.Fatal("JWT verified locally before the keys arrived")
	}
	if _, err := c.AuthenticateSession(ctx, a.SessionToken, 60); err != nil {
		t.Fatalf("remote session check without keys: %v", err)
	}
	close(gate.open)
	select {
	case <-c.KeysReady():
	case <-time.After(30 * time.Second):
		t.Fatal("keys never became ready")
	}
	ls, err := c.AuthenticateSessionJWTLocal(ctx, a.SessionJWT)
	if err != nil {
		t.Fatalf("JWT not verified once the keys arrived: %v", err)
	}
	if ls.MemberID == "" || ls.OrganizationID == "" {
		t.Fatalf("local session = %+v", ls)
	}
}

// signInDemo runs discovery for demo@example.com into Northwind.
func signInDemo(t *testing.T, c *stytchclient.Client, srv *localstytch.Server) signin.Authentication {
	t.Helper()
	ctx := context.Background()
	if err := c.SendDiscoveryLink(ctx, signin.DiscoveryLinkRequest{Email: "demo@example.com", RedirectURL: deeplink.DefaultParser.RedirectURL(), PKCEChallenge: rfcChallenge}); err != nil {
		t.Fatal(err)
	}
	d, err := c.AuthenticateDiscoveryLink(ctx, linkToken(t, srv), rfcVerifier)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range d.Organizations {
		if o.Slug == "northwind" {
			a, err := c.ExchangeIntermediateSession(ctx, d.IntermediateSessionToken, o.ID, 60)
			if err != nil {
				t.Fatal(err)
			}
			if a.SessionJWT == "" || a.SessionToken == "" {
				t.Fatal("no session JWT or token")
			}
			return a
		}
	}
	t.Fatal("northwind not discovered")
	return signin.Authentication{}
}
