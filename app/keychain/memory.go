package keychain

import (
	"bytes"
	"context"
	"sync"
)

// Memory is a Store that keeps values in process memory. It is used in
// tests, and as the explicit fallback when the keychain is unavailable: the
// session then lasts for this run only, and the UI says so. It enforces the
// same key and size rules as Keyring so that code tested against Memory
// behaves the same against the real keychain.
type Memory struct {
	mu     sync.Mutex
	values map[string][]byte
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty Memory store.
func NewMemory() *Memory { return &Memory{values: make(map[string][]byte)} }

// Get implements Store.
func (m *Memory) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey(opGet, key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, opError(opGet, key, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.values[key]
	if !ok {
		return nil, opError(opGet, key, ErrNotFound)
	}
	return bytes.Clone(v), nil
}

// Set implements Store.
func (m *Memory) Set(ctx context.Context, key string, value []byte) error {
	if err := checkKey(opSet, key); err != nil {
		return err
	}
	if err := checkValue(key, value); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return opError(opSet, key, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.values == nil { // zero value Memory
		m.values = make(map[string][]byte)
	}
	v := make([]byte, len(value)) // non-nil even when empty, like Keyring
	copy(v, value)
	m.values[key] = v
	return nil
}

// Delete implements Store. A missing key is not an error.
func (m *Memory) Delete(ctx context.Context, key string) error {
	if err := checkKey(opDelete, key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return opError(opDelete, key, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.values, key)
	return nil
}
