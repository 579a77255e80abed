package keychaintest_test

import (
	"testing"
	"time"

	"stytch-desktop/app/keychain/keychaintest"
	"stytch-desktop/app/signin"
	"stytch-desktop/app/signin/secretstest"
)

func TestMemoryContract(t *testing.T) {
	secretstest.Run(t, func(t *testing.T) signin.Secrets { return keychaintest.NewMemory() })
}

func TestZeroMemoryContract(t *testing.T) {
	secretstest.Run(t, func(t *testing.T) signin.Secrets { return new(keychaintest.Memory) })
}

func TestFaultyContract(t *testing.T) {
	secretstest.Run(t, func(t *testing.T) signin.Secrets { return keychaintest.NewFaulty(keychaintest.NewMemory()) })
}

func TestSlowFaultyContract(t *testing.T) {
	secretstest.Run(t, func(t *testing.T) signin.Secrets {
		f := keychaintest.NewFaulty(keychaintest.NewMemory())
		for _, op := range []keychaintest.Op{keychaintest.OpGet, keychaintest.OpSet, keychaintest.OpDelete} {
			f.Delay(op, time.Millisecond)
		}
		return f
	})
}
