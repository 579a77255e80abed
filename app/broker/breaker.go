package broker

import (
	"context"
	"errors"
	"sync"
	"time"
)

// breakerCooldown is how long the broker stops asking a shared store that
// failed before it sends one probe again. A hung Redis otherwise costs every
// request its full timeout once per key.
const breakerCooldown = 5 * time.Second

var errBreakerOpen = errors.New("shared limiter known to be down")

// breaker remembers that the shared store is down: while open, limits go to
// this replica's own memory (sends fail closed) at once. After the cooldown
// one caller probes; the others keep treating the store as down until the
// probe answers.
type breaker struct {
	now   func() time.Time
	mu    sync.Mutex
	down  bool
	until time.Time
	probe bool
	trips *counter
	state *gauge
}

func newBreaker(now func() time.Time, m *metrics) *breaker {
	return &breaker{now: now, trips: m.breakerTrips, state: m.sharedDown}
}

// open reports whether to skip the store; false means call it (and report
// the outcome with failed or succeeded).
func (br *breaker) open() bool {
	br.mu.Lock()
	defer br.mu.Unlock()
	if !br.down {
		return false
	}
	if br.probe || br.now().Before(br.until) {
		return true
	}
	br.probe = true
	return false
}

func (br *breaker) failed(err error) {
	if errors.Is(err, errBreakerOpen) {
		return // the store was not asked
	}
	br.mu.Lock()
	defer br.mu.Unlock()
	if errors.Is(err, context.Canceled) {
		br.probe = false // the caller left: nothing learned, but let the next one probe
		return
	}
	if !br.down {
		br.trips.inc()
	}
	br.down, br.probe, br.until = true, false, br.now().Add(breakerCooldown)
	br.state.set(1)
}

func (br *breaker) succeeded() {
	br.mu.Lock()
	defer br.mu.Unlock()
	if br.down {
		br.down, br.probe = false, false
		br.state.set(0)
	}
}

// breakerStore is the /open code store behind the same breaker.
type breakerStore struct {
	b     *Broker
	inner interface {
		Put(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error)
		Take(ctx context.Context, key string) ([]byte, bool, error)
	}
}

func (s breakerStore) Put(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if s.b.breaker.open() {
		return false, errBreakerOpen
	}
	ok, err := s.inner.Put(ctx, key, value, ttl)
	s.report(err)
	return ok, err
}

func (s breakerStore) Take(ctx context.Context, key string) ([]byte, bool, error) {
	if s.b.breaker.open() {
		return nil, false, errBreakerOpen
	}
	v, ok, err := s.inner.Take(ctx, key)
	s.report(err)
	return v, ok, err
}

func (s breakerStore) report(err error) {
	if err != nil {
		s.b.metrics.sharedErrors.inc()
		s.b.breaker.failed(err)
		return
	}
	s.b.breaker.succeeded()
}
