// Package deeplink turns incoming sign-in links into validated Links and
// funnels them, once each, to the sign-in flow.
//
// Every input is hostile. Links reach the app from argv, from any process on
// the D-Bus session bus (the single-instance hand-off), from macOS URL events
// and from a paste box, and a custom URL scheme can be claimed by any program
// on the machine. So the parser accepts exactly one shape —
// scheme://auth/callback?stytch_token_type=…&token=… — and rejects anything
// a genuine Stytch redirect would not produce, with typed errors that never
// repeat the input.
package deeplink

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// Limits. A genuine link is ~120 bytes (scheme, path, two params, a 44-char
// token); the email link adds public_token and maybe slug. The limits leave
// generous room while bounding work on hostile input.
const (
	MaxLinkLen = 2048 // bytes, checked before any parsing

	maxPastedLen     = 8192 // before trimming; paste boxes may hold junk around the link
	maxParams        = 8    // genuine links carry 2–4
	maxParamNameLen  = 32
	maxExtraValueLen = 256
	minTokenLen      = 20
	maxTokenLen      = 128
	maxTokenPadding  = 2 // base64 never pads with more than "=="
	minSlugLen       = 2 // Stytch organization_slug: 2–128, alnum + "-._~"
	maxSlugLen       = 128
	maxHostLen       = 253

	// EmailLinkPath is where Stytch (and the local API) point the link in the
	// email; it carries the same stytch_token_type and token parameters.
	EmailLinkPath = "/v1/magic_links/redirect"
	// OpenPagePath is the "open the app" page (app/openpage) a deployment may
	// register as the redirect URL; its address carries the same parameters,
	// so a person may paste it from the browser's address bar.
	OpenPagePath = "/open"
)

const (
	paramType  = "stytch_token_type"
	paramToken = "token"
	paramSlug  = "slug"
)

// Parser accepts links of the form Scheme://Host/Path?query. The zero value
// behaves like DefaultParser.
type Parser struct {
	Scheme string // compared case-insensitively (URL schemes are)
	Host   string // compared exactly
	Path   string // compared exactly, no percent-encoding allowed
}

// The callback every sign-in link comes back to: DefaultScheme://CallbackHost
// CallbackPath. This is the one place these defaults are written; the
// configuration, the scheme registration and the local API take them from here.
const (
	DefaultScheme = "stytch-desktop"
	CallbackHost  = "auth"
	CallbackPath  = "/callback"
)

// DefaultParser matches the redirect URL registered with Stytch:
// stytch-desktop://auth/callback.
var DefaultParser = Parser{Scheme: DefaultScheme, Host: CallbackHost, Path: CallbackPath}

// ForScheme is the parser for the callback under another scheme (a company
// build may register its own).
func ForScheme(scheme string) Parser { return Parser{Scheme: scheme}.withDefaults() }

// RedirectURL is the URL Stytch must redirect to for this parser to accept
// the link: what the app registers as its redirect URL.
func (p Parser) RedirectURL() string {
	p = p.withDefaults()
	return p.Scheme + "://" + p.Host + p.Path
}

func (p Parser) withDefaults() Parser {
	if p.Scheme == "" {
		p.Scheme = DefaultParser.Scheme
	}
	if p.Host == "" {
		p.Host = DefaultParser.Host
	}
	if p.Path == "" {
		p.Path = DefaultParser.Path
	}
	return p
}

// Parse validates a link delivered by the OS (argv, D-Bus hand-off, macOS URL
// event). Only Scheme://Host/Path?stytch_token_type=…&token=… is accepted.
func (p Parser) Parse(raw string) (Link, error) {
	p = p.withDefaults()
	if len(raw) > MaxLinkLen {
		return Link{}, fail(TooLong, "")
	}
	if !urlChars(raw) {
		return Link{}, fail(InvalidCharacter, "")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Link{}, fail(NotAURL, "")
	}
	if !strings.EqualFold(u.Scheme, p.Scheme) {
		return Link{}, fail(WrongScheme, "")
	}
	if err := checkShape(u, raw); err != nil {
		return Link{}, err
	}
	// Any ':' in the authority is a port (or an empty one); a genuine
	// custom-scheme link never has one.
	if strings.Contains(u.Host, ":") {
		return Link{}, fail(ForbiddenURLPart, "")
	}
	if u.Host != p.Host || !exactPath(u, p.Path) {
		return Link{}, fail(WrongTarget, "")
	}
	return parseQuery(u.RawQuery)
}

