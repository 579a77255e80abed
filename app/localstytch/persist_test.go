package localstytch

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	mldiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email"
	emaildiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"

	"stytch-desktop/app/localstytch/store"
)

// flushedState writes the running server's pending changes (the state
// file is written in batches) and returns the file's bytes.
func (e *env) flushedState(path string) string {
	e.t.Helper()
	if err := e.srv.Flush(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	return readState(e.t, path)
}

// readState returns the state file's bytes.
func readState(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read state file: %v", err)
	}
	return string(b)
}

// assertNoSecrets fails if any raw secret occurs in the state file. Only
// the secret's name is printed, never its value.
func assertNoSecrets(t *testing.T, stage, file string, secrets map[string]string) {
	t.Helper()
	for name, v := range secrets {
		if v == "" {
			t.Fatalf("%s: secret %s is empty; the test would prove nothing", stage, name)
		}
		if strings.Contains(file, v) {
			t.Errorf("%s: state file contains the raw %s", stage, name)
		}
	}
}

// assertHashesPresent proves the file really holds the records the secrets
// stand for, so assertNoSecrets is not passing on an unrelated file.
func assertHashesPresent(t *testing.T, stage, file string, tokens map[string]string) {
	t.Helper()
	for name, v := range tokens {
		if !strings.Contains(file, string(store.HashToken(v))) {
			t.Errorf("%s: state file lacks the hash of the %s", stage, name)
		}
	}
}

// messageCount reads GET /emulator/messages without requiring a message.
func (e *env) messageCount() int {
	e.t.Helper()
	resp, err := e.http.Get(e.base + "/emulator/messages")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Messages []Message `json:"messages"`
	}
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET /emulator/messages = %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		e.t.Fatal(err)
	}
	return len(body.Messages)
}

// onServer re-points an email link (minted for an earlier server's port)
// at base, keeping its path and query: what the user's browser would load
// if the restarted emulator came back on a new port.
func onServer(t *testing.T, link, base string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return base + u.RequestURI()
}

