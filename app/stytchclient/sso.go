package stytchclient

import (
	"context"
	"slices"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/oauth"
	oauthdiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/oauth/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sso"

	"stytch-desktop/app/signin"
)

// The browser round trips' callbacks (signin/sso.go): OAuth discovery,
// OAuth into one organization, SSO.

func (c *Client) AuthenticateDiscoveryOAuth(ctx context.Context, token, verifier string) (signin.Discovery, error) {
	const op = "authenticate oauth discovery"
	defer traced("authenticate-discovery-oauth")()
	ctx, box := withRetryBox(ctx)
	resp, err := c.api.OAuth.Discovery.Authenticate(ctx, &oauthdiscovery.AuthenticateParams{
		DiscoveryOAuthToken: token,
		PkceCodeVerifier:    verifier,
	})
	if err != nil {
		return signin.Discovery{}, mapError(op, err, box)
	}
	return signin.Discovery{
		IntermediateSessionToken: resp.IntermediateSessionToken,
		Email:                    resp.EmailAddress,
		Organizations:            discovered(resp.DiscoveredOrganizations),
	}, nil
}

func (c *Client) AuthenticateOAuth(ctx context.Context, token, verifier string, minutes int) (signin.Authentication, error) {
	const op = "authenticate oauth"
	defer traced("authenticate-oauth")()
	ctx, box := withRetryBox(ctx)
	resp, err := c.api.OAuth.Authenticate(ctx, &oauth.AuthenticateParams{
		OAuthToken:             token,
		PkceCodeVerifier:       verifier,
		SessionDurationMinutes: int32(minutes),
	})
	if err != nil {
		return signin.Authentication{}, mapError(op, err, box)
	}
	return authentication(resp.MemberAuthenticated, resp.SessionToken, resp.SessionJWT, resp.IntermediateSessionToken,
		resp.Member, resp.Organization, resp.MemberSession, resp.MFARequired, primary(resp.PrimaryRequired)), nil
}

func (c *Client) AuthenticateSSO(ctx context.Context, token, verifier, ist string, minutes int) (signin.Authentication, error) {
	const op = "authenticate sso"
	defer traced("authenticate-sso")()
	ctx, box := withRetryBox(ctx)
	resp, err := c.api.SSO.Authenticate(ctx, &sso.AuthenticateParams{
		SSOToken:                 token,
		PkceCodeVerifier:         verifier,
		IntermediateSessionToken: ist,
		SessionDurationMinutes:   int32(minutes),
	})
	if err != nil {
		return signin.Authentication{}, mapError(op, err, box)
	}
	return authentication(resp.MemberAuthenticated, resp.SessionToken, resp.SessionJWT, resp.IntermediateSessionToken,
		resp.Member, resp.Organization, resp.MemberSession, resp.MFARequired, primary(resp.PrimaryRequired)), nil
}

// withSSO adds an organization's SSO settings to its display data.
func withSSO(out signin.Organization, o organizations.Organization) signin.Organization {
	for _, c := range o.SSOActiveConnections {
		out.SSOConnections = append(out.SSOConnections, signin.SSOConnection{
			ID: c.ConnectionID, DisplayName: c.DisplayName, IdentityProvider: c.IdentityProvider,
		})
	}
	out.SSODefaultConnectionID = o.SSODefaultConnectionID
	out.SSORequired = o.AuthMethods == "RESTRICTED" && slices.Equal(o.AllowedAuthMethods, []string{"sso"})
	return out
}
