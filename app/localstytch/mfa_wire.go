package localstytch

// mfaFactorJSON encodes an MFA session factor with the names of stytch-go's
// consumer/sessions.AuthenticationFactor (type/delivery pairs from its doc
// comment: otp→sms, totp→authenticator_app, recovery_codes→recovery_code).
func mfaFactorJSON(f factorRecord) map[string]any {
	out := map[string]any{
		"type":                  f.Type,
		"delivery_method":       f.Delivery,
		"last_authenticated_at": ts(f.At),
		"created_at":            ts(f.At),
		"updated_at":            ts(f.At),
	}
	switch f.Type {
	case "otp":
		out["phone_number_factor"] = map[string]any{"phone_id": f.PhoneID, "phone_number": f.Phone}
	case "totp":
		out["authenticator_app_factor"] = map[string]any{"totp_id": f.TOTPID}
	case "recovery_codes":
		out["recovery_code_factor"] = map[string]any{"totp_recovery_code_id": f.RecoveryCodeID}
	}
	return out
}

// mfaRequiredJSON is mfa_required for member m (nil when no Member exists
// yet): the masked verified phone, the active TOTP registration, and
// whether a code was already texted ("sms_otp") or not (null).
func mfaRequiredJSON(m *memberRecord, initiated string) map[string]any {
	var options any
	if m != nil {
		phone, totp := "", ""
		if hasSMS(m) {
			phone = maskPhone(m.MFA.Phone)
		}
		if hasTOTP(m) {
			totp = m.MFA.TOTPID
		}
		options = map[string]any{"mfa_phone_number": phone, "totp_registration_id": totp}
	}
	var sec any
	if initiated != "" {
		sec = initiated
	}
	return map[string]any{"member_options": options, "secondary_auth_initiated": sec}
}
