// Package wire holds the bodies the local Stytch-compatible API answers with,
// field by field as Stytch's API reference documents them.
//
// They are our own types rather than the SDKs' because every field of
// stytch-go's structs is `omitempty`: encoding those would drop fields Stytch
// always sends (member_authenticated:false, an empty
// intermediate_session_token, a null member_session), and SDKs with strict
// models (Node's typings, Python's pydantic models) require them. Here no
// field is omitted except the per-method factor objects of an
// authentication factor, which Stytch sends only for the factor's method.
// Pointers and `any` are the fields Stytch sends as null when empty.
//
// The field sets are held to the documented ones by the local API's wire
// shape tests (app/localstytch/wire_shape_test.go), both on the wire and by
// reflection over these types.
package wire

import "net/http"

// Envelope is in every answer, success or error.
type Envelope struct {
	RequestID  string `json:"request_id"`
	StatusCode int    `json:"status_code"`
}

// Stamp sets the request id and the 200 status of a success body.
func (e *Envelope) Stamp(requestID string) { e.RequestID, e.StatusCode = requestID, http.StatusOK }

// Error is Stytch's error object.
type Error struct {
	StatusCode   int    `json:"status_code"`
	RequestID    string `json:"request_id"`
	ErrorType    string `json:"error_type"`
	ErrorMessage string `json:"error_message"`
	ErrorURL     string `json:"error_url"`
}

// Organization is Stytch's B2B organization object.
type Organization struct {
	OrganizationID                       string                        `json:"organization_id"`
	OrganizationName                     string                        `json:"organization_name"`
	OrganizationLogoURL                  string                        `json:"organization_logo_url"`
	OrganizationSlug                     string                        `json:"organization_slug"`
	OrganizationExternalID               string                        `json:"organization_external_id"`
	SSOJITProvisioning                   string                        `json:"sso_jit_provisioning"`
	SSOJITProvisioningAllowedConnections []string                      `json:"sso_jit_provisioning_allowed_connections"`
	SSOActiveConnections                 []SSOActiveConnection         `json:"sso_active_connections"`
	SSODefaultConnectionID               *string                       `json:"sso_default_connection_id"`
	SCIMActiveConnection                 *SCIMActiveConnection         `json:"scim_active_connection"`
	EmailAllowedDomains                  []string                      `json:"email_allowed_domains"`
	EmailJITProvisioning                 string                        `json:"email_jit_provisioning"`
	EmailInvites                         string                        `json:"email_invites"`
	AuthMethods                          string                        `json:"auth_methods"`
	AllowedAuthMethods                   []string                      `json:"allowed_auth_methods"`
	MFAPolicy                            string                        `json:"mfa_policy"`
	MFAMethods                           string                        `json:"mfa_methods"`
	AllowedMFAMethods                    []string                      `json:"allowed_mfa_methods"`
	RBACEmailImplicitRoleAssignments     []EmailImplicitRoleAssignment `json:"rbac_email_implicit_role_assignments"`
	OAuthTenantJITProvisioning           string                        `json:"oauth_tenant_jit_provisioning"`
	AllowedOAuthTenants                  map[string][]string           `json:"allowed_oauth_tenants"`
	ClaimedEmailDomains                  []string                      `json:"claimed_email_domains"`
	FirstPartyConnectedAppsAllowedType   string                        `json:"first_party_connected_apps_allowed_type"`
	AllowedFirstPartyConnectedApps       []string                      `json:"allowed_first_party_connected_apps"`
	ThirdPartyConnectedAppsAllowedType   string                        `json:"third_party_connected_apps_allowed_type"`
	AllowedThirdPartyConnectedApps       []string                      `json:"allowed_third_party_connected_apps"`
	CustomRoles                          []CustomRole                  `json:"custom_roles"` // required by Node's and Python's models
	TrustedMetadata                      map[string]any                `json:"trusted_metadata"`
	CreatedAt                            string                        `json:"created_at"`
	UpdatedAt                            string                        `json:"updated_at"`
}

