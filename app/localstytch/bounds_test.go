package localstytch

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"

	"stytch-desktop/app/localstytch/store"
)

// serveLoopback sends one request through ServeHTTP with a loopback Host.
func serveLoopback(s *Server, method, target, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Host = "127.0.0.1"
	req.SetBasicAuth(s.ProjectID(), s.Secret())
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

// TestOutboxIsABoundedRing: the outbox keeps the newest maxMessages emails,
// newest first; ?to= and ?limit= filter it; a link that left the outbox
// still works (its token record is separate).
func TestOutboxIsABoundedRing(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	addr := func(i int) string { return fmt.Sprintf("ring%04d@example.org", i) }
	const extra = 5
	var firstLink string
	for i := range maxMessages + extra {
		rec := serveLoopback(s, "POST", "/v1/b2b/magic_links/email/discovery/send", `{"email_address":"`+addr(i)+`"}`)
		if rec.Code != 200 {
			t.Fatalf("send %d = %d %s", i, rec.Code, rec.Body)
		}
		if i == 0 {
			firstLink = s.Messages()[0].Link
		}
	}
	msgs := s.Messages()
	if len(msgs) != maxMessages {
		t.Fatalf("outbox holds %d, want %d", len(msgs), maxMessages)
	}
	if msgs[0].To != addr(maxMessages+extra-1) || msgs[len(msgs)-1].To != addr(extra) {
		t.Fatalf("order: newest %s, oldest %s", msgs[0].To, msgs[len(msgs)-1].To)
	}
	for i := 1; i < len(msgs); i++ {
		if msgs[i].SentAt.After(msgs[i-1].SentAt) {
			t.Fatalf("not newest first at %d", i)
		}
	}
	get := func(q string) (int, []Message) {
		rec := serveLoopback(s, "GET", "/emulator/messages"+q, "")
		var body struct{ Messages []Message }
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		return rec.Code, body.Messages
	}
	if st, m := get("?to=" + url.QueryEscape(strings.ToUpper(addr(700)))); st != 200 || len(m) != 1 || m[0].To != addr(700) {
		t.Fatalf("?to= = %d %v", st, m)
	}
	if st, m := get("?to=" + addr(0)); st != 200 || len(m) != 0 {
		t.Fatalf("evicted message still listed: %d %v", st, m)
	}
	if st, m := get("?limit=3"); st != 200 || len(m) != 3 || m[0].To != msgs[0].To {
		t.Fatalf("?limit=3 = %d %v", st, m)
	}
	for _, bad := range []string{"?limit=0", "?limit=-1", "?limit=x", fmt.Sprintf("?limit=%d", maxMessages+1)} {
		if st, _ := get(bad); st != 400 {
			t.Errorf("%s = %d, want 400", bad, st)
		}
	}
	// The first email left the outbox; its link still redirects.
	u, _ := url.Parse(firstLink)
	rec := serveLoopback(s, "GET", u.RequestURI(), "")
	if rec.Code != http.StatusFound {
		t.Fatalf("evicted message's link = %d", rec.Code)
	}
}

// TestSweepDropsExpiredRecords: expired sessions (with their in-memory raw
// token), ISTs, magic-link records past their retention and stale send
// times go at the next sweep.
func TestSweepDropsExpiredRecords(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	ist := e.discoveryIST(DemoEmail).IntermediateSessionToken
	x, err := e.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: ist, OrganizationID: "northwind", SessionDurationMinutes: 5})
	if err != nil {
		t.Fatal(err)
	}
	e.discoveryIST("other@example.org") // a live IST left unused
	count := func() (sess, raw, ists, links, sends int) {
		e.srv.mu.Lock()
		defer e.srv.mu.Unlock()
		return len(e.srv.st.Sessions), len(e.srv.st.Issued), len(e.srv.st.ISTs), len(e.srv.st.MagicTokens), len(e.srv.lastSend)
	}
	if s, r, i, l, n := count(); s != 1 || r != 1 || i != 1 || l != 2 || n != 2 {
		t.Fatalf("before: sessions %d raw %d ists %d links %d sends %d", s, r, i, l, n)
	}
	e.clock.Advance(store.UsedLinkRetention + 2*time.Hour)
	e.discoveryToken("late@example.org", "") // a send triggers the sweep
	if s, r, i, l, n := count(); s != 0 || r != 0 || i != 0 || l != 1 || n != 1 {
		t.Fatalf("after: sessions %d raw %d ists %d links %d sends %d (want 0 0 0 1 1)", s, r, i, l, n)
	}
	_, err = e.client.Sessions.Authenticate(ctx(t), &sessions.AuthenticateParams{SessionToken: x.SessionToken})
	wantStytchErr(t, err, 404, "session_not_found")
}

