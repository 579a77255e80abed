package keychain

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// DefaultTimeout bounds each Keyring call when neither Keyring.Timeout nor
// the context says otherwise. A healthy Secret Service answers in about
// 10 ms; the first call after login may have to D-Bus-activate the daemon,
// which takes longer, so this is generous. It does not need to cover a human
// typing a password: the UI shows "unlock your keychain" and retries.
const DefaultTimeout = 5 * time.Second

// Keyring is the Store backed by the OS keychain through go-keyring (macOS
// Keychain, Windows Credential Manager, Secret Service on Linux). Each key is
// stored as the go-keyring "user" under Service.
//
// go-keyring calls cannot be cancelled and block forever while an unlock
// prompt is up, so every call runs in its own goroutine and the caller waits
// at most until the earlier of the context's deadline and Timeout, then gets
// ErrTimeout. The abandoned goroutine is left to finish on its own (it ends
// when the prompt is answered or the bus goes away).
//
// Calls are serialised: at most one go-keyring call is in flight per
// Keyring, so at most one goroutine can be left behind, and operations take
// effect in order: a Delete issued after a Set that timed out does not run
// until that Set has finished, so a sign-out cannot be undone by a late
// write. While an abandoned call still holds the slot, new calls wait for it
// (in the caller's goroutine, never longer than their own deadline) and fail
// with ErrTimeout if it does not finish in time. Serialising also keeps
// go-keyring's prompt handling, which listens for signals on a shared
// connection, from mixing up concurrent prompts.
//
// Set Service and Timeout before first use and do not change them afterwards.
// The zero value with a Service is usable; NewKeyring is the usual way.
type Keyring struct {
	// Service names the application in the keychain, e.g. "stytch-desktop".
	Service string
	// Timeout bounds each call; zero means DefaultTimeout.
	Timeout time.Duration

	backend backend

	once sync.Once
	slot chan struct{} // capacity 1: the in-flight bound

	abandoned atomic.Int32 // calls that timed out and are still running
}

var _ Store = (*Keyring)(nil)

// Option configures a Keyring.
type Option func(*Keyring)

// WithTimeout sets Keyring.Timeout.
func WithTimeout(d time.Duration) Option { return func(k *Keyring) { k.Timeout = d } }

// withBackend replaces go-keyring, for tests that need a keychain that
// blocks, panics or fails in a particular way.
func withBackend(b backend) Option { return func(k *Keyring) { k.backend = b } }

// NewKeyring returns a Keyring storing items under service.
func NewKeyring(service string, opts ...Option) *Keyring {
	k := &Keyring{Service: service}
	for _, opt := range opts {
		opt(k)
	}
	return k
}

// backend is the subset of go-keyring's API that Keyring uses.
type backend interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

// goKeyring is the real backend. On Linux go-keyring only speaks the Secret
// Service API over D-Bus and has no file fallback; on unsupported platforms
// it returns keyring.ErrUnsupportedPlatform. We add no fallback either.
type goKeyring struct{}

func (goKeyring) Get(service, user string) (string, error) {
	if err := checkSessionBus(); err != nil {
		return "", err
	}
	return keyring.Get(service, user)
}

func (goKeyring) Set(service, user, pw string) error {
	if err := checkSessionBus(); err != nil {
		return err
	}
	return keyring.Set(service, user, pw)
}

func (goKeyring) Delete(service, user string) error {
	if err := checkSessionBus(); err != nil {
		return err
	}
	return keyring.Delete(service, user)
}

func (k *Keyring) init() {
	k.once.Do(func() {
		k.slot = make(chan struct{}, 1)
		if k.backend == nil {
			k.backend = goKeyring{}
		}
	})
}

// Get implements Store.
func (k *Keyring) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey(opGet, key); err != nil {
		return nil, err
	}
	stored, err := k.call(ctx, opGet, key, func(b backend) (string, error) {
		return b.Get(k.Service, key)
	})
	if err != nil {
		return nil, err
	}
	value, err := decode(stored)
	if err != nil {
		return nil, opError(opGet, key, err)
	}
	return value, nil
}

