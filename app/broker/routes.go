package broker

// class groups routes by how they are limited and how they fail when the
// shared limiter is down.
type class int

const (
	classOther      class = iota
	classEmailSend        // sends an email: per email and domain limits; fails closed
	classOTPSend          // sends an SMS or creates a TOTP secret: per token, member, phone prefix; fails closed
	classOTPAttempt       // guesses a code: per token and member attempt limits
)

// route is one allowed Stytch API route. Everything not in routes (or
// switched off) is 404 route_not_found: organization, member, SSO and SCIM
// administration, invites, passwords, impersonation, GET sessions,
// recovery-code get/rotate, migrations.
type route struct {
	name    string // metrics and log label: Stytch's operation name
	path    string
	class   class
	newReq  func() request
	enabled func(*Config) bool // nil: always on
}

const jwksPrefix = "/v1/b2b/sessions/jwks/"

var routeList = []route{
	{"magic_links.email.discovery.send", "/v1/b2b/magic_links/email/discovery/send", classEmailSend, func() request { return &discoverySend{} }, nil},
	{"magic_links.email.login_or_signup", "/v1/b2b/magic_links/email/login_or_signup", classEmailSend, func() request { return &loginOrSignup{} }, nil},
	{"magic_links.discovery.authenticate", "/v1/b2b/magic_links/discovery/authenticate", classOther, func() request { return &discoveryAuthenticate{} }, nil},
	{"magic_links.authenticate", "/v1/b2b/magic_links/authenticate", classOther, newAuthenticate("magic_links_token"), nil},
	{"sso.authenticate", "/v1/b2b/sso/authenticate", classOther, newAuthenticate("sso_token"), nil},
	{"oauth.authenticate", "/v1/b2b/oauth/authenticate", classOther, newAuthenticate("oauth_token"), nil},
	{"oauth.discovery.authenticate", "/v1/b2b/oauth/discovery/authenticate", classOther, newAuthenticate("discovery_oauth_token"), nil},
	{"discovery.intermediate_sessions.exchange", "/v1/b2b/discovery/intermediate_sessions/exchange", classOther, func() request { return &istExchange{} }, nil},
	{"discovery.organizations.list", "/v1/b2b/discovery/organizations", classOther, func() request { return &organizationsList{} }, nil},
	{"discovery.organizations.create", "/v1/b2b/discovery/organizations/create", classOther, func() request { return &organizationCreate{} },
		func(c *Config) bool { return c.AllowOrganizationCreate }},
	{"sessions.authenticate", "/v1/b2b/sessions/authenticate", classOther, func() request { return &sessionsAuthenticate{} }, nil},
	{"sessions.exchange", "/v1/b2b/sessions/exchange", classOther, func() request { return &sessionsExchange{} }, nil},
	{"sessions.revoke", "/v1/b2b/sessions/revoke", classOther, func() request { return &sessionsRevoke{} }, nil},
	{"otps.sms.send", "/v1/b2b/otps/sms/send", classOTPSend, func() request { return &smsSend{} }, nil},
	{"otps.sms.authenticate", "/v1/b2b/otps/sms/authenticate", classOTPAttempt, func() request { return &mfaAuthenticate{} }, nil},
	{"totps.create", "/v1/b2b/totp", classOTPSend, func() request { return &totpCreate{} }, nil},
	{"totps.authenticate", "/v1/b2b/totp/authenticate", classOTPAttempt, func() request { return &mfaAuthenticate{} }, nil},
	{"recovery_codes.recover", "/v1/b2b/recovery_codes/recover", classOTPAttempt, func() request { return &recoveryCodesRecover{} }, nil},
}

// jwksRoute is the one GET: the configured project's signing keys, which
// stytch-go and the Node SDK fetch without credentials.
var jwksRoute = route{name: "sessions.get_jwks", class: classOther}

// notFoundRoute labels refused paths in metrics and logs (the raw path is
// never logged: it is caller-chosen text).
var notFoundRoute = route{name: "route_not_found"}

func routeTable(cfg *Config) map[string]*route {
	m := make(map[string]*route, len(routeList))
	for i := range routeList {
		r := &routeList[i]
		if r.enabled == nil || r.enabled(cfg) {
			m[r.path] = r
		}
	}
	return m
}
