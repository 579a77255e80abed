package store

import (
	"crypto/sha256"
	"encoding/hex"
)

// TokenHash is the only form in which the emulator keeps a secret bearer
// token (session token, intermediate session token, magic-link token), in
// memory and in the state file, the way a real server's database would. A
// presented token is hashed and looked up; the raw value exists only in the
// request being served, the response that hands it out and (for magic links)
// the in-memory outbox.
//
// Why an unkeyed SHA-256 is enough: every such token is 33 bytes from
// crypto/rand (NewToken), so there is no dictionary to try and 2^264
// candidates to brute-force; preimage resistance alone makes a leaked state
// file useless for replaying tokens. A key (HMAC) would only help against
// guessable inputs, and its key would have to live in the same state file,
// buying nothing. A distinct type keeps raw tokens from being used as keys by
// mistake: the compiler rejects map[TokenHash] lookups with a plain string.
//
// Map lookups on the hash are not constant-time. That leaks at most timing
// about the hash of a guess, which tells an attacker nothing about any stored
// token's preimage.
type TokenHash string

// HashToken returns the lowercase hex SHA-256 of a presented token.
func HashToken(token string) TokenHash {
	sum := sha256.Sum256([]byte(token))
	return TokenHash(hex.EncodeToString(sum[:]))
}
