package deeplink

import (
	"net/url"
	"strings"
	"testing"
)

// linkURL renders a Link back into the canonical custom-scheme URL, to check
// that what the parser accepted survives a round trip unchanged.
func linkURL(l Link) string {
	v := "stytch_token_type=" + url.QueryEscape(string(l.TokenType)) + "&token=" + url.QueryEscape(l.Token)
	if l.Slug != "" {
		v += "&slug=" + url.QueryEscape(l.Slug)
	}
	return cb + "?" + v
}

// FuzzParse: the committed corpus in testdata/fuzz/FuzzParse holds hostile
// inputs; the seeds below cover the accepted shapes so mutations start from
// something that gets deep into the parser.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		disc,
		emailLink,
		" <" + emailLink + "> ",
		q("slug=acme-corp", "stytch_token_type=multi_tenant_magic_links", "token="+tokPlain),
		q("stytch_token_type=discovery", "token=DOYoip3rvIMMW5lgItikFK-Ak1CfMsgjuiCyI7uuU94%3D"),
		"http://[::1]:8080/v1/magic_links/redirect?stytch_token_type=discovery&token=" + tokPadded,
		"stytch-desktop:auth/callback?stytch_token_type=discovery&token=" + tokPadded,
		disc + "&token=" + tokPlain,
		// Browser round trips (OAuth, SSO) come back with these types.
		q("stytch_token_type=discovery_oauth", "token="+tokPadded),
		q("stytch_token_type=oauth", "token="+tokPlain),
		q("token="+tokPlain, "stytch_token_type=sso"),
		q("stytch_token_type=sso", "token=sso"+tokPlain[3:]),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		strict, strictErr := DefaultParser.Parse(raw)
		pasted, pastedErr := DefaultParser.ParsePasted(raw)

		for _, r := range []struct {
			name string
			l    Link
			err  error
		}{{"Parse", strict, strictErr}, {"ParsePasted", pasted, pastedErr}} {
			if r.err != nil {
				if r.l != (Link{}) {
					t.Fatalf("%s: error with non-zero Link", r.name)
				}
				if ReasonOf(r.err) == 0 {
					t.Fatalf("%s: untyped error %T", r.name, r.err)
				}
				assertErrorLeaksNothing(t, r.err, raw)
				continue
			}
			if err := r.l.Validate(); err != nil {
				t.Fatalf("%s: accepted link fails Validate: %v", r.name, err)
			}
			again, err := DefaultParser.Parse(linkURL(r.l))
			if err != nil || again != r.l {
				t.Fatalf("%s: accepted link does not round-trip: %v", r.name, err)
			}
			for how, s := range renderings(t, r.l) {
				if strings.Contains(s, r.l.Token) {
					t.Fatalf("%s: %s leaks the token", r.name, how)
				}
			}
		}

		// ParsePasted accepts a superset of Parse, with the same result.
		if strictErr == nil && (pastedErr != nil || pasted != strict) {
			t.Fatalf("Parse accepted but ParsePasted disagreed: %v", pastedErr)
		}
		// Nothing longer than the limit is ever accepted by Parse.
		if strictErr == nil && len(raw) > MaxLinkLen {
			t.Fatalf("Parse accepted %d bytes", len(raw))
		}
	})
}
