package openpage

import (
	"context"
	"sync"
	"time"
)

// LimitKind names what a redeem attempt is counted against.
type LimitKind string

const (
	LimitIP   LimitKind = "code_attempt_ip"   // the client's address
	LimitFlow LimitKind = "code_attempt_flow" // the app's pending flow (its PKCE challenge)
	LimitCode LimitKind = "code_attempt_code" // the code typed (by its keyed hash)
	// LimitIssue counts codes made for one client (the /open page's GETs):
	// without it anyone could fill the store with codes for made-up tokens.
	LimitIssue LimitKind = "code_issue_ip"
)

// Limiter admits one redeem attempt for kind and value (already a hash or
// an address, never a code). When refused it returns how long to wait; an
// error means the limit store could not answer (the attempt is refused).
type Limiter interface {
	Allow(ctx context.Context, kind LimitKind, value string) (retryAfter time.Duration, err error)
}

// Rate is N attempts per Per, with a burst of N.
type Rate struct {
	N   int
	Per time.Duration
}

// DefaultRates: a person types a code once or twice; an office shares one
// address. Guessing a live code among ~6.6e11 at these rates is hopeless,
// and a guessed code is still useless without the app's PKCE verifier.
var DefaultRates = map[LimitKind]Rate{
	LimitIP:   {N: 30, Per: 10 * time.Minute},
	LimitFlow: {N: 5, Per: 5 * time.Minute},
	LimitCode: {N: 5, Per: 5 * time.Minute},
}

// MemoryLimiter is GCRA per key in process memory (the local API's; the
// broker brings its own limiter, shared through Redis when configured).
type MemoryLimiter struct {
	now   func() time.Time
	rates map[LimitKind]Rate
	mu    sync.Mutex
	tat   map[string]time.Time
}

// NewMemoryLimiter limits with rates (nil: DefaultRates); now nil: time.Now.
func NewMemoryLimiter(now func() time.Time, rates map[LimitKind]Rate) *MemoryLimiter {
	if now == nil {
		now = time.Now
	}
	if rates == nil {
		rates = DefaultRates
	}
	return &MemoryLimiter{now: now, rates: rates, tat: map[string]time.Time{}}
}

// Allow implements Limiter.
func (m *MemoryLimiter) Allow(_ context.Context, kind LimitKind, value string) (time.Duration, error) {
	r, ok := m.rates[kind]
	if !ok || r.N <= 0 || r.Per <= 0 {
		return 0, nil
	}
	now := m.now()
	interval := r.Per / time.Duration(r.N)
	key := string(kind) + ":" + value
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.tat) > 10_000 {
		for k, t := range m.tat {
			if t.Before(now) {
				delete(m.tat, k)
			}
		}
	}
	tat := m.tat[key]
	if tat.Before(now) {
		tat = now
	}
	next := tat.Add(interval)
	if allowAt := next.Add(-r.Per); now.Before(allowAt) {
		return allowAt.Sub(now), nil
	}
	m.tat[key] = next
	return 0, nil
}
