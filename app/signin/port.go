package signin

import (
	"context"
	"time"
)

// Stytch is the narrow port the flows need from Stytch's B2B API: only the calls
// they make. The stytch-go adapter (app/stytchclient) implements it in every
// mode — pointed at Stytch, at the local API, or at the company's broker
// (app/broker), which adds the project secret so it never reaches employees'
// machines — and the flow tests run against any implementation.
//
// Implementations return *Error values whose Kind the flows and screens can
// tell apart, and must never put a token, verifier or secret in an error text.
type Stytch interface {
	SendDiscoveryLink(ctx context.Context, req DiscoveryLinkRequest) error
	// SendOrganizationLink returns the organization Stytch answered with
	// (login_or_signup's "organization"; zero when the answer had none).
	SendOrganizationLink(ctx context.Context, req OrganizationLinkRequest) (Organization, error)
	AuthenticateDiscoveryLink(ctx context.Context, token, verifier string) (Discovery, error)
	AuthenticateOrganizationLink(ctx context.Context, token, verifier string, sessionMinutes int) (Authentication, error)
	ExchangeIntermediateSession(ctx context.Context, ist, organizationID string, sessionMinutes int) (Authentication, error)
	CreateOrganization(ctx context.Context, ist string, org NewOrganization, sessionMinutes int) (Authentication, error)
	AuthenticateSession(ctx context.Context, sessionToken string, sessionMinutes int) (Authentication, error)
	// AuthenticateSessionJWTLocal checks a session JWT against the project's
	// published signing keys without a network call. It must not fall back to
	// a remote call (stytch-go's AuthenticateJWT silently does).
	AuthenticateSessionJWTLocal(ctx context.Context, jwt string) (LocalSession, error)
	RevokeSession(ctx context.Context, sessionToken string) error

	// SSO and OAuth (sso.go): redeem the token the browser brought back, with
	// the PKCE verifier of that round trip. ist (optional) is the
	// intermediate session the SSO factor joins (e.g. a discovery link's).
	AuthenticateDiscoveryOAuth(ctx context.Context, token, verifier string) (Discovery, error)
	AuthenticateOAuth(ctx context.Context, token, verifier string, sessionMinutes int) (Authentication, error)
	AuthenticateSSO(ctx context.Context, token, verifier, ist string, sessionMinutes int) (Authentication, error)
	// MFA after a primary step (mfa.go). Every call carries the intermediate
	// session token of the step; the authenticates end in a member session.
	SendSMSCode(ctx context.Context, req MFARequest, phone string) error
	AuthenticateSMSCode(ctx context.Context, req MFARequest, code string, sessionMinutes int) (Authentication, error)
	CreateTOTP(ctx context.Context, req MFARequest) (TOTPEnrollment, error)
	AuthenticateTOTP(ctx context.Context, req MFARequest, code string, sessionMinutes int) (Authentication, error)
	RecoverWithBackupCode(ctx context.Context, req MFARequest, code string, sessionMinutes int) (Authentication, error)

	// Switching organizations with a member session (switch.go).
	ListOrganizations(ctx context.Context, sessionToken string) ([]Organization, error)
	ExchangeSession(ctx context.Context, sessionToken, organizationID string, sessionMinutes int) (Authentication, error)
}

// MFARequest names the member an MFA call is about and carries the
// intermediate session token (a secret: never serialised).
type MFARequest struct {
	OrganizationID           string
	MemberID                 string
	IntermediateSessionToken string `json:"-"`
}

// MFAState is what Stytch said about a member's MFA when a primary step
// answered "not done yet": what the member has enrolled, what the
// organization allows, and whether a code was already texted.
type MFAState struct {
	SMSSent        bool     // secondary_auth_initiated == "sms_otp"
	PhoneMasked    string   // member_options.mfa_phone_number, e.g. XXXXXXX0123
	HasPhone       bool     // member.mfa_phone_number_verified
	HasTOTP        bool     // member.totp_registration_id != ""
	DefaultMethod  string   // MethodSMS, MethodTOTP or ""
	AllowedMethods []string // nil = every method (mfa_methods ALL_ALLOWED)
}

// MFA method names, as Stytch spells them.
const (
	MethodSMS  = "sms_otp"
	MethodTOTP = "totp"
)

// TOTPEnrollment is a new authenticator-app registration. Secret and
// RecoveryCodes are secrets shown once on the enrollment screens only.
type TOTPEnrollment struct {
	RegistrationID string
	Secret         string   `json:"-"`
	QRCode         string   `json:"-"` // data:image/png;base64,… (encodes the secret)
	RecoveryCodes  []string `json:"-"`
}

// String keeps the secret out of any accidental %v.
func (t TOTPEnrollment) String() string { return "totp_enrollment{" + t.RegistrationID + "}" }

// DiscoveryLinkRequest asks for a discovery magic link bound to a PKCE challenge.
type DiscoveryLinkRequest struct {
	Email         string
	RedirectURL   string
	PKCEChallenge string
}

// OrganizationLinkRequest asks for a login-or-signup link into one organization.
type OrganizationLinkRequest struct {
	Organization  string // organization id or slug
	Email         string
	RedirectURL   string
	PKCEChallenge string
}

// NewOrganization is what a member types to create an organization.
type NewOrganization struct {
	Name string
	Slug string
}

// Discovery is the answer to a discovery magic link. The intermediate session
// token is a secret: it stays in Go memory and is never serialised.
type Discovery struct {
	IntermediateSessionToken string `json:"-"`
	Email                    string
	Organizations            []Organization
}

// Authentication is the outcome of any call that may end in a member session.
// When Authenticated is false the organization needs more (MFA or another
// primary method) and no session exists.
type Authentication struct {
	Authenticated            bool
	SessionToken             string `json:"-"`
	SessionJWT               string `json:"-"`
	IntermediateSessionToken string `json:"-"`
	Member                   Member
	Organization             Organization
	Roles                    []string // the member session's roles (stytch_member, stytch_admin, custom ones)
	ExpiresAt                time.Time
	MFARequired              bool
	MFA                      MFAState // when MFARequired
	PrimaryRequired          []string
	BackupCodesRemaining     int // after a backup code: how many are left
}

// LocalSession is what a locally verified session JWT says.
type LocalSession struct {
	MemberID       string
	OrganizationID string
	ExpiresAt      time.Time
}

// String keeps tokens out of any accidental %v.
func (a Authentication) String() string {
	return "authentication{member=" + a.Member.ID + " organization=" + a.Organization.ID + "}"
}

// String keeps the intermediate session token out of any accidental %v.
func (d Discovery) String() string { return "discovery{email=" + d.Email + "}" }
