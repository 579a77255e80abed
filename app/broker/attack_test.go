package broker_test

// Tests of the findings of the adversarial pass (issue 18): each failed
// before its fix.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"stytch-desktop/app/broker"
	"stytch-desktop/app/localstytch"
)

// Made-up intermediate session tokens naming a victim's member id or a
// phone prefix cost the caller (its IP and its made-up tokens), not the
// victim: the victim's real SMS send, TOTP creation and code attempts and
// another member's enrolment with the same prefix still work.
func TestMadeUpTokensDoNotLockOutMembers(t *testing.T) {
	e := newEnv(t, func(c *broker.Config) { c.Limits = broker.DefaultLimits })
	_, fortressMember := e.mfaIST(localstytch.DemoEmail, "fortress")
	time.Sleep(1100 * time.Millisecond)
	_, harborMember := e.mfaIST(localstytch.DemoEmail, "harbor")
	attack := func(path string, body map[string]any, n int) {
		for i := range n {
			body["intermediate_session_token"] = fmt.Sprintf("made-up-ist-%d-%d", time.Now().UnixNano(), i)
			a := e.post(path, body)
			if a.status == 200 {
				t.Fatalf("%s with a made-up token succeeded: %s", path, a.raw)
			}
		}
	}
	attack("/v1/b2b/otps/sms/send", map[string]any{"organization_id": "fortress", "member_id": fortressMember}, 6)
	attack("/v1/b2b/otps/sms/send", map[string]any{"organization_id": "harbor", "member_id": "member-test-x", "mfa_phone_number": "+15555550199"}, 6)
	attack("/v1/b2b/totp", map[string]any{"organization_id": "harbor", "member_id": harborMember}, 6)
	attack("/v1/b2b/otps/sms/authenticate", map[string]any{"organization_id": "fortress", "member_id": fortressMember, "code": "000000"}, 11)

	// The victim, with real intermediate sessions.
	time.Sleep(1100 * time.Millisecond)
	ist, _ := e.mfaIST(localstytch.DemoEmail, "fortress")
	time.Sleep(1100 * time.Millisecond) // one text a second per number
	if a := e.post("/v1/b2b/otps/sms/send", map[string]any{"organization_id": "fortress", "member_id": fortressMember,
		"intermediate_session_token": ist}); a.status != 200 {
		t.Fatalf("the victim's SMS send: %d %s", a.status, a.raw)
	}
	if a := e.post("/v1/b2b/otps/sms/authenticate", map[string]any{"organization_id": "fortress", "member_id": fortressMember,
		"intermediate_session_token": ist, "code": "000000"}); a.status == http.StatusTooManyRequests {
		t.Fatalf("the victim's code attempt: %d %s", a.status, a.raw)
	}
	time.Sleep(1100 * time.Millisecond)
	hist, _ := e.mfaIST(localstytch.DemoEmail, "harbor")
	if a := e.post("/v1/b2b/totp", map[string]any{"organization_id": "harbor", "member_id": harborMember,
		"intermediate_session_token": hist}); a.status != 200 {
		t.Fatalf("the victim's TOTP creation: %d %s", a.status, a.raw)
	}
	// SMS enrolment with the attacked prefix (a new IST: creating a TOTP
	// registration does not block a phone, but keep the steps independent).
	time.Sleep(1100 * time.Millisecond)
	hist2, _ := e.mfaIST(localstytch.DemoEmail, "harbor")
	if a := e.post("/v1/b2b/otps/sms/send", map[string]any{"organization_id": "harbor", "member_id": harborMember,
		"intermediate_session_token": hist2, "mfa_phone_number": "+15555550142"}); a.status != 200 {
		t.Fatalf("SMS enrolment with the attacked prefix: %d %s", a.status, a.raw)
	}
}

