package store

import (
	"fmt"
	"testing"
	"time"
)

// unqueuedRecords lists live ISTs, sessions and magic-link records missing
// from their insertion-order queue: ones a cap could never evict.
func unqueuedRecords(st *State) []string { return st.Unqueued() }

// TestUnqueuedRecordsSeesABypass: a record put straight into a map is
// reported (so the check that runs after every test can fail).
func TestUnqueuedRecordsSeesABypass(t *testing.T) {
	st := New()
	st.NewIST(&IST{ExpiresAt: time.Now().Add(time.Hour)})
	if got := unqueuedRecords(st); len(got) != 0 {
		t.Fatalf("queued IST reported: %v", got)
	}
	st.ISTs["direct"] = &IST{}
	if got := unqueuedRecords(st); len(got) != 1 {
		t.Fatalf("unqueuedRecords = %v, want the direct insert", got)
	}
}

// TestTokenStoresAreCapped: each token store keeps at most its cap,
// evicting the oldest first; the order queues stay proportional to the live
// records.
func TestTokenStoresAreCapped(t *testing.T) {
	now := time.Now()
	st := New()
	for i := range MaxISTs + 10 {
		st.AddIST(TokenHash(fmt.Sprint("ist", i)), &IST{ExpiresAt: now.Add(time.Duration(i))})
	}
	if len(st.ISTs) != MaxISTs || st.ISTs["ist0"] != nil || st.ISTs["ist9"] != nil || st.ISTs["ist10"] == nil {
		t.Fatalf("ISTs: %d kept; oldest evicted: %v", len(st.ISTs), st.ISTs["ist0"] == nil)
	}
	for i := range MaxMagicTokens + 3 {
		st.AddMagicToken(TokenHash(fmt.Sprint("ml", i)), &MagicToken{CreatedAt: now.Add(time.Duration(i))})
	}
	if len(st.MagicTokens) != MaxMagicTokens || st.MagicTokens["ml2"] != nil || st.MagicTokens["ml3"] == nil {
		t.Fatalf("magic tokens: %d kept", len(st.MagicTokens))
	}
	for i := range MaxSessions + 2 {
		id := fmt.Sprint("s", i)
		st.AddSession(&Session{ID: id, TokenHash: TokenHash("h" + id), StartedAt: now.Add(time.Duration(i))})
		st.Issued[id] = "raw"
	}
	if len(st.Sessions) != MaxSessions || len(st.SessionByToken) != MaxSessions || st.Sessions["s1"] != nil ||
		st.Sessions["s2"] == nil || st.Issued["s0"] != "" || len(st.Issued) != MaxSessions {
		t.Fatalf("sessions: %d kept, %d indexed, %d raw tokens", len(st.Sessions), len(st.SessionByToken), len(st.Issued))
	}

	// No record bypasses the queues: every test server checks, when its
	// test ends, that each live record is queued (State.Unqueued), so the
	// caps above apply to everything the handlers made.

	// Consumed ISTs leave at once and the queue does not keep their keys.
	st3 := New()
	for i := range 100000 {
		tok := fmt.Sprint("tok", i)
		rec := &IST{ExpiresAt: now.Add(time.Hour)}
		st3.AddIST(HashToken(tok), rec)
		st3.ConsumeIST(tok, rec)
	}
	if len(st3.ISTs) != 0 || st3.istOrder.len() > 2*len(st3.ISTs)+1024 {
		t.Fatalf("after 100k consumed ISTs: %d live, queue %d", len(st3.ISTs), st3.istOrder.len())
	}
}
