package signin

import "time"

// Screen names the step of the sign-in the user is on.
type Screen string

const (
	ScreenRestoring            Screen = "restoring"
	ScreenSignedOut            Screen = "signed_out"
	ScreenLinkSent             Screen = "link_sent"
	ScreenCompleting           Screen = "completing"
	ScreenChoosingOrganization Screen = "choosing_organization"
	ScreenEntering             Screen = "entering"
	ScreenNeedsMoreAuth        Screen = "needs_more_auth"
	ScreenSignedIn             Screen = "signed_in"

	// SSO and OAuth (sso.go).
	ScreenBrowser               Screen = "browser"                 // the system browser is open at Google, Microsoft or the identity provider
	ScreenChoosingSSOConnection Screen = "choosing_sso_connection" // the organization has several SSO connections and no default
	// MFA after a primary step (mfa.go).
	ScreenMFASMS           Screen = "mfa_sms"            // enter the texted code
	ScreenMFATOTP          Screen = "mfa_totp"           // enter the authenticator app's code
	ScreenMFABackupCode    Screen = "mfa_backup_code"    // enter a backup (recovery) code
	ScreenMFAEnrollChoose  Screen = "mfa_enroll_choose"  // no factor yet: text message or authenticator app
	ScreenMFAEnrollPhone   Screen = "mfa_enroll_phone"   // enter a phone number to text codes to
	ScreenMFAEnrollTOTP    Screen = "mfa_enroll_totp"    // scan the QR code (or copy the secret), enter a code
	ScreenMFARecoveryCodes Screen = "mfa_recovery_codes" // the backup codes, shown once
)

// Membership says how an email relates to a discovered organization.
type Membership string

const (
	MembershipMember           Membership = "member"
	MembershipInvited          Membership = "invited"
	MembershipPending          Membership = "pending"
	MembershipEligibleByDomain Membership = "eligible_by_domain"
	MembershipEligibleByTenant Membership = "eligible_by_oauth_tenant" // e.g. the company's Google Workspace
)

// Organization is the display data of an organization; never a secret.
type Organization struct {
	ID            string     `json:"id"`
	Name          string     `json:"name"`
	Slug          string     `json:"slug"`
	LogoURL       string     `json:"logoUrl"`
	Membership    Membership `json:"membership,omitempty"`
	NeedsMoreAuth bool       `json:"needsMoreAuth"`
	// SSO (sso.go): the organization's active connections, its default one,
	// and whether it accepts nothing but SSO (primary_required ["sso"]).
	SSOConnections         []SSOConnection `json:"ssoConnections,omitempty"`
	SSODefaultConnectionID string          `json:"ssoDefaultConnectionId,omitempty"`
	SSORequired            bool            `json:"ssoRequired"`
}

// Member is the display data of the signed-in member.
type Member struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Notice is the last outcome worth telling the user. The screens own the
// wording; the backend only says which kind.
type Notice struct {
	Kind              Kind `json:"kind"`
	RetryAfterSeconds int  `json:"retryAfterSeconds,omitempty"`
}