func TestStateFileHoldsNoRawSecrets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	clock := newFakeClock()
	e := newEnv(t, Options{Seed: true, StatePath: path, Now: clock.Now})
	secrets := map[string]string{}
	live := map[string]string{} // tokens whose hashed record must be in the file

	// send → redirect hop → discovery authenticate.
	v, c := pkcePair(t)
	if _, err := e.client.MagicLinks.Email.Discovery.Send(ctx(t), &emaildiscovery.SendParams{
		EmailAddress: DemoEmail, PkceCodeChallenge: c,
	}); err != nil {
		t.Fatal(err)
	}
	link := e.latestMessage(DemoEmail).Link
	tok := e.follow(link).Query().Get("token")
	secrets["magic-link token"], secrets["PKCE verifier"], live["magic-link token"] = tok, v, tok
	file := e.flushedState(path)
	assertNoSecrets(t, "after send", file, secrets)
	assertHashesPresent(t, "after send", file, live)
	if !strings.Contains(file, c) {
		t.Error("after send: PKCE challenge not persisted; a link would fail after a restart")
	}

	auth, err := e.client.MagicLinks.Discovery.Authenticate(ctx(t), &mldiscovery.AuthenticateParams{
		DiscoveryMagicLinksToken: tok, PkceCodeVerifier: v,
	})
	if err != nil {
		t.Fatal(err)
	}
	ist := auth.IntermediateSessionToken
	secrets["IST"], live["IST"] = ist, ist

	// An MFA org leaves the IST live (and persisted) for the MFA step.
	mfa, err := e.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: ist, OrganizationID: "fortress",
	})
	if err != nil || mfa.MemberAuthenticated || mfa.IntermediateSessionToken != ist {
		t.Fatalf("exchange into MFA org = %+v, %v", mfa, err)
	}
	file = e.flushedState(path)
	assertNoSecrets(t, "after discovery authenticate", file, secrets)
	assertHashesPresent(t, "after discovery authenticate", file, live)

	// exchange → session.
	x, err := e.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: ist, OrganizationID: "northwind",
	})
	if err != nil || !x.MemberAuthenticated {
		t.Fatalf("exchange = %+v, %v", x, err)
	}
	delete(live, "IST") // consumed; it may be pruned at any time
	secrets["session token"], live["session token"] = x.SessionToken, x.SessionToken
	secrets["session JWT"] = x.SessionJWT
	secrets["session JWT signature"] = x.SessionJWT[strings.LastIndexByte(x.SessionJWT, '.')+1:]

	// sessions.authenticate by token echoes the presented token.
	a, err := e.client.Sessions.Authenticate(ctx(t), &sessions.AuthenticateParams{SessionToken: x.SessionToken})
	if err != nil || a.SessionToken != x.SessionToken || a.SessionJWT == "" {
		t.Fatalf("sessions.authenticate(token) = %+v, %v", a, err)
	}
	secrets["re-issued session JWT"] = a.SessionJWT
	aj, err := e.client.Sessions.Authenticate(ctx(t), &sessions.AuthenticateParams{SessionJWT: x.SessionJWT})
	// Stytch answers a JWT-only call with the session token too; the server
	// keeps it in memory (never on disk) for sessions issued since it started.
	if err != nil || aj.SessionToken != x.SessionToken || aj.MemberSession.MemberSessionID != x.MemberSession.MemberSessionID {
		t.Fatalf("sessions.authenticate(jwt) = %+v, %v", aj, err)
	}
	secrets["JWT from JWT authenticate"] = aj.SessionJWT

	// An unclicked organization login link is persisted too (hashed).
	clock.Advance(2 * time.Second)
	if _, err := e.client.MagicLinks.Email.LoginOrSignup(ctx(t), &email.LoginOrSignupParams{
		OrganizationID: "northwind", EmailAddress: DemoEmail,
	}); err != nil {
		t.Fatal(err)
	}
	orgTok := e.follow(e.latestMessage(DemoEmail).Link).Query().Get("token")
	secrets["org magic-link token"], live["org magic-link token"] = orgTok, orgTok

	file = e.flushedState(path)
	assertNoSecrets(t, "after sessions.authenticate", file, secrets)
	assertHashesPresent(t, "after sessions.authenticate", file, live)

	if err := e.srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	file = readState(t, path)
	assertNoSecrets(t, "after Close", file, secrets)
	assertHashesPresent(t, "after Close", file, live)
	// No outbox: no email link, no message record.
	for _, s := range []string{"/v1/magic_links/redirect", "token=", `"Messages"`, "Your sign-in link", DefaultSecret} {
		if strings.Contains(file, s) {
			t.Errorf("state file contains %q", s)
		}
	}
}

