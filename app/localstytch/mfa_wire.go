package localstytch

import (
	"stytch-desktop/app/localstytch/wire"

	"stytch-desktop/app/localstytch/mfacode"
	"stytch-desktop/app/localstytch/store"
)

// mfaFactorJSON encodes an MFA session factor with the names of stytch-go's
// consumer/sessions.AuthenticationFactor (type/delivery pairs from its doc
// comment: otp→sms, totp→authenticator_app, recovery_codes→recovery_code).
func mfaFactorJSON(f store.MFAFactor) wire.AuthenticationFactor {
	out := factorJSON(f.Type, f.Delivery, f.At)
	switch f.Type {
	case "otp":
		out.PhoneNumberFactor = &wire.PhoneNumberFactor{PhoneID: f.PhoneID, PhoneNumber: f.Phone}
	case "totp":
		out.AuthenticatorAppFactor = &wire.AuthenticatorAppFactor{TOTPID: f.TOTPID}
	case "recovery_codes":
		out.RecoveryCodeFactor = &wire.RecoveryCodeFactor{TOTPRecoveryCodeID: f.RecoveryCodeID}
	}
	return out
}

// mfaRequiredJSON is mfa_required for member m (nil when no Member exists
// yet): the masked verified phone, the active TOTP registration, and
// whether a code was already texted ("sms_otp") or not (null).
func mfaRequiredJSON(m *store.Member, initiated string) *wire.MFARequired {
	out := &wire.MFARequired{}
	if m != nil {
		opts := &wire.MemberOptions{}
		if hasSMS(m) {
			opts.MFAPhoneNumber = mfacode.MaskPhone(m.MFA.Phone)
		}
		if hasTOTP(m) {
			opts.TOTPRegistrationID = m.MFA.TOTPID
		}
		out.MemberOptions = opts
	}
	if initiated != "" {
		out.SecondaryAuthInitiated = &initiated
	}
	return out
}