// The member limit still holds for real sends: the sixth accepted send for
// one member within the window is refused, whatever its token.
func TestConfirmedSendsStillLimited(t *testing.T) {
	e := newEnv(t, func(c *broker.Config) { c.Limits = broker.Limits{OTPSend: broker.Rate{N: 2, Per: time.Hour}} })
	var member string
	for i := range 3 {
		if i > 0 {
			time.Sleep(1100 * time.Millisecond)
		}
		var ist string
		ist, member = e.mfaIST(localstytch.DemoEmail, "fortress")
		time.Sleep(1100 * time.Millisecond)
		a := e.post("/v1/b2b/otps/sms/send", map[string]any{"organization_id": "fortress", "member_id": member, "intermediate_session_token": ist})
		if i < 2 && a.status != 200 {
			t.Fatalf("send %d: %d %s", i, a.status, a.raw)
		}
		if i == 2 && (a.status != 429 || !containsJSONField(e.logs.String(), "limit", "otp_send_member")) {
			t.Fatalf("third send for one member: %d %s", a.status, a.raw)
		}
	}
}

// One client sending to random addresses of a domain uses up its own share
// of the domain's allowance, not everyone's.
func TestDomainLimitIsPerClient(t *testing.T) {
	e := newEnv(t, func(c *broker.Config) {
		c.Limits = broker.Limits{Domain: broker.Rate{N: 3, Per: time.Hour}}
		c.TrustedProxyHops = 1
	})
	send := func(addr, from string) answer {
		_, ch := pkcePair()
		b, _ := json.Marshal(map[string]any{"email_address": addr, "pkce_code_challenge": ch})
		return e.call("POST", "/v1/b2b/magic_links/email/discovery/send", "application/json", string(b), "X-Forwarded-For", from)
	}
	for i := range 3 {
		if a := send(fmt.Sprintf("random%d@corp.example", i), "198.51.100.7"); a.status != 200 {
			t.Fatalf("attacker send %d: %d %s", i, a.status, a.raw)
		}
	}
	if a := send("random9@corp.example", "198.51.100.7"); a.status != 429 {
		t.Fatalf("attacker over its share: %d %s", a.status, a.raw)
	}
	if a := send("employee@corp.example", "203.0.113.20"); a.status != 200 {
		t.Fatalf("an employee elsewhere after the attack: %d %s", a.status, a.raw)
	}
}

// With an organization allow-list, no answer hands out a session of an
// organization outside it, whatever route produced it: the session is
// revoked at Stytch and the caller gets 403 organization_not_allowed.
func TestSessionsOutsideAllowListAreRevoked(t *testing.T) {
	e := newEnv(t, func(c *broker.Config) {
		c.AllowedOrganizations = []string{"northwind"}
		c.AllowOrganizationCreate = true
	})
	revoked := func(token string) bool {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"session_token": token})
		req, _ := http.NewRequest("POST", e.upstream+"/v1/b2b/sessions/authenticate", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth(e.api.ProjectID(), e.api.Secret())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode == 404
	}
	upstreamToken := func(path string) string {
		var m map[string]any
		_ = json.Unmarshal(e.rec.last(t, path).Resp, &m)
		s, _ := m["session_token"].(string)
		return s
	}

	// Organization creation.
	ist, _ := e.discover("founder@newco.example")
	a := e.post("/v1/b2b/discovery/organizations/create", map[string]any{
		"intermediate_session_token": ist, "organization_name": "New Co", "organization_slug": "new-co"})
	tok := upstreamToken("/v1/b2b/discovery/organizations/create")
	if a.status != 403 || a.str("error_type") != "organization_not_allowed" || tok == "" || strings.Contains(a.raw, tok) {
		t.Fatalf("create outside the list: %d %s", a.status, a.raw)
	}
	if !revoked(tok) {
		t.Fatal("the refused organization's session is still live at Stytch")
	}

	// A magic link into another organization (e.g. an invitation email that
	// Stytch sent directly), authenticated through the broker.
	verifier, challenge := pkcePair()
	b, _ := json.Marshal(map[string]any{"organization_id": "acme", "email_address": localstytch.DemoEmail, "pkce_code_challenge": challenge,
		"login_redirect_url": "stytch-desktop://auth/callback", "signup_redirect_url": "stytch-desktop://auth/callback"})
	req, _ := http.NewRequest("POST", e.upstream+"/v1/b2b/magic_links/email/login_or_signup", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(e.api.ProjectID(), e.api.Secret())
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("minting a link at the upstream: %v %v", err, resp)
	}
	resp.Body.Close()
	a = e.post("/v1/b2b/magic_links/authenticate", map[string]any{"magic_links_token": e.linkToken(localstytch.DemoEmail), "pkce_code_verifier": verifier})
	tok = upstreamToken("/v1/b2b/magic_links/authenticate")
	if a.status != 403 || a.str("error_type") != "organization_not_allowed" || tok == "" {
		t.Fatalf("magic link outside the list: %d %s", a.status, a.raw)
	}
	if !revoked(tok) {
		t.Fatal("the magic link's session is still live at Stytch")
	}
	// Inside the list nothing changes.
	time.Sleep(1100 * time.Millisecond)
	if tok, _, _ := e.signIn(localstytch.DemoEmail, "northwind"); tok == "" || revoked(tok) {
		t.Fatal("an allowed sign-in was refused or revoked")
	}
}

