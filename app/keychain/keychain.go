// Package keychain stores small secrets (the Stytch session token) in the
// operating system's keychain through go-keyring: the flows' signin.Secrets
// contract, with a deadline on every call and one call in flight.
//
// The failure modes matter more than the happy path: on Linux the keychain
// may be missing (no D-Bus session, no Secret Service, WSL), locked, or stuck
// behind an unlock prompt that never gets answered. Each of those is a
// distinct sentinel error so the UI can show the right screen, and none of
// them may ever be confused with "not signed in" (ErrNotFound): a user whose
// keychain is merely locked must not be signed out.
//
// There is deliberately no plain-text fallback, and no store of this package
// keeps secrets elsewhere: when the keychain cannot be used, the flows keep
// the session they just obtained in memory for this run and tell the user
// so (signin's KeychainNotRemembered).
package keychain

import (
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"stytch-desktop/app/signin"
)

// The sentinel errors are the flows' (signin owns the contract: interface,
// errors, suite); these are their names in this package.
var (
	ErrNotFound    = signin.ErrSecretNotFound      // nothing stored: the only error that means "signed out"
	ErrUnavailable = signin.ErrKeychainUnavailable // no keychain to talk to (no bus, no Secret Service)
	ErrLocked      = signin.ErrKeychainLocked      // locked; unlocking refused, dismissed or impossible
	ErrTimeout     = signin.ErrKeychainTimeout     // no answer in time (an unlock prompt waits); outcome unknown
	ErrTooBig      = signin.ErrSecretTooBig        // over MaxValueSize / MaxTextSize; previous value unchanged
	ErrCorrupt     = signin.ErrSecretCorrupt       // not written by this package, or damaged
)

// MaxValueSize and MaxTextSize are the limits of the contract
// (signin.MaxSecretSize, signin.MaxSecretTextSize), named here.
//
// Values are base64-encoded before they are stored so that arbitrary bytes
// survive go-keyring's string API, which inflates them by 4/3: MaxValueSize
// bytes encode to 2048 characters, under the smallest platform limit
// (maxStoredSize) with a margin. Printable ASCII values (tokens, JWTs, ASCII
// JSON) are stored as they are and may be up to MaxTextSize; the keychain's
// tests check both fit under maxStoredSize.
const (
	MaxValueSize = signin.MaxSecretSize
	MaxTextSize  = signin.MaxSecretTextSize
)

// maxKeySize bounds key names; keys are short constants such as "session".
const maxKeySize = 256

// Store is the contract the flows own (signin.Secrets), named here.
type Store = signin.Secrets

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

// ValidateKey and ValidateValue are the key and size rules every store
// follows, for stores outside this package (keychaintest) to apply too.
func ValidateKey(op, key string) error             { return checkKey(op, key) }
func ValidateValue(key string, value []byte) error { return checkValue(key, value) }

// OpError formats an error for op on key, as this package's stores do.
func OpError(op, key string, err error) error { return opError(op, key, err) }

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
