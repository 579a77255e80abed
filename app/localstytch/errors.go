package localstytch

import (
	"net/http"
	"strconv"

	"stytch-desktop/app/localstytch/wire"
)

// errorSpec is the HTTP status and default message of one Stytch error_type.
type errorSpec struct {
	status  int
	message string
}

// errorTable is the ONE place that maps error_type to HTTP status. Entries
// marked "?" in the comment have no public evidence for the status; they are
// the most plausible choice and are kept here so they are easy to correct
// (docs/local-api.md §10).
var errorTable = map[string]errorSpec{
	// Evidence: Stytch docs / SDK integration tests.
	"unauthorized_credentials":       {http.StatusUnauthorized, "Unauthorized credentials."},
	"unable_to_auth_magic_link":      {http.StatusUnauthorized, "The magic link could not be authenticated because it was either already used or expired. Send another magic link to this user."},
	"magic_link_not_found":           {http.StatusNotFound, "The magic link could not be authenticated, try sending another magic link to the user."},
	"session_not_found":              {http.StatusNotFound, "Session could not be found."},
	"too_many_requests":              {http.StatusTooManyRequests, "Too many requests have been made."},
	"internal_server_error":          {http.StatusInternalServerError, "Oops, something went wrong. Please try again."},
	"intermediate_session_not_found": {http.StatusNotFound, "Intermediate session could not be found."},
	"invalid_organization_slug":      {http.StatusBadRequest, "organization_slug must be 2-128 characters and contain only letters, digits and - . _ ~."},

	// "?" — status not documented; 400 for client mistakes, 404 for unknown objects.
	"pkce_mismatch":                            {http.StatusBadRequest, "The submitted code_verifier does not match the code_challenge sent at the start of the flow."},
	"pkce_expected_code_verifier":              {http.StatusBadRequest, "A code_verifier is required because a code_challenge was sent at the start of the flow."},
	"pkce_did_not_expect_code_verifier":        {http.StatusBadRequest, "A code_verifier was submitted but no code_challenge was sent at the start of the flow."},
	"organization_slug_already_used":           {http.StatusBadRequest, "The provided organization_slug is already used in another organization."},
	"invalid_organization_name":                {http.StatusBadRequest, "organization_name must be 1-128 characters."},
	"invalid_email":                            {http.StatusBadRequest, "Email format is invalid."},
	"invalid_discovery_redirect_url":           {http.StatusBadRequest, "The discovery_redirect_url is not in the project's list of allowed redirect URLs."},
	"invalid_login_redirect_url":               {http.StatusBadRequest, "The login_redirect_url is not in the project's list of allowed redirect URLs."},
	"invalid_signup_redirect_url":              {http.StatusBadRequest, "The signup_redirect_url is not in the project's list of allowed redirect URLs."},
	"invalid_session_duration_minutes":         {http.StatusBadRequest, "session_duration_minutes must be between 5 and 527040."},
	"invalid_expiration_minutes":               {http.StatusBadRequest, "Magic link expiration minutes must be between 5 and 10080."},
	"too_many_session_arguments":               {http.StatusBadRequest, "Only one of session_token or session_jwt may be provided."},
	"no_session_arguments":                     {http.StatusBadRequest, "One of session_token or session_jwt is required."},
	"custom_claims_too_large":                  {http.StatusBadRequest, "session_custom_claims must be at most 4KB."},
	"organization_not_found":                   {http.StatusNotFound, "Organization could not be found."},
	"member_not_found":                         {http.StatusNotFound, "Member could not be found."},
	"email_jit_provisioning_not_allowed":       {http.StatusForbidden, "This email address is not allowed to join the organization."},
	"invalid_organization_allowed_mfa_methods": {http.StatusBadRequest, "allowed_mfa_methods may contain only sms_otp and totp."},
	"invalid_mfa_policy":                       {http.StatusBadRequest, "mfa_policy must be REQUIRED_FOR_ALL or OPTIONAL."},
	"invalid_email_jit_provisioning":           {http.StatusBadRequest, "email_jit_provisioning must be RESTRICTED or NOT_ALLOWED."},
	"project_not_found":                        {http.StatusNotFound, "Project could not be found."},

	// RBAC (docs/local-api.md §11): the types and status Stytch's SDKs use
	// when they run the same authorization check locally.
	"session_authorization_error":         {http.StatusForbidden, "The Member is not authorized to perform the requested action on that resource."},
	"session_authorization_tenancy_error": {http.StatusForbidden, "The authorization check names another organization than the Member's."},

	// MFA (docs/local-api.md §5). Types are Stytch's
	// (its SDKs' error enums); statuses are "?" except active_totp_exists
	// (400, Stytch's error docs) and the ones above.
	"otp_code_not_found":                                  {http.StatusNotFound, "The OTP code could not be found. Check that the code is correct."},
	"unable_to_auth_otp_code":                             {http.StatusUnauthorized, "The OTP code could not be authenticated because it was either already used or expired. Send another code."},
	"invalid_phone_number":                                {http.StatusBadRequest, "Phone number format is invalid. Use E.164, e.g. +15555550100."},
	"member_phone_number_not_found":                       {http.StatusBadRequest, "The member has no MFA phone number; pass mfa_phone_number."},
	"duplicate_member_phone_number":                       {http.StatusBadRequest, "Another member of this organization already uses this MFA phone number."},
	"active_totp_exists":                                  {http.StatusBadRequest, "Cannot create a new TOTP for the specified member since the member already has an active TOTP. Members may only have one active TOTP at a time."},
	"totp_not_found":                                      {http.StatusNotFound, "The member has no TOTP registration."},
	"expired_totp":                                        {http.StatusBadRequest, "The TOTP registration expired before it was verified. Create a new one."},
	"invalid_totp_code":                                   {http.StatusBadRequest, "The TOTP code must be 6 digits."},
	"unable_to_authenticate_totp":                         {http.StatusUnauthorized, "The TOTP code could not be authenticated."},
	"totp_code_already_authenticated":                     {http.StatusBadRequest, "This TOTP code was already used. Wait for the next code."},
	"recovery_code_used_as_totp_code":                     {http.StatusBadRequest, "A recovery code was submitted as a TOTP code. Use recovery_codes.recover."},
	"invalid_recovery_code":                               {http.StatusUnauthorized, "The recovery code is invalid or was already used."},
	"recovery_codes_not_found":                            {http.StatusNotFound, "The member has no recovery codes."},
	"invalid_intermediate_session_token_for_organization": {http.StatusBadRequest, "The intermediate session token does not belong to this member of this organization."},
	"no_associated_session_passed_in":                     {http.StatusBadRequest, "The member has an MFA factor: pass an intermediate_session_token, session_token or session_jwt."},
	"insufficient_factors":                                {http.StatusBadRequest, "The session must carry the member's existing MFA factor for this operation."},
	"unauthorized_action":                                 {http.StatusForbidden, "The session does not belong to this member."},
	"operation_restricted_by_organization_mfa_methods":    {http.StatusForbidden, "The organization does not allow this MFA method."},

	// SSO and OAuth (types from Stytch's error enum; statuses "?": 400 for a
	// bad request, 404 for an unknown object, 403 for a policy refusal).
	"public_token_required":                                    {http.StatusBadRequest, "public_token is required."},
	"public_token_not_found":                                   {http.StatusNotFound, "The public_token could not be found for this project."},
	"invalid_pkce_code_challenge":                              {http.StatusBadRequest, "pkce_code_challenge must be the base64url (no padding) SHA-256 of the code verifier."},
	"invalid_oauth_provider":                                   {http.StatusBadRequest, "This OAuth provider is not supported."},
	"missing_sso_connection_locator":                           {http.StatusBadRequest, "One of connection_id or organization_id is required."},
	"too_many_sso_connection_locators":                         {http.StatusBadRequest, "Only one of connection_id or organization_id may be provided."},
	"sso_connection_not_found":                                 {http.StatusNotFound, "SSO connection could not be found."},
	"no_sso_connection_exists_for_organization":                {http.StatusBadRequest, "The organization has no default SSO connection; pass a connection_id."},
	"missing_oauth_organization_locator":                       {http.StatusBadRequest, "One of organization_id or slug is required."},
	"too_many_oauth_organization_locators":                     {http.StatusBadRequest, "Only one of organization_id or slug may be provided."},
	"sso_token_not_found":                                      {http.StatusNotFound, "The SSO token could not be found, or it was already used or expired. Start the SSO flow again."},
	"oauth_token_not_found":                                    {http.StatusNotFound, "The OAuth token could not be found, or it was already used or expired. Start the OAuth flow again."},
	"action_available_only_once_primary_authentication_is_met": {http.StatusBadRequest, "This action is available only once the organization's primary authentication requirements are met."},
	"invalid_connection_for_jit_provisioning":                  {http.StatusForbidden, "This SSO connection may not create new members of the organization."},

	// Emulator-chosen types for generic request problems (Stytch's exact
	// types for these are unknown).
	"invalid_request":        {http.StatusBadRequest, "The request body is not valid JSON for this endpoint."},
	"missing_required_field": {http.StatusBadRequest, "A required field is missing."},
	"request_body_too_large": {http.StatusRequestEntityTooLarge, "The request body is too large."},
	"route_not_found":        {http.StatusNotFound, "No such endpoint in the local Stytch emulator."},
	"method_not_allowed":     {http.StatusMethodNotAllowed, "HTTP method not allowed for this endpoint."},
	"forbidden_host":         {http.StatusForbidden, "This local API only answers requests addressed to a loopback host name with its own port."},
}

