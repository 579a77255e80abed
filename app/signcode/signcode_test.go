package signcode

import (
	"strings"
	"testing"
)

func TestCodesUseOnlyTheUnambiguousAlphabet(t *testing.T) {
	seen := map[rune]bool{}
	for range 2000 {
		c, err := NewCode()
		if err != nil {
			t.Fatal(err)
		}
		if len(c) != CodeLen {
			t.Fatalf("code %q", c)
		}
		for _, r := range c {
			if !strings.ContainsRune(Alphabet, r) || strings.ContainsRune("01OILU", r) {
				t.Fatalf("code %q has %q", c, r)
			}
			seen[r] = true
		}
	}
	if len(seen) != len(Alphabet) {
		t.Fatalf("2000 codes used %d of %d symbols", len(seen), len(Alphabet))
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"ABCD-EFGH": "ABCDEFGH", " abcd efgh ": "ABCDEFGH", "abcdefgh": "ABCDEFGH",
		"ABCD-EFG": "", "ABCD-EFGHJ": "", "ABCD-EFG0": "", "ABCD_EFGH": "", "ÄBCD-EFGH": "", strings.Repeat("A", 100): "",
	} {
		got, ok := Normalize(in)
		if got != want || ok != (want != "") {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if c, ok := CodeFromPaste("stytch-desktop", " stytch-desktop://auth/code?code=abcd-efgh\n"); !ok || c != "ABCDEFGH" {
		t.Fatalf("code link: %q %v", c, ok)
	}
	if _, ok := CodeFromPaste("stytch-desktop", "stytch-desktop://auth/callback?stytch_token_type=discovery&token=x"); ok {
		t.Fatal("a token link read as a code")
	}
}
