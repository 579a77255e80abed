package store

// Records that other records and the state embed: the authentication
// policy of an organization, session factors, MFA state, callback tokens.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// SSOConnection is one active SSO connection of an organization.
type SSOConnection struct {
	ID               string // saml-connection-test-<uuid> or oidc-connection-test-<uuid>
	DisplayName      string
	IdentityProvider string // e.g. "okta", "microsoft-entra", "generic"
	Protocol         string // "saml" or "oidc"
}

// OrgAuth is the part of an organization's settings that decides how its
// members may authenticate. The zero value is Stytch's default: every
// Method allowed, no SSO, no OAuth-tenant JIT.
type OrgAuth struct {
	AuthMethods                string // "" (ALL_ALLOWED) or RESTRICTED
	AllowedAuthMethods         []string
	SSOConnections             []SSOConnection
	SSODefaultConnectionID     string
	SSOJITProvisioning         string // "" (ALL_ALLOWED), RESTRICTED, NOT_ALLOWED
	OAuthTenantJITProvisioning string // "" (NOT_ALLOWED) or RESTRICTED
	AllowedOAuthTenants        map[string][]string
}

// Connection returns the organization's SSO connection with id, or nil.
func (a *OrgAuth) Connection(id string) *SSOConnection {
	for i := range a.SSOConnections {
		if a.SSOConnections[i].ID == id {
			return &a.SSOConnections[i]
		}
	}
	return nil
}

// AuthFactor is one authentication factor of an intermediate or member
// session, in the shape of Stytch's session authentication_factors.
type AuthFactor struct {
	Type           string // magic_link, sso, oauth
	DeliveryMethod string // email, sso_saml, sso_oidc, oauth_google, oauth_microsoft, …
	Email, EmailID string
	ConnectionID   string // sso
	Provider       string // oauth: google, microsoft, …
	Subject        string // sso external id / oauth provider subject
	RegistrationID string
	At             time.Time
}

// MagicLinkFactor is the email magic-link factor of an address.
func MagicLinkFactor(email, emailID string, at time.Time) AuthFactor {
	return AuthFactor{Type: "magic_link", DeliveryMethod: "email", Email: email, EmailID: emailID, At: at}
}

// Method names the factor as allowed_auth_methods does.
func (f AuthFactor) Method() string {
	switch f.Type {
	case "sso":
		return "sso"
	case "oauth":
		return f.Provider + "_oauth"
	case "magic_link":
		return "magic_link"
	}
	return f.Type
}

// Transferable reports whether the factor moves to another organization's
// session on sessions.exchange: only magic-link, OAuth and SMS factors do;
// SSO factors belong to their connection's organization (docs/local-api.md §6).
func (f AuthFactor) Transferable() bool {
	return f.Type == "magic_link" || f.Type == "oauth" || f.DeliveryMethod == "sms"
}

// FactorsOr returns fs, or a single email magic-link factor for records
// written before factors were kept (they were all magic-link sessions).
func FactorsOr(fs []AuthFactor, email, emailID string, at time.Time) []AuthFactor {
	if len(fs) > 0 {
		return fs
	}
	return []AuthFactor{MagicLinkFactor(email, emailID, at)}
}

// PrimaryFactors are a member session's primary factors.
func (s *Session) PrimaryFactors() []AuthFactor {
	return FactorsOr(s.Primary, s.Email, s.EmailID, s.AuthenticatedAt)
}

// MemberMFA is one member's MFA state, persisted inside Member.
type MemberMFA struct {
	Phone         string // E.164; may be unverified (linked by a send)
	PhoneID       string
	PhoneVerified bool
	TOTPID        string // the verified (active) registration; "" = none
	DefaultMethod string // sms_otp | totp | ""
	Enrolled      bool   // mfa_enrolled
}

// MFAFactor is one authentication factor on a session beyond the primary
// email factor that Session has always carried.
type MFAFactor struct {
	Type, Delivery string
	Phone, PhoneID string `json:",omitempty"`
	TOTPID         string `json:",omitempty"`
	RecoveryCodeID string `json:",omitempty"`
	At             time.Time
}

// MFAState is the MFA part of the persisted state.
type MFAState struct {
	Key   []byte           // HMAC key for codes and TOTP secrets (server-owned)
	TOTPs map[string]*TOTP // by registration id
	OTPs  map[string]*OTP  // by member id: one live SMS code per member
}

type TOTP struct {
	ID, MemberID  string
	Verified      bool
	CreatedAt     time.Time
	ExpiresAt     time.Time // for an unverified registration
	LastStep      int64     // last accepted time step: a code is accepted once
	RecoveryCodes []*RecoveryCode
	// Generation counts recovery-code rotations; with the registration id
	// and the key it derives the codes (MFAState.RecoveryCodeSeed).
	Generation int `json:",omitempty"`
}

type RecoveryCode struct {
	ID   string
	Hash string // HMAC of the code
	Used bool
}

type OTP struct {
	Hash      string // HMAC of member id + code
	Phone     string
	ExpiresAt time.Time
	Used      bool
	Failures  int
}

// TOTPSecretBytes is a TOTP secret's length: 160 bits, 32 base32 characters.
const TOTPSecretBytes = 20

// MAC is HMAC-SHA256(key, label 0 parts...) in hex.
func (m *MFAState) MAC(label string, parts ...string) string {
	h := hmac.New(sha256.New, m.Key)
	h.Write([]byte(label))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// RecoveryCodeSeed derives the i-th recovery code of a registration's
// generation: never stored (only its MAC, for the used flag), recomputable
// so recovery_codes.get can show the codes again.
func (m *MFAState) RecoveryCodeSeed(regID string, generation, i int) []byte {
	h := hmac.New(sha256.New, m.Key)
	h.Write([]byte("recovery-code\x00" + regID + "\x00" + strconv.Itoa(generation) + "\x00" + strconv.Itoa(i)))
	return h.Sum(nil)
}

// TOTPSecret derives a registration's secret: never stored, recomputable.
func (m *MFAState) TOTPSecret(regID string) []byte {
	h := hmac.New(sha256.New, m.Key)
	h.Write([]byte("totp-secret\x00" + regID))
	return h.Sum(nil)[:TOTPSecretBytes]
}

// IdPToken is a callback token (kind sso, oauth or discovery_oauth),
// stored by hash like every token here.
type IdPToken struct {
	Kind          string
	Email, Name   string
	Provider      string // oauth kinds
	OrgID         string // sso, oauth
	ConnectionID  string // sso
	PKCEChallenge string
	RedirectURL   string
	CreatedAt     time.Time
	ExpiresAt     time.Time
	Used          bool
}
