// Package signcode is the format of a sign-in code: what the /open page
// (app/openpage) hands out and the app (app/signin, app/lifecycle) accepts.
// It is its own package so reading a code needs no HTTP server, templates or
// sealing.
package signcode

import (
	"crypto/rand"
	"math/big"
	"strings"
)

// Alphabet is what sign-in codes are made of: capital letters and digits
// without the ones people confuse when reading aloud or typing from a phone
// (0/O, 1/I/L, U/V: U goes). 30 symbols, so an 8-character code has ~39 bits.
const Alphabet = "ABCDEFGHJKMNPQRSTVWXYZ23456789"

// CodeLen is the number of characters in a code, shown as two groups of four.
const CodeLen = 8

// NewCode returns a random code (uniform over Alphabet, crypto/rand).
func NewCode() (string, error) {
	var b strings.Builder
	n := big.NewInt(int64(len(Alphabet)))
	for range CodeLen {
		i, err := rand.Int(rand.Reader, n)
		if err != nil {
			return "", err
		}
		b.WriteByte(Alphabet[i.Int64()])
	}
	return b.String(), nil
}

// Normalize reads a typed code: case, spaces and dashes do not matter. It
// returns the canonical form and false for anything that cannot be a code.
func Normalize(s string) (string, bool) {
	if len(s) > 64 {
		return "", false
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			continue
		case r < 128 && strings.IndexByte(Alphabet, byte(r)) >= 0:
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	if b.Len() != CodeLen {
		return "", false
	}
	return b.String(), true
}

// Group formats a canonical code for reading: "ABCD-EFGH".
func Group(code string) string {
	if len(code) != CodeLen {
		return code
	}
	return code[:4] + "-" + code[4:]
}

// CodeLinkPath is the path of the link that carries a code (not a token):
// <scheme>://auth/code?code=ABCD-EFGH, what the page's "Copy link" copies so
// the token itself never leaves the page. The app's paste box takes it.
const CodeLinkPath = "/code"

// CodeFromPaste returns the code in a pasted bare code or code link
// (<scheme>://auth/code?code=…), or false.
func CodeFromPaste(scheme, s string) (string, bool) {
	s = strings.TrimSpace(s)
	prefix := scheme + "://auth" + CodeLinkPath + "?code="
	if len(s) > len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		s = s[len(prefix):]
	}
	return Normalize(s)
}
