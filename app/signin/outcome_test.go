package signin

import "testing"

// What follows an answer is decided from the answer alone.
func TestNextStep(t *testing.T) {
	sso := Organization{SSOConnections: []SSOConnection{{ID: "c1"}}}
	ssoDefault := Organization{SSODefaultConnectionID: "c1"}
	for _, c := range []struct {
		name string
		auth Authentication
		want next
	}{
		{"session", Authentication{Authenticated: true, SessionToken: "s"}, nextSignedIn},
		{"session wins over a stale mfa flag", Authentication{Authenticated: true, SessionToken: "s", MFARequired: true, IntermediateSessionToken: "i"}, nextSignedIn},
		{"authenticated without a token is not signed in", Authentication{Authenticated: true}, nextOtherPrimary},
		{"mfa", Authentication{MFARequired: true, IntermediateSessionToken: "i"}, nextMFA},
		{"mfa without an intermediate session", Authentication{MFARequired: true}, nextOtherPrimary},
		{"mfa after a missing primary method", Authentication{MFARequired: true, IntermediateSessionToken: "i", PrimaryRequired: []string{"oauth"}}, nextOtherPrimary},
		{"sso with connections", Authentication{PrimaryRequired: []string{"sso"}, Organization: sso, IntermediateSessionToken: "i"}, nextSSO},
		{"sso with a default connection", Authentication{PrimaryRequired: []string{"magic_link", "sso"}, Organization: ssoDefault}, nextSSO},
		{"sso before mfa", Authentication{PrimaryRequired: []string{"sso"}, Organization: sso, MFARequired: true, IntermediateSessionToken: "i"}, nextSSO},
		{"sso without a connection", Authentication{PrimaryRequired: []string{"sso"}, IntermediateSessionToken: "i"}, nextOtherPrimary},
		{"another primary method", Authentication{PrimaryRequired: []string{"oauth"}, IntermediateSessionToken: "i"}, nextOtherPrimary},
		{"nothing at all", Authentication{}, nextOtherPrimary},
	} {
		if got := nextStep(c.auth); got != c.want {
			t.Errorf("%s: nextStep = %s, want %s", c.name, got, c.want)
		}
	}
}