// SSOActiveConnection is one entry of an organization's sso_active_connections.
type SSOActiveConnection struct {
	ConnectionID     string `json:"connection_id"`
	DisplayName      string `json:"display_name"`
	IdentityProvider string `json:"identity_provider"`
}

// SCIMActiveConnection is an organization's SCIM connection (never set here).
type SCIMActiveConnection struct {
	ConnectionID        string `json:"connection_id"`
	DisplayName         string `json:"display_name"`
	BearerTokenLastFour string `json:"bearer_token_last_four"`
}

// EmailImplicitRoleAssignment grants a role to every member of an email domain.
type EmailImplicitRoleAssignment struct {
	Domain string `json:"domain"`
	RoleID string `json:"role_id"`
}

// CustomRole is an organization-scoped RBAC role.
type CustomRole struct {
	RoleID      string             `json:"role_id"`
	Description string             `json:"description"`
	Permissions []CustomPermission `json:"permissions"`
}

// CustomPermission is one resource's actions granted by a custom role.
type CustomPermission struct {
	ResourceID string   `json:"resource_id"`
	Actions    []string `json:"actions"`
}

// Member is Stytch's B2B member object.
type Member struct {
	OrganizationID         string              `json:"organization_id"`
	MemberID               string              `json:"member_id"`
	EmailAddress           string              `json:"email_address"`
	Status                 string              `json:"status"`
	Name                   string              `json:"name"`
	SSORegistrations       []SSORegistration   `json:"sso_registrations"`
	OAuthRegistrations     []OAuthRegistration `json:"oauth_registrations"`
	RetiredEmailAddresses  []RetiredEmail      `json:"retired_email_addresses"`
	IsBreakglass           bool                `json:"is_breakglass"`
	IsAdmin                bool                `json:"is_admin"`
	IsLocked               bool                `json:"is_locked"`
	MemberPasswordID       string              `json:"member_password_id"`
	EmailAddressVerified   bool                `json:"email_address_verified"`
	MFAEnrolled            bool                `json:"mfa_enrolled"`
	MFAPhoneNumber         string              `json:"mfa_phone_number"`
	MFAPhoneNumberVerified bool                `json:"mfa_phone_number_verified"`
	TOTPRegistrationID     string              `json:"totp_registration_id"`
	DefaultMFAMethod       string              `json:"default_mfa_method"`
	Roles                  []MemberRole        `json:"roles"`
	TrustedMetadata        map[string]any      `json:"trusted_metadata"`
	UntrustedMetadata      map[string]any      `json:"untrusted_metadata"`
	ExternalID             string              `json:"external_id"`
	SCIMRegistration       *SCIMRegistration   `json:"scim_registration"`
	LockCreatedAt          *string             `json:"lock_created_at"`
	LockExpiresAt          *string             `json:"lock_expires_at"`
	CreatedAt              string              `json:"created_at"`
	UpdatedAt              string              `json:"updated_at"`
}

// SSORegistration links a member to an SSO connection.
type SSORegistration struct {
	ConnectionID   string         `json:"connection_id"`
	ExternalID     string         `json:"external_id"`
	RegistrationID string         `json:"registration_id"`
	SSOAttributes  map[string]any `json:"sso_attributes"`
}

// OAuthRegistration links a member to an OAuth provider account.
type OAuthRegistration struct {
	ProviderType              string `json:"provider_type"`
	ProviderSubject           string `json:"provider_subject"`
	MemberOAuthRegistrationID string `json:"member_oauth_registration_id"`
	ProfilePictureURL         string `json:"profile_picture_url"`
	Locale                    string `json:"locale"`
}

// RetiredEmail is an address the member no longer uses.
type RetiredEmail struct {
	EmailID      string `json:"email_id"`
	EmailAddress string `json:"email_address"`
}

// SCIMRegistration links a member to a SCIM connection (never set here).
type SCIMRegistration struct {
	ConnectionID   string `json:"connection_id"`
	RegistrationID string `json:"registration_id"`
	ExternalID     string `json:"external_id"`
}

