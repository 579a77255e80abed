package broker

import "encoding/json"

// One request type per allowed route: exactly the fields Stytch documents
// for it (stytch-go v16.41.0 params), decoded strictly and re-encoded, so
// the upstream only ever sees what these types can hold. Each apply method
// is that route's rules; the helpers live in rules.go.

// request is a parsed body of an allowed route.
type request interface {
	apply(rc *ruleCtx) *apiError
}

// claims is session_custom_claims: accepted in the schema only to be
// refused with a precise message, and never re-encoded.
type claims = json.RawMessage

type discoverySend struct {
	EmailAddress               string `json:"email_address,omitempty"`
	DiscoveryRedirectURL       string `json:"discovery_redirect_url,omitempty"`
	PkceCodeChallenge          string `json:"pkce_code_challenge,omitempty"`
	LoginTemplateID            string `json:"login_template_id,omitempty"`
	Locale                     string `json:"locale,omitempty"`
	DiscoveryExpirationMinutes uint32 `json:"discovery_expiration_minutes,omitempty"`
}

func (r *discoverySend) apply(rc *ruleCtx) *apiError {
	return first(
		email(rc, &r.EmailAddress),
		pkce("pkce_code_challenge", r.PkceCodeChallenge),
		fixed("discovery_redirect_url", &r.DiscoveryRedirectURL, rc.cfg.RedirectURL),
		fixed("login_template_id", &r.LoginTemplateID, rc.cfg.LoginTemplateID),
		fixedMinutes("discovery_expiration_minutes", &r.DiscoveryExpirationMinutes, rc.cfg.LinkExpiryMinutes),
	)
}

type loginOrSignup struct {
	OrganizationID          string `json:"organization_id,omitempty"`
	EmailAddress            string `json:"email_address,omitempty"`
	LoginRedirectURL        string `json:"login_redirect_url,omitempty"`
	SignupRedirectURL       string `json:"signup_redirect_url,omitempty"`
	PkceCodeChallenge       string `json:"pkce_code_challenge,omitempty"`
	LoginTemplateID         string `json:"login_template_id,omitempty"`
	SignupTemplateID        string `json:"signup_template_id,omitempty"`
	Locale                  string `json:"locale,omitempty"`
	LoginExpirationMinutes  uint32 `json:"login_expiration_minutes,omitempty"`
	SignupExpirationMinutes uint32 `json:"signup_expiration_minutes,omitempty"`
}

func (r *loginOrSignup) apply(rc *ruleCtx) *apiError {
	return first(
		organization(rc, r.OrganizationID),
		email(rc, &r.EmailAddress),
		pkce("pkce_code_challenge", r.PkceCodeChallenge),
		fixed("login_redirect_url", &r.LoginRedirectURL, rc.cfg.RedirectURL),
		fixed("signup_redirect_url", &r.SignupRedirectURL, rc.cfg.RedirectURL),
		fixed("login_template_id", &r.LoginTemplateID, rc.cfg.LoginTemplateID),
		fixed("signup_template_id", &r.SignupTemplateID, rc.cfg.SignupTemplateID),
		fixedMinutes("login_expiration_minutes", &r.LoginExpirationMinutes, rc.cfg.LinkExpiryMinutes),
		fixedMinutes("signup_expiration_minutes", &r.SignupExpirationMinutes, rc.cfg.LinkExpiryMinutes),
	)
}

type discoveryAuthenticate struct {
	DiscoveryMagicLinksToken string `json:"discovery_magic_links_token,omitempty"`
	PkceCodeVerifier         string `json:"pkce_code_verifier,omitempty"`
}

func (r *discoveryAuthenticate) apply(rc *ruleCtx) *apiError {
	return first(
		required("discovery_magic_links_token", r.DiscoveryMagicLinksToken),
		pkce("pkce_code_verifier", r.PkceCodeVerifier),
	)
}

