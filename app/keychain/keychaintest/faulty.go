package keychaintest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"stytch-desktop/app/keychain"
)

// Op names a keychain.Store operation, for Faulty.
type Op string

// The operations Faulty can disturb.
const (
	OpGet    Op = "get"
	OpSet    Op = "set"
	OpDelete Op = "delete"
)

// Faulty wraps a keychain.Store and injects errors and delays, for testing the
// sign-in flows against a keychain that is locked, slow or broken. Configure
// it with Fail, FailOnce and Delay; they are safe to call while the store is
// in use. With nothing configured it behaves exactly like keychain.Store.
type Faulty struct {
	Store keychain.Store

	mu    sync.Mutex
	fail  map[Op]error
	once  map[Op][]error
	delay map[Op]time.Duration
	calls map[Op]int
}

var _ keychain.Store = (*Faulty)(nil)

// NewFaulty returns a Faulty wrapping s.
func NewFaulty(s keychain.Store) *Faulty { return &Faulty{Store: s} }

// Fail makes every later call of op return err without reaching the wrapped
// store. A nil err stops the failures.
func (f *Faulty) Fail(op Op, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail == nil {
		f.fail = make(map[Op]error)
	}
	f.fail[op] = err
}

// FailOnce makes the next call of op return err (queued after any earlier
// FailOnce for op). It takes precedence over Fail.
func (f *Faulty) FailOnce(op Op, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.once == nil {
		f.once = make(map[Op][]error)
	}
	f.once[op] = append(f.once[op], err)
}

// Delay makes every later call of op wait d before doing anything else. Like
// Keyring, the wait ends early with keychain.ErrTimeout when the context's deadline
// passes, or with the context's error when it is cancelled.
func (f *Faulty) Delay(op Op, d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.delay == nil {
		f.delay = make(map[Op]time.Duration)
	}
	f.delay[op] = d
}

// Calls reports how many times op has been called, faulted or not.
func (f *Faulty) Calls(op Op) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// Reset removes all faults and delays and zeroes the call counts.
func (f *Faulty) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail, f.once, f.delay, f.calls = nil, nil, nil, nil
}

// before counts the call, applies the delay and returns the injected error
// for op, if any.
func (f *Faulty) before(ctx context.Context, op Op, key string) error {
	f.mu.Lock()
	if f.calls == nil {
		f.calls = make(map[Op]int)
	}
	f.calls[op]++
	d := f.delay[op]
	var err error
	if q := f.once[op]; len(q) > 0 {
		err, f.once[op] = q[0], q[1:]
	} else {
		err = f.fail[op]
	}
	f.mu.Unlock()

	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			if ctx.Err() == context.Canceled {
				return keychain.OpError(string(op), key, ctx.Err())
			}
			return keychain.OpError(string(op), key, fmt.Errorf("%w (injected delay): %w", keychain.ErrTimeout, ctx.Err()))
		}
	}
	return err
}

// Get implements keychain.Store.
func (f *Faulty) Get(ctx context.Context, key string) ([]byte, error) {
	if err := f.before(ctx, OpGet, key); err != nil {
		return nil, err
	}
	return f.Store.Get(ctx, key)
}

// Set implements keychain.Store.
func (f *Faulty) Set(ctx context.Context, key string, value []byte) error {
	if err := f.before(ctx, OpSet, key); err != nil {
		return err
	}
	return f.Store.Set(ctx, key, value)
}

// Delete implements keychain.Store.
func (f *Faulty) Delete(ctx context.Context, key string) error {
	if err := f.before(ctx, OpDelete, key); err != nil {
		return err
	}
	return f.Store.Delete(ctx, key)
}
