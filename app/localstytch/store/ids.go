package store

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
)

// newUUID returns a random RFC 4122 version-4 UUID. crypto/rand.Read never
// fails on supported platforms (Go 1.24+ panics internally instead), so no
// error is returned.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// NewID returns a Stytch-style test-environment id such as
// "member-test-<uuid>".
func NewID(prefix string) string { return prefix + "-test-" + newUUID() }

// NewToken returns a 44-character base64url secret (33 random bytes),
// the same length as Stytch's session tokens and magic-link tokens.
func NewToken() string {
	var b [33]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
