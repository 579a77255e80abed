package signin

import "slices"

// next is what follows an answer that may end in a member session (an
// authenticate or exchange call: a link, OAuth, SSO, an organization chosen,
// created or switched to, an MFA factor). nextStep decides it, once, from
// Stytch's answer alone; the caller only carries it out (finish, and
// SwitchOrganization from a signed-in session).
type next int

const (
	// nextSignedIn: a member session; adopt and store it.
	nextSignedIn next = iota
	// nextMFA: the primary factor is enough, a second one is missing; the
	// intermediate session carries the step (mfa.go).
	nextMFA
	// nextSSO: the organization wants SSO as the primary factor and named
	// the connections to use (sso.go).
	nextSSO
	// nextOtherPrimary: another primary method, or an answer this app can't
	// continue; the organization "needs more" and nothing is stored.
	nextOtherPrimary
)

func (n next) String() string {
	return [...]string{"signed_in", "mfa", "sso", "other_primary"}[n]
}

// nextStep reads Stytch's answer (member_authenticated, mfa_required,
// primary_required; see docs/stytch-notes.md, "After an authenticate
// call"). A session token wins; SSO is next when primary_required names it
// and the organization has a connection to start; MFA is next only when no
// primary method is missing and the intermediate session came with it.
func nextStep(auth Authentication) next {
	switch {
	case auth.Authenticated && auth.SessionToken != "":
		return nextSignedIn
	case slices.Contains(auth.PrimaryRequired, "sso") &&
		(len(auth.Organization.SSOConnections) > 0 || auth.Organization.SSODefaultConnectionID != ""):
		return nextSSO
	case auth.MFARequired && len(auth.PrimaryRequired) == 0 && auth.IntermediateSessionToken != "":
		return nextMFA
	}
	return nextOtherPrimary
}
