package signin

import (
	"context"
	"errors"
)

// Secrets is the keychain as the flows need it: a small key/value store for
// secrets (the session token, the pending PKCE verifier). The flows own this
// contract — the interface, the sentinel errors below, and the suite every
// implementation passes (app/signin/secretstest). app/keychain implements it
// on the OS keychain; app/keychain/keychaintest has in-memory and
// fault-injecting stores for tests.
//
// Implementations must be safe for concurrent use. Values returned by Get are
// the caller's to modify; values passed to Set are copied. Every error wraps
// at most one of the sentinels (plus, for timeouts, the context error).
type Secrets interface {
	// Get returns the value stored under key, or an error wrapping
	// ErrSecretNotFound if there is none.
	Get(ctx context.Context, key string) ([]byte, error)

	// Set stores value under key, replacing any previous value. On error the
	// previous value is unchanged, except after ErrKeychainTimeout (outcome
	// unknown).
	Set(ctx context.Context, key string, value []byte) error

	// Delete removes key. Deleting a key that does not exist is not an error:
	// Delete is idempotent so that sign-out can always call it.
	Delete(ctx context.Context, key string) error
}

// The size limits are part of the contract: the flows store a session
// record and a session JWT (~1.4 KB) and must know every implementation takes
// them. They are the smallest any platform's keychain allows — Windows'
// 2560-byte credential blob — after the keychain's encoding (app/keychain):
// arbitrary bytes are base64-encoded (4/3 larger), printable ASCII is stored
// as it is.
const (
	// MaxSecretSize is the largest value, in bytes, every implementation
	// accepts: 1536 bytes encode to 2048 characters.
	MaxSecretSize = 1536
	// MaxSecretTextSize is the largest printable-ASCII value every
	// implementation accepts (2560 less a margin for the stored item's prefix and framing).
	MaxSecretTextSize = 2400
)

// The failure modes matter more than the happy path: on Linux the keychain
// may be missing (no D-Bus session, no Secret Service, WSL), locked, or stuck
// behind an unlock prompt that never gets answered. Each is a distinct error
// so the screens can say the right thing, and none may ever be confused with
// "not signed in" (ErrSecretNotFound): a user whose keychain is merely locked
// must not be signed out.
var (
	// ErrSecretNotFound: no value is stored under the key. The only error
	// that means "signed out".
	ErrSecretNotFound = errors.New("not found in keychain")

	// ErrKeychainUnavailable: there is no keychain to talk to (no D-Bus
	// session bus, no Secret Service provider, unsupported platform).
	// Retrying will not help until the environment changes.
	ErrKeychainUnavailable = errors.New("keychain unavailable")

	// ErrKeychainLocked: the keychain is locked and unlocking was refused,
	// dismissed or impossible (no display for the prompt).
	ErrKeychainLocked = errors.New("keychain locked")

	// ErrKeychainTimeout: the keychain did not answer in time, typically
	// because an unlock prompt is waiting for the user. The outcome of the
	// operation is unknown. The screens treat it like ErrKeychainLocked:
	// "unlock your keychain, then retry"; neither means "signed out".
	ErrKeychainTimeout = errors.New("keychain did not answer in time")

	// ErrSecretTooBig: the value exceeds the store's limit. The previously
	// stored value, if any, is unchanged.
	ErrSecretTooBig = errors.New("value too big for keychain")

	// ErrSecretCorrupt: something is stored under the key but it was not
	// written by this app (or was damaged). Treat it like ErrSecretNotFound
	// and overwrite it with Set.
	ErrSecretCorrupt = errors.New("keychain value is corrupt")
)
