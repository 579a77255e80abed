package broker

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// ruleCtx carries one request through its route's rules: the company's
// policy in, the rate-limit keys and the (hashed-for-logs) email out.
type ruleCtx struct {
	cfg    *Config
	client string // the client's limit key (clientKey)
	keys   []limitKey
	email  string // normalised; only ever logged as a keyed hash
	org    string // the organization the request names, if any
}

func (rc *ruleCtx) limit(kind limitKind, value string) {
	if value != "" {
		rc.keys = append(rc.keys, limitKey{kind: kind, value: value})
	}
}

// limitConfirmed records a key charged only once Stytch has accepted the
// caller's token for it (see limitKey.confirmed).
func (rc *ruleCtx) limitConfirmed(kind limitKind, value string) {
	if value != "" {
		rc.keys = append(rc.keys, limitKey{kind: kind, value: value, confirmed: true})
	}
}

// fixed enforces a value the company configured: callers may omit it (the
// broker fills it in) or repeat it exactly, never choose another.
func fixed(field string, got *string, want string) *apiError {
	switch {
	case *got == "":
		*got = want
	case *got != want:
		return errBadRequest(field + " is set by the broker's configuration; omit it or send the configured value.")
	}
	return nil
}

func fixedMinutes(field string, got *uint32, want uint32) *apiError {
	switch {
	case *got == 0:
		*got = want
	case *got != want:
		return errBadRequest(field + " is set by the broker's configuration; omit it or send the configured value.")
	}
	return nil
}

// pkce requires a PKCE challenge or verifier: base64url, 43-128 characters
// (RFC 7636), so a link or browser token leaked from the device is useless.
func pkce(field, v string) *apiError {
	if v == "" {
		return errBadRequest(field + " is required by this broker (PKCE).")
	}
	if len(v) < 43 || len(v) > 128 || strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") != "" {
		return errBadRequest(field + " must be 43-128 base64url characters.")
	}
	return nil
}

// noClaims refuses session_custom_claims: a caller could otherwise write
// claims into its own session that the company's other services trust.
// An explicit null or {} is harmless and is dropped.
func noClaims(raw json.RawMessage) *apiError {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || bytes.Equal(t, []byte("null")) || bytes.Equal(bytes.Join(bytes.Fields(t), nil), []byte("{}")) {
		return nil
	}
	return errBadRequest("session_custom_claims may not be set through this broker.")
}

// clamp caps session_duration_minutes at the configured maximum. Zero
// (absent) stays absent: for sessions.authenticate that means "do not
// extend", which must not be turned into an extension.
func clamp(rc *ruleCtx, minutes *int32) {
	if *minutes > rc.cfg.MaxSessionMinutes {
		*minutes = rc.cfg.MaxSessionMinutes
	}
}

// required refuses an empty field.
func required(field, v string) *apiError {
	if v == "" {
		return errBadRequest(field + " is required.")
	}
	return nil
}

// exactlyOne requires exactly one of the named values to be set.
func exactlyOne(names string, values ...string) *apiError {
	n := 0
	for _, v := range values {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return errBadRequest("exactly one of " + names + " is required.")
	}
	return nil
}

// email normalises an address in place (trimmed, ASCII lower case: what is
// checked is what is forwarded), applies the domain allow-list and records
// the per-address and per-domain limit keys. Non-ASCII addresses are
// refused: Unicode case folding maps look-alikes onto allowed names (the
// Kelvin sign K folds to k, so "ban\u212A.example" would pass a list naming
// bank.example), and an internationalised domain can be sent in its ASCII
// (xn--) form. The per-address key ignores a +tag, so one mailbox gets one
// allowance however many tags are tried; the per-domain key is per client,
// so one source cannot use up a domain's allowance for everyone else.
func email(rc *ruleCtx, addr *string) *apiError {
	a := strings.TrimSpace(*addr)
	if a == "" {
		return errBadRequest("email_address is required.")
	}
	for i := 0; i < len(a); i++ {
		if a[i] < 0x21 || a[i] > 0x7e {
			return errInvalidEmail()
		}
	}
	a = strings.ToLower(a) // ASCII only, so this is exact
	at := strings.LastIndexByte(a, '@')
	if at <= 0 || at == len(a)-1 || len(a) > 254 || strings.Count(a, "@") != 1 || strings.ContainsAny(a, ",;<>()[]\\\"") {
		return errInvalidEmail()
	}
	local, domain := a[:at], a[at+1:]
	if strings.Trim(domain, "abcdefghijklmnopqrstuvwxyz0123456789-.") != "" || !strings.Contains(domain, ".") ||
		strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return errInvalidEmail()
	}
	if len(rc.cfg.AllowedEmailDomains) > 0 && !slices.Contains(rc.cfg.AllowedEmailDomains, domain) {
		return errEmailDomainNotAllowed()
	}
	*addr = a
	rc.email = a
	if plus := strings.IndexByte(local, '+'); plus > 0 {
		local = local[:plus]
	}
	rc.limit(limitEmail, local+"@"+domain)
	rc.limit(limitDomain, domain+"\x00"+rc.client)
	return nil
}

// organization requires the organization a request names and records it
// for the allow-list, which the broker judges with what it has learned from
// Stytch (orgs.go).
func organization(rc *ruleCtx, id string) *apiError {
	if id == "" {
		return errBadRequest("organization_id is required.")
	}
	rc.org = id
	return nil
}

// phone applies the optional country allow-list to an E.164 number and
// records the per-prefix key (country code and the next digits, so one
// number range cannot be pumped for SMS fraud).
func phone(rc *ruleCtx, number string, kind limitKind) *apiError {
	if number == "" {
		return nil
	}
	if len(number) < 8 || number[0] != '+' || strings.Trim(number[1:], "0123456789") != "" {
		return &apiError{400, "invalid_phone_number", "mfa_phone_number must be in E.164 format, such as +14155550100.", 0}
	}
	if len(rc.cfg.AllowedPhonePrefixes) > 0 && !slices.ContainsFunc(rc.cfg.AllowedPhonePrefixes, func(p string) bool {
		return strings.HasPrefix(number, p)
	}) {
		return errPhoneCountryNotAllowed()
	}
	rc.limitConfirmed(kind, number[:min(len(number), 6)])
	return nil
}

// mfaToken requires the intermediate session or session an MFA call acts
// for, and records the per-token and per-member limit keys.
func mfaToken(rc *ruleCtx, ist, session, jwt, member string, tokenKind, memberKind limitKind) *apiError {
	if err := exactlyOne("intermediate_session_token, session_token, session_jwt", ist, session, jwt); err != nil {
		return err
	}
	if err := required("member_id", member); err != nil {
		return err
	}
	rc.limit(tokenKind, ist+session+jwt) // the caller's own (possibly made-up) token: its cost
	rc.limitConfirmed(memberKind, member)
	return nil
}