// MemberRole is a role of a member and why the member has it.
type MemberRole struct {
	RoleID  string             `json:"role_id"`
	Sources []MemberRoleSource `json:"sources"`
}

// MemberRoleSource says how a role was granted; details may be null.
type MemberRoleSource struct {
	Type    string         `json:"type"`
	Details map[string]any `json:"details"`
}

// MemberSession is Stytch's B2B member session object.
type MemberSession struct {
	MemberSessionID       string                 `json:"member_session_id"`
	MemberID              string                 `json:"member_id"`
	OrganizationID        string                 `json:"organization_id"`
	OrganizationSlug      string                 `json:"organization_slug"`
	StartedAt             string                 `json:"started_at"`
	LastAccessedAt        string                 `json:"last_accessed_at"`
	ExpiresAt             string                 `json:"expires_at"`
	AuthenticationFactors []AuthenticationFactor `json:"authentication_factors"`
	Roles                 []string               `json:"roles"`
	CustomClaims          map[string]any         `json:"custom_claims"`
}

// AuthenticationFactor is one factor of a session. Exactly one of the
// per-method objects is set, the one of its type and delivery method.
type AuthenticationFactor struct {
	Type                   string                  `json:"type"`
	DeliveryMethod         string                  `json:"delivery_method"`
	LastAuthenticatedAt    string                  `json:"last_authenticated_at"`
	CreatedAt              string                  `json:"created_at"`
	UpdatedAt              string                  `json:"updated_at"`
	EmailFactor            *EmailFactor            `json:"email_factor,omitempty"`
	PhoneNumberFactor      *PhoneNumberFactor      `json:"phone_number_factor,omitempty"`
	AuthenticatorAppFactor *AuthenticatorAppFactor `json:"authenticator_app_factor,omitempty"`
	RecoveryCodeFactor     *RecoveryCodeFactor     `json:"recovery_code_factor,omitempty"`
	SAMLSSOFactor          *SSOFactor              `json:"saml_sso_factor,omitempty"`
	OIDCSSOFactor          *SSOFactor              `json:"oidc_sso_factor,omitempty"`
	GoogleOAuthFactor      *OAuthFactor            `json:"google_oauth_factor,omitempty"`
	MicrosoftOAuthFactor   *OAuthFactor            `json:"microsoft_oauth_factor,omitempty"`
	HubspotOAuthFactor     *OAuthFactor            `json:"hubspot_oauth_factor,omitempty"`
	SlackOAuthFactor       *OAuthFactor            `json:"slack_oauth_factor,omitempty"`
	GithubOAuthFactor      *OAuthFactor            `json:"github_oauth_factor,omitempty"`
}

// EmailFactor is the email of a magic-link factor.
type EmailFactor struct {
	EmailID      string `json:"email_id"`
	EmailAddress string `json:"email_address"`
}

// PhoneNumberFactor is the phone of an SMS factor.
type PhoneNumberFactor struct {
	PhoneID     string `json:"phone_id"`
	PhoneNumber string `json:"phone_number"`
}

// AuthenticatorAppFactor is the TOTP registration of a TOTP factor.
type AuthenticatorAppFactor struct {
	TOTPID string `json:"totp_id"`
}

// RecoveryCodeFactor is the recovery code used.
type RecoveryCodeFactor struct {
	TOTPRecoveryCodeID string `json:"totp_recovery_code_id"`
}

// SSOFactor is the SSO registration of an SSO factor.
type SSOFactor struct {
	ID         string `json:"id"`
	ProviderID string `json:"provider_id"`
	ExternalID string `json:"external_id"`
}

// OAuthFactor is the OAuth registration of an OAuth factor.
type OAuthFactor struct {
	ID              string `json:"id"`
	EmailID         string `json:"email_id"`
	ProviderSubject string `json:"provider_subject"`
}

// MFARequired says which MFA step is missing.
type MFARequired struct {
	MemberOptions          *MemberOptions `json:"member_options"`
	SecondaryAuthInitiated *string        `json:"secondary_auth_initiated"`
}

