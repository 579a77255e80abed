package deeplink

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
)

// TokenType is the value of the stytch_token_type query parameter. It tells
// the sign-in flow which Stytch endpoint redeems the token.
type TokenType string

const (
	// Discovery: a discovery magic link → magic_links.discovery.authenticate.
	Discovery TokenType = "discovery"
	// MultiTenant: an organization login/signup/invite magic link →
	// magic_links.authenticate.
	MultiTenant TokenType = "multi_tenant_magic_links"
	// DiscoveryOAuth: back from "Continue with Google/Microsoft" (discovery)
	// → oauth.discovery.authenticate.
	DiscoveryOAuth TokenType = "discovery_oauth"
	// OAuth: back from OAuth into one organization → oauth.authenticate.
	OAuth TokenType = "oauth"
	// SSO: back from the organization's identity provider → sso.authenticate.
	SSO TokenType = "sso"
)

// Known reports whether t is a token type the app redeems. Which of them a
// flow accepts at a given moment is the flow's business (app/signin).
func (t TokenType) Known() bool {
	switch t {
	case Discovery, MultiTenant, DiscoveryOAuth, OAuth, SSO:
		return true
	}
	return false
}

// Browser reports whether t comes back from a browser round trip (OAuth or
// SSO) rather than from an email link.
func (t TokenType) Browser() bool { return t == DiscoveryOAuth || t == OAuth || t == SSO }

// Link is a validated sign-in link.
//
// Token is a single-use secret. Every way this package knows of that turns a
// Link into text (fmt verbs incl. %v/%+v/%#v/%d, slog, encoding/json) prints
// it redacted; only code that reads the field directly sees it. Reflection
// based dumpers (spew, gob) can still reach it — don't dump Links.
type Link struct {
	TokenType TokenType
	Token     string
	Slug      string // organization slug; only on organization-specific links
}

const redacted = "[redacted]"

// typeLabel avoids printing the raw token type: "multi_tenant_magic_links" is
// itself valid token syntax, and keeping every printed word short and spaced
// guarantees no 20+ character token can ever be a substring of String().
func (t TokenType) label() string {
	switch t {
	case Discovery:
		return "discovery"
	case MultiTenant:
		return "organization"
	case DiscoveryOAuth:
		return "oauth discovery"
	case OAuth:
		return "oauth"
	case SSO:
		return "sso"
	default:
		return "unknown"
	}
}

// safeSlug returns the slug unless it contains the token (only possible in a
// crafted link), so that printing a Link can never print its token.
func (l Link) safeSlug() string {
	if l.Slug == "" || (l.Token != "" && strings.Contains(l.Slug, l.Token)) {
		return ""
	}
	return l.Slug
}

// safeType returns the token type for structured output (JSON, slog): only a
// known type, and only if it doesn't contain the token — possible solely in a
// crafted link, since "multi_tenant_magic_links" is itself valid token syntax.
func (l Link) safeType() string {
	if l.TokenType.Known() && (l.Token == "" || !strings.Contains(string(l.TokenType), l.Token)) {
		return string(l.TokenType)
	}
	return "unknown"
}

// String describes the link without its token, e.g.
// `discovery link (token redacted)` or
// `organization link for "acme" (token redacted)`.
func (l Link) String() string {
	s := l.TokenType.label() + " link"
	if slug := l.safeSlug(); slug != "" {
		s += " for " + `"` + slug + `"`
	}
	return s + " (token redacted)"
}

// GoString covers %#v, which would otherwise print every field.
func (l Link) GoString() string { return "deeplink.Link{" + l.String() + "}" }

// Format makes every fmt verb (not just %v and %s) go through String; without
// it %d or %x on a Link would print the struct fields, token included.
func (l Link) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(l.GoString()))
		return
	}
	_, _ = f.Write([]byte(l.String()))
}

// LogValue keeps the token out of slog output.
func (l Link) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("token_type", l.safeType()),
		slog.String("slug", l.safeSlug()),
		slog.String("token", redacted),
	)
}

// MarshalJSON keeps the token out of JSON (e.g. if a Link is sent to the
// frontend or written to a debug dump). There is intentionally no
// UnmarshalJSON: a Link must come from the parser.
func (l Link) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		TokenType string `json:"token_type"`
		Slug      string `json:"slug,omitempty"`
		Token     string `json:"token"`
	}{l.safeType(), l.safeSlug(), redacted})
}

// Validate re-checks a Link's fields with the same rules the parser applies.
// Useful for Links built by hand (tests, the local API) before they are used.
func (l Link) Validate() error {
	if !l.TokenType.Known() {
		return fail(UnknownTokenType, paramType)
	}
	if !validToken(l.Token) {
		return fail(BadToken, paramToken)
	}
	if l.Slug != "" && !validSlug(l.Slug) {
		return fail(BadParam, paramSlug)
	}
	return nil
}
