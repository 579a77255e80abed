package localstytch

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"stytch-desktop/app/openpage"
)

// Limits from Stytch's SDK documentation (docs/local-api.md §9).
const (
	defaultLinkExpiry      = 60 // minutes
	minLinkExpiry          = 5
	maxLinkExpiry          = 10080
	defaultSessionMinutes  = 60
	minSessionMinutes      = 5
	maxSessionMinutes      = 527040
	istLifetime            = 10 * time.Minute
	sessionJWTLifetime     = 5 * time.Minute
	maxCustomClaimsBytes   = 4096
	emailSendMinInterval   = time.Second // Stytch: 1 email-sending request/second/email
	maxOrgNameLen          = 128
	minSlugLen, maxSlugLen = 2, 128
)

// normalizeEmail validates a bare address (no display name) and lowercases
// it, as Stytch treats addresses case-insensitively.
func normalizeEmail(raw string) (string, *apiError) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", missingField("email_address")
	}
	addr, err := mail.ParseAddress(raw)
	if err != nil || addr.Name != "" || addr.Address != raw || len(raw) > 254 {
		return "", newErr("invalid_email")
	}
	at := strings.LastIndexByte(raw, '@')
	if at <= 0 || !strings.Contains(raw[at+1:], ".") || strings.HasSuffix(raw, ".") {
		return "", newErr("invalid_email")
	}
	return strings.ToLower(raw), nil
}

// linkExpiry validates *_expiration_minutes (0 = not sent = default).
func linkExpiry(minutes int64) (time.Duration, *apiError) {
	if minutes == 0 {
		return defaultLinkExpiry * time.Minute, nil
	}
	if minutes < minLinkExpiry || minutes > maxLinkExpiry {
		return 0, newErr("invalid_expiration_minutes")
	}
	return time.Duration(minutes) * time.Minute, nil
}

// sessionDuration validates session_duration_minutes (0 = not sent).
func sessionDuration(minutes int64) (time.Duration, bool, *apiError) {
	if minutes == 0 {
		return defaultSessionMinutes * time.Minute, false, nil
	}
	if minutes < minSessionMinutes || minutes > maxSessionMinutes {
		return 0, false, newErr("invalid_session_duration_minutes")
	}
	return time.Duration(minutes) * time.Minute, true, nil
}

func validSlug(slug string) bool {
	if len(slug) < minSlugLen || len(slug) > maxSlugLen {
		return false
	}
	for _, c := range slug {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~'
		if !ok {
			return false
		}
	}
	return true
}

func validOrgName(name string) bool {
	n := utf8.RuneCountInString(name)
	return strings.TrimSpace(name) != "" && n <= maxOrgNameLen
}

// checkRedirect applies the exact-match allow-list. An empty URL falls back
// to the first allowed URL (Stytch falls back to the dashboard default).
func (s *Server) checkRedirect(raw, errType string) (string, *apiError) {
	if raw == "" {
		return s.redirectURLs[0], nil
	}
	for _, u := range s.redirectURLs {
		if u == raw {
			return raw, nil
		}
	}
	if base := s.BaseURL(); base != "" && raw == base+openpage.PagePath {
		return raw, nil // this server's own /open page (openpage.go)
	}
	return "", newErr(errType)
}

// checkPKCE verifies S256: challenge = base64url-nopad(sha256(verifier)).
// The caller must not consume the token when this fails: a wrong verifier
// should not let an attacker who sees the link burn it for the real user.
func checkPKCE(challenge, verifier string) *apiError {
	switch {
	case challenge == "" && verifier == "":
		return nil
	case challenge == "":
		return newErr("pkce_did_not_expect_code_verifier")
	case verifier == "":
		return newErr("pkce_expected_code_verifier")
	}
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	if subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) != 1 {
		return newErr("pkce_mismatch")
	}
	return nil
}

// reservedClaim mirrors stytch-go's shared.ReservedClaim: registered JWT
// claims and Stytch's namespaced claims cannot be overridden.
func reservedClaim(k string) bool {
	switch k {
	case "iss", "sub", "aud", "exp", "nbf", "iat", "jti":
		return true
	}
	return strings.HasPrefix(k, "https://stytch.com/")
}

// customClaims validates session_custom_claims and drops reserved keys.
func customClaims(in map[string]any) (map[string]any, *apiError) {
	if len(in) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(in)
	if err != nil || len(b) > maxCustomClaimsBytes {
		return nil, newErr("custom_claims_too_large")
	}
	out := make(map[string]any, len(in))
	for k, v := range in {
		if !reservedClaim(k) {
			out[k] = v
		}
	}
	return out, nil
}

// Stytch's B2B sandbox values (docs/local-api.md §8), mirrored so code written
// against Stytch's test environment behaves the same here. The success token
// is reusable, like Stytch's.
//
// What Stytch's docs say about them (https://stytch.com/docs/b2b/guides/testing/sandbox-values,
// also /docs/api-reference/b2b/api/resources/sandbox-values): the values are
// for Test environments, "only available when calling the Stytch API
// directly" (not from frontend or mobile SDKs); the listed magic_links_token
// and discovery token values return 200, 401 unable_to_auth_magic_link and
// 404 magic_link_not_found. The docs say NOTHING about PKCE for them — no
// exemption. So they get no exemption here: the success token is treated
// like a link that was sent without a pkce_code_challenge (it never was
// sent with one), i.e. the same checkPKCE rules apply, and a request that
// carries a pkce_code_verifier is refused with
// pkce_did_not_expect_code_verifier (400), exactly as for any such link. An
// app that always uses PKCE therefore can never be signed in by a
// published sandbox token (issue 8 item 1). The 401 and 404 tokens answer
// with their errors first, as a real unknown/used token does (the lookup
// precedes the PKCE check).
const (
	sandboxEmail      = "sandbox@stytch.com"
	sandboxOrgID      = "organization-test-007d9d4a-deac-4a87-ba0a-e6e8afba4d4b"
	sandboxTokenOK    = "DOYoip3rvIMMW5lgItikFK-Ak1CfMsgjuiCyI7uuU94="
	sandboxToken401   = "3pzjQpgksDlGKWEwUq2Up--hCHC_0oamfLHyfspKDFU="
	sandboxToken404   = "CprTtwhnRNiMBiUS2jSLcWYrfuO2POeBNdo5HhW6qTM="
	sandboxOrgSlug    = "stytch-sandbox"
	sandboxOrgName    = "Stytch Sandbox"
	sandboxMemberName = "Sandbox Member"
)