// MemberOptions are the member's MFA methods (phone masked).
type MemberOptions struct {
	MFAPhoneNumber     string `json:"mfa_phone_number"`
	TOTPRegistrationID string `json:"totp_registration_id"`
}

// PrimaryRequired lists the primary methods the organization accepts.
type PrimaryRequired struct {
	AllowedAuthMethods []string `json:"allowed_auth_methods"`
}

// DiscoveredOrganization is one organization a discovery listing offers.
type DiscoveredOrganization struct {
	MemberAuthenticated bool             `json:"member_authenticated"`
	Organization        Organization     `json:"organization"`
	Membership          Membership       `json:"membership"`
	PrimaryRequired     *PrimaryRequired `json:"primary_required"`
	MFARequired         *MFARequired     `json:"mfa_required"`
}

// Membership is how the email relates to a discovered organization.
// Details is null or an object (the domain or OAuth tenant it is eligible by).
type Membership struct {
	Type    string            `json:"type"`
	Details map[string]string `json:"details"`
	Member  *Member           `json:"member"`
}

// DeviceInfo is Stytch's member_device; only sent with device fingerprinting,
// which the local API does not do, so it is always null.
type DeviceInfo struct {
	VisitorID string `json:"visitor_id"`
}

// SessionResult is the body every authenticate that ends a sign-in step
// shares (discovery exchange and organization create, sessions.exchange,
// and — with their own extra fields — magic-link, SSO and OAuth
// authenticate): a session, or member_authenticated false with an IST and
// primary_required or mfa_required.
type SessionResult struct {
	Envelope
	MemberID                          string           `json:"member_id"`
	Member                            Member           `json:"member"`
	Organization                      Organization     `json:"organization"`
	MemberAuthenticated               bool             `json:"member_authenticated"`
	IntermediateSessionToken          string           `json:"intermediate_session_token"`
	IntermediateSessionTokenExpiresAt *string          `json:"intermediate_session_token_expires_at"`
	SessionToken                      string           `json:"session_token"`
	SessionJWT                        string           `json:"session_jwt"`
	MemberSession                     *MemberSession   `json:"member_session"`
	MFARequired                       *MFARequired     `json:"mfa_required"`
	PrimaryRequired                   *PrimaryRequired `json:"primary_required"`
	MemberDevice                      *DeviceInfo      `json:"member_device"`
}

// SetSessionJWT fills the JWT signed after the handler released its lock.
func (r *SessionResult) SetSessionJWT(jwt string) { r.SessionJWT = jwt }

// Result gives the embedded SessionResult to code that fills it.
func (r *SessionResult) Result() *SessionResult { return r }

// MagicLinkAuthenticateResponse answers magic_links.authenticate.
type MagicLinkAuthenticateResponse struct {
	SessionResult
	MethodID       string `json:"method_id"`
	ResetSessions  bool   `json:"reset_sessions"`
	OrganizationID string `json:"organization_id"`
}

// SSOAuthenticateResponse answers sso.authenticate (reset_session, singular).
type SSOAuthenticateResponse struct {
	SessionResult
	OrganizationID string `json:"organization_id"`
	ResetSession   bool   `json:"reset_session"`
}

// OAuthAuthenticateResponse answers oauth.authenticate.
type OAuthAuthenticateResponse struct {
	SessionResult
	OrganizationID  string         `json:"organization_id"`
	ResetSessions   bool           `json:"reset_sessions"`
	ProviderSubject string         `json:"provider_subject"`
	ProviderType    string         `json:"provider_type"`
	ProviderValues  ProviderValues `json:"provider_values"`
}

// ProviderValues are the identity provider's tokens.
type ProviderValues struct {
	AccessToken  string   `json:"access_token"`
	RefreshToken string   `json:"refresh_token"`
	IDToken      string   `json:"id_token"`
	ExpiresAt    *string  `json:"expires_at"`
	Scopes       []string `json:"scopes"`
}

