package keychain_test

import (
	"testing"
	"time"

	"stytch-desktop/app/keychain"
	"stytch-desktop/app/signin"
	"stytch-desktop/app/signin/secretstest"
)

// TestKeyringWrapperContract runs the real Keyring code (encoding, size
// checks, deadlines, in-flight bound) over an in-memory go-keyring stand-in.
func TestKeyringWrapperContract(t *testing.T) {
	secretstest.Run(t, func(t *testing.T) signin.Secrets {
		return keychain.NewFakeKeyring("stytch-desktop-test", 5*time.Second)
	})
}
