package signin

import (
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"ada@example.com", "ada@example.com", true},
		{"  ada@example.com\n", "ada@example.com", true},
		{"first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk", true},
		{"", "", false},
		{"ada", "", false},
		{"ada@", "", false},
		{"@example.com", "", false},
		{"ada@example", "", false},
		{"ada@@example.com", "", false},
		{"ada@exa mple.com", "", false},
		{"Ada <ada@example.com>", "", false},
		{"ada.@example.com", "", false},
		{"a..da@example.com", "", false},
		{"ada@-example.com", "", false},
		{"adá@example.com", "", false},
		{"ada@example.com\x00", "", false},
		{strings.Repeat("a", 65) + "@example.com", "", false},
		{"a@" + strings.Repeat("b", 250) + ".com", "", false},
	}
	for _, tt := range tests {
		got, err := NormalizeEmail(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && KindOf(err) != KindInvalidEmail {
			t.Errorf("NormalizeEmail(%q) kind = %s", tt.in, KindOf(err))
		}
	}
}

func TestValidateOrganization(t *testing.T) {
	tests := []struct {
		org NewOrganization
		ok  bool
	}{
		{NewOrganization{"Acme", "acme"}, true},
		{NewOrganization{"  Acme  ", " acme "}, true},
		{NewOrganization{"Acme", "a.b_c~d-e"}, true},
		{NewOrganization{"", "acme"}, false},
		{NewOrganization{strings.Repeat("x", 129), "acme"}, false},
		{NewOrganization{"Acme\nCorp", "acme"}, false},
		{NewOrganization{"Acme", "a"}, false},
		{NewOrganization{"Acme", "acme corp"}, false},
		{NewOrganization{"Acme", "acmé"}, false},
		{NewOrganization{"Acme", strings.Repeat("a", 129)}, false},
	}
	for _, tt := range tests {
		_, err := ValidateOrganization(tt.org)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateOrganization(%+v) = %v, want ok=%v", tt.org, err, tt.ok)
		}
	}
}

func TestSuggestSlug(t *testing.T) {
	tests := map[string]string{
		"Acme Corp":         "acme-corp",
		"  Acme -- Corp!! ": "acme-corp",
		"Café Crème":        "cafe-creme",
		"R&D 2026":          "r-d-2026",
		"日本":                "",
		"":                  "",
	}
	for in, want := range tests {
		if got := SuggestSlug(in); got != want {
			t.Errorf("SuggestSlug(%q) = %q, want %q", in, got, want)
		}
	}
	if got := SuggestSlug(strings.Repeat("ab ", 100)); len(got) > 128 || strings.HasSuffix(got, "-") {
		t.Errorf("long slug %q (%d)", got, len(got))
	}
}
