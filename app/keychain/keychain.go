// Package keychain stores small secrets (the Stytch session token) in the
// operating system's keychain, behind a Store interface with well-defined
// failure modes.
//
// The failure modes matter more than the happy path: on Linux the keychain
// may be missing (no D-Bus session, no Secret Service, WSL), locked, or stuck
// behind an unlock prompt that never gets answered. Each of those is a
// distinct sentinel error so the UI can show the right screen, and none of
// them may ever be confused with "not signed in" (ErrNotFound): a user whose
// keychain is merely locked must not be signed out.
//
// There is deliberately no plain-text fallback. When the keychain cannot be
// used the caller keeps the session in a Memory store for this run and tells
// the user so.
package keychain

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Sentinel errors. Callers test them with errors.Is; every error a Store
// returns wraps at most one of them (plus, for timeouts, the context error).
var (
	// ErrNotFound: no value is stored under the key. This is the only error
	// that means "signed out".
	ErrNotFound = errors.New("not found in keychain")

	// ErrUnavailable: there is no keychain to talk to (no D-Bus session bus,
	// no Secret Service provider, unsupported platform). Retrying will not
	// help until the environment changes.
	ErrUnavailable = errors.New("keychain unavailable")

	// ErrLocked: the keychain is locked and unlocking was refused, dismissed
	// or impossible (no display for the prompt).
	ErrLocked = errors.New("keychain locked")

	// ErrTimeout: the keychain did not answer in time, typically because an
	// unlock prompt is waiting for the user. The outcome of the operation is
	// unknown (a timed-out Set may still complete later). It is distinct from
	// ErrLocked, but the UI treats both as "unlock your keychain, then retry";
	// neither means "signed out".
	ErrTimeout = errors.New("keychain did not answer in time")

	// ErrTooBig: the value exceeds MaxValueSize (or the platform's limit).
	// The previously stored value, if any, is unchanged.
	ErrTooBig = errors.New("value too big for keychain")

	// ErrCorrupt: something is stored under the key but it was not written by
	// this package (or was damaged). Callers may treat it like ErrNotFound
	// and overwrite it with Set.
	ErrCorrupt = errors.New("keychain value is corrupt")
)

// MaxValueSize is the largest value, in bytes, that every Store accepts.
//
// The smallest platform limit is Windows' 2560-byte credential blob (macOS
// allows about 3 KB). Values are base64-encoded before they are stored so
// that arbitrary bytes survive go-keyring's string API, which inflates them
// by 4/3: 1536 bytes encode to 2048 characters, which fits everywhere with a
// margin. Printable ASCII values (tokens, JWTs, ASCII JSON) are stored as they
// are and may be up to MaxTextSize.
const MaxValueSize = 1536

// MaxTextSize is the largest printable-ASCII value every Store accepts: such
// values need no base64, so a ~1.4 KB session JWT fits under Windows' limit.
const MaxTextSize = maxStoredSize - 160

// maxKeySize bounds key names; keys are short constants such as "session".
const maxKeySize = 256

// Store is a small key/value store for secrets.
//
// Implementations must be safe for concurrent use. Values returned by Get are
// the caller's to modify; values passed to Set are copied.
type Store interface {
	// Get returns the value stored under key, or an error wrapping
	// ErrNotFound if there is none.
	Get(ctx context.Context, key string) ([]byte, error)

	// Set stores value under key, replacing any previous value. On error the
	// previous value is unchanged, except after ErrTimeout (outcome unknown).
	Set(ctx context.Context, key string, value []byte) error

	// Delete removes key. Deleting a key that does not exist is not an error:
	// Delete is idempotent so that sign-out can always call it.
	Delete(ctx context.Context, key string) error
}

// Operation names, used in error messages ("keychain get "session": ...").
const (
	opGet    = "get"
	opSet    = "set"
	opDelete = "delete"
)

// opError formats an error for op on key. It never mentions the value.
func opError(op, key string, err error) error {
	return fmt.Errorf("keychain %s %q: %w", op, key, err)
}

// checkKey rejects keys that cannot be stored portably. D-Bus strings must be
// valid UTF-8 without NUL, so the same rule applies to every Store.
func checkKey(op, key string) error {
	if key == "" || len(key) > maxKeySize || !utf8.ValidString(key) || strings.ContainsRune(key, 0) {
		return fmt.Errorf("keychain %s: invalid key: want 1-%d bytes of UTF-8 without NUL", op, maxKeySize)
	}
	return nil
}

// checkValue enforces MaxValueSize, and also the platform limit on the
// encoded form as a second line of defence should the encoding change.
func checkValue(key string, value []byte) error {
	if isText(value) {
		if len(value) > MaxTextSize {
			return opError(opSet, key, fmt.Errorf("%w: %d bytes of text, limit %d", ErrTooBig, len(value), MaxTextSize))
		}
		return nil
	}
	if len(value) > MaxValueSize {
		return opError(opSet, key, fmt.Errorf("%w: %d bytes, limit %d", ErrTooBig, len(value), MaxValueSize))
	}
	if n := encodedLen(len(value)); n > maxStoredSize {
		return opError(opSet, key, fmt.Errorf("%w: %d bytes once encoded, limit %d", ErrTooBig, n, maxStoredSize))
	}
	return nil
}

// encodingPrefix marks values written by this package and names the
// encoding, so a value written by something else is reported as ErrCorrupt
// instead of being decoded into garbage, and a future format can coexist.
const (
	encodingPrefix = "b64:"
	textPrefix     = "txt:"
)

// isText reports whether value is printable ASCII, stored without base64.
func isText(value []byte) bool {
	for _, c := range value {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// maxStoredSize is Windows' credential blob limit, the smallest of the
// platforms go-keyring supports.
const maxStoredSize = 2560

func encodedLen(n int) int { return len(encodingPrefix) + base64.StdEncoding.EncodedLen(n) }

func encode(value []byte) string {
	if len(value) > 0 && isText(value) {
		return textPrefix + string(value)
	}
	return encodingPrefix + base64.StdEncoding.EncodeToString(value)
}

func decode(stored string) ([]byte, error) {
	if rest, ok := strings.CutPrefix(stored, textPrefix); ok {
		if !isText([]byte(rest)) {
			return nil, fmt.Errorf("%w: bad text", ErrCorrupt)
		}
		return []byte(rest), nil
	}
	rest, ok := strings.CutPrefix(stored, encodingPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: unknown format", ErrCorrupt)
	}
	value, err := base64.StdEncoding.Strict().DecodeString(rest)
	if err != nil {
		// The base64 error names an offset, not content; still, keep it out.
		return nil, fmt.Errorf("%w: bad encoding", ErrCorrupt)
	}
	return value, nil
}
