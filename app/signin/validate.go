package signin

import (
	"net/mail"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The limits below follow Stytch's documented field rules so a value we accept
// is one Stytch accepts too, and the user hears about a mistake before a round trip.
const (
	maxEmailLen   = 254
	maxOrgNameLen = 128
	minSlugLen    = 2
	maxSlugLen    = 128
)

var (
	slugRe       = regexp.MustCompile(`^[a-zA-Z0-9._~-]+$`)
	emailLocalRe = regexp.MustCompile(`^[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+$`)
	emailHostRe  = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$`)
)

// NormalizeEmail trims the address and checks it the way Stytch does
// (a plain addr-spec with a dotted domain, ASCII only). It returns the address
// to send or a KindInvalidEmail error.
func NormalizeEmail(raw string) (string, error) {
	const op = "validate email"
	email := strings.TrimSpace(raw)
	if email == "" || len(email) > maxEmailLen {
		return "", Errorf(op, KindInvalidEmail, "address empty or too long")
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || addr.Name != "" {
		return "", Errorf(op, KindInvalidEmail, "not a plain email address")
	}
	at := strings.LastIndexByte(email, '@')
	local, host := email[:at], email[at+1:]
	if len(local) > 64 || !emailLocalRe.MatchString(local) || strings.HasPrefix(local, ".") ||
		strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return "", Errorf(op, KindInvalidEmail, "invalid local part")
	}
	if !emailHostRe.MatchString(host) {
		return "", Errorf(op, KindInvalidEmail, "invalid domain")
	}
	return email, nil
}

// ValidateOrganization checks a new organization's name and slug.
func ValidateOrganization(org NewOrganization) (NewOrganization, error) {
	const op = "validate organization"
	org.Name = strings.TrimSpace(org.Name)
	org.Slug = strings.TrimSpace(org.Slug)
	if n := utf8.RuneCountInString(org.Name); n < 1 || n > maxOrgNameLen || !utf8.ValidString(org.Name) {
		return org, Errorf(op, KindInvalidOrganization, "name must be 1 to %d characters", maxOrgNameLen)
	}
	for _, r := range org.Name {
		// IsControl covers C0, DEL and the C1 range (U+0080–U+009F, e.g.
		// NEL), which are just as invisible in a name as ASCII controls.
		if unicode.IsControl(r) {
			return org, Errorf(op, KindInvalidOrganization, "name has control characters")
		}
	}
	if len(org.Slug) < minSlugLen || len(org.Slug) > maxSlugLen || !slugRe.MatchString(org.Slug) {
		return org, Errorf(op, KindInvalidOrganization, "slug must be %d to %d of a-z 0-9 . _ ~ -", minSlugLen, maxSlugLen)
	}
	return org, nil
}

// SuggestSlug turns an organization name into a URL slug: lower case ASCII
// letters and digits separated by single dashes, accents dropped ("Café" → "cafe").
func SuggestSlug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(strings.ToLower(name)) {
		if unicode.Is(unicode.Mn, r) {
			continue // a combining accent of the previous letter
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
		if b.Len() >= maxSlugLen {
			break
		}
	}
	s := b.String()
	if len(s) > maxSlugLen {
		s = strings.TrimRight(s[:maxSlugLen], "-")
	}
	if len(s) < minSlugLen {
		// "X Corp" → "x-corp" is fine, but "X" → "x" would be a suggestion
		// ValidateOrganization (and Stytch) rejects; offer none instead.
		return ""
	}
	return s
}
