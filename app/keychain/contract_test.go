package keychain_test

import (
	"testing"
	"time"

	"stytch-desktop/app/keychain"
	"stytch-desktop/app/keychain/storetest"
)

func TestMemoryContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) keychain.Store { return keychain.NewMemory() })
}

func TestZeroMemoryContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) keychain.Store { return new(keychain.Memory) })
}

func TestFaultyContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) keychain.Store { return keychain.NewFaulty(keychain.NewMemory()) })
}

func TestSlowFaultyContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) keychain.Store {
		f := keychain.NewFaulty(keychain.NewMemory())
		for _, op := range []keychain.Op{keychain.OpGet, keychain.OpSet, keychain.OpDelete} {
			f.Delay(op, time.Millisecond)
		}
		return f
	})
}

// TestKeyringWrapperContract runs the real Keyring code (encoding, size
// checks, deadlines, in-flight bound) over an in-memory go-keyring stand-in.
func TestKeyringWrapperContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) keychain.Store {
		return keychain.NewFakeKeyring("stytch-desktop-test", 5*time.Second)
	})
}
