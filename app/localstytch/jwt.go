package localstytch

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// signer holds the RSA key that signs session JWTs (RS256), as Stytch does.
type signer struct {
	key *rsa.PrivateKey
	kid string
}

func newSigner() (*signer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate session signing key: %w", err)
	}
	return &signer{key: key, kid: newID("jwk")}, nil
}

func signerFromPKCS8(der []byte, kid string) (*signer, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parse stored signing key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok || kid == "" {
		return nil, errors.New("parse stored signing key: not an RSA key with a kid")
	}
	return &signer{key: rk, kid: kid}, nil
}

func (s *signer) pkcs8() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(s.key)
	if err != nil {
		return nil, fmt.Errorf("marshal signing key: %w", err)
	}
	return der, nil
}

var b64 = base64.RawURLEncoding

// sign produces a compact RS256 JWT. The header carries kid (stytch-go's
// keyfunc requires it) and typ "JWT" (the Node SDK requires it).
func (s *signer) sign(claims map[string]any) (string, error) {
	header, err := json.Marshal(map[string]string{"alg": "RS256", "kid": s.kid, "typ": "JWT"})
	if err != nil {
		return "", fmt.Errorf("sign jwt: %w", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("sign jwt: %w", err)
	}
	signingInput := b64.EncodeToString(header) + "." + b64.EncodeToString(payload)
	digest := sha256.Sum256([]byte(signingInput))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, digest[:])
	if err != nil {
		return "", fmt.Errorf("sign jwt: %w", err)
	}
	return signingInput + "." + b64.EncodeToString(sig), nil
}

var errBadJWT = errors.New("invalid session jwt")

// verify checks an RS256 signature made by this signer and returns the
// claims. Expiry is deliberately NOT checked: Stytch's sessions.authenticate
// accepts an expired JWT whose signature and underlying session are valid
// and returns a fresh one.
func (s *signer) verify(token string) (map[string]any, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errBadJWT
	}
	hb, err := b64.DecodeString(parts[0])
	if err != nil {
		return nil, errBadJWT
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if json.Unmarshal(hb, &header) != nil || header.Alg != "RS256" || header.Kid != s.kid {
		return nil, errBadJWT
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return nil, errBadJWT
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(&s.key.PublicKey, crypto.SHA256, digest[:], sig) != nil {
		return nil, errBadJWT
	}
	pb, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, errBadJWT
	}
	var claims map[string]any
	if json.Unmarshal(pb, &claims) != nil {
		return nil, errBadJWT
	}
	return claims, nil
}

// jwk returns the public key in the shape of Stytch's JWKS entries.
func (s *signer) jwk() map[string]any {
	pub := s.key.PublicKey
	return map[string]any{
		"kty":     "RSA",
		"use":     "sig",
		"key_ops": []string{"verify"},
		"alg":     "RS256",
		"kid":     s.kid,
		"n":       b64.EncodeToString(pub.N.Bytes()),
		"e":       b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		"x5c":     []string{},
		// Stytch's wire name (Node JWK type, Python JWK model, OpenAPI
		// api_session_v1_JWK). stytch-go's struct tag says x5t_s256, but
		// stytch-go never reads this field (keyfunc parses the JWKS).
		"x5tS256": "",
	}
}