// A slug-only allow-list: the app enters the organization by the id the
// discovery list gave it, on the replica that served the list and on one
// that never saw it; other organizations stay refused by id.
func TestSlugAllowListMatchesIDs(t *testing.T) {
	e := newEnv(t, func(c *broker.Config) { c.AllowedOrganizations = []string{"northwind"} })
	other := &env{t: t, api: e.api, upstream: e.upstream, rec: e.rec}
	other.startBroker(func(c *broker.Config) { c.AllowedOrganizations = []string{"northwind"} })

	ist, orgs := e.discover(localstytch.DemoEmail)
	if len(orgs) != 1 {
		t.Fatalf("discovery lists %d organizations, want northwind only", len(orgs))
	}
	a := e.post("/v1/b2b/discovery/intermediate_sessions/exchange", map[string]any{
		"intermediate_session_token": ist, "organization_id": orgID(t, orgs, "northwind")})
	if a.status != 200 || a.str("session_token") == "" {
		t.Fatalf("exchange by id on the listing replica: %d %s", a.status, a.raw)
	}
	time.Sleep(1100 * time.Millisecond)
	ist, _ = e.discover(localstytch.DemoEmail)
	a = other.post("/v1/b2b/discovery/intermediate_sessions/exchange", map[string]any{
		"intermediate_session_token": ist, "organization_id": orgID(t, orgs, "northwind")})
	if a.status != 200 || a.str("session_token") == "" {
		t.Fatalf("exchange by id on a replica that never saw the list: %d %s", a.status, a.raw)
	}
	// Fortress's id, learned from an unfiltered list, on a fresh replica.
	plain := &env{t: t, api: e.api, upstream: e.upstream, rec: e.rec}
	plain.startBroker()
	time.Sleep(1100 * time.Millisecond)
	ist, all := plain.discover(localstytch.DemoEmail)
	fresh := &env{t: t, api: e.api, upstream: e.upstream, rec: e.rec}
	fresh.startBroker(func(c *broker.Config) { c.AllowedOrganizations = []string{"northwind"} })
	for _, slug := range []string{"fortress", "acme"} {
		a = fresh.post("/v1/b2b/discovery/intermediate_sessions/exchange", map[string]any{
			"intermediate_session_token": ist, "organization_id": orgID(t, all, slug)})
		if a.status != 403 || a.str("error_type") != "organization_not_allowed" || a.str("intermediate_session_token") != "" {
			t.Fatalf("exchange into %s by id: %d %s", slug, a.status, a.raw)
		}
	}
}

