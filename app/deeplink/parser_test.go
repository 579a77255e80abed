package deeplink

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// Sandbox-shaped tokens, shaped like the examples in Stytch's public docs.
const (
	tokPadded = "DOYoip3rvIMMW5lgItikFK-Ak1CfMsgjuiCyI7uuU94="
	tokPlain  = "rM_kw42CWBhsHLF62V75jELMbvJ87njMe3tFVj7Qupu7"
	cb        = "stytch-desktop://auth/callback"
	disc      = cb + "?stytch_token_type=discovery&token=" + tokPadded
	emailLink = "https://test.stytch.com/v1/magic_links/redirect?public_token=public-token-test-5cd2a2a8-3b8e-4c5b-a0e2-4a2f1d3b2c1a&stytch_token_type=discovery&token=" + tokPadded
)

func q(params ...string) string { return cb + "?" + strings.Join(params, "&") }

func TestParse(t *testing.T) {
	type tc struct {
		name   string
		pasted bool // use ParsePasted instead of Parse
		in     string
		want   Link   // checked when reason == 0
		reason Reason // expected rejection
	}
	okDisc := Link{TokenType: Discovery, Token: tokPadded}
	manyParams := make([]string, 0, 100)
	manyParams = append(manyParams, "stytch_token_type=discovery", "token="+tokPadded)
	for i := range 98 {
		manyParams = append(manyParams, fmt.Sprintf("p%d=x", i))
	}
	eight := append([]string{"stytch_token_type=discovery", "token=" + tokPadded}, "a=1", "b=2", "c=3", "d=4", "e=5", "f=6")
	nine := append(append([]string{}, eight...), "g=7")

	cases := []tc{
		// --- accepted ---
		{name: "discovery", in: disc, want: okDisc},
		{name: "multi-tenant with slug", in: q("slug=acme-corp", "stytch_token_type=multi_tenant_magic_links", "token="+tokPlain),
			want: Link{TokenType: MultiTenant, Token: tokPlain, Slug: "acme-corp"}},
		{name: "padding percent-encoded", in: q("stytch_token_type=discovery", "token=DOYoip3rvIMMW5lgItikFK-Ak1CfMsgjuiCyI7uuU94%3D"), want: okDisc},
		{name: "params in other order", in: q("token="+tokPadded, "stytch_token_type=discovery"), want: okDisc},
		{name: "upper-case scheme", in: "STYTCH-DESKTOP://auth/callback?stytch_token_type=discovery&token=" + tokPadded, want: okDisc},
		{name: "mixed-case scheme", in: "Stytch-Desktop://auth/callback?stytch_token_type=discovery&token=" + tokPadded, want: okDisc},
		{name: "extra public_token", in: disc + "&public_token=public-token-test-abc", want: okDisc},
		// Back from a browser round trip (OAuth, SSO): which one a flow takes is app/signin's call.
		{name: "discovery_oauth", in: q("stytch_token_type=discovery_oauth", "token="+tokPadded), want: Link{TokenType: DiscoveryOAuth, Token: tokPadded}},
		{name: "oauth", in: q("token="+tokPlain, "stytch_token_type=oauth"), want: Link{TokenType: OAuth, Token: tokPlain}},
		{name: "sso", in: q("stytch_token_type=sso", "token="+tokPlain), want: Link{TokenType: SSO, Token: tokPlain}},
		{name: "unknown extra param once", in: disc + "&utm_source=email", want: okDisc},
		{name: "extra param empty value", in: disc + "&foo=", want: okDisc},
		{name: "eight params", in: q(eight...), want: okDisc},
		{name: "token min length 20", in: q("stytch_token_type=discovery", "token="+strings.Repeat("a", 20)),
			want: Link{TokenType: Discovery, Token: strings.Repeat("a", 20)}},
		{name: "token max length 128", in: q("stytch_token_type=discovery", "token="+strings.Repeat("a", 126)+"=="),
			want: Link{TokenType: Discovery, Token: strings.Repeat("a", 126) + "=="}},
		{name: "slug with all allowed punctuation", in: q("stytch_token_type=multi_tenant_magic_links", "token="+tokPlain, "slug=a.b_c~d-e"),
			want: Link{TokenType: MultiTenant, Token: tokPlain, Slug: "a.b_c~d-e"}},

		// --- size ---
		{name: "10 KB input", in: disc + "&x=" + strings.Repeat("A", 10<<10), reason: TooLong},
		{name: "one byte over limit", in: disc + "&x=" + strings.Repeat("A", MaxLinkLen-len(disc)-3+1), reason: TooLong},
		{name: "100 params", in: q(manyParams...), reason: TooManyParams},
		{name: "nine params", in: q(nine...), reason: TooManyParams},

		// --- scheme / shape ---
		{name: "empty", in: "", reason: WrongScheme},
		{name: "not a url", in: "hello", reason: WrongScheme},
		{name: "missing scheme", in: "://auth/callback", reason: NotAURL},
		{name: "https", in: "https://auth/callback?stytch_token_type=discovery&token=" + tokPadded, reason: WrongScheme},
		{name: "scheme prefix lookalike", in: "stytch-desktopx://auth/callback?stytch_token_type=discovery&token=" + tokPadded, reason: WrongScheme},
		{name: "opaque form", in: "stytch-desktop:auth/callback?stytch_token_type=discovery&token=" + tokPadded, reason: NotAURL},
		{name: "single slash", in: "stytch-desktop:/auth/callback?stytch_token_type=discovery&token=" + tokPadded, reason: WrongTarget},
		{name: "triple slash", in: "stytch-desktop:///callback?stytch_token_type=discovery&token=" + tokPadded, reason: WrongTarget},
		{name: "evil host", in: "stytch-desktop://evil/callback?stytch_token_type=discovery&token=" + tokPadded, reason: WrongTarget},
		{name: "upper-case host", in: "stytch-desktop://AUTH/callback?stytch_token_type=discovery&token=" + tokPadded, reason: WrongTarget},
		{name: "dot-dot path", in: "stytch-desktop://auth/callback/../x?stytch_token_type=discovery&token=" + tokPadded, reason: WrongTarget},
		{name: "dot-dot back to callback", in: "stytch-desktop://auth/x/../callback?stytch_token_type=discovery&token=" + tokPadded, reason: WrongTarget},
		{name: "trailing slash", in: "stytch-desktop://auth/callback/?stytch_token_type=discovery&token=" + tokPadded, reason: WrongTarget},
		{name: "double slash path", in: "stytch-desktop://auth//callback?stytch_token_type=discovery&token=" + tokPadded, reason: WrongTarget},
		{name: "encoded path", in: "stytch-desktop://auth/%63allback?stytch_token_type=discovery&token=" + tokPadded, reason: WrongTarget},
		{name: "userinfo", in: "stytch-desktop://user@auth/callback?stytch_token_type=discovery&token=" + tokPadded, reason: ForbiddenURLPart},
		{name: "empty userinfo", in: "stytch-desktop://@auth/callback?stytch_token_type=discovery&token=" + tokPadded, reason: ForbiddenURLPart},
		{name: "auth as userinfo", in: "stytch-desktop://auth@evil/callback?stytch_token_type=discovery&token=" + tokPadded, reason: ForbiddenURLPart},
		{name: "port", in: "stytch-desktop://auth:443/callback?stytch_token_type=discovery&token=" + tokPadded, reason: ForbiddenURLPart},
		{name: "empty port", in: "stytch-desktop://auth:/callback?stytch_token_type=discovery&token=" + tokPadded, reason: ForbiddenURLPart},
		{name: "fragment", in: disc + "#frag", reason: ForbiddenURLPart},
		{name: "empty fragment", in: disc + "#", reason: ForbiddenURLPart},
		{name: "token in fragment", in: cb + "?stytch_token_type=discovery#token=" + tokPadded, reason: ForbiddenURLPart},

		// --- characters ---
		{name: "raw NUL", in: disc + "\x00", reason: InvalidCharacter},
		{name: "newline inside", in: cb + "?stytch_token_type=discovery\n&token=" + tokPadded, reason: InvalidCharacter},
		{name: "trailing newline (Parse does not trim)", in: disc + "\n", reason: InvalidCharacter},
		{name: "CRLF injection", in: disc + "\r\nX-Evil: 1", reason: InvalidCharacter},
		{name: "tab", in: "\t" + disc, reason: InvalidCharacter},
		{name: "space inside", in: cb + "?stytch_token_type=discovery &token=" + tokPadded, reason: InvalidCharacter},
		{name: "fullwidth scheme letter", in: "ｓtytch-desktop://auth/callback?stytch_token_type=discovery&token=" + tokPadded, reason: InvalidCharacter},
		{name: "fullwidth in token", in: q("stytch_token_type=discovery", "token=ＤOYoip3rvIMMW5lgItikFK-Ak1CfMsgjuiCyI7uuU94="), reason: InvalidCharacter},
		{name: "cyrillic homoglyph host", in: "stytch-desktop://аuth/callback?stytch_token_type=discovery&token=" + tokPadded, reason: InvalidCharacter},
		{name: "RTL override raw", in: disc + "\u202e", reason: InvalidCharacter},
		{name: "backslash", in: `stytch-desktop://auth\callback?stytch_token_type=discovery&token=` + tokPadded, reason: InvalidCharacter},
		{name: "double quote", in: disc + `&x="`, reason: InvalidCharacter},

		// --- query ---
		{name: "no query", in: cb, reason: MissingParam},
		{name: "empty query", in: cb + "?", reason: MissingParam},
		{name: "missing token", in: q("stytch_token_type=discovery"), reason: MissingParam},
		{name: "missing type", in: q("token=" + tokPadded), reason: MissingParam},
		{name: "duplicate token", in: disc + "&token=" + tokPlain, reason: DuplicateParam},
		{name: "duplicate token, second garbage", in: disc + "&token=x", reason: DuplicateParam},
		{name: "duplicate token, first garbage", in: q("token=x", "stytch_token_type=discovery", "token="+tokPadded), reason: DuplicateParam},
		{name: "duplicate type", in: disc + "&stytch_token_type=multi_tenant_magic_links", reason: DuplicateParam},
		{name: "duplicate slug", in: q("stytch_token_type=multi_tenant_magic_links", "token="+tokPlain, "slug=aa", "slug=bb"), reason: DuplicateParam},
		{name: "duplicate unknown param", in: disc + "&utm=1&utm=2", reason: DuplicateParam},
		{name: "semicolon separator", in: q("stytch_token_type=discovery;token=" + tokPadded), reason: BadQuery},
		{name: "semicolon in value", in: disc + "&x=a;b", reason: BadQuery},
		{name: "empty pair", in: q("stytch_token_type=discovery", "", "token="+tokPadded), reason: BadQuery},
		{name: "pair without =", in: disc + "&flag", reason: BadQuery},
		{name: "empty name", in: disc + "&=x", reason: BadQuery},
		{name: "bad escape", in: disc + "&x=%zz", reason: BadQuery},
		{name: "encoded name", in: q("stytch_token_type=discovery", "tok%65n="+tokPadded), reason: BadParam},
		{name: "upper-case token name", in: q("stytch_token_type=discovery", "TOKEN="+tokPadded), reason: BadParam},
		{name: "case variant alongside real token", in: disc + "&Token=" + tokPlain, reason: BadParam},
		{name: "param name too long", in: disc + "&" + strings.Repeat("n", 33) + "=1", reason: BadParam},

		// --- token type ---
		{name: "consumer magic_links type", in: q("stytch_token_type=magic_links", "token="+tokPadded), reason: UnknownTokenType},
		{name: "oauth type wrong case", in: q("stytch_token_type=SSO", "token="+tokPadded), reason: UnknownTokenType},
		{name: "impersonation not handled", in: q("stytch_token_type=multi_tenant_impersonation", "token="+tokPadded), reason: UnknownTokenType},
		{name: "type wrong case", in: q("stytch_token_type=Discovery", "token="+tokPadded), reason: UnknownTokenType},
		{name: "type empty", in: q("stytch_token_type=", "token="+tokPadded), reason: UnknownTokenType},
		{name: "type with encoded NUL", in: q("stytch_token_type=discovery%00", "token="+tokPadded), reason: UnknownTokenType},

		// --- token syntax ---
		{name: "token empty", in: q("stytch_token_type=discovery", "token="), reason: BadToken},
		{name: "token too short", in: q("stytch_token_type=discovery", "token="+strings.Repeat("a", 19)), reason: BadToken},
		{name: "token too long", in: q("stytch_token_type=discovery", "token="+strings.Repeat("a", 129)), reason: BadToken},
		{name: "token encoded NUL", in: q("stytch_token_type=discovery", "token="+tokPlain+"%00"), reason: BadToken},
		{name: "token double-encoded", in: q("stytch_token_type=discovery", "token=%2541"+tokPlain), reason: BadToken},
		{name: "token with plus (space)", in: q("stytch_token_type=discovery", "token=DOYoip3rvIMMW5lgItikFK+Ak1CfMsgjuiCyI7uuU94="), reason: BadToken},
		{name: "token with encoded plus", in: q("stytch_token_type=discovery", "token=DOYoip3rvIMMW5lgItikFK%2BAk1CfMsgjuiCyI7uuU94="), reason: BadToken},
		{name: "token with slash (std base64)", in: q("stytch_token_type=discovery", "token=DOYoip3rvIMMW5lgItikFK%2FAk1CfMsgjuiCyI7uuU94="), reason: BadToken},
		{name: "token padding in middle", in: q("stytch_token_type=discovery", "token=DOYoip3rvIMMW5lg=tikFK-Ak1CfMsgjuiCyI7uuU94"), reason: BadToken},
		{name: "token three pads", in: q("stytch_token_type=discovery", "token="+tokPlain+"==="), reason: BadToken},
		{name: "token only padding", in: q("stytch_token_type=discovery", "token=="), reason: BadToken},
		{name: "token RTL override encoded", in: q("stytch_token_type=discovery", "token="+tokPlain+"%E2%80%AE"), reason: BadToken},
		{name: "token encoded fullwidth", in: q("stytch_token_type=discovery", "token=%EF%BC%A4"+tokPlain), reason: BadToken},

		// --- other params ---
		{name: "slug too short", in: q("stytch_token_type=multi_tenant_magic_links", "token="+tokPlain, "slug=a"), reason: BadParam},
		{name: "slug too long", in: q("stytch_token_type=multi_tenant_magic_links", "token="+tokPlain, "slug="+strings.Repeat("a", 129)), reason: BadParam},
		{name: "slug with encoded slash", in: q("stytch_token_type=multi_tenant_magic_links", "token="+tokPlain, "slug=a%2Fb"), reason: BadParam},
		{name: "extra value double-encoded", in: disc + "&x=%2500", reason: BadParam},
		{name: "extra value encoded NUL", in: disc + "&x=%00", reason: BadParam},
		{name: "extra value encoded newline", in: disc + "&x=a%0Ab", reason: BadParam},
		{name: "extra value too long", in: disc + "&x=" + strings.Repeat("v", 257), reason: BadParam},

		// --- pasted ---
		{name: "pasted custom link", pasted: true, in: disc, want: okDisc},
		{name: "pasted https email link", pasted: true, in: emailLink, want: okDisc},
		{name: "pasted live email link", pasted: true, in: "https://stytch.com/v1/magic_links/redirect?slug=acme&stytch_token_type=multi_tenant_magic_links&token=" + tokPlain,
			want: Link{TokenType: MultiTenant, Token: tokPlain, Slug: "acme"}},
		{name: "pasted local API link with port", pasted: true, in: "http://127.0.0.1:43111/v1/magic_links/redirect?stytch_token_type=discovery&token=" + tokPadded, want: okDisc},
		{name: "pasted open page address", pasted: true, in: "https://auth.example.com/open?stytch_token_type=discovery&token=" + tokPadded, want: okDisc},
		{name: "pasted open page with a suffix", pasted: true, in: "https://auth.example.com/open/x?stytch_token_type=discovery&token=" + tokPadded, reason: WrongTarget},
		{name: "pasted IPv6 loopback", pasted: true, in: "http://[::1]:8080/v1/magic_links/redirect?stytch_token_type=discovery&token=" + tokPadded, want: okDisc},
		{name: "pasted upper-case HTTPS", pasted: true, in: "HTTPS://test.stytch.com/v1/magic_links/redirect?stytch_token_type=discovery&token=" + tokPadded, want: okDisc},
		{name: "pasted with whitespace", pasted: true, in: " \t\n" + emailLink + " \r\n", want: okDisc},
		{name: "pasted with angle brackets", pasted: true, in: "<" + emailLink + ">", want: okDisc},
		{name: "pasted with brackets, quotes and spaces", pasted: true, in: `  <"` + disc + `">` + "\n", want: okDisc},
		{name: "pasted with typographic quotes", pasted: true, in: "\u201c" + emailLink + "\u201d", want: okDisc},
		{name: "pasted with NBSP and zero-width space", pasted: true, in: "\u00a0\u200b" + disc + "\ufeff", want: okDisc},
		{name: "pasted wrong path", pasted: true, in: "https://test.stytch.com/v1/magic_links/other?stytch_token_type=discovery&token=" + tokPadded, reason: WrongTarget},
		{name: "pasted prefixed path", pasted: true, in: "https://evil.example/x/v1/magic_links/redirect?stytch_token_type=discovery&token=" + tokPadded, reason: WrongTarget},
		{name: "pasted encoded path", pasted: true, in: "https://test.stytch.com/v1/magic_links/%72edirect?stytch_token_type=discovery&token=" + tokPadded, reason: WrongTarget},
		{name: "pasted host with underscore", pasted: true, in: "https://a_b.example/v1/magic_links/redirect?stytch_token_type=discovery&token=" + tokPadded, reason: WrongTarget},
		{name: "pasted userinfo", pasted: true, in: "https://stytch.com@evil.example/v1/magic_links/redirect?stytch_token_type=discovery&token=" + tokPadded, reason: ForbiddenURLPart},
		{name: "pasted port zero", pasted: true, in: "http://127.0.0.1:0/v1/magic_links/redirect?stytch_token_type=discovery&token=" + tokPadded, reason: ForbiddenURLPart},
		{name: "pasted port out of range", pasted: true, in: "http://127.0.0.1:99999/v1/magic_links/redirect?stytch_token_type=discovery&token=" + tokPadded, reason: ForbiddenURLPart},
		{name: "pasted fragment", pasted: true, in: emailLink + "#x", reason: ForbiddenURLPart},
		{name: "pasted ftp", pasted: true, in: "ftp://test.stytch.com/v1/magic_links/redirect?stytch_token_type=discovery&token=" + tokPadded, reason: WrongScheme},
		{name: "pasted javascript", pasted: true, in: "javascript:alert(1)//?stytch_token_type=discovery&token=" + tokPadded, reason: WrongScheme},
		{name: "pasted opaque https", pasted: true, in: "https:test.stytch.com/v1/magic_links/redirect?stytch_token_type=discovery&token=" + tokPadded, reason: NotAURL},
		{name: "pasted whitespace inside", pasted: true, in: "https://test.stytch.com/v1/magic_links/redirect?stytch_token_type=discovery &token=" + tokPadded, reason: InvalidCharacter},
		{name: "pasted RTL override inside", pasted: true, in: "https://test.stytch.com/v1/magic_links/redirect\u202e?stytch_token_type=discovery&token=" + tokPadded, reason: InvalidCharacter},
		{name: "pasted huge", pasted: true, in: strings.Repeat(" ", maxPastedLen) + disc, reason: TooLong},
		{name: "pasted over link limit after trim", pasted: true, in: " " + disc + "&x=" + strings.Repeat("A", MaxLinkLen) + " ", reason: TooLong},
		{name: "pasted unbalanced bracket", pasted: true, in: "<" + emailLink, reason: InvalidCharacter},
		{name: "pasted email link, consumer token type", pasted: true, in: "https://test.stytch.com/v1/magic_links/redirect?stytch_token_type=magic_links&token=" + tokPadded, reason: UnknownTokenType},
		{name: "pasted custom link still strict", pasted: true, in: "stytch-desktop://evil/callback?stytch_token_type=discovery&token=" + tokPadded, reason: WrongTarget},
		{name: "Parse refuses the email link", in: emailLink, reason: WrongScheme},
	}
	if len(cases) < 40 {
		t.Fatalf("only %d cases", len(cases))
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Fatalf("duplicate case name %q", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			parse := DefaultParser.Parse
			if c.pasted {
				parse = DefaultParser.ParsePasted
			}
			got, err := parse(c.in)
			if c.reason == 0 {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				if got != c.want {
					t.Fatalf("got %#v (token %q), want token %q type %s slug %q", got, got.Token, c.want.Token, c.want.TokenType, c.want.Slug)
				}
				if err := got.Validate(); err != nil {
					t.Fatalf("accepted link does not re-validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted %q, want %v", got.Token, c.reason)
			}
			if got != (Link{}) {
				t.Fatalf("rejected but returned non-zero link")
			}
			if r := ReasonOf(err); r != c.reason {
				t.Fatalf("reason = %v (%d), want %v (%d); err = %v", r, r, c.reason, c.reason, err)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("errors.Is(err, ErrMalformed) = false")
			}
			if !errors.Is(err, &Error{Reason: c.reason}) {
				t.Fatalf("errors.Is(err, &Error{%v}) = false", c.reason)
			}
			assertErrorLeaksNothing(t, err, c.in)
		})
	}
}

