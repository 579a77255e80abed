package localstytch

import (
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
	// maxMagicTokens caps magic-link token records. Used and expired ones
	// are kept for usedLinkRetention so a late click still gets Stytch's 401
	// ("already used or expired") rather than a 404; past the cap the
	// oldest go first (a click on such a link then reads as unknown).
	maxMagicTokens    = 20000
	usedLinkRetention = 24 * time.Hour
	// maxISTs caps intermediate sessions (10-minute lifetime; consumed
	// ones are deleted at once).
	maxISTs = 10000
	// maxSessions caps member sessions; past it the oldest session is
	// revoked, like a server-side session limit.
	maxSessions = 50000
	// maxRateLimitEntries caps the per-address send-time map.
	maxRateLimitEntries = 20000

	sweepEvery = 30 * time.Second
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
func (st *state) rebuildOrders() {
	st.magicOrder = orderBy(st.MagicTokens, func(t *magicTokenRecord) time.Time { return t.CreatedAt })
	st.istOrder = orderBy(st.ISTs, func(i *istRecord) time.Time { return i.ExpiresAt })
	st.sessionOrder = orderBy(st.Sessions, func(s *sessionRecord) time.Time { return s.StartedAt })
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

func (st *state) enforceMagicCap() {
	evictOldest(&st.magicOrder, st.MagicTokens, maxMagicTokens,
		func(k tokenHash) { delete(st.MagicTokens, k) })
}

func (st *state) enforceISTCap() {
	evictOldest(&st.istOrder, st.ISTs, maxISTs,
		func(k tokenHash) { delete(st.ISTs, k) })
}

func (st *state) enforceSessionCap() {
	evictOldest(&st.sessionOrder, st.Sessions, maxSessions,
		func(id string) { st.deleteSession(st.Sessions[id]) })
}

// sweepLocked deletes what can no longer matter — magic-link records past
// their retention, used or expired ISTs, expired sessions, stale send
// times — at most once per sweepEvery (or at once when the rate-limit map
// is over its cap). It is O(records), so it runs rarely rather than per
// request. Caller holds s.mu.
func (s *Server) sweepLocked(now time.Time) {
	st := s.st
	if now.Sub(st.lastSweep) < sweepEvery && now.After(st.lastSweep) && len(s.lastSend) <= maxRateLimitEntries {
		return
	}
	st.lastSweep = now
	changed := false
	for h, t := range st.MagicTokens {
		if now.Sub(t.ExpiresAt) > usedLinkRetention {
			delete(st.MagicTokens, h)
			changed = true
		}
	}
	for h, t := range st.IdPTokens {
		if now.Sub(t.ExpiresAt) > usedLinkRetention {
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
			st.deleteSession(sess)
			changed = true
		}
	}
	if changed {
		s.persistLocked()
	}
	for k, t := range s.lastSend {
		if now.Sub(t) > emailSendMinInterval {
			delete(s.lastSend, k)
		}
	}
	compactIfStale(&st.magicOrder, st.MagicTokens)
	compactIfStale(&st.istOrder, st.ISTs)
	compactIfStale(&st.sessionOrder, st.Sessions)
}
