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
	cfg   *Config
	keys  []limitKey
	email string // normalised; only ever logged as a keyed hash
}

func (rc *ruleCtx) limit(kind limitKind, value string) {
	if value != "" {
		rc.keys = append(rc.keys, limitKey{kind: kind, value: value})
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

// email normalises an address, applies the domain allow-list and records
// the per-email and per-domain limit keys.
func email(rc *ruleCtx, addr string) *apiError {
	a := strings.ToLower(strings.TrimSpace(addr))
	at := strings.LastIndexByte(a, '@')
	if a == "" {
		return errBadRequest("email_address is required.")
	}
	if at <= 0 || at == len(a)-1 || len(a) > 254 || strings.ContainsAny(a, " \t\r\n,;<>") {
		return errInvalidEmail()
	}
	domain := a[at+1:]
	if len(rc.cfg.AllowedEmailDomains) > 0 && !slices.Contains(rc.cfg.AllowedEmailDomains, domain) {
		return errEmailDomainNotAllowed()
	}
	rc.email = a
	rc.limit(limitEmail, a)
	rc.limit(limitDomain, domain)
	return nil
}

// organization applies the optional organization allow-list (ids or slugs,
// exactly as the caller names the organization).
func organization(rc *ruleCtx, id string) *apiError {
	if id == "" {
		return errBadRequest("organization_id is required.")
	}
	if len(rc.cfg.AllowedOrganizations) > 0 && !slices.Contains(rc.cfg.AllowedOrganizations, id) {
		return errOrganizationNotAllowed()
	}
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
	rc.limit(kind, number[:min(len(number), 6)])
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
	rc.limit(tokenKind, ist+session+jwt)
	rc.limit(memberKind, member)
	return nil
}