// authenticateWithToken is the shape shared by magic_links/authenticate,
// sso/authenticate, oauth/authenticate and oauth/discovery/authenticate:
// a one-time token from the browser round trip plus its PKCE verifier.
type authenticateWithToken struct {
	MagicLinksToken          string `json:"magic_links_token,omitempty"`
	SSOToken                 string `json:"sso_token,omitempty"`
	OAuthToken               string `json:"oauth_token,omitempty"`
	DiscoveryOAuthToken      string `json:"discovery_oauth_token,omitempty"`
	PkceCodeVerifier         string `json:"pkce_code_verifier,omitempty"`
	SessionToken             string `json:"session_token,omitempty"`
	SessionJWT               string `json:"session_jwt,omitempty"`
	SessionDurationMinutes   int32  `json:"session_duration_minutes,omitempty"`
	SessionCustomClaims      claims `json:"session_custom_claims,omitempty"`
	Locale                   string `json:"locale,omitempty"`
	IntermediateSessionToken string `json:"intermediate_session_token,omitempty"`
	TelemetryID              string `json:"telemetry_id,omitempty"`

	tokenField string // which of the token fields this route takes
}

func (r *authenticateWithToken) apply(rc *ruleCtx) *apiError {
	token := map[string]string{
		"magic_links_token": r.MagicLinksToken, "sso_token": r.SSOToken,
		"oauth_token": r.OAuthToken, "discovery_oauth_token": r.DiscoveryOAuthToken,
	}
	for field, v := range token {
		if field != r.tokenField && v != "" {
			return errBadRequest("unknown field " + field + " for this route.")
		}
	}
	clamp(rc, &r.SessionDurationMinutes)
	err := first(
		required(r.tokenField, token[r.tokenField]),
		pkce("pkce_code_verifier", r.PkceCodeVerifier),
		noClaims(r.SessionCustomClaims),
	)
	r.SessionCustomClaims = nil
	return err
}

// newAuthenticate builds the strict schema for one token field: the other
// token fields are not part of that route's schema.
func newAuthenticate(tokenField string) func() request {
	return func() request { return &authenticateWithToken{tokenField: tokenField} }
}

type istExchange struct {
	IntermediateSessionToken string `json:"intermediate_session_token,omitempty"`
	OrganizationID           string `json:"organization_id,omitempty"`
	SessionDurationMinutes   int32  `json:"session_duration_minutes,omitempty"`
	SessionCustomClaims      claims `json:"session_custom_claims,omitempty"`
	Locale                   string `json:"locale,omitempty"`
	TelemetryID              string `json:"telemetry_id,omitempty"`
}

func (r *istExchange) apply(rc *ruleCtx) *apiError {
	clamp(rc, &r.SessionDurationMinutes)
	err := first(
		required("intermediate_session_token", r.IntermediateSessionToken),
		organization(rc, r.OrganizationID),
		noClaims(r.SessionCustomClaims),
	)
	r.SessionCustomClaims = nil
	return err
}

type organizationsList struct {
	IntermediateSessionToken string `json:"intermediate_session_token,omitempty"`
	SessionToken             string `json:"session_token,omitempty"`
	SessionJWT               string `json:"session_jwt,omitempty"`
}

func (r *organizationsList) apply(*ruleCtx) *apiError {
	return exactlyOne("intermediate_session_token, session_token, session_jwt",
		r.IntermediateSessionToken, r.SessionToken, r.SessionJWT)
}

// organizationCreate takes only a name and a slug: every policy field
// (MFA, JIT, allowed domains, auth methods) stays the project's default, so
// a member cannot create an organization that bypasses the company's rules.
type organizationCreate struct {
	IntermediateSessionToken string `json:"intermediate_session_token,omitempty"`
	SessionDurationMinutes   int32  `json:"session_duration_minutes,omitempty"`
	SessionCustomClaims      claims `json:"session_custom_claims,omitempty"`
	OrganizationName         string `json:"organization_name,omitempty"`
	OrganizationSlug         string `json:"organization_slug,omitempty"`
	TelemetryID              string `json:"telemetry_id,omitempty"`
}

