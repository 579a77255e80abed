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

// TestTokenStoresAreCapped: each token store keeps at most its cap,
// evicting the oldest first, also when records were put in the map
// directly; the order queues stay proportional to the live records.
// unqueuedRecords lists live ISTs, sessions and magic-link records missing
// from their insertion-order queue: ones a cap could never evict.
func unqueuedRecords(st *state) []string {
	var out []string
	out = append(out, unqueued("IST", &st.istOrder, st.ISTs)...)
	out = append(out, unqueued("session", &st.sessionOrder, st.Sessions)...)
	return append(out, unqueued("magic link", &st.magicOrder, st.MagicTokens)...)
}

func unqueued[K comparable, V any](what string, f *fifo[K], m map[K]V) []string {
	queued := make(map[K]bool, f.len())
	for _, k := range f.keys[f.head:] {
		queued[k] = true
	}
	var out []string
	for k := range m {
		if !queued[k] {
			out = append(out, fmt.Sprintf("%s %v", what, k))
		}
	}
	return out
}

// TestUnqueuedRecordsSeesABypass: a record put straight into a map is
// reported (so the check that runs after every test can fail).
func TestUnqueuedRecordsSeesABypass(t *testing.T) {
	st := newState()
	st.newIST(&istRecord{ExpiresAt: time.Now().Add(time.Hour)})
	if got := unqueuedRecords(st); len(got) != 0 {
		t.Fatalf("queued IST reported: %v", got)
	}
	st.ISTs["direct"] = &istRecord{}
	if got := unqueuedRecords(st); len(got) != 1 {
		t.Fatalf("unqueuedRecords = %v, want the direct insert", got)
	}
}

func TestTokenStoresAreCapped(t *testing.T) {
	now := time.Now()
	st := newState()
	for i := range maxISTs + 10 {
		st.addIST(tokenHash(fmt.Sprint("ist", i)), &istRecord{ExpiresAt: now.Add(time.Duration(i))})
	}
	if len(st.ISTs) != maxISTs || st.ISTs["ist0"] != nil || st.ISTs["ist9"] != nil || st.ISTs["ist10"] == nil {
		t.Fatalf("ISTs: %d kept; oldest evicted: %v", len(st.ISTs), st.ISTs["ist0"] == nil)
	}
	for i := range maxMagicTokens + 3 {
		st.addMagicToken(tokenHash(fmt.Sprint("ml", i)), &magicTokenRecord{CreatedAt: now.Add(time.Duration(i))})
	}
	if len(st.MagicTokens) != maxMagicTokens || st.MagicTokens["ml2"] != nil || st.MagicTokens["ml3"] == nil {
		t.Fatalf("magic tokens: %d kept", len(st.MagicTokens))
	}
	for i := range maxSessions + 2 {
		id := fmt.Sprint("s", i)
		st.addSession(&sessionRecord{ID: id, TokenHash: tokenHash("h" + id), StartedAt: now.Add(time.Duration(i))})
		st.issued[id] = "raw"
	}
	if len(st.Sessions) != maxSessions || len(st.sessionByToken) != maxSessions || st.Sessions["s1"] != nil ||
		st.Sessions["s2"] == nil || st.issued["s0"] != "" || len(st.issued) != maxSessions {
		t.Fatalf("sessions: %d kept, %d indexed, %d raw tokens", len(st.Sessions), len(st.sessionByToken), len(st.issued))
	}

	// No record bypasses the queues: every test server checks, when its
	// test ends, that each live record is queued (unqueuedRecords), so the
	// caps above apply to everything the handlers made.

	// Consumed ISTs leave at once and the queue does not keep their keys.
	st3 := newState()
	for i := range 100000 {
		tok := fmt.Sprint("tok", i)
		rec := &istRecord{ExpiresAt: now.Add(time.Hour)}
		st3.addIST(hashToken(tok), rec)
		st3.consumeIST(tok, rec)
	}
	if len(st3.ISTs) != 0 || st3.istOrder.len() > 2*len(st3.ISTs)+1024 {
		t.Fatalf("after 100k consumed ISTs: %d live, queue %d", len(st3.ISTs), st3.istOrder.len())
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
		return len(e.srv.st.Sessions), len(e.srv.st.issued), len(e.srv.st.ISTs), len(e.srv.st.MagicTokens), len(e.srv.lastSend)
	}
	if s, r, i, l, n := count(); s != 1 || r != 1 || i != 1 || l != 2 || n != 2 {
		t.Fatalf("before: sessions %d raw %d ists %d links %d sends %d", s, r, i, l, n)
	}
	e.clock.Advance(usedLinkRetention + 2*time.Hour)
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
	n := len(e.srv.st.issued)
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
	for !strings.Contains(readState(t, path), string(hashToken(tok))) {
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
	if !strings.Contains(readState(t, path), string(hashToken(tok2))) {
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
	if !strings.Contains(readState(t, path), string(hashToken(tok))) {
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
