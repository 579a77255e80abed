package signin

import (
	"net/url"
	"strings"
	"testing"
)

func TestStartURLs(t *testing.T) {
	good := startURL{api: "https://test.stytch.com", publicToken: "public-token-test-5cd2a2a8-3b8e-4c5b-a0e2-4a2f1d3b2c1a",
		redirect: "stytch-desktop://auth/callback", challenge: strings.Repeat("A", 42) + "-"}
	u, err := good.oauthDiscovery("google")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := url.Parse(u)
	q := p.Query()
	if p.Host != "test.stytch.com" || p.Path != "/v1/b2b/public/oauth/google/discovery/start" || q.Get("public_token") != good.publicToken ||
		q.Get("discovery_redirect_url") != good.redirect || q.Get("pkce_code_challenge") != good.challenge || len(q) != 3 {
		t.Fatalf("discovery start = %s", u)
	}
	u, _ = good.oauthOrganization("microsoft", "acme")
	if p, _ = url.Parse(u); p.Query().Get("slug") != "acme" || p.Query().Get("organization_id") != "" || p.Query().Get("login_redirect_url") != good.redirect {
		t.Fatalf("organization start = %s", u)
	}
	u, _ = good.oauthOrganization("microsoft", "organization-test-07971b06-ac8b-4cdb-9c15-63b17e653931")
	if p, _ = url.Parse(u); p.Query().Get("organization_id") == "" || p.Query().Get("slug") != "" {
		t.Fatalf("organization start by id = %s", u)
	}
	u, _ = good.sso("saml-connection-test-51861cbc-d3b9-428b-9761-227f5fb12be9", "")
	if p, _ = url.Parse(u); p.Path != "/v1/public/sso/start" || p.Query().Get("connection_id") == "" || p.Query().Get("signup_redirect_url") != good.redirect {
		t.Fatalf("sso start = %s", u)
	}
	loop := good
	loop.api = "http://127.0.0.1:8787"
	if _, err := loop.sso("", "umbrella"); err != nil {
		t.Fatalf("local API: %v", err)
	}

	bad := []struct {
		name string
		s    startURL
		f    func(startURL) (string, error)
	}{
		{"http off loopback", startURL{api: "http://stytch.example", publicToken: good.publicToken, redirect: good.redirect, challenge: good.challenge}, nil},
		{"api with path", startURL{api: "https://test.stytch.com/x", publicToken: good.publicToken, redirect: good.redirect, challenge: good.challenge}, nil},
		{"api with query", startURL{api: "https://test.stytch.com?a=b", publicToken: good.publicToken, redirect: good.redirect, challenge: good.challenge}, nil},
		{"javascript api", startURL{api: "javascript:alert(1)", publicToken: good.publicToken, redirect: good.redirect, challenge: good.challenge}, nil},
		{"secret as public token", startURL{api: good.api, publicToken: "secret-test-abc", redirect: good.redirect, challenge: good.challenge}, nil},
		{"short challenge", startURL{api: good.api, publicToken: good.publicToken, redirect: good.redirect, challenge: "abc"}, nil},
		{"padded challenge", startURL{api: good.api, publicToken: good.publicToken, redirect: good.redirect, challenge: strings.Repeat("A", 42) + "="}, nil},
		{"redirect with query", startURL{api: good.api, publicToken: good.publicToken, redirect: good.redirect + "?x=1", challenge: good.challenge}, nil},
		{"unknown provider", good, func(s startURL) (string, error) { return s.oauthDiscovery("myspace") }},
		{"provider path trick", good, func(s startURL) (string, error) { return s.oauthDiscovery("google/../x") }},
		{"org with slash", good, func(s startURL) (string, error) { return s.oauthOrganization("google", "a/b") }},
		{"connection not a connection id", good, func(s startURL) (string, error) { return s.sso("../../admin", "") }},
		{"neither connection nor org", good, func(s startURL) (string, error) { return s.sso("", "") }},
	}
	for _, b := range bad {
		f := b.f
		if f == nil {
			f = func(s startURL) (string, error) { return s.oauthDiscovery("google") }
		}
		if u, err := f(b.s); err == nil {
			t.Errorf("%s: built %s", b.name, u)
		}
	}
}

func FuzzStartURL(f *testing.F) {
	f.Add("google", "acme", "saml-connection-test-51861cbc-d3b9-428b-9761-227f5fb12be9")
	f.Add("x&y=z", "a b", "oidc-connection-test-x")
	s := startURL{api: "https://test.stytch.com", publicToken: "public-token-test-5cd2a2a8-3b8e-4c5b-a0e2-4a2f1d3b2c1a",
		redirect: "stytch-desktop://auth/callback", challenge: strings.Repeat("A", 43)}
	f.Fuzz(func(t *testing.T, provider, org, conn string) {
		for _, build := range []func() (string, error){
			func() (string, error) { return s.oauthDiscovery(provider) },
			func() (string, error) { return s.oauthOrganization(provider, org) },
			func() (string, error) { return s.sso(conn, org) },
		} {
			u, err := build()
			if err != nil {
				continue
			}
			p, err := url.Parse(u)
			if err != nil || p.Scheme != "https" || p.Host != "test.stytch.com" || p.User != nil || p.Fragment != "" {
				t.Fatalf("built %q", u)
			}
			q := p.Query()
			if q.Get("public_token") != s.publicToken || q.Get("pkce_code_challenge") != s.challenge || len(q["public_token"]) != 1 {
				t.Fatalf("parameters of %q", u)
			}
		}
	})
}
