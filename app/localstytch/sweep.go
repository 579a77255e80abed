package localstytch

import "time"

const (
	// maxRateLimitEntries caps the per-address send-time map.
	maxRateLimitEntries = 20000

	sweepEvery = 30 * time.Second
)

// sweepLocked deletes what can no longer matter — the store's dead records
// (store.State.Sweep) and stale send times — at most once per sweepEvery (or
// at once when the rate-limit map is over its cap). It is O(records), so it
// runs rarely rather than per request. Caller holds s.mu.
func (s *Server) sweepLocked(now time.Time) {
	if now.Sub(s.lastSweep) < sweepEvery && now.After(s.lastSweep) && len(s.lastSend) <= maxRateLimitEntries {
		return
	}
	s.lastSweep = now
	if s.st.Sweep(now) {
		s.persistLocked()
	}
	for k, t := range s.lastSend {
		if now.Sub(t) > emailSendMinInterval {
			delete(s.lastSend, k)
		}
	}
}
