package exampleapi

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations/members"
)

// Permission is an RBAC (resource, action) pair, as Stytch names them.
type Permission struct{ Resource, Action string }

// PermListMembers is what /api/admin/members needs: Stytch's default
// policy grants the member search action on stytch.member to stytch_admin.
var PermListMembers = Permission{Resource: "stytch.member", Action: "search"}

// ErrForbidden: the member's roles don't grant the permission.
var ErrForbidden = errors.New("forbidden")

// Authorizer decides whether p may do perm in its organization. It returns
// nil, ErrForbidden, or another error (the decision could not be made).
//
// RoleAuthorizer decides from the session's roles with a fixed table. A
// Stytch-backed authorizer (sessions.authenticate's authorization_check, or
// stytch-go's AuthenticateJWTLocal with its cached RBAC policy) plugs in
// here once the API it talks to serves GET /v1/b2b/rbac/policy.
type Authorizer interface {
	Authorize(ctx context.Context, p *Principal, perm Permission) error
}

// DefaultRolePermissions grants listing members to stytch_admin only.
var DefaultRolePermissions = map[Permission][]string{
	PermListMembers: {"stytch_admin"},
}

// RoleAuthorizer grants a permission when the session holds one of the
// roles listed for it; anything unlisted is refused.
type RoleAuthorizer map[Permission][]string

// Authorize implements Authorizer.
func (ra RoleAuthorizer) Authorize(_ context.Context, p *Principal, perm Permission) error {
	for _, role := range ra[perm] {
		if slices.Contains(p.Roles, role) {
			return nil
		}
	}
	return ErrForbidden
}

// requires wraps an authenticated handler with a permission check.
func (a *API) requires(perm Permission, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, _ := PrincipalFrom(r.Context())
		switch err := a.cfg.Authorizer.Authorize(r.Context(), p, perm); {
		case err == nil:
			next(w, r)
		case errors.Is(err, ErrForbidden):
			writeError(w, http.StatusForbidden, "forbidden",
				"Your role in this organization does not allow "+perm.Action+" on "+perm.Resource+".")
		default:
			a.cfg.Logger.Warn("authorization failed", "error", err.Error())
			writeError(w, http.StatusServiceUnavailable, "authorization_unavailable", "Permissions could not be checked right now.")
		}
	}
}

// MemberSummary is one row of /api/admin/members.
type MemberSummary struct {
	MemberID     string   `json:"member_id"`
	EmailAddress string   `json:"email_address"`
	Name         string   `json:"name"`
	Status       string   `json:"status"`
	Roles        []string `json:"roles"`
}

// MemberLister lists an organization's members.
type MemberLister interface {
	ListMembers(ctx context.Context, organizationID string) ([]MemberSummary, error)
}

func (a *API) listMembers(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	if a.cfg.Members == nil {
		writeError(w, http.StatusNotImplemented, "not_configured", "Listing members is not configured.")
		return
	}
	ms, err := a.cfg.Members.ListMembers(r.Context(), p.OrganizationID)
	if err != nil {
		a.cfg.Logger.Warn("listing members failed", "error", err.Error())
		writeError(w, http.StatusBadGateway, "members_unavailable", "The organization's members could not be listed.")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"organization_id": p.OrganizationID, "members": ms})
}

// MemberSearcher is stytch-go's organization members client
// (*b2b.OrganizationsMembersClient) as far as listing goes.
type MemberSearcher interface {
	Search(ctx context.Context, body *members.SearchParams, opts ...*members.SearchRequestOptions) (*members.SearchResponse, error)
}

// StytchMembers lists members with Stytch's organizations.members.search
// (first page, up to 100).
type StytchMembers struct{ Search MemberSearcher }

// ListMembers implements MemberLister.
func (s StytchMembers) ListMembers(ctx context.Context, organizationID string) ([]MemberSummary, error) {
	resp, err := s.Search.Search(ctx, &members.SearchParams{OrganizationIds: []string{organizationID}, Limit: 100})
	if err != nil {
		return nil, err
	}
	out := make([]MemberSummary, 0, len(resp.Members))
	for _, m := range resp.Members {
		out = append(out, summary(m))
	}
	return out, nil
}

func summary(m organizations.Member) MemberSummary {
	roles := []string{}
	for _, r := range m.Roles {
		roles = append(roles, r.RoleID)
	}
	return MemberSummary{MemberID: m.MemberID, EmailAddress: m.EmailAddress, Name: m.Name, Status: m.Status, Roles: roles}
}
