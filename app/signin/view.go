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
	Seq                uint64         `json:"seq"`
	Screen             Screen         `json:"screen"`
	Mode               string         `json:"mode"`
	Backend            string         `json:"backend,omitempty"` // the broker's or Stytch's URL, for an "About" line
	InboxURL           string         `json:"inboxUrl,omitempty"`
	DirectOrganization string         `json:"directOrganization,omitempty"`
	Email              string         `json:"email,omitempty"`
	LinkExpiresAt      *time.Time     `json:"linkExpiresAt,omitempty"`
	ResendAfter        *time.Time     `json:"resendAfter,omitempty"`
	Organizations      []Organization `json:"organizations,omitempty"`
	Member             *Member        `json:"member,omitempty"`
	Organization       *Organization  `json:"organization,omitempty"`
	SessionExpiresAt   *time.Time     `json:"sessionExpiresAt,omitempty"`
	Offline            bool           `json:"offline"`
	KeychainWarning    string         `json:"keychainWarning,omitempty"`
	Busy               bool           `json:"busy"`
	Notice             *Notice        `json:"notice,omitempty"`
	// OAuthProviders are the "Continue with …" buttons of the first screen
	// (and of the direct-organization mode), e.g. ["google","microsoft"].
	OAuthProviders []string `json:"oauthProviders,omitempty"`
	// SSOAvailable: SSO can be started (a public token is configured).
	SSOAvailable bool `json:"ssoAvailable"`
	// Browser describes the round trip in the system browser, on the browser screen.
	Browser *BrowserView `json:"browser,omitempty"`
}

// KeychainNotRemembered is View.KeychainWarning when the session lives in
// memory only because the OS keychain could not store it.
const KeychainNotRemembered = "not_remembered"
