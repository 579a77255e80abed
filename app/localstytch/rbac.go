package localstytch

import (
	"slices"

	"stytch-desktop/app/localstytch/wire"
)

// Role-based access control as Stytch's B2B projects have it by default
// (docs/local-api.md §11): two roles — stytch_member for every member,
// stytch_admin also for an organization's creator — and the default
// resources with their actions. The local API has no dashboard, so the
// policy is exactly Stytch's default: no custom roles, resources or scopes.

const (
	roleMember = "stytch_member"
	roleAdmin  = "stytch_admin"
)

// defaultPolicy is the project's RBAC policy (GET /v1/b2b/rbac/policy).
// Actions as Stytch's API reference lists them for each default resource.
func defaultPolicy() wire.Policy {
	all := []string{"*"}
	return wire.Policy{
		Roles: []wire.PolicyRole{
			{RoleID: roleAdmin, Description: "Given to the member who creates an organization; may do everything in it. Admins are members too.",
				Permissions: []wire.Permission{
					{ResourceID: "stytch.organization", Actions: all},
					{ResourceID: "stytch.member", Actions: all},
					{ResourceID: "stytch.sso", Actions: all},
					{ResourceID: "stytch.scim", Actions: all},
				}},
			{RoleID: roleMember, Description: "Given to every member; may act on their own member record.",
				Permissions: []wire.Permission{{ResourceID: "stytch.self", Actions: all}}},
		},
		Resources: []wire.PolicyResource{
			{ResourceID: "stytch.organization", Description: "The member's organization.", Actions: []string{
				"update.info.name", "update.info.slug", "update.info.untrusted_metadata",
				"update.info.email_jit_provisioning", "update.info.logo_url", "update.info.email_invites",
				"update.info.allowed_domains", "update.info.default_sso_connection",
				"update.info.sso_jit_provisioning", "update.info.mfa_policy", "update.info.implicit_roles", "delete"}},
			{ResourceID: "stytch.member", Description: "Every member of the organization.", Actions: []string{
				"create", "update.info.name", "update.info.untrusted_metadata", "update.info.mfa-phone",
				"update.info.delete.mfa-phone", "update.settings.is-breakglass", "update.settings.mfa_enrolled",
				"update.settings.roles", "search", "delete"}},
			{ResourceID: "stytch.sso", Description: "The organization's SSO connections.", Actions: []string{"create", "update", "delete"}},
			{ResourceID: "stytch.scim", Description: "The organization's SCIM connection.", Actions: []string{"create", "update", "delete", "get"}},
			{ResourceID: "stytch.self", Description: "The signed-in member's own record.", Actions: []string{
				"update.info.name", "update.info.untrusted_metadata", "update.info.mfa-phone",
				"update.info.delete.mfa-phone", "update.info.delete.password", "update.settings.mfa_enrolled", "delete"}},
		},
		Scopes: []wire.PolicyScope{},
	}
}

// authorizationCheck is sessions.authenticate's authorization_check.
type authorizationCheck struct {
	OrganizationID string `json:"organization_id"`
	ResourceID     string `json:"resource_id"`
	Action         string `json:"action"`
}

// authorize evaluates check for a member of orgID holding roles: another
// organization → session_authorization_tenancy_error, no role granting the
// action on the resource → session_authorization_error (both 403, the types
// Stytch's SDKs use for the same check done locally); else the verdict with
// every granting role.
func authorize(check *authorizationCheck, orgID string, roles []string) (*wire.AuthorizationVerdict, *apiError) {
	switch {
	case check.OrganizationID == "":
		return nil, missingField("authorization_check.organization_id")
	case check.ResourceID == "":
		return nil, missingField("authorization_check.resource_id")
	case check.Action == "":
		return nil, missingField("authorization_check.action")
	case check.OrganizationID != orgID:
		return nil, newErr("session_authorization_tenancy_error")
	}
	granting := []string{}
	for _, r := range defaultPolicy().Roles {
		if !slices.Contains(roles, r.RoleID) {
			continue
		}
		for _, p := range r.Permissions {
			if p.ResourceID == check.ResourceID && (slices.Contains(p.Actions, "*") || slices.Contains(p.Actions, check.Action)) {
				granting = append(granting, r.RoleID)
				break
			}
		}
	}
	if len(granting) == 0 {
		return nil, newErr("session_authorization_error")
	}
	return &wire.AuthorizationVerdict{Authorized: true, GrantingRoles: granting}, nil
}

// handleRBACPolicy answers GET /v1/b2b/rbac/policy.
func (s *Server) handleRBACPolicy(*reqCtx) (any, *apiError) {
	return &wire.RBACPolicyResponse{Policy: defaultPolicy()}, nil
}
