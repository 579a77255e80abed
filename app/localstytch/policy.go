package localstytch

import (
	"strings"

	"stytch-desktop/app/localstytch/store"
)

// Token kinds double as the stytch_token_type put on the redirect URL.
const (
	kindDiscovery   = "discovery"
	kindMultiTenant = "multi_tenant_magic_links"
)

// Member statuses as Stytch names them.
const (
	statusActive  = "active"
	statusInvited = "invited"
	statusPending = "pending"
)

// Organization policy values.
const (
	mfaRequiredForAll = "REQUIRED_FOR_ALL"
	mfaOptional       = "OPTIONAL"
	jitRestricted     = "RESTRICTED"
	jitNotAllowed     = "NOT_ALLOWED"
	allAllowed        = "ALL_ALLOWED"
)

// eligibleByDomain reports whether email may JIT-join org by email domain.
func eligibleByDomain(o *store.Org, email string) (string, bool) {
	if o.EmailJITProvisioning != jitRestricted {
		return "", false
	}
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return "", false
	}
	domain := email[at+1:]
	for _, d := range o.EmailAllowedDomains {
		if strings.EqualFold(d, domain) {
			return strings.ToLower(d), true
		}
	}
	return "", false
}
