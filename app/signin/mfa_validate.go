package signin

import (
	"strings"
	"unicode"
)

// Outside input of the MFA screens: phone numbers, texted / authenticator
// codes and backup codes, checked before any call so a typo gets its own
// message and costs no attempt.

const (
	minE164Digits = 8  // shorter is no subscriber number anywhere
	maxE164Digits = 15 // ITU-T E.164
	codeDigits    = 6
)

// NormalizePhone accepts an international number as people type it
// ("+1 (555) 555-0123", "+44 7700 900123") and returns it in E.164
// ("+15555550123"): a leading +, a country code not starting with 0, 8 to 15
// digits. Spaces, dashes, dots and parentheses are dropped; anything else
// (letters, a missing +, a trunk "0" after the +) is KindInvalidPhone.
func NormalizePhone(raw string) (string, error) {
	const op = "validate phone number"
	s := strings.TrimSpace(raw)
	if !strings.HasPrefix(s, "+") {
		return "", Errorf(op, KindInvalidPhone, "an international number starts with + and the country code")
	}
	var b strings.Builder
	b.WriteByte('+')
	for _, r := range s[1:] {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '\u00a0':
		default:
			return "", Errorf(op, KindInvalidPhone, "only digits, spaces, dashes, dots and parentheses")
		}
	}
	p := b.String()
	if n := len(p) - 1; n < minE164Digits || n > maxE164Digits || p[1] == '0' {
		return "", Errorf(op, KindInvalidPhone, "8 to 15 digits after +, not starting with 0")
	}
	return p, nil
}

// NormalizeCode accepts a 6-digit code as typed or pasted ("123 456",
// "123-456", with surrounding space) and returns the six digits, else
// KindInvalidCode.
func NormalizeCode(raw string) (string, error) {
	var b strings.Builder
	for _, r := range raw {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || unicode.IsSpace(r):
		default:
			return "", Errorf("validate code", KindInvalidCode, "a code is 6 digits")
		}
	}
	if b.Len() != codeDigits {
		return "", Errorf("validate code", KindInvalidCode, "a code is 6 digits")
	}
	return b.String(), nil
}

// NormalizeBackupCode accepts a backup code as typed ("ABCD-EFGH-1234",
// "abcdefgh1234", with spaces) and returns Stytch's form "abcd-efgh-1234",
// else KindBackupCodeWrong.
func NormalizeBackupCode(raw string) (string, error) {
	var b strings.Builder
	for _, r := range strings.ToLower(raw) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || unicode.IsSpace(r):
		default:
			return "", Errorf("validate backup code", KindBackupCodeWrong, "letters and digits only")
		}
	}
	s := b.String()
	if len(s) != 12 {
		return "", Errorf("validate backup code", KindBackupCodeWrong, "a backup code has 12 letters and digits")
	}
	return s[:4] + "-" + s[4:8] + "-" + s[8:], nil
}

// MaskPhone shows only the last four digits of a number (the form Stytch
// uses in member_options), for screens and logs.
func MaskPhone(p string) string {
	d := strings.TrimPrefix(p, "+")
	if len(d) <= 4 {
		return d
	}
	return strings.Repeat("X", len(d)-4) + d[len(d)-4:]
}
