// Package stytcherr is Stytch's error vocabulary for the sign-in flows: which
// error_type means which signin.Kind, and the Retry-After of a 429 (which
// stytch-go drops, so a transport keeps it). Every Stytch adapter — direct,
// local, through a broker — uses this one table, so a mode is a new case in
// app/core, never a copy of the mapping.
package stytcherr

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"

	"stytch-desktop/app/signin"
)

// kinds maps Stytch's error_type values to what the screens tell apart. It is
// the one place to correct when Stytch's behaviour is learnt better.
var kinds = map[string]signin.Kind{
	"unable_to_auth_magic_link": signin.KindLinkExpired, // used or expired
	// A token Stytch has never issued for this project: a link from another
	// project or app (a used one is unable_to_auth_magic_link above).
	"magic_link_not_found":               signin.KindLinkNotForApp,
	"pkce_mismatch":                      signin.KindLinkOtherDevice,
	"pkce_expected_code_verifier":        signin.KindLinkOtherDevice,
	"pkce_did_not_expect_code_verifier":  signin.KindLinkOtherDevice,
	"too_many_requests":                  signin.KindRateLimited,
	"invalid_email":                      signin.KindInvalidEmail,
	"organization_slug_already_used":     signin.KindSlugTaken,
	"invalid_organization_slug":          signin.KindInvalidOrganization,
	"invalid_organization_name":          signin.KindInvalidOrganization,
	"organization_not_found":             signin.KindOrganizationNotFound,
	"invalid_organization_id":            signin.KindOrganizationNotFound,
	"email_jit_provisioning_not_allowed": signin.KindNotAllowed,
	"invalid_email_for_jit_provisioning": signin.KindNotAllowed,
	"session_not_found":                  signin.KindSessionExpired,
	"intermediate_session_not_found":     signin.KindIntermediateExpired,
	// SSO and OAuth: a used or expired callback token reads like a used link.
	"invalid_intermediate_session_token_for_organization": signin.KindIntermediateExpired,
	"sso_token_not_found":                       signin.KindLinkExpired,
	"oauth_token_not_found":                     signin.KindLinkExpired,
	"invalid_connection_for_jit_provisioning":   signin.KindNotAllowed,
	"oauth_tenant_jit_provisioning_not_allowed": signin.KindNotAllowed,
	"sso_connection_not_found":                  signin.KindSSOUnavailable,
	"no_sso_connection_exists_for_organization": signin.KindSSOUnavailable,
	"unauthorized_credentials":                  signin.KindUnauthorized,
	// The Stytch broker's own refusals (app/broker): the company's allow-lists.
	"email_domain_not_allowed":  signin.KindNotAllowed,
	"organization_not_allowed":  signin.KindNotAllowed,
	"phone_country_not_allowed": signin.KindNotAllowed,

	// MFA (docs/stytch-notes.md, "MFA"). unable_to_auth_otp_code
	// means expired or used; the flows tell those apart by the code's age.
	"otp_code_not_found":                               signin.KindCodeWrong,
	"unable_to_authenticate_totp":                      signin.KindCodeWrong,
	"invalid_totp_code":                                signin.KindCodeWrong,
	"recovery_code_used_as_totp_code":                  signin.KindCodeWrong,
	"unable_to_auth_otp_code":                          signin.KindCodeExpired,
	"totp_code_already_authenticated":                  signin.KindCodeUsed,
	"invalid_recovery_code":                            signin.KindBackupCodeWrong,
	"unable_to_authenticate_recovery_code":             signin.KindBackupCodeWrong,
	"recovery_codes_not_found":                         signin.KindBackupCodeWrong,
	"invalid_phone_number":                             signin.KindInvalidPhone,
	"invalid_phone_number_country_code":                signin.KindInvalidPhone,
	"duplicate_member_phone_number":                    signin.KindPhoneTaken,
	"operation_restricted_by_organization_mfa_methods": signin.KindMFAMethodNotAllowed,
}

// Map turns a stytch-go error into a *signin.Error. stytcherror.Error
// comes back by value, so errors.As must target a value, not a pointer.
func Map(op string, err error, box *RetryBox) error {
	if err == nil {
		return nil
	}
	var se stytcherror.Error
	if errors.As(err, &se) {
		kind, ok := kinds[string(se.ErrorType)]
		switch {
		case ok:
		case se.StatusCode >= 500 || se.StatusCode == http.StatusRequestTimeout:
			kind = signin.KindNetwork
		default:
			kind = signin.KindUnknown
		}
		e := &signin.Error{Op: op, Kind: kind, Err: errors.New(describe(se))}
		if kind == signin.KindRateLimited {
			e.RetryAfter = box.get()
			if e.RetryAfter <= 0 {
				e.RetryAfter = time.Second // Stytch's per-email limit is one send a second
			}
		}
		return e
	}
	// Anything else never reached a well-formed Stytch answer: connection
	// refused or reset, a deadline, or a body that wasn't JSON. All transient.
	if errors.Is(err, context.Canceled) {
		return &signin.Error{Op: op, Kind: signin.KindNetwork, Err: errors.New("cancelled")}
	}
	return &signin.Error{Op: op, Kind: signin.KindNetwork, Err: err}
}

// describe keeps Stytch's type, status and request id (useful for support)
// and drops nothing secret: Stytch's messages never echo tokens.
func describe(se stytcherror.Error) string {
	return "stytch " + strconv.Itoa(se.StatusCode) + " " + string(se.ErrorType) + " (" + se.RequestID + ")"
}

// RetryBox carries a 429's Retry-After header from the transport back to the
// call that made the request; stytch-go drops response headers.
type RetryBox struct {
	mu sync.Mutex
	d  time.Duration
}

func (b *RetryBox) set(d time.Duration) {
	b.mu.Lock()
	b.d = d
	b.mu.Unlock()
}

func (b *RetryBox) get() time.Duration {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.d
}

type retryKey struct{}

// WithRetryBox returns a context whose requests report a 429's Retry-After
// into the box (through Transport).
func WithRetryBox(ctx context.Context) (context.Context, *RetryBox) {
	b := &RetryBox{}
	return context.WithValue(ctx, retryKey{}, b), b
}

// Transport wraps base so that a 429's Retry-After reaches the RetryBox of
// the request's context.
func Transport(base http.RoundTripper) http.RoundTripper { return &retryAfterTransport{base: base} }

type retryAfterTransport struct{ base http.RoundTripper }

func (t *retryAfterTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusTooManyRequests {
		return resp, err
	}
	if b, ok := req.Context().Value(retryKey{}).(*RetryBox); ok {
		b.set(parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()))
	}
	return resp, nil
}

// parseRetryAfter reads delta-seconds or an HTTP date, bounded to an hour.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	if d < 0 {
		return 0
	}
	if d > time.Hour {
		return time.Hour
	}
	return d
}
