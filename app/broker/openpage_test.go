package broker_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"stytch-desktop/app/broker"
	"stytch-desktop/app/broker/brokertest"
	"stytch-desktop/app/localstytch"
)

// openURL is the /open page the test brokers are configured with (the host
// is the company's; the broker does not care which).
const openURL = "https://auth.example.com/open"

const phoneUA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newOpenEnv is a local API that accepts the /open redirect URL, and a
// broker configured with it (plus opts).
func newOpenEnv(t *testing.T, opts ...func(*broker.Config)) *env {
	t.Helper()
	api, err := localstytch.New(localstytch.Options{Seed: true, RedirectURLs: []string{openURL}})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{next: api}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	e := &env{t: t, api: api, upstream: srv.URL, rec: rec}
	e.startBroker(append([]func(*broker.Config){func(c *broker.Config) { c.RedirectURL = openURL }}, opts...)...)
	return e
}

var codeRe = regexp.MustCompile(`id="code"><span aria-hidden="true">([A-Z0-9]{4}-[A-Z0-9]{4})</span>`)

// openPage sends a discovery link through the broker, clicks it (the local
// API's hop answers with the /open URL) and opens that page on the broker
// with userAgent. It returns the page, the link's token and the verifier.
func (e *env) openPage(addr, userAgent string) (page answer, token, verifier string) {
	e.t.Helper()
	verifier, challenge := pkcePair()
	if a := e.post("/v1/b2b/magic_links/email/discovery/send", map[string]any{"email_address": addr, "pkce_code_challenge": challenge}); a.status != 200 {
		e.t.Fatalf("send: %d %s", a.status, a.raw)
	}
	var link string
	for _, m := range e.api.Messages() {
		if m.To == addr {
			link = m.Link
			break
		}
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(link)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc == nil || loc.Scheme+"://"+loc.Host+loc.Path != openURL {
		e.t.Fatalf("the hop redirects to %q, want the /open page", resp.Header.Get("Location"))
	}
	return e.page(loc.RawQuery, userAgent), loc.Query().Get("token"), verifier
}

func (e *env) page(rawQuery, userAgent string) answer {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.url+"/open?"+rawQuery, nil)
	req.Header.Set("User-Agent", userAgent)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
}

func pageCode(t *testing.T, a answer) string {
	t.Helper()
	m := codeRe.FindStringSubmatch(a.raw)
	if a.status != 200 || m == nil {
		t.Fatalf("/open: %d without a code", a.status)
	}
	return m[1]
}

func redeem(t *testing.T, base, code, challenge string) answer {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"code": code, "pkce_code_challenge": challenge})
	return do(t, base, http.MethodPost, "/open/redeem", "application/json", string(b))
}

func TestOpenPageCodeSignsInOnce(t *testing.T) {
	e := newOpenEnv(t)
	page, token, verifier := e.openPage("demo@example.com", phoneUA)
	code := pageCode(t, page)

	// The page: strict CSP, one inline script by nonce, nothing from elsewhere.
	csp := page.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'nonce-") || strings.Contains(csp, "unsafe") {
		t.Fatalf("CSP %q", csp)
	}
	if strings.Contains(page.raw, "src=") || strings.Count(page.raw, "<script") != 1 || strings.Contains(page.raw, "http://") || strings.Contains(page.raw, "https://") {
		t.Fatal("the page loads something from elsewhere")
	}
	// The token is only in the Open link's href, never shown as text.
	if n := strings.Count(page.raw, token); n != 1 || !strings.Contains(page.raw, `href="stytch-desktop://auth/callback?`) {
		t.Fatalf("token appears %d times; want once, in the app link", n)
	}

	_, challenge := pkcePair()
	a := redeem(t, e.url, strings.ToLower(strings.ReplaceAll(code, "-", " ")), challenge)
	if a.status != 200 || a.str("token") != token || a.str("stytch_token_type") != "discovery" {
		t.Fatalf("redeem: %d %s", a.status, a.raw)
	}
	if a.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("redeem answers with CORS headers")
	}
	// The app authenticates the token with its own verifier.
	if got := e.post("/v1/b2b/magic_links/discovery/authenticate", map[string]any{
		"discovery_magic_links_token": a.str("token"), "pkce_code_verifier": verifier}); got.status != 200 {
		t.Fatalf("authenticate: %d %s", got.status, got.raw)
	}
	// Single use.
	if a := redeem(t, e.url, code, challenge); a.status != 400 || a.str("error_type") != "code_invalid" {
		t.Fatalf("second redeem: %d %s", a.status, a.raw)
	}
	logs := e.logs.String()
	if msg := brokertest.CheckLog(logs, e.api.Secret()); msg != "" {
		t.Fatal(msg)
	}
	for _, s := range []string{code, strings.ReplaceAll(code, "-", ""), token} {
		if strings.Contains(logs, s) {
			t.Fatal("a code or token is in the access log")
		}
	}
	if !strings.Contains(logs, `"route":"open.page"`) || !strings.Contains(logs, `"route":"open.redeem"`) {
		t.Fatalf("page and redeem not logged:\n%s", logs)
	}
}