// What the domain allow-list checked is what is forwarded; look-alikes that
// Unicode case folding would turn into an allowed domain are refused, and a
// +tag shares its mailbox's per-address allowance.
func TestEmailCheckedIsEmailForwarded(t *testing.T) {
	e := newEnv(t, func(c *broker.Config) {
		c.AllowedEmailDomains = []string{"bank.example", "kiwi.example"}
		c.Limits = broker.Limits{Email: broker.Rate{N: 1, Per: time.Hour}}
	})
	send := func(addr string) answer {
		_, ch := pkcePair()
		return e.post("/v1/b2b/magic_links/email/discovery/send", map[string]any{"email_address": addr, "pkce_code_challenge": ch})
	}
	for _, addr := range []string{"eve@ban\u212A.example", "eve@k\u0130wi.example", "eve@bank.example\u200b", "\u212Aate@bank.example"} {
		e.rec.reset()
		if a := send(addr); a.status != 400 || a.str("error_type") != "invalid_email" || len(e.rec.all()) != 0 {
			t.Fatalf("%q: %d %s (forwarded %d)", addr, a.status, a.raw, len(e.rec.all()))
		}
	}
	if a := send("  Alice+News@Bank.Example "); a.status != 200 {
		t.Fatalf("a plain address: %d %s", a.status, a.raw)
	}
	var fwd map[string]any
	_ = json.Unmarshal(e.rec.last(t, "/v1/b2b/magic_links/email/discovery/send").Body, &fwd)
	if fwd["email_address"] != "alice+news@bank.example" {
		t.Fatalf("forwarded %q, want the checked alice+news@bank.example", fwd["email_address"])
	}
	if a := send("alice+other@bank.example"); a.status != 429 {
		t.Fatalf("another +tag of the same mailbox: %d %s", a.status, a.raw)
	}
}

// Codes are made only on GET, within the client's allowance; IPv6 clients
// are counted by /64.
func TestCodeIssuanceLimited(t *testing.T) {
	e := newOpenEnv(t, func(c *broker.Config) {
		c.Limits = broker.Limits{CodeIssue: broker.Rate{N: 2, Per: time.Hour}}
		c.TrustedProxyHops = 1
	})
	page := func(method, from string) answer {
		tok := fmt.Sprintf("%044d", time.Now().UnixNano())
		return e.call(method, "/open?stytch_token_type=discovery&token="+tok, "", "", "X-Forwarded-For", from)
	}
	for range 3 {
		if a := page("HEAD", "2001:db8:1:2::1"); a.status != 200 {
			t.Fatalf("HEAD: %d", a.status)
		}
	}
	for i, from := range []string{"2001:db8:1:2::1", "2001:db8:1:2:ffff::9"} {
		if a := page("GET", from); !codeRe.MatchString(a.raw) {
			t.Fatalf("GET %d (the HEADs made no code): no code", i)
		}
	}
	a := page("GET", "2001:db8:1:2:abcd::1") // same /64
	if codeRe.MatchString(a.raw) || !strings.Contains(a.raw, "No more sign-in codes can be made from this network") {
		t.Fatalf("third code for one /64: %d %s", a.status, a.raw)
	}
	if a := page("GET", "2001:db8:1:3::1"); !codeRe.MatchString(a.raw) {
		t.Fatal("another /64 got no code")
	}
	if !containsJSONField(e.logs.String(), "limit", "code_issue_ip") {
		t.Fatalf("the log does not name the issuance limit:\n%s", e.logs.String())
	}
}

