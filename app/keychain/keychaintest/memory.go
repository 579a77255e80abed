// Package keychaintest has stores for tests of code that uses the keychain:
// an in-memory one and a fault-injecting wrapper. The product never uses
// them; they pass the same contract suite as the real keychain
// (app/signin/secretstest).
package keychaintest

import (
	"bytes"
	"context"
	"sync"

	"stytch-desktop/app/keychain"
)

// Memory is a store that keeps values in process memory, for tests. It
// enforces the same key and size rules as Keyring so that code tested against Memory
// behaves the same against the real keychain.
type Memory struct {
	mu     sync.Mutex
	values map[string][]byte
}

var _ keychain.Store = (*Memory)(nil)

// NewMemory returns an empty Memory store.
func NewMemory() *Memory { return &Memory{values: make(map[string][]byte)} }

// Get implements keychain.Store.
func (m *Memory) Get(ctx context.Context, key string) ([]byte, error) {
	if err := keychain.ValidateKey("get", key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, keychain.OpError("get", key, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.values[key]
	if !ok {
		return nil, keychain.OpError("get", key, keychain.ErrNotFound)
	}
	return bytes.Clone(v), nil
}

// Set implements keychain.Store.
func (m *Memory) Set(ctx context.Context, key string, value []byte) error {
	if err := keychain.ValidateKey("set", key); err != nil {
		return err
	}
	if err := keychain.ValidateValue(key, value); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return keychain.OpError("set", key, err)
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

// Delete implements keychain.Store. A missing key is not an error.
func (m *Memory) Delete(ctx context.Context, key string) error {
	if err := keychain.ValidateKey("delete", key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return keychain.OpError("delete", key, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.values, key)
	return nil
}