// ParsePasted validates what a user pasted into the "link not opening? paste
// it here" box. Besides everything Parse accepts, it takes the link from the
// email itself — http(s)://<host>[:port]/v1/magic_links/redirect?… — because
// some Linux browsers (snaps, flatpaks) can't open custom schemes. It trims
// surrounding whitespace and the <>, quotes or brackets mail clients and chat
// apps wrap links in. The host is not checked: the app never fetches the URL,
// it only takes the token, which is useless without this device's PKCE
// verifier.
func (p Parser) ParsePasted(raw string) (Link, error) {
	p = p.withDefaults()
	if len(raw) > maxPastedLen {
		return Link{}, fail(TooLong, "")
	}
	s := trimPasted(raw)
	if len(s) > MaxLinkLen {
		return Link{}, fail(TooLong, "")
	}
	if !urlChars(s) {
		return Link{}, fail(InvalidCharacter, "")
	}
	u, err := url.Parse(s)
	if err != nil {
		return Link{}, fail(NotAURL, "")
	}
	switch {
	case strings.EqualFold(u.Scheme, p.Scheme):
		return p.Parse(s)
	case u.Scheme == "https" || u.Scheme == "http": // url.Parse lower-cases schemes
		return parseEmailLink(u, s)
	default:
		return Link{}, fail(WrongScheme, "")
	}
}

func parseEmailLink(u *url.URL, raw string) (Link, error) {
	if err := checkShape(u, raw); err != nil {
		return Link{}, err
	}
	if err := checkWebHost(u); err != nil {
		return Link{}, err
	}
	if !exactPath(u, EmailLinkPath) && !exactPath(u, OpenPagePath) {
		return Link{}, fail(WrongTarget, "")
	}
	return parseQuery(u.RawQuery)
}

// checkShape rejects the URL forms no genuine link uses.
func checkShape(u *url.URL, raw string) error {
	if u.Opaque != "" {
		// "stytch-desktop:auth/callback?…": parsers disagree on what host and
		// path of such a URL are, so don't guess.
		return fail(NotAURL, "")
	}
	if u.User != nil {
		return fail(ForbiddenURLPart, "")
	}
	// Checked on the raw text because url.URL can't represent an empty
	// fragment ("…#"), and a fragment has no business in a redirect.
	if strings.IndexByte(raw, '#') >= 0 {
		return fail(ForbiddenURLPart, "")
	}
	return nil
}

// exactPath requires the decoded path to equal want AND the path to have been
// written without percent-encoding, so "/%63allback" or "/callback/../x" don't
// get through as "/callback".
func exactPath(u *url.URL, want string) bool {
	return u.Path == want && u.RawPath == "" && u.EscapedPath() == want
}

func checkWebHost(u *url.URL) error {
	if strings.HasSuffix(u.Host, ":") { // empty port
		return fail(ForbiddenURLPart, "")
	}
	if port := u.Port(); port != "" {
		// url.Parse already ensured digits only.
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '0' {
			return fail(ForbiddenURLPart, "")
		}
	}
	host := u.Hostname()
	if strings.HasPrefix(u.Host, "[") { // IPv6 literal
		if ip := net.ParseIP(host); ip == nil || ip.To4() != nil || strings.Contains(host, "%") {
			return fail(WrongTarget, "")
		}
		return nil
	}
	if !validHostname(host) {
		return fail(WrongTarget, "")
	}
	return nil
}

func validHostname(h string) bool {
	if h == "" || len(h) > maxHostLen {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !isAlnum(c) && c != '-' {
				return false
			}
		}
	}
	return true
}

// parseQuery validates the query in two passes — names first, then values —
// so that pollution (a repeated name) is reported as such no matter which
// copy would have been valid.
func parseQuery(rawQuery string) (Link, error) {
	if rawQuery == "" {
		return Link{}, fail(MissingParam, paramType)
	}
	// Count before splitting so 1000 "&"s cost one scan, not 1000 strings.
	if strings.Count(rawQuery, "&")+1 > maxParams {
		return Link{}, fail(TooManyParams, "")
	}
	// Required by policy and as a differential check: whatever we accept,
	// net/url must accept too (it rejects ';' separators and bad escapes).
	std, err := url.ParseQuery(rawQuery)
	if err != nil {
		return Link{}, fail(BadQuery, "")
	}

	var names, values [maxParams]string
	n := 0
	for piece := range strings.SplitSeq(rawQuery, "&") {
		name, value, ok := strings.Cut(piece, "=")
		if !ok || name == "" {
			return Link{}, fail(BadQuery, "")
		}
		if !validParamName(name) {
			return Link{}, fail(BadParam, knownLookalike(name))
		}
		for _, prev := range names[:n] {
			if prev == name {
				return Link{}, fail(DuplicateParam, knownName(name))
			}
		}
		names[n], values[n] = name, value
		n++
	}

	var l Link
	var haveType, haveToken bool
	for i := range n {
		v, err := url.QueryUnescape(values[i])
		if err != nil {
			return Link{}, fail(BadQuery, knownName(names[i]))
		}
		switch names[i] {
		case paramType:
			t := TokenType(v)
			if !t.Known() {
				return Link{}, fail(UnknownTokenType, paramType)
			}
			l.TokenType, haveType = t, true
		case paramToken:
			if !validToken(v) {
				return Link{}, fail(BadToken, paramToken)
			}
			l.Token, haveToken = v, true
		case paramSlug:
			if !validSlug(v) {
				return Link{}, fail(BadParam, paramSlug)
			}
			l.Slug = v
		default:
			if !validExtraValue(v) {
				return Link{}, fail(BadParam, "")
			}
		}
	}
	if !haveType {
		return Link{}, fail(MissingParam, paramType)
	}
	if !haveToken {
		return Link{}, fail(MissingParam, paramToken)
	}
	// Differential check: if net/url reads the query differently from us,
	// someone downstream could too. Refuse rather than pick a winner.
	if t := std[paramToken]; len(t) != 1 || t[0] != l.Token {
		return Link{}, fail(BadQuery, paramToken)
	}
	if t := std[paramType]; len(t) != 1 || t[0] != string(l.TokenType) {
		return Link{}, fail(BadQuery, paramType)
	}
	return l, nil
}

