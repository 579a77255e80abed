package openpage

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Store keeps code records for their short life. The broker uses its
// rate-limit store (Redis when configured, so every replica sees every
// code; memory otherwise); the local API uses MemoryStore.
type Store interface {
	// Put stores value under key for ttl; false if the key already exists.
	Put(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error)
	// Take returns the value under key and deletes it in one step, so a
	// code is redeemed at most once even when two replicas race.
	Take(ctx context.Context, key string) ([]byte, bool, error)
}

// MemoryStore is a Store in process memory, expiring by the given clock.
type MemoryStore struct {
	now   func() time.Time
	mu    sync.Mutex
	items map[string]memItem
}

type memItem struct {
	value   []byte
	expires time.Time
}

var errStoreFull = errors.New("code store full")

// maxMemoryCodes bounds memory however many pages are opened; the IP limit
// keeps honest use far below it.
const maxMemoryCodes = 100_000

// NewMemoryStore returns an empty store; now nil means time.Now.
func NewMemoryStore(now func() time.Time) *MemoryStore {
	if now == nil {
		now = time.Now
	}
	return &MemoryStore{now: now, items: map[string]memItem{}}
}

// Put implements Store.
func (m *MemoryStore) Put(_ context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.items) >= maxMemoryCodes {
		for k, it := range m.items {
			if !now.Before(it.expires) {
				delete(m.items, k)
			}
		}
		if len(m.items) >= maxMemoryCodes {
			return false, errStoreFull
		}
	}
	if it, ok := m.items[key]; ok && now.Before(it.expires) {
		return false, nil
	}
	m.items[key] = memItem{value: append([]byte(nil), value...), expires: now.Add(ttl)}
	return true, nil
}

// Take implements Store.
func (m *MemoryStore) Take(_ context.Context, key string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.items[key]
	if !ok {
		return nil, false, nil
	}
	delete(m.items, key)
	if !m.now().Before(it.expires) {
		return nil, false, nil
	}
	return it.value, true, nil
}

// Len is the number of records held (expired ones included until swept).
func (m *MemoryStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.items)
}

// Keys returns the stored keys (tests check nothing readable is at rest).
func (m *MemoryStore) Keys() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.items))
	for k := range m.items {
		out = append(out, k)
	}
	return out
}

// Values returns copies of the stored values (for the same tests).
func (m *MemoryStore) Values() [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([][]byte, 0, len(m.items))
	for _, it := range m.items {
		out = append(out, append([]byte(nil), it.value...))
	}
	return out
}
