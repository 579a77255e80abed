package localstytch

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"

	"github.com/golang-jwt/jwt/v5"

	"stytch-desktop/app/localstytch/store"
)

// signer holds the RSA key that signs session JWTs (RS256), as Stytch does.
// Signing and verifying go through github.com/golang-jwt/jwt/v5, the
// library stytch-go itself verifies session JWTs with, so both sides share
// one implementation. The key is immutable after New, so the signer is
// used without s.mu.
type signer struct {
	key *rsa.PrivateKey
	kid string
}

func newSigner() (*signer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate session signing key: %w", err)
	}
	return &signer{key: key, kid: store.NewID("jwk")}, nil
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

// sign produces a compact RS256 JWT. jwt.NewWithClaims sets the header's
// alg and typ "JWT" (the Node SDK requires typ); kid is added because
// stytch-go's keyfunc requires it.
func (s *signer) sign(claims map[string]any) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims(claims))
	t.Header["kid"] = s.kid
	out, err := t.SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("sign jwt: %w", err)
	}
	return out, nil
}

var errBadJWT = errors.New("invalid session jwt")

// verify checks an RS256 signature made by this signer (alg pinned, kid
// must match) and returns the claims. Expiry and the other time claims are
// deliberately NOT checked: Stytch's sessions.authenticate accepts an
// expired JWT whose signature and underlying session are valid and returns
// a fresh one; the session record decides.
func (s *signer) verify(token string) (map[string]any, error) {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid != s.kid {
			return nil, errBadJWT
		}
		return &s.key.PublicKey, nil
	}, jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}), jwt.WithoutClaimsValidation())
	if err != nil {
		return nil, errBadJWT
	}
	return claims, nil
}

// jwk returns the public key in the shape of Stytch's JWKS entries (see
// wireShapes["jwk"]). golang-jwt has no JWK encoder; an RSA JWK is just the
// modulus and exponent, base64url without padding (RFC 7518 §6.3.1), and
// TestJWKSAndJWTShape round-trips it through keyfunc, the JWKS parser
// stytch-go uses.
func (s *signer) jwk() map[string]any {
	pub := s.key.PublicKey
	return map[string]any{
		"kty":     "RSA",
		"use":     "sig",
		"key_ops": []string{"verify"},
		"alg":     "RS256",
		"kid":     s.kid,
		"n":       base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e":       base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		"x5c":     []string{},
		// Stytch's wire name (Node JWK type, Python JWK model, OpenAPI
		// api_session_v1_JWK). stytch-go's struct tag says x5t_s256, but
		// stytch-go never reads this field (keyfunc parses the JWKS).
		"x5tS256": "",
	}
}