// knownName returns name if it is one of the fixed names we may put in an
// error message; attacker-chosen names never reach an error.
func knownName(name string) string {
	switch name {
	case paramType, paramToken, paramSlug:
		return name
	}
	return ""
}

// knownLookalike names the known parameter an invalid name imitates (e.g.
// "TOKEN"), again only ever returning a fixed string.
func knownLookalike(name string) string {
	for _, k := range [...]string{paramType, paramToken, paramSlug} {
		if strings.EqualFold(name, k) {
			return k
		}
	}
	return ""
}

func validParamName(s string) bool {
	if len(s) == 0 || len(s) > maxParamNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && c != '_' && c != '-' {
			return false
		}
	}
	// Case variants of the names we read ("Token", "STYTCH_TOKEN_TYPE") are
	// refused: another parser that folds case would see a second token.
	if k := knownLookalike(s); k != "" && k != s {
		return false
	}
	return true
}

// validToken: 20–128 chars of the base64url alphabet, optionally followed by
// up to two '=' pad characters and nothing after them.
func validToken(s string) bool {
	if len(s) < minTokenLen || len(s) > maxTokenLen {
		return false
	}
	body := strings.TrimRight(s, "=")
	if len(body) == 0 || len(s)-len(body) > maxTokenPadding {
		return false
	}
	for i := 0; i < len(body); i++ {
		if c := body[i]; !isAlnum(c) && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

func validSlug(s string) bool {
	if len(s) < minSlugLen || len(s) > maxSlugLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && c != '.' && c != '_' && c != '~' && c != '-' {
			return false
		}
	}
	return true
}

// validExtraValue bounds parameters we don't use (public_token, tracking
// params): visible ASCII only, and no '%' left after decoding, which would
// mean the value was encoded twice to smuggle something past a decoder.
func validExtraValue(s string) bool {
	if len(s) > maxExtraValueLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '%' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// urlChars reports whether s uses only characters RFC 3986 allows in a URL:
// no whitespace, no control characters, nothing outside ASCII (so no
// fullwidth letters, homoglyphs or bidi overrides), no " < > \ ^ ` { | }.
func urlChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAlnum(c) {
			continue
		}
		switch c {
		case '-', '.', '_', '~', ':', '/', '?', '#', '[', ']', '@',
			'!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', '%':
			continue
		}
		return false
	}
	return true
}

// pastedWrappers are the pairs people copy along with a link: angle brackets
// from plain-text mail, quotes from chat, typographic quotes from rich text.
var pastedWrappers = [...][2]string{
	{"<", ">"}, {`"`, `"`}, {"'", "'"}, {"`", "`"}, {"(", ")"}, {"[", "]"},
	{"\u201c", "\u201d"}, {"\u2018", "\u2019"}, {"\u00ab", "\u00bb"},
}

func trimPasted(s string) string {
	s = strings.TrimFunc(s, isPasteJunk)
	for range 3 { // "<\"…\">" at most; more nesting is not a real paste
		unwrapped := false
		for _, w := range pastedWrappers {
			if len(s) >= len(w[0])+len(w[1]) && strings.HasPrefix(s, w[0]) && strings.HasSuffix(s, w[1]) {
				s = strings.TrimFunc(s[len(w[0]):len(s)-len(w[1])], isPasteJunk)
				unwrapped = true
				break
			}
		}
		if !unwrapped {
			break
		}
	}
	return s
}

// isPasteJunk: whitespace (incl. NBSP) and the invisible characters rich-text
// copies leave at the ends. Only trimmed at the ends; inside a link they are
// still rejected.
func isPasteJunk(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
		return true
	}
	return unicode.IsSpace(r)
}
