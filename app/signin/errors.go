package signin

import (
	"errors"
	"fmt"
	"time"
)

// Kind says what went wrong in words the screens can act on. The values are
// part of the contract with the frontend (docs/view-contract.md).
type Kind string

const (
	KindInvalidEmail         Kind = "invalid_email"
	KindRateLimited          Kind = "rate_limited"
	KindLinkExpired          Kind = "link_expired"         // expired or already used
	KindLinkNotForApp        Kind = "link_not_for_app"     // Stytch doesn't know the token: another project's (or app's) link
	KindLinkOtherDevice      Kind = "link_other_device"    // PKCE mismatch
	KindLinkNotRequested     Kind = "link_not_requested"   // no flow started here is waiting
	KindLinkMalformed        Kind = "link_malformed"       // not our link
	KindLinkWrongAccount     Kind = "link_wrong_account"   // the link signs in another email or organization (refused)
	KindCodeInvalid          Kind = "code_invalid"         // a sign-in code mistyped, used or expired
	KindCodeUnavailable      Kind = "code_unavailable"     // sign-in codes cannot be redeemed here now
	KindSlugTaken            Kind = "slug_taken"           // organization slug already used
	KindInvalidOrganization  Kind = "invalid_organization" // bad organization name or slug
	KindOrganizationNotFound Kind = "organization_not_found"
	KindNotAllowed           Kind = "not_allowed"     // the organization doesn't let this address join
	KindSessionExpired       Kind = "session_expired" // expired or revoked
	KindIntermediateExpired  Kind = "intermediate_expired"
	KindSignInInterrupted    Kind = "sign_in_interrupted" // the app stopped while a link was being used
	KindNetwork              Kind = "network"             // unreachable, timed out, 5xx
	KindKeychainUnavailable  Kind = "keychain_unavailable"
	KindKeychainLocked       Kind = "keychain_locked" // locked or timed out
	KindKeychainTooBig       Kind = "keychain_too_big"
	KindSignedOut            Kind = "signed_out"          // informational
	KindBusy                 Kind = "busy"                // another operation is in flight, or not offered on this screen
	KindUnauthorized         Kind = "unauthorized"        // project credentials rejected
	KindLocalAPIFailed       Kind = "local_api_failed"    // the in-process local API did not start (state file, port)
	KindStartFailed          Kind = "start_failed"        // the backend did not start (see the log)
	KindBrowserUnavailable   Kind = "browser_unavailable" // the system browser could not be opened
	KindSSOUnavailable       Kind = "sso_unavailable"     // SSO/OAuth not set up (no public token, no connection)
	KindLinksDropped         Kind = "links_dropped"       // too many links at once: some were dropped unread
	// KindSingleInstanceUnavailable is a View.Warning: no single-instance
	// lock (no session bus), so each link opened while the app runs starts
	// another window.
	KindSingleInstanceUnavailable Kind = "single_instance_unavailable"
	KindUnknown                   Kind = "unknown"
)

// Kinds lists every Kind, so tests can hold the screens' contract to it.
var Kinds = []Kind{KindInvalidEmail, KindRateLimited, KindLinkExpired, KindLinkNotForApp, KindLinkOtherDevice, KindLinkNotRequested, KindLinkMalformed, KindLinkWrongAccount, KindCodeInvalid, KindCodeUnavailable, KindSlugTaken, KindInvalidOrganization, KindOrganizationNotFound, KindNotAllowed, KindSessionExpired, KindIntermediateExpired, KindSignInInterrupted, KindNetwork, KindKeychainUnavailable, KindKeychainLocked, KindKeychainTooBig, KindSignedOut, KindBusy, KindUnauthorized, KindLocalAPIFailed, KindStartFailed, KindBrowserUnavailable, KindSSOUnavailable, KindLinksDropped, KindSingleInstanceUnavailable, KindUnknown}

// Error is the one error type the flows return. Op names the operation so a
// top-level error reads like a trail; Err is the cause (never a secret).
type Error struct {
	Kind       Kind
	Op         string
	RetryAfter time.Duration // for KindRateLimited and transient failures
	Err        error
}

func (e *Error) Error() string {
	msg := string(e.Kind)
	if e.Op != "" {
		msg = e.Op + ": " + msg
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, &Error{Kind: K}) match on the kind alone.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.Op == "" && t.Err == nil
}

// E builds an *Error; a shorthand used by the flows and the adapters.
func E(op string, kind Kind, err error) *Error { return &Error{Op: op, Kind: kind, Err: err} }

// Errorf builds an *Error with a formatted cause.
func Errorf(op string, kind Kind, format string, args ...any) *Error {
	return &Error{Op: op, Kind: kind, Err: fmt.Errorf(format, args...)}
}

// KindOf returns the Kind of err, KindUnknown for foreign errors and "" for nil.
func KindOf(err error) Kind {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindUnknown
}

// RetryAfterOf returns the retry hint carried by err, if any.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// withOp re-labels an adapter error with the flow operation, keeping its kind.
func withOp(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return &Error{Op: op, Kind: e.Kind, RetryAfter: e.RetryAfter, Err: err}
	}
	return &Error{Op: op, Kind: KindUnknown, Err: err}
}

// Kinds of the MFA and organization-switching steps (mfa.go, switch.go).
const (
	KindCodeWrong           Kind = "code_wrong"             // not the code sent / shown
	KindCodeExpired         Kind = "code_expired"           // the texted code is past its 2 minutes
	KindCodeUsed            Kind = "code_used"              // this code was already used
	KindTooManyAttempts     Kind = "too_many_attempts"      // too many wrong codes: get a new code or use another method
	KindResendLimit         Kind = "resend_limit"           // no more texts for this sign-in
	KindInvalidCode         Kind = "invalid_code"           // not 6 digits (checked before any call)
	KindInvalidPhone        Kind = "invalid_phone"          // not an international (E.164) number
	KindPhoneTaken          Kind = "phone_taken"            // another member of the organization uses this number
	KindBackupCodeWrong     Kind = "backup_code_wrong"      // unknown or already used backup code
	KindMFAMethodNotAllowed Kind = "mfa_method_not_allowed" // the organization doesn't allow this method
	KindSwitchNeedsSignIn   Kind = "switch_needs_sign_in"   // not a member yet (e.g. join by domain): sign in again
	KindBackupCodesLeft     Kind = "backup_codes_left"      // informational: a backup code was used (count in the view)
	KindSaveFailed          Kind = "save_failed"            // the backup codes could not be written to the chosen file
)

// mfaKinds join Kinds (kept apart so the two lists merge without conflict).
var mfaKinds = []Kind{KindCodeWrong, KindCodeExpired, KindCodeUsed, KindTooManyAttempts, KindResendLimit, KindInvalidCode,
	KindInvalidPhone, KindPhoneTaken, KindBackupCodeWrong, KindMFAMethodNotAllowed, KindSwitchNeedsSignIn, KindBackupCodesLeft,
	KindSaveFailed}

func init() { Kinds = append(Kinds, mfaKinds...) }