// Set implements Store.
func (k *Keyring) Set(ctx context.Context, key string, value []byte) error {
	if err := checkKey(opSet, key); err != nil {
		return err
	}
	if err := checkValue(key, value); err != nil {
		return err
	}
	stored := encode(value)
	_, err := k.call(ctx, opSet, key, func(b backend) (string, error) {
		return "", b.Set(k.Service, key, stored)
	})
	return err
}

// Delete implements Store. A missing key is not an error.
func (k *Keyring) Delete(ctx context.Context, key string) error {
	if err := checkKey(opDelete, key); err != nil {
		return err
	}
	_, err := k.call(ctx, opDelete, key, func(b backend) (string, error) {
		return "", b.Delete(k.Service, key)
	})
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

type result struct {
	s   string
	err error
}

// call runs fn on the backend under the in-flight bound and the deadline,
// and maps its error to the package's sentinels.
func (k *Keyring) call(ctx context.Context, op, key string, fn func(backend) (string, error)) (string, error) {
	k.init()
	if k.Service == "" {
		return "", fmt.Errorf("keychain %s: no service name", op)
	}
	// An already-cancelled context must not reach the keychain at all.
	if err := ctx.Err(); err != nil {
		return "", opError(op, key, err)
	}
	timeout := k.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	tctx, cancel := context.WithTimeout(ctx, timeout) // keeps ctx's deadline if earlier
	defer cancel()

	select {
	case k.slot <- struct{}{}:
	case <-tctx.Done():
		return "", doneErr(ctx, op, key, true)
	}
	// select picks at random when both are ready: never start a call whose
	// context is already over (a Set must not land after its caller gave up).
	if tctx.Err() != nil {
		<-k.slot
		return "", doneErr(ctx, op, key, true)
	}

	// Buffered so that an abandoned goroutine can always deliver its result
	// and exit instead of blocking forever.
	done := make(chan result, 1)
	// state settles the race between the call finishing and the caller
	// giving up: whoever moves it away from running first decides.
	var state atomic.Int32 // running, finished or abandoned
	go func() {
		defer func() { <-k.slot }()
		s, err := runBackend(k.backend, fn)
		if !state.CompareAndSwap(stateRunning, stateFinished) {
			k.abandoned.Add(-1) // the caller gave up on us; we are done now
		}
		done <- result{s, err}
	}()

	select {
	case r := <-done:
		return r.s, classifyResult(op, key, r.err)
	case <-tctx.Done():
		k.abandoned.Add(1) // before the swap, so the count never dips below zero
		if state.CompareAndSwap(stateRunning, stateAbandoned) {
			return "", doneErr(ctx, op, key, false)
		}
		k.abandoned.Add(-1)
		// The call finished at the same moment; its result is on its way.
		// Never report a completed operation as a timeout.
		r := <-done
		return r.s, classifyResult(op, key, r.err)
	}
}

const (
	stateRunning int32 = iota
	stateFinished
	stateAbandoned
)

func classifyResult(op, key string, err error) error {
	if err == nil {
		return nil
	}
	return classify(op, key, err)
}

// doneErr reports why the call's context ended: the caller's cancellation,
// or a deadline (the caller's or Timeout), which is ErrTimeout.
func doneErr(parent context.Context, op, key string, waitingForSlot bool) error {
	if err := parent.Err(); errors.Is(err, context.Canceled) {
		return opError(op, key, err)
	}
	if waitingForSlot {
		return opError(op, key, fmt.Errorf("%w (an earlier call is still waiting for it): %w", ErrTimeout, context.DeadlineExceeded))
	}
	return opError(op, key, fmt.Errorf("%w: %w", ErrTimeout, context.DeadlineExceeded))
}

// runBackend calls fn and turns a panic into an error. go-keyring's Secret
// Service code type-asserts D-Bus signal bodies and reads from a channel
// that yields nil when the connection drops; a panic there would otherwise
// take the whole app down from a background goroutine.
func runBackend(b backend, fn func(backend) (string, error)) (s string, err error) {
	defer func() {
		if p := recover(); p != nil {
			if re, ok := p.(runtime.Error); ok {
				err = fmt.Errorf("keychain backend panicked: %s", re.Error())
			} else {
				// Arbitrary panic values are not printed: they could hold data.
				err = errors.New("keychain backend panicked")
			}
		}
	}()
	return fn(b)
}

// inFlightAbandoned reports how many timed-out calls are still running
// (0 or 1). For tests and diagnostics.
func (k *Keyring) inFlightAbandoned() int { return int(k.abandoned.Load()) }

// D-Bus error names that mean there is no usable Secret Service.
var unavailableDBusErrors = []string{
	"org.freedesktop.DBus.Error.ServiceUnknown", // no provider for org.freedesktop.secrets
	"org.freedesktop.DBus.Error.NameHasNoOwner",
	"org.freedesktop.DBus.Error.Disconnected",
	"org.freedesktop.DBus.Error.NotSupported",
	"org.freedesktop.DBus.Error.FileNotFound",
	"org.freedesktop.DBus.Error.NoServer",
	"org.freedesktop.DBus.Error.Spawn.", // prefix: activation of the daemon failed
}

// classify maps a go-keyring/D-Bus error to the package's sentinels and
// wraps it with the operation. go-keyring never puts the secret in an error,
// and the D-Bus errors it passes through come from the bus or the service.
func classify(op, key string, err error) error {
	sentinel := sentinelFor(err)
	if sentinel == nil {
		return opError(op, key, err)
	}
	if errors.Is(err, sentinel) {
		return opError(op, key, err)
	}
	return opError(op, key, fmt.Errorf("%w: %w", sentinel, err))
}

func sentinelFor(err error) error {
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return ErrTooBig
	case errors.Is(err, keyring.ErrUnsupportedPlatform):
		return ErrUnavailable
	case errors.Is(err, dbus.ErrClosed), errors.Is(err, errNoSessionBus):
		return ErrUnavailable
	}
	for _, s := range []error{ErrNotFound, ErrUnavailable, ErrLocked, ErrTimeout, ErrTooBig, ErrCorrupt} {
		if errors.Is(err, s) {
			return s
		}
	}

	if name, ok := dbusErrorName(err); ok {
		switch {
		case name == "org.freedesktop.Secret.Error.IsLocked":
			return ErrLocked
		case name == "org.freedesktop.DBus.Error.NoReply",
			name == "org.freedesktop.DBus.Error.Timeout",
			name == "org.freedesktop.DBus.Error.TimedOut":
			return ErrTimeout
		}
		for _, u := range unavailableDBusErrors {
			if name == u || (strings.HasSuffix(u, ".") && strings.HasPrefix(name, u)) {
				return ErrUnavailable
			}
		}
	}

	// No session bus: godbus dials the address (net errors) or, with no
	// address, runs dbus-launch, which may be missing or fail.
	var opErr *net.OpError
	if errors.As(err, &opErr) || errors.Is(err, exec.ErrNotFound) {
		return ErrUnavailable
	}
	var exitErr *exec.ExitError
	if runtime.GOOS != "darwin" && errors.As(err, &exitErr) {
		// Only dbus-launch is exec'd on Linux/BSD (macOS runs `security`,
		// whose exit statuses mean other things).
		return ErrUnavailable
	}

	msg := err.Error()
	switch {
	// go-keyring's Unlock: the prompt was dismissed or could not be shown.
	case strings.Contains(msg, "failed to unlock correct collection"):
		return ErrLocked
	case strings.Contains(msg, "was not provided by any .service files"),
		strings.Contains(msg, "couldn't determine address of session bus"),
		strings.Contains(msg, "dbus: authentication failed"),
		strings.Contains(msg, "dbus-launch"):
		return ErrUnavailable
	}
	return nil
}

func dbusErrorName(err error) (string, bool) {
	var v dbus.Error
	if errors.As(err, &v) {
		return v.Name, true
	}
	var p *dbus.Error
	if errors.As(err, &p) && p != nil {
		return p.Name, true
	}
	return "", false
}