// allMessages is every message Parse can produce. Asserting membership proves
// no part of the input (token, raw text, attacker-chosen names) can appear in
// an error message.
func allMessages() map[string]bool {
	m := map[string]bool{}
	for r := Reason(1); int(r) < len(reasonText); r++ {
		for _, p := range []string{"", paramType, paramToken, paramSlug} {
			m[(&Error{Reason: r, Param: p}).Error()] = true
		}
	}
	return m
}

var knownMessages = allMessages()

func assertErrorLeaksNothing(t testing.TB, err error, raw string) {
	t.Helper()
	msg := err.Error()
	if !knownMessages[msg] {
		t.Fatalf("error message %q is not one of the fixed messages", msg)
	}
	if len(raw) >= minTokenLen && strings.Contains(msg, raw) {
		t.Fatalf("error message contains the raw input")
	}
	for _, tok := range candidateTokens(raw) {
		if strings.Contains(msg, tok) {
			t.Fatalf("error message contains the token")
		}
	}
}

// candidateTokens pulls every value of a "token" parameter out of raw (raw
// and decoded), however malformed the rest is.
func candidateTokens(raw string) []string {
	var out []string
	for _, sep := range []string{"token=", "TOKEN="} {
		s := raw
		for {
			i := strings.Index(s, sep)
			if i < 0 {
				break
			}
			s = s[i+len(sep):]
			v := s
			if j := strings.IndexAny(v, "&;# \n"); j >= 0 {
				v = v[:j]
			}
			if len(v) >= minTokenLen {
				out = append(out, v)
				if d, err := url.QueryUnescape(v); err == nil && len(d) >= minTokenLen {
					out = append(out, d)
				}
			}
		}
	}
	return out
}