func (r *organizationCreate) apply(rc *ruleCtx) *apiError {
	clamp(rc, &r.SessionDurationMinutes)
	err := first(
		required("intermediate_session_token", r.IntermediateSessionToken),
		noClaims(r.SessionCustomClaims),
	)
	r.SessionCustomClaims = nil
	return err
}

type authorizationCheck struct {
	OrganizationID string `json:"organization_id"`
	ResourceID     string `json:"resource_id"`
	Action         string `json:"action"`
}

type sessionsAuthenticate struct {
	SessionToken           string              `json:"session_token,omitempty"`
	SessionDurationMinutes int32               `json:"session_duration_minutes,omitempty"`
	SessionJWT             string              `json:"session_jwt,omitempty"`
	SessionCustomClaims    claims              `json:"session_custom_claims,omitempty"`
	AuthorizationCheck     *authorizationCheck `json:"authorization_check,omitempty"`
}

func (r *sessionsAuthenticate) apply(rc *ruleCtx) *apiError {
	clamp(rc, &r.SessionDurationMinutes)
	err := first(
		exactlyOne("session_token, session_jwt", r.SessionToken, r.SessionJWT),
		noClaims(r.SessionCustomClaims),
	)
	r.SessionCustomClaims = nil
	return err
}

type sessionsExchange struct {
	OrganizationID         string `json:"organization_id,omitempty"`
	SessionToken           string `json:"session_token,omitempty"`
	SessionJWT             string `json:"session_jwt,omitempty"`
	SessionDurationMinutes int32  `json:"session_duration_minutes,omitempty"`
	SessionCustomClaims    claims `json:"session_custom_claims,omitempty"`
	Locale                 string `json:"locale,omitempty"`
	TelemetryID            string `json:"telemetry_id,omitempty"`
}

func (r *sessionsExchange) apply(rc *ruleCtx) *apiError {
	clamp(rc, &r.SessionDurationMinutes)
	err := first(
		organization(rc, r.OrganizationID),
		exactlyOne("session_token, session_jwt", r.SessionToken, r.SessionJWT),
		noClaims(r.SessionCustomClaims),
	)
	r.SessionCustomClaims = nil
	return err
}

// sessionsRevoke: only the caller's own session, proven by holding its
// token. member_id (every session of a member) and member_session_id (any
// session by id) would let one employee sign out another.
type sessionsRevoke struct {
	SessionToken    string `json:"session_token,omitempty"`
	SessionJWT      string `json:"session_jwt,omitempty"`
	MemberID        string `json:"member_id,omitempty"`
	MemberSessionID string `json:"member_session_id,omitempty"`
}

func (r *sessionsRevoke) apply(*ruleCtx) *apiError {
	if r.MemberID != "" || r.MemberSessionID != "" {
		return errBadRequest("sessions can only be revoked by session_token or session_jwt through this broker.")
	}
	return exactlyOne("session_token, session_jwt", r.SessionToken, r.SessionJWT)
}

type smsSend struct {
	OrganizationID           string `json:"organization_id,omitempty"`
	MemberID                 string `json:"member_id,omitempty"`
	MFAPhoneNumber           string `json:"mfa_phone_number,omitempty"`
	Locale                   string `json:"locale,omitempty"`
	IntermediateSessionToken string `json:"intermediate_session_token,omitempty"`
	SessionToken             string `json:"session_token,omitempty"`
	SessionJWT               string `json:"session_jwt,omitempty"`
}

func (r *smsSend) apply(rc *ruleCtx) *apiError {
	return first(
		organization(rc, r.OrganizationID),
		mfaToken(rc, r.IntermediateSessionToken, r.SessionToken, r.SessionJWT, r.MemberID, limitOTPSendToken, limitOTPSendMember),
		phone(rc, r.MFAPhoneNumber, limitOTPSendPhone),
	)
}