func TestOpenPageExpiresAfterFiveMinutes(t *testing.T) {
	clk := &testClock{t: time.Now()}
	e := newOpenEnv(t, func(c *broker.Config) { c.Now = clk.Now })
	page, _, _ := e.openPage("demo@example.com", phoneUA)
	code := pageCode(t, page)
	clk.Advance(5 * time.Minute)
	_, challenge := pkcePair()
	if a := redeem(t, e.url, code, challenge); a.status != 400 || a.str("error_type") != "code_invalid" {
		t.Fatalf("redeem after 5 minutes: %d %s", a.status, a.raw)
	}
}

// Guessing codes is limited per client IP (whatever the flows and codes),
// per pending flow, and per code.
func TestOpenRedeemBruteForceIsLimited(t *testing.T) {
	e := newOpenEnv(t, func(c *broker.Config) {
		c.Limits.CodeIP = broker.Rate{N: 8, Per: 10 * time.Minute}
		c.Limits.Code = broker.Rate{N: 3, Per: 5 * time.Minute}
	})
	guess := func(code string) answer { _, ch := pkcePair(); return redeem(t, e.url, code, ch) }
	// Per code: the same code from fresh flows.
	for i := range 3 {
		if a := guess("ZZZZ-ZZZZ"); a.status != 400 {
			t.Fatalf("guess %d: %d %s", i, a.status, a.raw)
		}
	}
	if a := guess("ZZZZ-ZZZZ"); a.status != 429 || a.header.Get("Retry-After") == "" {
		t.Fatalf("4th try of one code: %d %s", a.status, a.raw)
	}
	// Per flow: one challenge, different codes.
	_, ch := pkcePair()
	for _, c := range []string{"AAAA-AAAA", "BBBB-BBBB", "CCCC-CCCC"} {
		if a := redeem(t, e.url, c, ch); a.status != 400 {
			t.Fatalf("flow guess: %d %s", a.status, a.raw)
		}
	}
	if a := redeem(t, e.url, "DDDD-DDDD", ch); a.status != 429 {
		t.Fatalf("4th guess of one flow: %d %s", a.status, a.raw)
	}
	// Per IP: 8 attempts in all have been made; every flow and code is now refused.
	if a := guess("EEEE-EEEE"); a.status != 429 || a.str("error_type") != "too_many_requests" {
		t.Fatalf("9th attempt from one IP: %d %s", a.status, a.raw)
	}
	logs := e.logs.String()
	for _, l := range []string{"code_attempt_code", "code_attempt_flow", "code_attempt_ip"} {
		if !strings.Contains(logs, `"limit":"`+l+`"`) {
			t.Fatalf("limit %s not logged", l)
		}
	}
	if m := get(t, e.ops+"/metrics"); !contains(m, `stytch_broker_rate_limited_total{route="open.redeem",limit="code_attempt_ip"}`) {
		t.Fatalf("metrics:\n%s", m)
	}
}