// Every request counts against its client's limit, refusals included, and
// the log holds bounded values whatever the method or path.
func TestRefusalsLimitedAndLogBounded(t *testing.T) {
	e := newEnv(t, func(c *broker.Config) { c.Limits = broker.Limits{IP: broker.Rate{N: 20, Per: time.Hour}} })
	long := strings.Repeat("X", 20000)
	statuses := map[int]int{}
	for i := range 60 {
		var a answer
		switch i % 3 {
		case 0:
			a = e.call(long, "/v1/b2b/sessions/authenticate", "application/json", "{}")
		case 1:
			a = e.call("POST", "/v1/b2b/organizations/"+long, "application/json", "{}")
		case 2:
			a = e.call("POST", "/v1/b2b/sessions/authenticate", "text/plain", "{}")
		}
		statuses[a.status]++
	}
	if statuses[429] != 40 {
		t.Fatalf("statuses %v: want 20 refusals answered, then 40 × 429", statuses)
	}
	if n := len(e.logs.String()); n > 60*600 {
		t.Fatalf("60 requests wrote %d bytes of log", n)
	}
	if strings.Contains(e.logs.String(), "XXXX") {
		t.Fatal("caller text reached the log")
	}
}

// hungRedis accepts connections and never answers.
func hungRedis(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return "redis://" + ln.Addr().String() + "/0"
}

// A hung Redis costs one timeout, then the broker fails over to its own
// limits at once (sends refused) until a probe finds Redis again; the
// outage has its own metric and label.
func TestHungRedisTripsBreaker(t *testing.T) {
	e := newEnv(t, sharedLimiter(t, hungRedis(t)), func(c *broker.Config) { c.Limits = broker.DefaultLimits })
	ist, member := "made-up", "member-test-x"
	attempt := func() (answer, time.Duration) {
		t0 := time.Now()
		a := e.post("/v1/b2b/otps/sms/authenticate", map[string]any{"organization_id": "fortress", "member_id": member,
			"intermediate_session_token": ist, "code": "123456"})
		return a, time.Since(t0)
	}
	if _, d := attempt(); d > 2500*time.Millisecond {
		t.Fatalf("first call with Redis hung took %v (one timeout expected)", d)
	}
	for i := range 5 {
		if a, d := attempt(); d > 700*time.Millisecond || a.status == 503 { // well under one 1 s timeout
			t.Fatalf("call %d with the breaker open: %v, %d", i, d, a.status)
		}
	}
	_, ch := pkcePair()
	t0 := time.Now()
	a := e.post("/v1/b2b/magic_links/email/discovery/send", map[string]any{"email_address": "a@b.example", "pkce_code_challenge": ch})
	if a.status != 503 || a.str("error_type") != "rate_limiter_unavailable" || time.Since(t0) > 700*time.Millisecond {
		t.Fatalf("send with Redis down: %d %s after %v", a.status, a.raw, time.Since(t0))
	}
	m := get(t, e.ops+"/metrics")
	for _, want := range []string{"stytch_broker_shared_limiter_down 1", "stytch_broker_shared_limiter_breaker_trips_total 1",
		`stytch_broker_rate_limited_total{route="magic_links.email.discovery.send",limit="limiter_unavailable"} 1`} {
		if !contains(m, want) {
			t.Fatalf("metrics lack %s:\n%s", want, m)
		}
	}
	if contains(m, `limit="ip"`) {
		t.Fatalf("the outage is counted as the IP limit:\n%s", m)
	}
}

// After the breaker trips on a stopped Redis, a restarted Redis is used
// again after the cooldown, and the shared limits hold again.
func TestBreakerClosesWhenRedisReturns(t *testing.T) {
	rs := startRedis(t)
	e := newEnv(t, sharedLimiter(t, rs.url), func(c *broker.Config) { c.Limits = broker.DefaultLimits })
	rs.stop()
	_, ch := pkcePair()
	if a := e.post("/v1/b2b/magic_links/email/discovery/send", map[string]any{"email_address": "a@b.example", "pkce_code_challenge": ch}); a.status != 503 {
		t.Fatalf("send with Redis stopped: %d", a.status)
	}
	restartRedis(t, rs)
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, ch := pkcePair()
		a := e.post("/v1/b2b/magic_links/email/discovery/send", map[string]any{"email_address": "a@b.example", "pkce_code_challenge": ch})
		if a.status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sends still refused 15s after Redis returned: %d %s", a.status, a.raw)
		}
		time.Sleep(250 * time.Millisecond)
	}
	if m := get(t, e.ops+"/metrics"); !contains(m, "stytch_broker_shared_limiter_down 0") {
		t.Fatalf("breaker still open:\n%s", m)
	}
}