type totpCreate struct {
	OrganizationID           string `json:"organization_id,omitempty"`
	MemberID                 string `json:"member_id,omitempty"`
	ExpirationMinutes        int32  `json:"expiration_minutes,omitempty"`
	IntermediateSessionToken string `json:"intermediate_session_token,omitempty"`
	SessionToken             string `json:"session_token,omitempty"`
	SessionJWT               string `json:"session_jwt,omitempty"`
}

func (r *totpCreate) apply(rc *ruleCtx) *apiError {
	return first(
		organization(rc, r.OrganizationID),
		mfaToken(rc, r.IntermediateSessionToken, r.SessionToken, r.SessionJWT, r.MemberID, limitOTPSendToken, limitOTPSendMember),
	)
}

// mfaAuthenticate is SMS OTP and TOTP authenticate (same fields).
type mfaAuthenticate struct {
	OrganizationID           string `json:"organization_id,omitempty"`
	MemberID                 string `json:"member_id,omitempty"`
	Code                     string `json:"code,omitempty"`
	IntermediateSessionToken string `json:"intermediate_session_token,omitempty"`
	SessionToken             string `json:"session_token,omitempty"`
	SessionJWT               string `json:"session_jwt,omitempty"`
	SessionDurationMinutes   int32  `json:"session_duration_minutes,omitempty"`
	SessionCustomClaims      claims `json:"session_custom_claims,omitempty"`
	SetMFAEnrollment         string `json:"set_mfa_enrollment,omitempty"`
	SetDefaultMFA            bool   `json:"set_default_mfa,omitempty"`
	TelemetryID              string `json:"telemetry_id,omitempty"`
}

func (r *mfaAuthenticate) apply(rc *ruleCtx) *apiError {
	clamp(rc, &r.SessionDurationMinutes)
	if r.SetMFAEnrollment != "" && r.SetMFAEnrollment != "enroll" {
		// Removing a factor is an account change, not a sign-in step.
		return errBadRequest("set_mfa_enrollment may only be \"enroll\" through this broker.")
	}
	err := first(
		organization(rc, r.OrganizationID),
		mfaToken(rc, r.IntermediateSessionToken, r.SessionToken, r.SessionJWT, r.MemberID, limitOTPAttemptToken, limitOTPAttemptMember),
		required("code", r.Code),
		noClaims(r.SessionCustomClaims),
	)
	r.SessionCustomClaims = nil
	return err
}

type recoveryCodesRecover struct {
	OrganizationID           string `json:"organization_id,omitempty"`
	MemberID                 string `json:"member_id,omitempty"`
	RecoveryCode             string `json:"recovery_code,omitempty"`
	IntermediateSessionToken string `json:"intermediate_session_token,omitempty"`
	SessionToken             string `json:"session_token,omitempty"`
	SessionJWT               string `json:"session_jwt,omitempty"`
	SessionDurationMinutes   int32  `json:"session_duration_minutes,omitempty"`
	SessionCustomClaims      claims `json:"session_custom_claims,omitempty"`
	TelemetryID              string `json:"telemetry_id,omitempty"`
}

func (r *recoveryCodesRecover) apply(rc *ruleCtx) *apiError {
	clamp(rc, &r.SessionDurationMinutes)
	err := first(
		organization(rc, r.OrganizationID),
		mfaToken(rc, r.IntermediateSessionToken, r.SessionToken, r.SessionJWT, r.MemberID, limitOTPAttemptToken, limitOTPAttemptMember),
		required("recovery_code", r.RecoveryCode),
		noClaims(r.SessionCustomClaims),
	)
	r.SessionCustomClaims = nil
	return err
}

// first returns the first refusal. All checks are evaluated (they are
// cheap and side-effect free apart from filling defaults and limit keys).
func first(errs ...*apiError) *apiError {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
