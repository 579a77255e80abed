// Package mfacode makes and checks the codes of the local API's MFA: TOTP
// (RFC 6238, with the defaults every authenticator app assumes), the
// otpauth:// URI and its QR code as a PNG data: URI, SMS codes, recovery
// codes, and E.164 phone numbers. Pure functions; no state.
package mfacode

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math/big"
	"net/url"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// TOTP per RFC 6238 with the parameters every authenticator app assumes when
// an otpauth:// URI names none: HMAC-SHA1, 6 digits, 30-second steps.

// TOTP parameters (RFC 6238 defaults) and the SMS code length.
const (
	Period    = 30 // seconds; what authenticator apps assume
	Digits    = 6
	SkewSteps = 1 // Stytch's TOTP docs accept the previous and next window
	OTPDigits = 6 // SMS codes; Stytch's UI input length
)

// B32 is the base32 form of TOTP secrets (no padding, as otpauth URIs use).
var B32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// TOTPCode returns the RFC 6238 code of a base32 secret at unix time t
// (seconds). Exported so tests and tools compute what an authenticator shows.
func TOTPCode(secretBase32 string, unix int64) (string, error) {
	key, err := B32.DecodeString(strings.ToUpper(strings.TrimRight(secretBase32, "=")))
	if err != nil {
		return "", fmt.Errorf("mfacode.TOTPCode: secret is not base32: %w", err)
	}
	return hotp(key, unix/Period), nil
}

// hotp is RFC 4226 HOTP with SHA-1 and 6 digits.
func hotp(key []byte, counter int64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(counter))
	h := hmac.New(sha1.New, key)
	h.Write(msg[:])
	sum := h.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%0*d", Digits, bin%1_000_000)
}

// MatchTOTP returns the time step a code matches within ±SkewSteps of
// unix, preferring the current step, or -1.
func MatchTOTP(key []byte, code string, unix int64) int64 {
	step := unix / Period
	for _, d := range []int64{0, -1, 1} {
		if d < -SkewSteps || d > SkewSteps {
			continue
		}
		if hmac.Equal([]byte(hotp(key, step+d)), []byte(code)) {
			return step + d
		}
	}
	return -1
}

// OTPAuthURI is the key URI authenticator apps scan (Google Authenticator's
// "Key Uri Format"): otpauth://totp/Issuer:account?secret=…&issuer=…
func OTPAuthURI(issuer, account, secretBase32 string) string {
	q := url.Values{}
	q.Set("secret", secretBase32)
	q.Set("issuer", issuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", "6")
	q.Set("period", "30")
	label := url.PathEscape(issuer) + ":" + url.PathEscape(account)
	return "otpauth://totp/" + label + "?" + q.Encode()
}

// QRDataURI renders text as a PNG QR code in a data: URI, the form Stytch's
// qr_code field takes (usable directly as an <img src>).
func QRDataURI(text string) (string, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return "", fmt.Errorf("qr code: %w", err)
	}
	bits := q.Bitmap() // with the quiet zone
	png := pngBitmap(bits, max(1, 256/len(bits)))
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(png), nil
}

// --- codes typed by people (outside input) ---

// ParseOTPCode accepts exactly six ASCII digits (Stytch's UI input; a pasted
// code with surrounding spaces is trimmed by the app, not here).
func ParseOTPCode(code string) (string, bool) {
	if len(code) != OTPDigits {
		return "", false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return "", false
		}
	}
	return code, true
}

const recoveryAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// ParseRecoveryCode normalizes a recovery code "xxxx-xxxx-xxxx" (lowercase
// letters and digits; case-insensitive, as people retype them).
func ParseRecoveryCode(code string) (string, bool) {
	code = strings.ToLower(code)
	if len(code) != 14 || code[4] != '-' || code[9] != '-' {
		return "", false
	}
	for i := 0; i < len(code); i++ {
		if i == 4 || i == 9 {
			continue
		}
		if !strings.ContainsRune(recoveryAlphabet, rune(code[i])) {
			return "", false
		}
	}
	return code, true
}

func RandomDigits(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		b.WriteByte(byte('0' + d.Int64()))
	}
	return b.String()
}

// RecoveryCodeFrom spells 12 bytes of seed (an HMAC output) as a recovery
// code xxxx-xxxx-xxxx, so a server can derive a member's codes again from its
// key instead of storing them.
func RecoveryCodeFrom(seed []byte) string {
	var b strings.Builder
	for i := 0; i < 12; i++ {
		if i == 4 || i == 8 {
			b.WriteByte('-')
		}
		b.WriteByte(recoveryAlphabet[int(seed[i])%len(recoveryAlphabet)])
	}
	return b.String()
}

// NewRecoveryCode is a random recovery code.
func NewRecoveryCode() string {
	var b strings.Builder
	for i := 0; i < 12; i++ {
		if i == 4 || i == 8 {
			b.WriteByte('-')
		}
		d, _ := rand.Int(rand.Reader, big.NewInt(int64(len(recoveryAlphabet))))
		b.WriteByte(recoveryAlphabet[d.Int64()])
	}
	return b.String()
}

// --- phone numbers ---

// ParseE164 validates an E.164 number: "+", a country code not starting
// with 0, 8 to 15 digits in all (ITU-T E.164 allows at most 15; fewer than 8
// is no real subscriber number). No spaces or punctuation: Stytch wants the
// canonical form, and the app normalizes before sending.
func ParseE164(phone string) (string, bool) {
	if len(phone) < 9 || len(phone) > 16 || phone[0] != '+' || phone[1] == '0' {
		return "", false
	}
	for i := 1; i < len(phone); i++ {
		if phone[i] < '0' || phone[i] > '9' {
			return "", false
		}
	}
	return phone, true
}

// MaskPhone is how mfa_required.member_options shows a number: every digit
// but the last four as X, no "+" (Stytch's docs sample: XXXXXXX1234).
func MaskPhone(phone string) string {
	digits := strings.TrimPrefix(phone, "+")
	if len(digits) <= 4 {
		return digits
	}
	return strings.Repeat("X", len(digits)-4) + digits[len(digits)-4:]
}