func TestRestartKeepsSessionsAndDeliveredLinks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	clock := newFakeClock()
	e := newEnv(t, Options{Seed: true, StatePath: path, Now: clock.Now})

	// A signed-in session...
	ist := e.discoveryIST(DemoEmail).IntermediateSessionToken
	x, err := e.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: ist, OrganizationID: "northwind",
	})
	if err != nil {
		t.Fatal(err)
	}
	// ...a used link (its token from the redirect)...
	usedLink := e.latestMessage(DemoEmail).Link
	usedTok := e.follow(usedLink).Query().Get("token")
	// ...and a link delivered but not yet used, clicked once before the restart.
	clock.Advance(2 * time.Second)
	v, c := pkcePair(t)
	if _, err := e.client.MagicLinks.Email.Discovery.Send(ctx(t), &emaildiscovery.SendParams{
		EmailAddress: DemoEmail, PkceCodeChallenge: c,
	}); err != nil {
		t.Fatal(err)
	}
	pendingLink := e.latestMessage(DemoEmail).Link
	before := e.follow(pendingLink)
	pendingTok := before.Query().Get("token")
	if err := e.srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	e2 := newEnv(t, Options{Seed: true, StatePath: path, Now: clock.Now})

	// The outbox is memory-only: empty after the restart, via API and HTTP.
	if n := len(e2.srv.Messages()); n != 0 {
		t.Fatalf("Messages() after restart = %d, want 0", n)
	}
	if n := e2.messageCount(); n != 0 {
		t.Fatalf("GET /emulator/messages after restart = %d, want 0", n)
	}

	// The session from before the restart authenticates by token.
	a, err := e2.client.Sessions.Authenticate(ctx(t), &sessions.AuthenticateParams{SessionToken: x.SessionToken})
	if err != nil || a.MemberSession.MemberSessionID != x.MemberSession.MemberSessionID || a.SessionToken != x.SessionToken {
		t.Fatalf("session after restart = %+v, %v", a, err)
	}

	// The pending link's redirect hop works on the new server (looked up by
	// hash) and yields the same token and destination.
	after := e2.follow(onServer(t, pendingLink, e2.base))
	if after.Query().Get("token") != pendingTok || after.Scheme+"://"+after.Host+after.Path != before.Scheme+"://"+before.Host+before.Path ||
		after.Query().Get("stytch_token_type") != kindDiscovery {
		t.Fatalf("redirect after restart = %s, before = %s", after.Redacted(), before.Redacted())
	}
	// Wrong verifier still fails without consuming it; the right one completes the flow.
	wrong, _ := pkcePair(t)
	_, err = e2.client.MagicLinks.Discovery.Authenticate(ctx(t), &mldiscovery.AuthenticateParams{
		DiscoveryMagicLinksToken: pendingTok, PkceCodeVerifier: wrong,
	})
	wantStytchErr(t, err, 400, "pkce_mismatch")
	auth, err := e2.client.MagicLinks.Discovery.Authenticate(ctx(t), &mldiscovery.AuthenticateParams{
		DiscoveryMagicLinksToken: pendingTok, PkceCodeVerifier: v,
	})
	if err != nil {
		t.Fatalf("pending link after restart: %v", err)
	}
	x2, err := e2.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: auth.IntermediateSessionToken, OrganizationID: "northwind",
	})
	if err != nil || !x2.MemberAuthenticated {
		t.Fatalf("exchange after restart = %+v, %v", x2, err)
	}
	if _, err := e2.client.Sessions.Authenticate(ctx(t), &sessions.AuthenticateParams{SessionToken: x2.SessionToken}); err != nil {
		t.Fatalf("new session after restart: %v", err)
	}

	// The used flag survived: the hop still redirects (it never checks),
	// authenticate refuses.
	if got := e2.follow(onServer(t, usedLink, e2.base)).Query().Get("token"); got != usedTok {
		t.Fatal("used link's hop lost its token after restart")
	}
	_, err = e2.client.MagicLinks.Discovery.Authenticate(ctx(t), &mldiscovery.AuthenticateParams{DiscoveryMagicLinksToken: usedTok})
	wantStytchErr(t, err, 401, "unable_to_auth_magic_link")

	// A token that was never issued is still unknown at the hop.
	resp, err := e2.http.Get(e2.base + "/v1/magic_links/redirect?token=" + url.QueryEscape(store.NewToken()))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown token hop = %d, want 404", resp.StatusCode)
	}
}

func TestStateFileMode(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "cfg")
	path := filepath.Join(dir, "state.json")
	e := newEnv(t, Options{Seed: true, StatePath: path})
	checkMode := func(stage string) {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatalf("%s: %v", stage, err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: state file mode = %v, want 0600", stage, fi.Mode().Perm())
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, de := range entries {
			if de.Name() != "state.json" {
				t.Fatalf("%s: leftover file %q next to the state file", stage, de.Name())
			}
		}
	}
	checkMode("after New")
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("created state dir mode = %v, %v, want 0700", fi.Mode().Perm(), err)
	}
	e.discoveryIST(DemoEmail) // several persisting mutations
	if err := e.srv.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkMode("after a flow")
	if err := e.srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkMode("after Close")

	// A file loosened by hand is replaced (temp + rename) by a 0600 one on
	// the next start.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	newEnv(t, Options{StatePath: path})
	checkMode("after restart of a 0644 file")
}