// TestRevokeForgetsRawToken: the in-memory raw session token (kept only to
// answer JWT-only sessions.authenticate) leaves with the session.
func TestRevokeForgetsRawToken(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	ist := e.discoveryIST(DemoEmail).IntermediateSessionToken
	x, err := e.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{IntermediateSessionToken: ist, OrganizationID: "northwind"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.Sessions.Revoke(ctx(t), &sessions.RevokeParams{SessionToken: x.SessionToken}); err != nil {
		t.Fatal(err)
	}
	e.srv.mu.Lock()
	n := len(e.srv.st.Issued)
	e.srv.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d raw session tokens kept after revoke", n)
	}
}

// TestStateWrittenInBackground: without Flush or Close, a change reaches
// the state file by itself (the batched writer), and Close writes what is
// still pending. The generous deadline is a hang guard, not a timing check.
func TestStateWrittenInBackground(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e := newEnv(t, Options{Seed: true, StatePath: path})
	tok := e.discoveryToken("bg@example.org", "")
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(readState(t, path), string(store.HashToken(tok))) {
		if time.Now().After(deadline) {
			t.Fatal("the background writer never saved the new link")
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.clock.Advance(2 * time.Second)
	tok2 := e.discoveryToken("bg@example.org", "")
	if err := e.srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(readState(t, path), string(store.HashToken(tok2))) {
		t.Fatal("Close did not write the pending change")
	}
	if err := e.srv.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// TestFailedBackgroundWriteIsRetried: a write that fails (the state
// directory replaced by a plain file, which fails even for root) leaves the
// state dirty; once the directory is back, Flush saves the change.
func TestFailedBackgroundWriteIsRetried(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cfg")
	path := filepath.Join(dir, "state.json")
	e := newEnv(t, Options{StatePath: path})
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	tok := e.discoveryToken("retry@example.org", "")
	if err := e.srv.Flush(context.Background()); err == nil {
		t.Fatal("Flush into a missing directory succeeded")
	}
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(readState(t, path), string(store.HashToken(tok))) {
		t.Fatal("change lost after a failed write")
	}
}

// TestConcurrentClaimsAndSaves runs sessions.authenticate with custom
// claims on one session from many goroutines while the state writer saves:
// under -race this proves responses and saves never read a map a handler
// is writing (claims are replaced, not mutated).
func TestConcurrentClaimsAndSaves(t *testing.T) {
	e := newEnv(t, Options{Seed: true, StatePath: filepath.Join(t.TempDir(), "state.json")})
	ist := e.discoveryIST(DemoEmail).IntermediateSessionToken
	x, err := e.client.Discovery.IntermediateSessions.Exchange(ctx(t), &intermediatesessions.ExchangeParams{IntermediateSessionToken: ist, OrganizationID: "northwind"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				_, err := e.client.Sessions.Authenticate(context.Background(), &sessions.AuthenticateParams{
					SessionToken: x.SessionToken, SessionCustomClaims: map[string]any{fmt.Sprint("k", g): i}})
				if err != nil {
					t.Error(err)
					return
				}
				_ = e.srv.Flush(context.Background())
			}
		}()
	}
	wg.Wait()
	a, err := e.client.Sessions.Authenticate(ctx(t), &sessions.AuthenticateParams{SessionToken: x.SessionToken})
	if err != nil || len(a.MemberSession.CustomClaims) != 8 {
		t.Fatalf("claims = %v, %v", a.MemberSession.CustomClaims, err)
	}
}
