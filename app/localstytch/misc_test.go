package localstytch

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/b2bstytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	discoveryorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	mldiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/discovery"
	emaildiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"
)

func TestJWKSAndJWTShape(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	// No auth needed; exact shape.
	resp, err := http.Get(e.base + "/v1/b2b/sessions/jwks/" + e.srv.ProjectID())
	if err != nil {
		t.Fatal(err)
	}
	var jwks map[string]any
	json.NewDecoder(resp.Body).Decode(&jwks)
	resp.Body.Close()
	keys := jwks["keys"].([]any)
	k := keys[0].(map[string]any)
	if resp.StatusCode != 200 || len(keys) != 1 || k["kty"] != "RSA" || k["use"] != "sig" || k["alg"] != "RS256" ||
		!strings.HasPrefix(k["kid"].(string), "jwk-test-") || k["x5tS256"] != "" || jwks["status_code"] != float64(200) {
		t.Fatalf("jwks = %d %v", resp.StatusCode, jwks)
	}
	if ops := k["key_ops"].([]any); len(ops) != 1 || ops[0] != "verify" {
		t.Fatalf("key_ops = %v", ops)
	}
	g, err := e.client.Sessions.GetJWKS(ctx(t), &sessions.GetJWKSParams{ProjectID: e.srv.ProjectID()})
	if err != nil || len(g.Keys) != 1 || g.Keys[0].Kid != k["kid"] {
		t.Fatalf("GetJWKS = %+v, %v", g, err)
	}
	resp, _ = http.Get(e.base + "/v1/b2b/sessions/jwks/project-test-other")
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("other project jwks status = %d", resp.StatusCode)
	}

	ist := e.discoveryIST(DemoEmail).IntermediateSessionToken
	x, err := e.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: ist, OrganizationID: "northwind",
		SessionCustomClaims: map[string]any{"team": "blue", "iss": "ignored", "https://stytch.com/x": 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(x.SessionJWT, ".")
	var header, claims map[string]any
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	cb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	json.Unmarshal(hb, &header)
	json.Unmarshal(cb, &claims)
	if header["alg"] != "RS256" || header["typ"] != "JWT" || header["kid"] != k["kid"] {
		t.Fatalf("header = %v", header)
	}
	aud := claims["aud"].([]any)
	if claims["iss"] != "stytch.com/"+e.srv.ProjectID() || len(aud) != 1 || aud[0] != e.srv.ProjectID() ||
		claims["sub"] != x.MemberID || claims["exp"].(float64)-claims["iat"].(float64) != 300 || claims["nbf"] != claims["iat"] || claims["team"] != "blue" {
		t.Fatalf("claims = %v", claims)
	}
	org := claims["https://stytch.com/organization"].(map[string]any)
	sess := claims["https://stytch.com/session"].(map[string]any)
	if org["slug"] != "northwind" || sess["id"] != x.MemberSession.MemberSessionID || sess["attributes"] == nil {
		t.Fatalf("stytch claims = %v %v", org, sess)
	}
	local, err := e.client.Sessions.AuthenticateJWTLocal(ctx(t), x.SessionJWT, time.Minute, nil)
	if err != nil || local.CustomClaims["team"] != "blue" || local.AuthenticationFactors[0].EmailFactor.EmailAddress != DemoEmail {
		t.Fatalf("local = %+v, %v", local, err)
	}
	// A JWT signed by another emulator instance (other key) is rejected.
	e2 := newEnv(t, Options{Seed: true})
	ist2 := e2.discoveryIST(DemoEmail).IntermediateSessionToken
	x2, err := e2.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{IntermediateSessionToken: ist2, OrganizationID: "northwind"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.Sessions.AuthenticateJWTLocal(ctx(t), x2.SessionJWT, time.Minute, nil); err == nil {
		t.Fatal("foreign JWT accepted locally")
	}
	_, err = e.client.Sessions.Authenticate(ctx(t), &sessions.AuthenticateParams{SessionJWT: x2.SessionJWT})
	wantStytchErr(t, err, 404, "session_not_found")
}

func TestRedirectHopAndMessages(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	_, c := pkcePair(t)
	for _, addr := range []string{"a@example.org", "b@example.org"} {
		if _, err := e.client.MagicLinks.Email.Discovery.Send(ctx(t), &emaildiscovery.SendParams{EmailAddress: addr, PkceCodeChallenge: c}); err != nil {
			t.Fatal(err)
		}
	}
	msgs := e.srv.Messages()
	if len(msgs) != 2 || msgs[0].To != "b@example.org" || msgs[1].To != "a@example.org" {
		t.Fatalf("Messages() newest first = %+v", msgs)
	}
	m := msgs[0]
	if !strings.HasPrefix(m.Link, e.base+"/v1/magic_links/redirect?") || m.TokenType != "discovery" || !strings.HasPrefix(m.ID, "message-test-") || m.SentAt.IsZero() {
		t.Fatalf("message = %+v", m)
	}
	// JSON shape and ?to filter.
	resp, err := http.Get(e.base + "/emulator/messages?to=A@example.org")
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Messages []map[string]any `json:"messages"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if len(body.Messages) != 1 || body.Messages[0]["to"] != "a@example.org" {
		t.Fatalf("filtered = %+v", body)
	}
	for _, k := range []string{"id", "to", "subject", "link", "token_type", "sent_at"} {
		if _, ok := body.Messages[0][k]; !ok {
			t.Errorf("message JSON lacks %q", k)
		}
	}
	loc := e.follow(m.Link)
	if loc.Scheme != "stytch-desktop" || loc.Host != "auth" || loc.Path != "/callback" || loc.Query().Get("stytch_token_type") != "discovery" {
		t.Fatalf("Location = %s", loc)
	}
	// The hop neither consumes nor requires a fresh token; unknown → 404.
	e.follow(m.Link)
	resp, _ = e.http.Get(e.base + "/v1/magic_links/redirect?stytch_token_type=discovery&token=nope")
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("unknown token hop = %d", resp.StatusCode)
	}
}

func TestInboxPage(t *testing.T) {
	e := newEnv(t, Options{})
	if _, err := e.srv.CreateOrganization(`<script>alert(1)</script>`, "xss", OrganizationOptions{EmailJITProvisioning: "RESTRICTED", EmailAllowedDomains: []string{"example.org"}}); err != nil {
		t.Fatal(err)
	}
	// A login email whose subject contains the org name must be escaped.
	st, _ := e.raw("/v1/b2b/magic_links/email/login_or_signup", map[string]any{"organization_id": "xss", "email_address": "x@example.org"})
	if st != 200 {
		t.Fatalf("status %d", st)
	}
	resp, err := http.Get(e.base + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	html := string(b)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || resp.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("inbox %d %v", resp.StatusCode, resp.Header)
	}
	if strings.Contains(html, "<script>alert(1)") || !strings.Contains(html, "&lt;script&gt;") {
		t.Fatal("org name not escaped in inbox")
	}
	link := e.srv.Messages()[0].Link
	if !strings.Contains(html, `href="`+strings.ReplaceAll(link, "&", "&amp;")+`"`) || !strings.Contains(html, "x@example.org") {
		t.Fatalf("inbox lacks clickable link %s:\n%s", link, html)
	}
	// DNS-rebinding guard: foreign Host header refused on the inbox.
	req, _ := http.NewRequest("GET", e.base+"/emulator/messages", nil)
	req.Host = "evil.example:80"
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("foreign host status = %d", resp.StatusCode)
	}
}

func TestMalformedRequests(t *testing.T) {
	e := newEnv(t, Options{})
	tests := []struct {
		name, path string
		body       any
		status     int
		typ        string
	}{
		{"not json", "/v1/b2b/magic_links/email/discovery/send", `{"email_address":`, 400, "invalid_request"},
		{"wrong type", "/v1/b2b/sessions/authenticate", `{"session_token": 5}`, 400, "invalid_request"},
		{"array", "/v1/b2b/sessions/revoke", `[]`, 400, "invalid_request"},
		{"two objects", "/v1/b2b/sessions/revoke", `{}{}`, 400, "invalid_request"},
		{"empty body", "/v1/b2b/magic_links/email/discovery/send", ``, 400, "missing_required_field"},
		{"missing token", "/v1/b2b/magic_links/discovery/authenticate", `{}`, 400, "missing_required_field"},
		{"missing org", "/v1/b2b/discovery/intermediate_sessions/exchange", `{"intermediate_session_token":"x"}`, 400, "missing_required_field"},
		{"bad email", "/v1/b2b/magic_links/email/discovery/send", `{"email_address":"not an email"}`, 400, "invalid_email"},
		{"display name email", "/v1/b2b/magic_links/email/discovery/send", `{"email_address":"Bob <bob@example.org>"}`, 400, "invalid_email"},
		{"too large", "/v1/b2b/magic_links/email/discovery/send", `{"email_address":"` + strings.Repeat("a", 70<<10) + `"}`, 413, "request_body_too_large"},
		{"unknown route", "/v1/b2b/nope", `{}`, 404, "route_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, body := e.raw(tt.path, tt.body)
			if st != tt.status || body["error_type"] != tt.typ || body["status_code"] != float64(tt.status) {
				t.Fatalf("got %d %v, want %d %s", st, body, tt.status, tt.typ)
			}
		})
	}
	st, body := e.raw("/v1/b2b/magic_links/email/discovery/send", `{}`)
	if st != 400 || body["error_message"] != "email_address is required." {
		t.Fatalf("missing email message = %v", body)
	}
}

func TestFaults(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	const path = "/v1/b2b/magic_links/email/discovery/send"
	send := func(addr string) error {
		_, err := e.client.MagicLinks.Email.Discovery.Send(ctx(t), &emaildiscovery.SendParams{EmailAddress: addr})
		return err
	}

	t.Run("status with retry-after, times", func(t *testing.T) {
		e.srv.SetFault(path, Fault{Status: 429, RetryAfter: 1500 * time.Millisecond, Times: 1})
		req, _ := http.NewRequest("POST", e.base+path, strings.NewReader(`{"email_address":"f1@example.org"}`))
		req.SetBasicAuth(e.srv.ProjectID(), e.srv.Secret())
		resp, err := e.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
			t.Fatalf("fault = %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		if err := send("f1@example.org"); err != nil { // Times:1 used up; not rate limited (not processed)
			t.Fatal(err)
		}
	})
	t.Run("error type", func(t *testing.T) {
		e.srv.SetFault(path, Fault{Status: 503, ErrorType: "internal_server_error", Times: 2})
		wantStytchErr(t, send("f2@example.org"), 503, "internal_server_error")
		wantStytchErr(t, send("f2@example.org"), 503, "internal_server_error")
		if err := send("f2@example.org"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("drop", func(t *testing.T) {
		e.srv.SetFault(path, Fault{Drop: true, Times: 1})
		err := send("f3@example.org")
		var se stytcherror.Error
		if err == nil || errors.As(err, &se) {
			t.Fatalf("drop err = %v", err)
		}
	})
	t.Run("malformed json", func(t *testing.T) {
		e.srv.SetFault(path, Fault{MalformedJSON: true})
		err := send("f4@example.org")
		if err == nil {
			t.Fatal("malformed body accepted")
		}
		e.srv.ClearFaults()
		if err := send("f4@example.org"); err != nil {
			t.Fatalf("after ClearFaults: %v", err)
		}
	})
	t.Run("latency", func(t *testing.T) {
		e.srv.SetFault("*", Fault{Latency: 300 * time.Millisecond, Times: 1})
		start := time.Now()
		if err := send("f5@example.org"); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 300*time.Millisecond {
			t.Fatalf("latency %v", d)
		}
		c, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		e.srv.SetFault(path, Fault{Latency: 2 * time.Second, Times: 1})
		if _, err := e.client.MagicLinks.Email.Discovery.Send(c, &emaildiscovery.SendParams{EmailAddress: "f6@example.org"}); err == nil {
			t.Fatal("want ctx timeout")
		}
	})
	t.Run("extra fields", func(t *testing.T) {
		e.srv.SetFault("/v1/b2b/magic_links/discovery/authenticate", Fault{ExtraFields: true})
		a := e.discoveryIST("f7@example.org")
		if a.IntermediateSessionToken == "" {
			t.Fatal("extra fields broke decoding")
		}
		_, body := e.raw("/v1/b2b/magic_links/discovery/authenticate", map[string]any{"discovery_magic_links_token": sandboxTokenOK})
		if _, ok := body["emulator_unknown_field"]; !ok {
			t.Fatalf("no extra field: %v", body)
		}
	})
	t.Run("http api", func(t *testing.T) {
		post := func(ct, body string) int {
			req, _ := http.NewRequest("POST", e.base+"/emulator/faults", strings.NewReader(body))
			req.Header.Set("Content-Type", ct)
			resp, err := e.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if st := post("text/plain", `{"path":"*","status":500}`); st != 400 {
			t.Fatalf("text/plain accepted: %d", st)
		}
		if st := post("application/json", `{"path":"/emulator/messages","status":500}`); st != 400 {
			t.Fatalf("non-/v1 path accepted: %d", st)
		}
		if st := post("application/json", `{"path":"`+path+`","status":500,"error_type":"internal_server_error"}`); st != 200 {
			t.Fatalf("set fault: %d", st)
		}
		wantStytchErr(t, send("f8@example.org"), 500, "internal_server_error")
		req, _ := http.NewRequest("DELETE", e.base+"/emulator/faults", nil)
		resp, err := e.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if err := send("f8@example.org"); err != nil {
			t.Fatalf("after DELETE: %v", err)
		}
	})
}

func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "state.json")
	clock := newFakeClock()
	e := newEnv(t, Options{Seed: true, StatePath: path, Now: clock.Now})
	e.clock = clock
	ist := e.discoveryIST(DemoEmail).IntermediateSessionToken
	x, err := e.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{IntermediateSessionToken: ist, OrganizationID: "northwind"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Second)
	if _, err := e.client.MagicLinks.Email.Discovery.Send(ctx(t), &emaildiscovery.SendParams{EmailAddress: DemoEmail}); err != nil {
		t.Fatal(err)
	}
	pendingTok := e.follow(e.latestMessage(DemoEmail).Link).Query().Get("token")
	if err := e.srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file %v perm %v", err, fi.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), DefaultSecret) {
		t.Fatal("state file contains the project secret")
	}

	// Restart on the same file (seed again must not duplicate orgs).
	e2 := newEnv(t, Options{Seed: true, StatePath: path, Now: clock.Now})
	a, err := e2.client.Sessions.Authenticate(ctx(t), &sessions.AuthenticateParams{SessionToken: x.SessionToken})
	if err != nil || a.MemberSession.MemberSessionID != x.MemberSession.MemberSessionID {
		t.Fatalf("session after restart = %+v, %v", a, err)
	}
	if _, err := e2.client.Sessions.AuthenticateJWTLocal(ctx(t), x.SessionJWT, time.Minute, nil); err != nil {
		t.Fatalf("old JWT with persisted key: %v", err)
	}
	if _, err := e2.client.MagicLinks.Discovery.Authenticate(ctx(t), &mldiscovery.AuthenticateParams{DiscoveryMagicLinksToken: pendingTok}); err != nil {
		t.Fatalf("pending link after restart: %v", err)
	}
	if n := len(e2.srv.Messages()); n != 0 { // the outbox is memory-only
		t.Fatalf("messages after restart = %+v", e2.srv.Messages())
	}
	clock.Advance(2 * time.Second)
	l, err := e2.client.Discovery.Organizations.List(ctx(t), &discoveryorgs.ListParams{SessionToken: x.SessionToken})
	if err != nil || len(l.DiscoveredOrganizations) != 7 { // northwind, acme (invited), fortress, vault, harbor, globex, umbrella
		t.Fatalf("orgs after restart = %d, %v", len(l.DiscoveredOrganizations), err)
	}

	// A corrupt state file is an error, not silently discarded.
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{nope"), 0o600)
	if _, err := New(Options{StatePath: bad}); err == nil {
		t.Fatal("corrupt state accepted")
	}
}

// TestConcurrentFlows runs 200 complete discovery flows in parallel through
// the real SDK: every flow must get exactly its own email and session.
func TestConcurrentFlows(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- oneFlow(t, e, i)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := len(e.srv.Messages()); got != n {
		t.Fatalf("messages = %d, want %d", got, n)
	}
}

// oneFlow runs in its own goroutine, so it reports errors instead of
// calling t.Fatal.
func oneFlow(t testing.TB, e *env, i int) error {
	c := context.Background()
	addr := fmt.Sprintf("user%d@example.com", i) // all eligible for example-co
	v, ch := pkcePair(t)
	if _, err := e.client.MagicLinks.Email.Discovery.Send(c, &emaildiscovery.SendParams{EmailAddress: addr, PkceCodeChallenge: ch}); err != nil {
		return fmt.Errorf("%s send: %w", addr, err)
	}
	var link string
	for _, m := range e.srv.Messages() {
		if m.To == addr {
			if link != "" {
				return fmt.Errorf("%s: two emails", addr)
			}
			link = m.Link
		}
	}
	if link == "" {
		return fmt.Errorf("%s: email lost", addr)
	}
	resp, err := e.http.Get(link)
	if err != nil {
		return err
	}
	resp.Body.Close()
	req, _ := http.NewRequest("GET", resp.Header.Get("Location"), nil)
	tok := req.URL.Query().Get("token")
	a, err := e.client.MagicLinks.Discovery.Authenticate(c, &mldiscovery.AuthenticateParams{DiscoveryMagicLinksToken: tok, PkceCodeVerifier: v})
	if err != nil {
		return fmt.Errorf("%s authenticate: %w", addr, err)
	}
	if a.EmailAddress != addr {
		return fmt.Errorf("cross-talk: %s got IST for %s", addr, a.EmailAddress)
	}
	var x *intermediatesessions.ExchangeResponse
	var slug string
	if i%2 == 0 {
		x, err = e.client.Discovery.IntermediateSessions.Exchange(c, &intermediatesessions.ExchangeParams{IntermediateSessionToken: a.IntermediateSessionToken, OrganizationID: "example-co"})
		slug = "example-co"
	} else {
		slug = fmt.Sprintf("org-%d", i)
		var cr *discoveryorgs.CreateResponse
		cr, err = e.client.Discovery.Organizations.Create(c, &discoveryorgs.CreateParams{IntermediateSessionToken: a.IntermediateSessionToken, OrganizationName: slug, OrganizationSlug: slug})
		if err == nil {
			x = &intermediatesessions.ExchangeResponse{SessionToken: cr.SessionToken, SessionJWT: cr.SessionJWT}
		}
	}
	if err != nil {
		return fmt.Errorf("%s exchange/create: %w", addr, err)
	}
	s, err := e.client.Sessions.Authenticate(c, &sessions.AuthenticateParams{SessionToken: x.SessionToken})
	if err != nil {
		return fmt.Errorf("%s session: %w", addr, err)
	}
	if s.Member.EmailAddress != addr || s.Organization.OrganizationSlug != slug {
		return fmt.Errorf("cross-talk: %s/%s got %s/%s", addr, slug, s.Member.EmailAddress, s.Organization.OrganizationSlug)
	}
	if _, err := e.client.Sessions.AuthenticateJWTLocal(c, s.SessionJWT, time.Minute, nil); err != nil {
		return fmt.Errorf("%s jwt: %w", addr, err)
	}
	if _, err := e.client.Sessions.Revoke(c, &sessions.RevokeParams{SessionJWT: s.SessionJWT}); err != nil {
		return fmt.Errorf("%s revoke: %w", addr, err)
	}
	return nil
}

// TestNewClientNeedsJWKS documents why the server must be up before
// b2bstytchapi.NewClient: it fetches JWKS at construction.
func TestNewClientNeedsJWKS(t *testing.T) {
	srv, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Close(context.Background())
	if _, err := b2bstytchapi.NewClient(srv.ProjectID(), srv.Secret(), b2bstytchapi.WithBaseURI(base)); err == nil {
		t.Fatal("NewClient succeeded against a stopped server")
	}
}
