package mfacode

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

var reRecoveryCode = regexp.MustCompile(`^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$`)

// Fuzz targets for the MFA parsers of outside input: phone numbers, codes
// and TOTP secrets. Each checks the parser's contract, not just "no panic".

func FuzzParseE164(f *testing.F) {
	for _, s := range []string{"+15555550123", "+447700900123", "+1", "15555550123", "+0123456789", "+1 555 555 0123",
		"+١٢٣٤٥٦٧٨٩", "+1555555012345678", "", "+", "++15555550123", "+15555550123\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := ParseE164(s)
		if !ok {
			if p != "" {
				t.Fatalf("rejected %q but returned %q", s, p)
			}
			return
		}
		if p != s || len(p) < 9 || len(p) > 16 || p[0] != '+' || p[1] == '0' || strings.Trim(p[1:], "0123456789") != "" {
			t.Fatalf("accepted %q as %q", s, p)
		}
		m := MaskPhone(p)
		if len(m) != len(p)-1 || m[len(m)-4:] != p[len(p)-4:] || strings.Trim(m[:len(m)-4], "X") != "" {
			t.Fatalf("mask(%q) = %q", p, m)
		}
	})
}

func FuzzParseCodes(f *testing.F) {
	for _, s := range []string{"123456", "12345", "1234567", "12345a", "١٢٣٤٥٦", " 123456", "abcd-efgh-1234", "ABCD-EFGH-1234",
		"abcd-efgh-123", "abcd_efgh_1234", "abcd-efgh-12é4", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if c, ok := ParseOTPCode(s); ok {
			if c != s || len(c) != 6 || strings.Trim(c, "0123456789") != "" {
				t.Fatalf("OTP code %q accepted as %q", s, c)
			}
		}
		if c, ok := ParseRecoveryCode(s); ok {
			if !utf8.ValidString(c) || !reRecoveryCode.MatchString(c) || c != strings.ToLower(s) {
				t.Fatalf("recovery code %q accepted as %q", s, c)
			}
		}
	})
}

func FuzzTOTPCode(f *testing.F) {
	f.Add("JBSWY3DPEHPK3PXP", int64(59))
	f.Add("jbswy3dpehpk3pxp====", int64(-1))
	f.Add("not base32!", int64(1<<62))
	f.Fuzz(func(t *testing.T, secret string, unix int64) {
		code, err := TOTPCode(secret, unix)
		if err != nil {
			return
		}
		if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
			t.Fatalf("TOTPCode(%q, %d) = %q", secret, unix, code)
		}
		key, _ := B32.DecodeString(strings.ToUpper(strings.TrimRight(secret, "=")))
		if step := MatchTOTP(key, code, unix); step != unix/Period {
			t.Fatalf("MatchTOTP(own code) = %d, want %d", step, unix/Period)
		}
	})
}

// TestTOTPRFC6238Vectors checks the SHA-1 test vectors of RFC 6238
// Appendix B (8-digit values; the 6-digit code is their last six digits).
func TestTOTPRFC6238Vectors(t *testing.T) {
	secret := B32.EncodeToString([]byte("12345678901234567890"))
	for _, v := range []struct {
		unix int64
		want string
	}{{59, "94287082"}, {1111111109, "07081804"}, {1111111111, "14050471"}, {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"}} {
		got, err := TOTPCode(secret, v.unix)
		if err != nil || got != v.want[2:] {
			t.Errorf("TOTPCode(t=%d) = %q, %v; want %q", v.unix, got, err, v.want[2:])
		}
	}
}