// DiscoveryAuthenticateResponse answers magic_links.discovery.authenticate.
type DiscoveryAuthenticateResponse struct {
	Envelope
	IntermediateSessionToken          string                   `json:"intermediate_session_token"`
	IntermediateSessionTokenExpiresAt string                   `json:"intermediate_session_token_expires_at"`
	EmailAddress                      string                   `json:"email_address"`
	DiscoveredOrganizations           []DiscoveredOrganization `json:"discovered_organizations"`
}

// OAuthDiscoveryAuthenticateResponse answers oauth.discovery.authenticate.
type OAuthDiscoveryAuthenticateResponse struct {
	DiscoveryAuthenticateResponse
	ProviderType      string   `json:"provider_type"`
	ProviderTenantID  string   `json:"provider_tenant_id"`
	ProviderTenantIDs []string `json:"provider_tenant_ids"`
	FullName          string   `json:"full_name"`
}

// SessionsAuthenticateResponse answers sessions.authenticate.
type SessionsAuthenticateResponse struct {
	Envelope
	MemberSession MemberSession         `json:"member_session"`
	SessionToken  string                `json:"session_token"`
	SessionJWT    string                `json:"session_jwt"`
	Member        Member                `json:"member"`
	Organization  Organization          `json:"organization"`
	Verdict       *AuthorizationVerdict `json:"verdict"`
}

// SetSessionJWT fills the JWT signed after the handler released its lock.
func (r *SessionsAuthenticateResponse) SetSessionJWT(jwt string) { r.SessionJWT = jwt }

// AuthorizationVerdict says why an authorization_check passed.
type AuthorizationVerdict struct {
	Authorized    bool     `json:"authorized"`
	GrantingRoles []string `json:"granting_roles"`
}

// MFAAuthenticateResponse answers otps.sms.authenticate and totps.authenticate.
type MFAAuthenticateResponse struct {
	Envelope
	MemberID      string         `json:"member_id"`
	Member        Member         `json:"member"`
	Organization  Organization   `json:"organization"`
	SessionToken  string         `json:"session_token"`
	SessionJWT    string         `json:"session_jwt"`
	MemberSession *MemberSession `json:"member_session"`
	MemberDevice  *DeviceInfo    `json:"member_device"`
}

// SetSessionJWT fills the JWT signed after the handler released its lock.
func (r *MFAAuthenticateResponse) SetSessionJWT(jwt string) { r.SessionJWT = jwt }

// RecoveryCodesRecoverResponse answers recovery_codes.recover.
type RecoveryCodesRecoverResponse struct {
	MFAAuthenticateResponse
	RecoveryCodesRemaining int `json:"recovery_codes_remaining"`
}

// RBACPolicyResponse answers rbac.policy: the project's RBAC policy.
type RBACPolicyResponse struct {
	Envelope
	Policy Policy `json:"policy"`
}

// Policy is the project's roles, resources and scopes.
type Policy struct {
	Roles     []PolicyRole     `json:"roles"`
	Resources []PolicyResource `json:"resources"`
	Scopes    []PolicyScope    `json:"scopes"`
}

// PolicyRole is a role and the actions it grants per resource.
type PolicyRole struct {
	RoleID      string       `json:"role_id"`
	Description string       `json:"description"`
	Permissions []Permission `json:"permissions"`
}

// PolicyResource is a resource and every action it knows.
type PolicyResource struct {
	ResourceID  string   `json:"resource_id"`
	Description string   `json:"description"`
	Actions     []string `json:"actions"`
}

// PolicyScope is an OAuth scope and the actions it grants per resource.
type PolicyScope struct {
	Scope       string       `json:"scope"`
	Description string       `json:"description"`
	Permissions []Permission `json:"permissions"`
}

// Permission links a resource to actions ("*": all of them).
type Permission struct {
	ResourceID string   `json:"resource_id"`
	Actions    []string `json:"actions"`
}

// RecoveryCodesResponse answers recovery_codes.get and recovery_codes.rotate.
type RecoveryCodesResponse struct {
	Envelope
	MemberID      string       `json:"member_id"`
	Member        Member       `json:"member"`
	Organization  Organization `json:"organization"`
	RecoveryCodes []string     `json:"recovery_codes"`
}