// View is the whole sign-in state as the screens see it: display data only.
// It is a value: callers get a copy they may keep.
type View struct {
	// Seq grows with every change, so the screens can drop a view that
	// arrives after a newer one (events and call results travel separately).
	Seq                uint64 `json:"seq"`
	Screen             Screen `json:"screen"`
	Mode               string `json:"mode"`
	Backend            string `json:"backend,omitempty"` // the broker's or Stytch's URL, for an "About" line
	InboxURL           string `json:"inboxUrl,omitempty"`
	CodeEntry          bool   `json:"codeEntry,omitempty"` // "Got a code instead?" is offered (the /open page is in use)
	DirectOrganization string `json:"directOrganization,omitempty"`
	// DirectOrganizationName is the configured organization's name, once
	// Stytch has told us (the first send's answer, a pending flow or a
	// session remembered from an earlier run); until then only the id or
	// slug is known.
	DirectOrganizationName string         `json:"directOrganizationName,omitempty"`
	Email                  string         `json:"email,omitempty"`
	LinkExpiresAt          *time.Time     `json:"linkExpiresAt,omitempty"`
	ResendAfter            *time.Time     `json:"resendAfter,omitempty"`
	Organizations          []Organization `json:"organizations,omitempty"`
	Member                 *Member        `json:"member,omitempty"`
	Organization           *Organization  `json:"organization,omitempty"`
	SessionExpiresAt       *time.Time     `json:"sessionExpiresAt,omitempty"`
	// Roles are the signed-in member's roles in this session (RBAC), for
	// showing them and role-gated actions; the company's API decides.
	Roles           []string `json:"roles,omitempty"`
	Offline         bool     `json:"offline"`
	KeychainWarning string   `json:"keychainWarning,omitempty"`
	Busy            bool     `json:"busy"`
	Notice          *Notice  `json:"notice,omitempty"`
	// OAuthProviders are the "Continue with …" buttons of the first screen
	// (and of the direct-organization mode), e.g. ["google","microsoft"].
	OAuthProviders []string `json:"oauthProviders,omitempty"`
	// SSOAvailable: SSO can be started (a public token is configured).
	SSOAvailable bool `json:"ssoAvailable"`
	// Browser describes the round trip in the system browser, on the browser screen.
	Browser *BrowserView `json:"browser,omitempty"`

	// MFA is the MFA step's display data, on the mfa_* screens only.
	MFA *MFAView `json:"mfa,omitempty"`
	// OtherOrganizations are the organizations a signed-in member can switch
	// to (after ListOrganizations), with the same labels as after discovery.
	OtherOrganizations []Organization `json:"otherOrganizations,omitempty"`
	// BackupCodesLeft is set on signed_in right after a backup code was used.
	BackupCodesLeft *int `json:"backupCodesLeft,omitempty"`

	// Warning is a condition of the whole run that every screen shows (the
	// app sets it at start), e.g. KindSingleInstanceUnavailable.
	Warning Kind `json:"warning,omitempty"`
}

// MFAView is what the MFA screens show. TOTPSecret, TOTPQRCode and
// RecoveryCodes are secrets that reach the screens only on the enrollment
// screens that must show them (mfa_enroll_totp, mfa_recovery_codes).
type MFAView struct {
	Method                string     `json:"method"`                // MethodSMS, MethodTOTP, "backup_code" or "" (choose)
	Enrolling             bool       `json:"enrolling"`             // setting a factor up rather than using one
	Switching             bool       `json:"switching"`             // from a signed-in session: cancel goes back to it
	BackToList            bool       `json:"backToList,omitempty"`  // after discovery: cancel goes back to the organization list
	PhoneMasked           string     `json:"phoneMasked,omitempty"` // where the code went, e.g. XXXXXXX0123
	CodeExpiresAt         *time.Time `json:"codeExpiresAt,omitempty"`
	ResendAfter           *time.Time `json:"resendAfter,omitempty"`
	ResendsLeft           int        `json:"resendsLeft"`
	CanUseSMS             bool       `json:"canUseSms"`        // "text me instead"
	CanUseTOTP            bool       `json:"canUseTotp"`       // "use my authenticator app"
	CanUseBackupCode      bool       `json:"canUseBackupCode"` // "use a backup code"
	AllowedMethods        []string   `json:"allowedMethods,omitempty"`
	IntermediateExpiresAt *time.Time `json:"intermediateExpiresAt,omitempty"` // the whole MFA step must end by then
	TOTPQRCode            string     `json:"totpQrCode,omitempty"`
	TOTPSecret            string     `json:"totpSecret,omitempty"`
	RecoveryCodes         []string   `json:"recoveryCodes,omitempty"`
	SavedTo               string     `json:"savedTo,omitempty"` // where SaveRecoveryCodes wrote them
}

// MethodBackupCode is MFAView.Method on the backup-code screen.
const MethodBackupCode = "backup_code"

// KeychainNotRemembered is View.KeychainWarning when the session lives in
// memory only because the OS keychain could not store it.
const KeychainNotRemembered = "not_remembered"