var _ = context.Background

// Stytch answering a one-time token after the broker's deadline: the caller
// is told upstream_timeout, and its retry with the same token and verifier
// gets the answer Stytch gave (the token is spent upstream), on this
// replica or, through Redis, on another. Another verifier gets nothing.
func TestLateAnswerToOneTimeTokenIsKept(t *testing.T) {
	rs := startRedis(t)
	e := newEnv(t, sharedLimiter(t, rs.url), func(c *broker.Config) { c.UpstreamTimeout = 300 * time.Millisecond })
	other := &env{t: t, api: e.api, upstream: e.upstream, rec: e.rec}
	other.startBroker(sharedLimiter(t, rs.url), func(c *broker.Config) { c.UpstreamTimeout = 300 * time.Millisecond })
	for i, retryAt := range []*env{e, other} {
		addr := fmt.Sprintf("late%d@example.com", i)
		verifier, challenge := pkcePair()
		if a := e.post("/v1/b2b/magic_links/email/discovery/send", map[string]any{"email_address": addr, "pkce_code_challenge": challenge}); a.status != 200 {
			t.Fatalf("send: %d %s", a.status, a.raw)
		}
		token := e.linkToken(addr)
		e.rec.slow("/v1/b2b/magic_links/discovery/authenticate", 600*time.Millisecond)
		body := map[string]any{"discovery_magic_links_token": token, "pkce_code_verifier": verifier}
		if a := e.post("/v1/b2b/magic_links/discovery/authenticate", body); a.status != 504 || a.str("error_type") != "upstream_timeout" {
			t.Fatalf("slow authenticate: %d %s", a.status, a.raw)
		}
		e.rec.slow("", 0)
		time.Sleep(700 * time.Millisecond) // the late answer arrives and is kept
		wrong, _ := pkcePair()
		if a := retryAt.post("/v1/b2b/magic_links/discovery/authenticate", map[string]any{"discovery_magic_links_token": token, "pkce_code_verifier": wrong}); a.status == 200 {
			t.Fatalf("retry with another verifier got the answer: %s", a.raw)
		}
		a := retryAt.post("/v1/b2b/magic_links/discovery/authenticate", body)
		if a.status != 200 || a.str("intermediate_session_token") == "" {
			t.Fatalf("retry %d with the same token and verifier: %d %s", i, a.status, a.raw)
		}
		if a := retryAt.post("/v1/b2b/magic_links/discovery/authenticate", body); a.status == 200 {
			t.Fatalf("the kept answer was given twice: %s", a.raw)
		}
	}
	// A retry while Stytch is still working on the first call (same replica)
	// waits for that call instead of spending nothing but the caller's time
	// on Stytch's "already used".
	verifier, challenge := pkcePair()
	if a := e.post("/v1/b2b/magic_links/email/discovery/send", map[string]any{"email_address": "late9@example.com", "pkce_code_challenge": challenge}); a.status != 200 {
		t.Fatalf("send: %d %s", a.status, a.raw)
	}
	body := map[string]any{"discovery_magic_links_token": e.linkToken("late9@example.com"), "pkce_code_verifier": verifier}
	e.rec.slow("/v1/b2b/magic_links/discovery/authenticate", 450*time.Millisecond)
	if a := e.post("/v1/b2b/magic_links/discovery/authenticate", body); a.status != 504 {
		t.Fatalf("slow authenticate: %d %s", a.status, a.raw)
	}
	if a := e.post("/v1/b2b/magic_links/discovery/authenticate", body); a.status != 200 || a.str("intermediate_session_token") == "" {
		t.Fatalf("retry while the first call runs: %d %s", a.status, a.raw)
	}
}
