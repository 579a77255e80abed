package localstytch

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// A browser round trip through the public start endpoints and the local
// identity-provider page, driven the way Chromium would: GET the start URL
// (302 to the page), GET the page, POST the form (303 to the app's redirect
// URL with stytch_token_type and token).

type doer func(*http.Request) (*http.Response, error)

// inProcess serves requests without a listener (fuzz targets).
func inProcess(h http.Handler) doer {
	return func(r *http.Request) (*http.Response, error) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Result(), nil
	}
}

var requestIDRe = regexp.MustCompile(`name="request" value="([^"]+)"`)

// startRoundTrip GETs start and returns the identity-provider page request
// id, or the error response when the start endpoint refused.
func startRoundTrip(t testing.TB, do doer, base, start string) (reqID string, refused *http.Response) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+start, nil)
	resp, err := do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", start, err)
	}
	if resp.StatusCode != http.StatusFound {
		return "", resp
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Path != idpPagePath {
		t.Fatalf("start redirected to %q", resp.Header.Get("Location"))
	}
	page, _ := http.NewRequest(http.MethodGet, base+loc.String(), nil)
	presp, err := do(page)
	if err != nil || presp.StatusCode != http.StatusOK {
		t.Fatalf("GET identity-provider page: %v %v", presp, err)
	}
	body, _ := io.ReadAll(presp.Body)
	presp.Body.Close()
	m := requestIDRe.FindSubmatch(body)
	if m == nil || string(m[1]) != loc.Query().Get("request") {
		t.Fatalf("page has no request id matching %q", loc.Query().Get("request"))
	}
	return string(m[1]), nil
}

// chooseAccount posts the page's form and returns the response.
func chooseAccount(t testing.TB, do doer, base string, form url.Values) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+idpPagePath, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := do(req)
	if err != nil {
		t.Fatalf("POST identity-provider page: %v", err)
	}
	return resp
}

// browserRoundTrip runs start → page → choose email and returns the callback URL.
func browserRoundTrip(t testing.TB, do doer, base, start, email string) *url.URL {
	t.Helper()
	id, refused := startRoundTrip(t, do, base, start)
	if refused != nil {
		b, _ := io.ReadAll(refused.Body)
		t.Fatalf("start %s refused: %d %s", start, refused.StatusCode, b)
	}
	resp := chooseAccount(t, do, base, url.Values{"request": {id}, "email": {email}, "action": {"continue"}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("choose account: status %d", resp.StatusCode)
	}
	cb, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return cb
}

func ssoStart(publicToken string, kv ...string) string {
	return ssoStartPath + "?" + query(append([]string{"public_token", publicToken}, kv...)...)
}

func oauthStart(provider, publicToken string, discovery bool, kv ...string) string {
	tail := "/start?"
	if discovery {
		tail = "/discovery/start?"
	}
	return oauthPublicPrefix + provider + tail + query(append([]string{"public_token", publicToken}, kv...)...)
}

func query(kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Add(kv[i], kv[i+1])
	}
	return q.Encode()
}

// envDoer talks to the env's listener without following redirects.
func (e *env) do() doer { return e.http.Do }

// mintRoundTrips gives the fuzz placeholders live callback tokens, issued
// without PKCE for the sandbox member (the sandbox organization gets an SSO
// connection the first time).
func (a *fuzzAPI) mintRoundTrips(t *testing.T) map[string]string {
	t.Helper()
	a.srv.mu.Lock()
	o := a.srv.st.Orgs[sandboxOrgID]
	if len(o.Auth.SSOConnections) == 0 {
		addConnection(o, "Fuzz IdP", "generic", "saml", true, a.srv.clock())
	}
	a.srv.mu.Unlock()
	do := inProcess(hostFixer{a.srv})
	pt := a.srv.PublicToken()
	tok := func(start string) string {
		return browserRoundTrip(t, do, "http://127.0.0.1", start, sandboxEmail).Query().Get("token")
	}
	return map[string]string{
		"$SSO_TOKEN":             tok(ssoStart(pt, "organization_id", sandboxOrgID)),
		"$OAUTH_TOKEN":           tok(oauthStart("google", pt, false, "organization_id", sandboxOrgID)),
		"$DISCOVERY_OAUTH_TOKEN": tok(oauthStart("microsoft", pt, true)),
	}
}

// hostFixer gives in-process requests a loopback Host, as a browser on
// this machine sends (httptest defaults to example.com).
type hostFixer struct{ h http.Handler }

func (f hostFixer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Host = "127.0.0.1"
	f.h.ServeHTTP(w, r)
}
