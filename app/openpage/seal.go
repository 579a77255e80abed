package openpage

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"
)

// A code's record at rest: the key is an HMAC of the code (keyed by the
// server's key, so a dump of the store cannot be searched by trying all
// codes offline), and the value is the token sealed with AES-GCM under a
// key derived from the code. Neither the code nor the token can be read
// from the store without both the code and the server's key.

type sealer struct{ key []byte }

func newSealer(serverKey []byte) sealer {
	m := hmac.New(sha256.New, serverKey)
	m.Write([]byte("stytch-desktop/open-codes/v1"))
	return sealer{key: m.Sum(nil)}
}

func (s sealer) derive(purpose, code string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(code))
	return m.Sum(nil)
}

// storeKey is where a code's record lives.
func (s sealer) storeKey(code string) string {
	return "open-code:" + hex.EncodeToString(s.derive("id", code)[:20])
}

// record is what a code stands for.
type record struct {
	Type      string `json:"t"`
	Token     string `json:"v"`
	Slug      string `json:"s,omitempty"`
	ExpiresAt int64  `json:"e"` // unix ms; checked on redeem, so an injected clock (tests) and Redis agree
}

func (r record) expired(now time.Time) bool { return !now.Before(time.UnixMilli(r.ExpiresAt)) }

func (s sealer) seal(code, key string, r record) ([]byte, error) {
	plain, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	aead, err := s.aead(code)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, plain, []byte(key)), nil
}

var errSealed = errors.New("code record does not open")

func (s sealer) open(code, key string, sealed []byte) (record, error) {
	aead, err := s.aead(code)
	if err != nil {
		return record{}, err
	}
	if len(sealed) < aead.NonceSize() {
		return record{}, errSealed
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(key))
	if err != nil {
		return record{}, errSealed
	}
	var r record
	if err := json.Unmarshal(plain, &r); err != nil {
		return record{}, errSealed
	}
	return r, nil
}

func (s sealer) aead(code string) (cipher.AEAD, error) {
	block, err := aes.NewCipher(s.derive("enc", code))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
