package companyapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"stytch-desktop/app/accesstoken"
)

// MeStatus is how a call to GET /api/me ended, for the screens.
type MeStatus string

const (
	MeOK            MeStatus = "ok"
	MeUnauthorized  MeStatus = "unauthorized"   // 401: the API refused the member's JWT
	MeForbidden     MeStatus = "forbidden"      // 403
	MeUnreachable   MeStatus = "unreachable"    // the API (or Stytch, for a fresh JWT) could not be reached
	MeFailed        MeStatus = "failed"         // any other answer: a 5xx, not JSON, too large
	MeSignedOut     MeStatus = "signed_out"     // no session to call it with
	MeNotConfigured MeStatus = "not_configured" // no company API URL
)

// Me is what the screen gets of GET /api/me: the status and, when ok, who
// the API says the member is. Never a token.
type Me struct {
	Status           MeStatus `json:"status"`
	HTTPStatus       int      `json:"httpStatus,omitempty"`
	MemberID         string   `json:"memberId,omitempty"`
	Email            string   `json:"email,omitempty"`
	OrganizationID   string   `json:"organizationId,omitempty"`
	OrganizationName string   `json:"organizationName,omitempty"`
	Roles            []string `json:"roles,omitempty"`
	CheckedWith      string   `json:"checkedWith,omitempty"` // "jwks" or "stytch": how the API checked the JWT
}

// MeResult calls GET /api/me and sorts the outcome into a Me.
func (c *Client) MeResult(ctx context.Context) Me {
	r, err := c.Me(ctx)
	switch {
	case errors.Is(err, accesstoken.ErrSessionEnded):
		return Me{Status: MeSignedOut}
	case errors.Is(err, ErrNotJSON), errors.Is(err, ErrTooLarge):
		return Me{Status: MeFailed}
	case err != nil:
		return Me{Status: MeUnreachable}
	}
	switch r.Status {
	case http.StatusOK:
		var b struct {
			MemberID         string   `json:"member_id"`
			Email            string   `json:"email_address"`
			OrganizationID   string   `json:"organization_id"`
			OrganizationName string   `json:"organization_name"`
			Roles            []string `json:"roles"`
			CheckedWith      string   `json:"checked_with"`
		}
		if json.Unmarshal(r.Body, &b) != nil || b.MemberID == "" {
			return Me{Status: MeFailed, HTTPStatus: r.Status}
		}
		return Me{Status: MeOK, HTTPStatus: r.Status, MemberID: b.MemberID, Email: b.Email,
			OrganizationID: b.OrganizationID, OrganizationName: b.OrganizationName, Roles: b.Roles, CheckedWith: b.CheckedWith}
	case http.StatusUnauthorized:
		return Me{Status: MeUnauthorized, HTTPStatus: r.Status}
	case http.StatusForbidden:
		return Me{Status: MeForbidden, HTTPStatus: r.Status}
	default:
		return Me{Status: MeFailed, HTTPStatus: r.Status}
	}
}