func TestOpenRedeemRefusesWhatIsNotARedeem(t *testing.T) {
	e := newOpenEnv(t)
	_, ch := pkcePair()
	for _, c := range []struct {
		method, ctype, body string
		want                int
	}{
		{"OPTIONS", "", "", 405},
		{"GET", "", "", 405},
		{"POST", "text/plain", `{"code":"ABCD-EFGH","pkce_code_challenge":"` + ch + `"}`, 400},
		{"POST", "application/json", `{"code":"ABCD-EFGH"}`, 400},
		{"POST", "application/json", `{"code":"ABCD-EFGH","pkce_code_challenge":"` + ch + `","x":1}`, 400},
		{"POST", "application/json", `{"code":"0000-1111","pkce_code_challenge":"` + ch + `"}`, 400},
	} {
		a := e.call(c.method, "/open/redeem", c.ctype, c.body, "Origin", "https://evil.example")
		if a.status != c.want || a.header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("%s %s %s: %d %s", c.method, c.ctype, c.body, a.status, a.raw)
		}
	}
	// A page for a link that is not a sign-in link: 400, no code made.
	if a := e.page("stytch_token_type=discovery&token=%3Cscript%3E", phoneUA); a.status != 400 || codeRe.MatchString(a.raw) || strings.Contains(a.raw, "<script>") {
		t.Fatalf("bad link page: %d", a.status)
	}
	// Without an /open redirect URL the broker serves no page.
	plain := newEnv(t)
	if a := plain.call("GET", "/open?stytch_token_type=discovery&token=x", "", ""); a.status != 404 {
		t.Fatalf("/open on a scheme-redirect broker: %d", a.status)
	}
}

// Two replicas share codes through Redis: a code shown by one is redeemed
// at the other, once; at rest Redis holds neither the code nor the token.
func TestOpenCodesSharedAcrossReplicas(t *testing.T) {
	rs := startRedis(t)
	a := newOpenEnv(t, sharedLimiter(t, rs.url))
	b := &env{t: t, api: a.api, upstream: a.upstream, rec: a.rec}
	b.startBroker(func(c *broker.Config) { c.RedirectURL = openURL }, sharedLimiter(t, rs.url))

	page, token, _ := a.openPage("demo@example.com", phoneUA)
	code := pageCode(t, page)

	opt, _ := redis.ParseURL(rs.url)
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	keys, err := rdb.Keys(context.Background(), "stytch-broker:open-code:*").Result()
	if err != nil || len(keys) != 1 {
		t.Fatalf("redis code keys: %v %v", keys, err)
	}
	val, _ := rdb.Get(context.Background(), keys[0]).Result()
	bare := strings.ReplaceAll(code, "-", "")
	if strings.Contains(keys[0], bare) || strings.Contains(val, token) || strings.Contains(val, bare) {
		t.Fatal("the code or token is readable in Redis")
	}
	if ttl := rdb.PTTL(context.Background(), keys[0]).Val(); ttl <= 0 || ttl > 5*time.Minute {
		t.Fatalf("code TTL in Redis: %v", ttl)
	}

	_, ch := pkcePair()
	if got := redeem(t, b.url, code, ch); got.status != 200 || got.str("token") != token {
		t.Fatalf("redeem at the other replica: %d %s", got.status, got.raw)
	}
	if got := redeem(t, a.url, code, ch); got.status != 400 || got.str("error_type") != "code_invalid" {
		t.Fatalf("second redeem at the first replica: %d %s", got.status, got.raw)
	}
	// Redis down: the page still opens the app (no code), redeem says so.
	rs.stop()
	down := a.page("stytch_token_type=discovery&token="+strings.Repeat("Q", 44), "Mozilla/5.0 (X11; Linux x86_64)")
	if down.status != 200 || codeRe.MatchString(down.raw) || !strings.Contains(down.raw, "Sign-in codes are unavailable right now") {
		t.Fatalf("page with Redis down: %d %s", down.status, down.raw)
	}
	if !containsJSONField(a.logs.String(), "error_type", "code_unavailable") {
		t.Fatalf("the access log does not say the code was unavailable:\n%s", a.logs.String())
	}
	if got := redeem(t, a.url, code, ch); got.status != 503 || got.str("error_type") != "code_store_unavailable" {
		t.Fatalf("redeem with Redis down: %d %s", got.status, got.raw)
	}
}
