package store

import (
	"fmt"
	"sort"
	"time"
)

// Bounds on everything the local API keeps, so a long-running local mode
// (or a benchmark) cannot grow without limit. Expired records are swept
// at most every sweepEvery; on top of that each token store has a hard cap
// that evicts its OLDEST record first, in O(1) through an insertion-order
// queue. The caps are far above what a person signing in produces; they
// only matter under load.
const (
	// MaxMagicTokens caps magic-link token records. Used and expired ones
	// are kept for UsedLinkRetention so a late click still gets Stytch's 401
	// ("already used or expired") rather than a 404; past the cap the
	// oldest go first (a click on such a link then reads as unknown).
	MaxMagicTokens    = 20000
	UsedLinkRetention = 24 * time.Hour
	// MaxISTs caps intermediate sessions (10-minute lifetime; consumed
	// ones are deleted at once).
	MaxISTs = 10000
	// MaxSessions caps member sessions; past it the oldest session is
	// revoked, like a server-side session limit.
	MaxSessions = 50000
)

// fifo is an insertion-order queue of keys. Keys deleted from their map by
// other paths stay in it until they reach the front or a compaction.
type fifo[K comparable] struct {
	keys []K
	head int
}

func (f *fifo[K]) push(k K) { f.keys = append(f.keys, k) }

func (f *fifo[K]) len() int { return len(f.keys) - f.head }

func (f *fifo[K]) pop() (K, bool) {
	var zero K
	if f.head >= len(f.keys) {
		return zero, false
	}
	k := f.keys[f.head]
	f.keys[f.head] = zero
	f.head++
	if f.head > 1024 && f.head*2 > len(f.keys) {
		f.keys = append([]K(nil), f.keys[f.head:]...)
		f.head = 0
	}
	return k, true
}

// compactIfStale rebuilds the queue from the live keys when it holds many
// more keys than the map (most deleted by other paths), keeping it O(live).
func compactIfStale[K comparable, V any](f *fifo[K], m map[K]V) {
	if f.len() <= 2*len(m)+1024 {
		return
	}
	live := make([]K, 0, len(m))
	for _, k := range f.keys[f.head:] {
		if _, ok := m[k]; ok {
			live = append(live, k)
		}
	}
	f.keys, f.head = live, 0
}

// rebuildOrders recreates the queues from the maps after a load, oldest
// first. At run time every record enters through the store's add* helpers
// (addSession, addMagicToken, newIST), which queue it.
func (st *State) rebuildOrders() {
	st.magicOrder = orderBy(st.MagicTokens, func(t *MagicToken) time.Time { return t.CreatedAt })
	st.istOrder = orderBy(st.ISTs, func(i *IST) time.Time { return i.ExpiresAt })
	st.sessionOrder = orderBy(st.Sessions, func(s *Session) time.Time { return s.StartedAt })
}

func orderBy[K comparable, V any](m map[K]V, at func(V) time.Time) fifo[K] {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.SliceStable(keys, func(i, j int) bool { return at(m[keys[i]]).Before(at(m[keys[j]])) })
	return fifo[K]{keys: keys}
}

// evictOldest pops the queue, deleting popped keys that are still in the
// map, until the map is within limit.
func evictOldest[K comparable, V any](f *fifo[K], m map[K]V, limit int, del func(K)) {
	for len(m) > limit {
		k, ok := f.pop()
		if !ok {
			return
		}
		if _, live := m[k]; live {
			del(k)
		}
	}
	compactIfStale(f, m)
}

func (st *State) enforceMagicCap() {
	evictOldest(&st.magicOrder, st.MagicTokens, MaxMagicTokens,
		func(k TokenHash) { delete(st.MagicTokens, k) })
}

func (st *State) enforceISTCap() {
	evictOldest(&st.istOrder, st.ISTs, MaxISTs,
		func(k TokenHash) { delete(st.ISTs, k) })
}

func (st *State) enforceSessionCap() {
	evictOldest(&st.sessionOrder, st.Sessions, MaxSessions,
		func(id string) { st.DeleteSession(st.Sessions[id]) })
}

// Sweep deletes what can no longer matter — magic-link and callback-token
// records past their retention, used or expired ISTs, expired sessions —
// and compacts the eviction queues. It is O(records): callers run it
// rarely. It reports whether anything was deleted.
func (st *State) Sweep(now time.Time) bool {
	changed := false
	for h, t := range st.MagicTokens {
		if now.Sub(t.ExpiresAt) > UsedLinkRetention {
			delete(st.MagicTokens, h)
			changed = true
		}
	}
	for h, t := range st.IdPTokens {
		if now.Sub(t.ExpiresAt) > UsedLinkRetention {
			delete(st.IdPTokens, h)
			changed = true
		}
	}
	for h, i := range st.ISTs {
		if i.Used || !now.Before(i.ExpiresAt) {
			delete(st.ISTs, h)
			changed = true
		}
	}
	for _, sess := range st.Sessions {
		if !now.Before(sess.ExpiresAt) {
			st.DeleteSession(sess)
			changed = true
		}
	}
	compactIfStale(&st.magicOrder, st.MagicTokens)
	compactIfStale(&st.istOrder, st.ISTs)
	compactIfStale(&st.sessionOrder, st.Sessions)
	return changed
}

// Unqueued lists live ISTs, sessions and magic-link records missing from
// their insertion-order queue — ones a cap could never evict. Every record
// enters through the add helpers, so this is empty; the local API's tests
// check it after each test server.
func (st *State) Unqueued() []string {
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
