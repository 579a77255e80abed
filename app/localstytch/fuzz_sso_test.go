package localstytch

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// Fuzz targets for the browser-facing SSO/OAuth round trip: the start
// endpoints' query strings and the identity-provider page's form. Both take
// input from any web page the user's browser visits, so whatever arrives
// they answer a 302 to the page / a 303 to an allow-listed redirect URL, or
// a 4xx — never a 5xx, never a redirect elsewhere.

func newRoundTripFuzzServer(t testing.TB) *Server {
	t.Helper()
	srv, err := New(Options{Seed: true, Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func serveLocal(srv *Server, r *http.Request) *httptest.ResponseRecorder {
	r.Host = "127.0.0.1"
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, r)
	return rec
}

var startPaths = []string{
	ssoStartPath,
	oauthPublicPrefix + "google/discovery/start",
	oauthPublicPrefix + "microsoft/start",
}

// FuzzPublicStart sends each input as the raw query string of every start
// endpoint.
func FuzzPublicStart(f *testing.F) {
	pt := DefaultPublicToken
	_, c := pkcePair(f)
	for _, s := range []string{
		"public_token=" + pt + "&organization_id=umbrella&pkce_code_challenge=" + c,
		"public_token=" + pt + "&slug=northwind&login_redirect_url=" + url.QueryEscape(appRedirect),
		"public_token=" + pt + "&discovery_redirect_url=" + url.QueryEscape(appRedirect) + "&provider_prompt=select_account",
		"public_token=" + pt + "&connection_id=saml-connection-test-x&organization_id=globex",
		"public_token=%zz&organization_id=%00",
		"public_token=" + pt + "&public_token=" + pt,
		"public_token=" + pt + "&organization_id=umbrella&login_redirect_url=javascript:alert(1)",
		"public_token=" + pt + "&organization_id=" + strings.Repeat("a", 5000),
		";;;&&&==",
		"",
	} {
		f.Add(s)
	}
	srv := newRoundTripFuzzServer(f)
	f.Fuzz(func(t *testing.T, rawQuery string) {
		for _, p := range startPaths {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.URL.Path, req.URL.RawQuery = p, rawQuery
			rec := serveLocal(srv, req)
			switch {
			case rec.Code == http.StatusFound:
				loc, err := url.Parse(rec.Header().Get("Location"))
				if err != nil || loc.Path != idpPagePath || loc.Host != "" || loc.Query().Get("request") == "" {
					t.Fatalf("%s?%q: redirect to %q", p, rawQuery, rec.Header().Get("Location"))
				}
			case rec.Code >= 400 && rec.Code < 500:
				var body map[string]any
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body["error_type"] == "" ||
					body["status_code"] != float64(rec.Code) {
					t.Fatalf("%s?%q: %d %q", p, rawQuery, rec.Code, rec.Body.Bytes())
				}
			default:
				t.Fatalf("%s?%q: status %d", p, rawQuery, rec.Code)
			}
		}
	})
}

// FuzzIdPForm posts each input as the identity-provider page's form body
// (the placeholder $REQ becomes a live request id).
func FuzzIdPForm(f *testing.F) {
	for _, s := range []string{
		"request=$REQ&account=demo%40example.com&action=continue",
		"request=$REQ&email=someone%40example.com&name=Some+One",
		"request=$REQ&action=cancel",
		"request=$REQ&email=%00%0a%40x&name=%c2%85",
		"request=$REQ&request=other&email=a%40b.co",
		"request=nope&account=demo%40example.com",
		"request=$REQ&email=" + strings.Repeat("a", 300) + "%40example.com",
		"%zz",
		"",
	} {
		f.Add(s)
	}
	srv := newRoundTripFuzzServer(f)
	pt := srv.PublicToken()
	starts := []string{
		ssoStart(pt, "organization_id", "umbrella"),
		oauthStart("google", pt, true),
		oauthStart("microsoft", pt, false, "slug", "northwind", "signup_redirect_url", "http://localhost:3000/authenticate"),
	}
	allowed := append([]string(nil), DefaultRedirectURLs...)
	f.Fuzz(func(t *testing.T, form string) {
		for _, st := range starts {
			rec := serveLocal(srv, httptest.NewRequest(http.MethodGet, st, nil))
			if rec.Code != http.StatusFound {
				t.Fatalf("start %s: %d", st, rec.Code)
			}
			loc, _ := url.Parse(rec.Header().Get("Location"))
			body := strings.ReplaceAll(form, "$REQ", url.QueryEscape(loc.Query().Get("request")))
			req := httptest.NewRequest(http.MethodPost, idpPagePath, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec = serveLocal(srv, req)
			switch {
			case rec.Code == http.StatusSeeOther:
				cb, err := url.Parse(rec.Header().Get("Location"))
				if err != nil {
					t.Fatal(err)
				}
				q := cb.Query()
				base := cb.Scheme + "://" + cb.Host + cb.Path
				if !slices.Contains(allowed, base) || !reToken.MatchString(q.Get("token")) ||
					!slices.Contains([]string{kindSSO, kindOAuth, kindDiscoveryOAuth}, q.Get("stytch_token_type")) {
					t.Fatalf("form %q: redirect to %q", form, cb)
				}
			case rec.Code == http.StatusOK, rec.Code >= 400 && rec.Code < 500:
				if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") && ct != "application/json" {
					t.Fatalf("form %q: Content-Type %q", form, ct)
				}
			default:
				t.Fatalf("form %q: status %d", form, rec.Code)
			}
		}
	})
}
