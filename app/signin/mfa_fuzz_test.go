package signin

import (
	"regexp"
	"strings"
	"testing"
)

// Fuzz targets for the MFA screens' parsers of outside input. Each holds the
// parser to its contract: the accepted form, the kind of a rejection, error
// texts that never carry the input (a code is a secret), idempotence.

var (
	fuzzE164Re   = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)
	fuzzCodeRe   = regexp.MustCompile(`^[0-9]{6}$`)
	fuzzBackupRe = regexp.MustCompile(`^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$`)
)

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"+15555550123", "+1 (555) 555-0123", " +44 7700 900123 ", "+33.1.23.45.67.89", "5555550123",
		"+0123456789", "+1 555", "+1555555012345678", "+1 555 CALL NOW", "+١٥٥٥٥٥٥٠١٢٣", "++15555550123", "+"} {
		f.Add(s)
	}
	known := messagesOf(f, func(s string) error { _, err := NormalizePhone(s); return err },
		"5555550123", "+1 555 x", "+1 555")
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := NormalizePhone(raw)
		if err != nil {
			if got != "" || KindOf(err) != KindInvalidPhone || !known[err.Error()] {
				t.Fatalf("rejection of %q: %q, %v (kind %s)", raw, got, err, KindOf(err))
			}
			return
		}
		if !fuzzE164Re.MatchString(got) {
			t.Fatalf("accepted %q as %q", raw, got)
		}
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, raw)
		if got[1:] != digits {
			t.Fatalf("%q: digits changed to %q", raw, got)
		}
		if again, err := NormalizePhone(got); err != nil || again != got {
			t.Fatalf("%q does not re-normalize to itself", got)
		}
		if m := MaskPhone(got); len(m) != len(got)-1 || m[len(m)-4:] != got[len(got)-4:] || strings.Trim(m[:len(m)-4], "X") != "" {
			t.Fatalf("mask(%q) = %q", got, m)
		}
	})
}

func FuzzNormalizeCodes(f *testing.F) {
	for _, s := range []string{"123456", " 123 456\n", "123-456", "12345", "1234567", "12345a", "١٢٣٤٥٦",
		"ABCD-EFGH-1234", "abcd efgh 1234", "abcdefgh1234", "abcd-efgh-123", "abcd_efgh_1234", ""} {
		f.Add(s)
	}
	codeMsgs := messagesOf(f, func(s string) error { _, err := NormalizeCode(s); return err }, "x")
	backupMsgs := messagesOf(f, func(s string) error { _, err := NormalizeBackupCode(s); return err }, "!", "abc")
	f.Fuzz(func(t *testing.T, raw string) {
		if got, err := NormalizeCode(raw); err != nil {
			if got != "" || KindOf(err) != KindInvalidCode || !codeMsgs[err.Error()] {
				t.Fatalf("code rejection of %q: %v", raw, err)
			}
		} else if !fuzzCodeRe.MatchString(got) || !strings.Contains(strings.Map(keepDigits, raw), got) {
			t.Fatalf("code %q accepted as %q", raw, got)
		}
		if got, err := NormalizeBackupCode(raw); err != nil {
			if got != "" || KindOf(err) != KindBackupCodeWrong || !backupMsgs[err.Error()] {
				t.Fatalf("backup code rejection of %q: %v", raw, err)
			}
		} else if !fuzzBackupRe.MatchString(got) {
			t.Fatalf("backup code %q accepted as %q", raw, got)
		} else if again, err := NormalizeBackupCode(got); err != nil || again != got {
			t.Fatalf("%q does not re-normalize to itself", got)
		}
	})
}

func keepDigits(r rune) rune {
	if r >= '0' && r <= '9' {
		return r
	}
	return -1
}