// apiError is a Stytch-style error produced by a handler. message overrides
// the table's default message (used e.g. for "email_address is required.").
type apiError struct {
	errorType string
	message   string
}

func (e *apiError) Error() string { return e.errorType + ": " + e.messageText() }

func (e *apiError) messageText() string {
	if e.message != "" {
		return e.message
	}
	if spec, ok := errorTable[e.errorType]; ok {
		return spec.message
	}
	return "Unknown error."
}

func (e *apiError) status() int {
	if spec, ok := errorTable[e.errorType]; ok {
		return spec.status
	}
	return http.StatusInternalServerError
}

func newErr(errorType string) *apiError { return &apiError{errorType: errorType} }

func newErrMsg(errorType, message string) *apiError {
	return &apiError{errorType: errorType, message: message}
}

func missingField(name string) *apiError {
	return newErrMsg("missing_required_field", name+" is required.")
}

// errorBody builds the JSON error object Stytch returns; status_code is in the
// body because the Node SDK reads it from there.
func errorBody(status int, requestID, errorType, message string) wire.Error {
	return wire.Error{
		StatusCode:   status,
		RequestID:    requestID,
		ErrorType:    errorType,
		ErrorMessage: message,
		ErrorURL:     "https://stytch.com/docs/b2b/api/errors/" + strconv.Itoa(status) + "#" + errorType,
	}
}
