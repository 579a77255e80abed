package keychain

import "time"

// NewFakeKeyring returns a Keyring whose go-keyring backend is replaced by
// an in-memory fake, so the external contract tests can run the Keyring
// wrapper (encoding, sizes, deadlines, error mapping) without D-Bus.
func NewFakeKeyring(service string, timeout time.Duration) *Keyring {
	return NewKeyring(service, WithTimeout(timeout), withBackend(newFakeBackend()))
}