// TestMigrateV1State turns a current state file back into the version-1
// layout (raw tokens as map keys and in Sessions[].Token, plus an outbox)
// and checks that loading it keeps everything working while rewriting the
// file without the raw tokens.
func TestMigrateV1State(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	clock := newFakeClock()
	e := newEnv(t, Options{Seed: true, StatePath: path, Now: clock.Now})
	ist := e.discoveryIST(DemoEmail).IntermediateSessionToken
	x, err := e.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: ist, OrganizationID: "northwind",
	})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Second)
	istLive := e.discoveryIST(DemoEmail).IntermediateSessionToken // unused IST
	clock.Advance(2 * time.Second)
	v, c := pkcePair(t)
	tok := e.discoveryToken(DemoEmail, c) // unused magic link
	if err := e.srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	var doc map[string]any
	if err := json.Unmarshal([]byte(readState(t, path)), &doc); err != nil {
		t.Fatal(err)
	}
	unhash := func(field string, raws ...string) {
		m := doc[field].(map[string]any)
		for _, raw := range raws {
			h := string(store.HashToken(raw))
			rec, ok := m[h]
			if !ok {
				t.Fatalf("%s: no record for hash", field)
			}
			delete(m, h)
			m[raw] = rec
		}
	}
	unhash("MagicTokens", tok)
	unhash("ISTs", istLive)
	sess := doc["Sessions"].(map[string]any)[x.MemberSession.MemberSessionID].(map[string]any)
	delete(sess, "TokenHash")
	sess["Token"] = x.SessionToken
	doc["Messages"] = []any{map[string]any{"ID": "message-test-1", "To": DemoEmail,
		"PathQuery": "/v1/magic_links/redirect?token=" + tok}}
	doc["Version"] = 1
	legacy, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, legacy, 0o600); err != nil {
		t.Fatal(err)
	}

	e2 := newEnv(t, Options{Seed: true, StatePath: path, Now: clock.Now})
	file := readState(t, path) // New saves right after loading
	assertNoSecrets(t, "after migration", file, map[string]string{
		"session token": x.SessionToken, "IST": istLive, "magic-link token": tok})
	assertHashesPresent(t, "after migration", file, map[string]string{
		"session token": x.SessionToken, "IST": istLive, "magic-link token": tok})
	if !strings.Contains(file, `"Version":2`) || strings.Contains(file, `"Messages"`) {
		t.Fatal("migrated file is not version 2 without an outbox")
	}
	if n := len(e2.srv.Messages()); n != 0 {
		t.Fatalf("legacy outbox loaded: %d messages", n)
	}
	if _, err := e2.client.Sessions.Authenticate(ctx(t), &sessions.AuthenticateParams{SessionToken: x.SessionToken}); err != nil {
		t.Fatalf("migrated session: %v", err)
	}
	if _, err := e2.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: istLive, OrganizationID: "northwind",
	}); err != nil {
		t.Fatalf("migrated IST: %v", err)
	}
	if got := e2.follow(e2.base + "/v1/magic_links/redirect?token=" + url.QueryEscape(tok)).Query().Get("token"); got != tok {
		t.Fatal("migrated magic link: hop lost the token")
	}
	if _, err := e2.client.MagicLinks.Discovery.Authenticate(ctx(t), &mldiscovery.AuthenticateParams{
		DiscoveryMagicLinksToken: tok, PkceCodeVerifier: v,
	}); err != nil {
		t.Fatalf("migrated magic link: %v", err)
	}

	// Unknown versions are still refused rather than reset.
	doc["Version"] = 99
	future, _ := json.Marshal(doc)
	bad := filepath.Join(t.TempDir(), "future.json")
	if err := os.WriteFile(bad, future, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{StatePath: bad}); err == nil || !strings.Contains(err.Error(), "unsupported version 99") {
		t.Fatalf("future version: err = %v", err)
	}
}

// With WriteThrough (the app's local mode), an answer is on disk before it
// is sent: a server killed right after minting a session — no Close, no
// flush — still knows the session when started again from its state file.
func TestWriteThroughSurvivesAKill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	clock := newFakeClock()
	e := newEnv(t, Options{Seed: true, StatePath: path, Now: clock.Now, WriteThrough: true})
	ist := e.discoveryIST(DemoEmail).IntermediateSessionToken
	x, err := e.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: ist, OrganizationID: "northwind",
	})
	if err != nil {
		t.Fatal(err)
	}
	// "Killed": a second server reads the file as it is now; the first is
	// never closed before the read.
	e2 := newEnv(t, Options{Seed: true, StatePath: path, Now: clock.Now})
	if _, err := e2.client.Sessions.Authenticate(ctx(t), &sessions.AuthenticateParams{SessionToken: x.SessionToken}); err != nil {
		t.Fatalf("a session answered before the kill is unknown after it: %v", err)
	}
}