func TestZeroParserIsDefault(t *testing.T) {
	l, err := Parser{}.Parse(disc)
	if err != nil || l.Token != tokPadded {
		t.Fatalf("zero Parser: %v", err)
	}
}

func TestCustomParser(t *testing.T) {
	p := Parser{Scheme: "acme", Host: "login", Path: "/done"}
	if _, err := p.Parse("acme://login/done?stytch_token_type=discovery&token=" + tokPadded); err != nil {
		t.Fatalf("custom parser rejected its own link: %v", err)
	}
	if _, err := p.Parse(disc); ReasonOf(err) != WrongScheme {
		t.Fatalf("custom parser accepted default scheme: %v", err)
	}
}

func TestErrorIs(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", &Error{Reason: BadToken, Param: paramToken})
	if !errors.Is(err, ErrMalformed) || !errors.Is(err, &Error{Reason: BadToken}) || errors.Is(err, &Error{Reason: TooLong}) {
		t.Fatal("errors.Is does not see through the wrap correctly")
	}
	if errors.Is(ErrDuplicate, ErrMalformed) {
		t.Fatal("inbox errors must not count as malformed")
	}
	if ReasonOf(errors.New("x")) != 0 || ReasonOf(nil) != 0 {
		t.Fatal("ReasonOf of a foreign error must be 0")
	}
	if Reason(200).String() != "unknown reason" {
		t.Fatal("out-of-range reason")
	}
}

func BenchmarkParse(b *testing.B) {
	inputs := []struct{ name, in string }{
		{"valid", disc},
		{"valid-slug", q("slug=acme-corp", "stytch_token_type=multi_tenant_magic_links", "token="+tokPlain)},
		{"hostile-long", disc + "&x=" + strings.Repeat("A", 10<<10)},
		{"hostile-dup", disc + "&token=" + tokPlain},
	}
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = DefaultParser.Parse(in.in)
			}
		})
	}
	b.Run("pasted-email", func(b *testing.B) {
		b.ReportAllocs()
		in := " <" + emailLink + "> "
		for b.Loop() {
			_, _ = DefaultParser.ParsePasted(in)
		}
	})
}
