package signin

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

var (
	// fuzzSlugRe is Stytch's organization_slug rule, written out here rather
	// than reusing slugRe so the fuzz targets check the code against the
	// rule, not against itself.
	fuzzSlugRe = regexp.MustCompile(`^[a-zA-Z0-9._~-]{2,128}$`)
	// suggestedSlugRe is the narrower shape SuggestSlug promises: lower-case
	// letters and digits in runs joined by single dashes.
	suggestedSlugRe = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

// messagesOf collects the error texts fn produces for inputs chosen to hit
// each of its rejection branches. A fuzzed rejection whose text is outside
// this set was built from something else — most likely the input.
func messagesOf(t testing.TB, fn func(string) error, inputs ...string) map[string]bool {
	t.Helper()
	m := map[string]bool{}
	for _, in := range inputs {
		err := fn(in)
		if err == nil {
			t.Fatalf("message probe %q was accepted", in)
		}
		m[err.Error()] = true
	}
	if len(m) != len(inputs) {
		t.Fatalf("message probes hit %d distinct messages, want %d", len(m), len(inputs))
	}
	return m
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{
		"ada@example.com",
		"  first.last+tag@sub.example.co.uk\n",
		"Ada Lovelace <ada@example.com>",
		`"a@b"@example.com`,
		"a@[127.0.0.1]",
		"ada@exämple.com",
		"ada@example..com",
		"ada@@example.com",
		"ada@example.com\x00",
		strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 58) + ".com",
		"",
	} {
		f.Add(s)
	}
	known := messagesOf(f, func(s string) error { _, err := NormalizeEmail(s); return err },
		"", "not an address", strings.Repeat("a", 65)+"@example.com", "ada@example")
	f.Fuzz(func(t *testing.T, raw string) {

		got, err := NormalizeEmail(raw)
		if err != nil {
			if got != "" {
				t.Fatalf("error with non-empty result %q", got)
			}
			if k := KindOf(err); k != KindInvalidEmail {
				t.Fatalf("kind %q, want %q", k, KindInvalidEmail)
			}
			if !known[err.Error()] {
				t.Fatalf("error text %q is not one of the fixed messages", err.Error())
			}
			return
		}
		if got != strings.TrimSpace(raw) {
			t.Fatalf("accepted %q as %q: not just trimmed", raw, got)
		}
		if len(got) == 0 || len(got) > maxEmailLen {
			t.Fatalf("accepted %d bytes", len(got))
		}
		for i := 0; i < len(got); i++ {
			if got[i] >= utf8.RuneSelf || got[i] <= ' ' || got[i] == 0x7f {
				t.Fatalf("accepted %q with byte %#x", got, got[i])
			}
		}
		if n := strings.Count(got, "@"); n != 1 {
			t.Fatalf("accepted %q with %d '@'", got, n)
		}
		if again, err := NormalizeEmail(got); err != nil || again != got {
			t.Fatalf("%q does not re-normalize to itself: %q, %v", got, again, err)
		}
	})
}

func FuzzValidateOrganization(f *testing.F) {
	for _, s := range [][2]string{
		{"Acme Corp", "acme-corp"},
		{"  Café Crème  ", " cafe.creme~1 "},
		{"日本", "nihon_2"},
		{"", "ab"},
		{"a\x00b", "ab"},
		{"a\u0085b", "ab"},
		{"\xff\xfe", "ab"},
		{strings.Repeat("é", 128), strings.Repeat("a", 128)},
		{strings.Repeat("é", 129), strings.Repeat("a", 129)},
		{"Acme", "a"},
		{"Acme", "acme/../x"},
		{"Acme", "ａｃｍｅ"},
	} {
		f.Add(s[0], s[1])
	}
	validate := func(n, s string) error {
		_, err := ValidateOrganization(NewOrganization{Name: n, Slug: s})
		return err
	}
	known := messagesOf(f, func(n string) error { return validate(n, "ok") }, "", "a\x01b")
	for m := range messagesOf(f, func(s string) error { return validate("Acme", s) }, "a") {
		known[m] = true
	}
	f.Fuzz(func(t *testing.T, name, slug string) {
		got, err := ValidateOrganization(NewOrganization{Name: name, Slug: slug})
		if err != nil {
			if k := KindOf(err); k != KindInvalidOrganization {
				t.Fatalf("kind %q, want %q", k, KindInvalidOrganization)
			}
			if !known[err.Error()] {
				t.Fatalf("error text %q is not one of the fixed messages", err.Error())
			}
			return
		}
		if got.Name != strings.TrimSpace(name) || got.Slug != strings.TrimSpace(slug) {
			t.Fatalf("accepted (%q, %q) as (%q, %q): not just trimmed", name, slug, got.Name, got.Slug)
		}
		if !fuzzSlugRe.MatchString(got.Slug) {
			t.Fatalf("accepted slug %q", got.Slug)
		}
		if !utf8.ValidString(got.Name) {
			t.Fatalf("accepted invalid UTF-8 name %q", got.Name)
		}
		if n := utf8.RuneCountInString(got.Name); n < 1 || n > maxOrgNameLen {
			t.Fatalf("accepted name of %d runes", n)
		}
		for _, r := range got.Name {
			if unicode.IsControl(r) {
				t.Fatalf("accepted name %q with control character %U", got.Name, r)
			}
		}
		if again, err := ValidateOrganization(got); err != nil || again != got {
			t.Fatalf("accepted value does not re-validate to itself: %v", err)
		}
	})
}

func FuzzSuggestSlug(f *testing.F) {
	for _, s := range []string{
		"Acme Corp",
		"  Acme -- Corp!! ",
		"Café Crème",
		"R&D 2026",
		"日本",
		"X",
		"İstanbul Ǆ ﬁ Kelvin",
		strings.Repeat("ab ", 100),
		strings.Repeat("a", 127) + " b",
		"\xff\xfea\u0301",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := SuggestSlug(name)
		if got == "" {
			return
		}
		if !suggestedSlugRe.MatchString(got) || !fuzzSlugRe.MatchString(got) {
			t.Fatalf("SuggestSlug(%q) = %q: not a valid slug", name, got)
		}
		if got != SuggestSlug(got) {
			t.Fatalf("SuggestSlug(%q) = %q is not a fixed point", name, got)
		}
		// A suggestion is only useful if the form then accepts it.
		if _, err := ValidateOrganization(NewOrganization{Name: "Acme", Slug: got}); err != nil {
			t.Fatalf("SuggestSlug(%q) = %q is rejected: %v", name, got, err)
		}
	})
}
