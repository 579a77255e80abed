// Package config decides, once at start, how the app reaches Stytch: the
// in-process local Stytch-compatible API (no credentials set), Stytch
// itself (project id and secret in the environment: developers only), or the
// company's Stytch broker (cmd/stytch-broker), which holds the secret so the
// app needs none: from STYTCH_BROKER_URL + STYTCH_PROJECT_ID, or baked into
// a company build with -ldflags -X (make build BROKER_URL=… PROJECT_ID=…).
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"stytch-desktop/app/deeplink"
)

// Mode is how the app reaches Stytch.
type Mode string

const (
	ModeLocal  Mode = "local"  // in-process local Stytch-compatible API; the newcomer's default
	ModeDirect Mode = "direct" // stytch-go with the project secret from the environment
	ModeBroker Mode = "broker" // stytch-go through the company's Stytch broker; no secret on this machine
)

// Baked into a company build by the linker (make build BROKER_URL=…
// PROJECT_ID=…, i.e. -ldflags "-X stytch-desktop/app/config.bakedBrokerURL=…
// -X stytch-desktop/app/config.bakedProjectID=…"), so employees set nothing.
// Both are public: a URL and a project id, never a secret.
var (
	bakedBrokerURL string
	bakedProjectID string
)

// BrokerPlaceholderSecret is what stytch-go is given as the "secret" in
// broker mode: it needs a string, and the broker ignores the caller's
// credentials (it adds its own).
const BrokerPlaceholderSecret = "placeholder-not-a-secret"

// Environment variables read by FromEnv.
const (
	EnvProjectID       = "STYTCH_PROJECT_ID"
	EnvSecret          = "STYTCH_SECRET"
	EnvBaseURL         = "STYTCH_API_BASE_URL"
	EnvOrganization    = "STYTCH_ORGANIZATION_ID"
	EnvSessionDuration = "STYTCH_SESSION_DURATION"
	EnvScheme          = "STYTCH_DESKTOP_SCHEME"
	EnvBrokerURL       = "STYTCH_BROKER_URL"
	EnvPublicToken     = "STYTCH_PUBLIC_TOKEN"    // public by design: the SSO/OAuth start URLs carry it
	EnvOAuthProviders  = "STYTCH_OAUTH_PROVIDERS" // e.g. google,microsoft; "none" hides the buttons
	EnvPublicAPIURL    = "STYTCH_PUBLIC_API_URL"  // where the browser reaches Stytch's public endpoints (a custom domain)
	EnvCompanyAPIURL   = "STYTCH_DESKTOP_API_URL" // the company's own API the app calls as the member (docs/using-the-session.md)
)

// OAuthProviderNames are the providers Stytch's B2B OAuth start endpoints
// serve (and the local API's identity-provider page stands in for).
var OAuthProviderNames = []string{"google", "microsoft", "hubspot", "slack", "github"}

// defaultOAuthProviders show when STYTCH_OAUTH_PROVIDERS is unset (and a
// public token is known: always in local mode).
const defaultOAuthProviders = "google,microsoft"

const (
	DefaultScheme          = deeplink.DefaultScheme
	DefaultSessionDuration = 7 * 24 * time.Hour
	minSessionDuration     = 5 * time.Minute
	maxSessionDuration     = 527040 * time.Minute // Stytch's maximum (366 days)
)

// Config is the validated start-up configuration. Secret is only ever set in
// direct mode and only from the environment; it is never logged (see String).
type Config struct {
	Mode            Mode
	ProjectID       string
	Secret          string
	BaseURL         string // empty: the SDK's default for the project id; broker mode: the broker's URL
	OpenURL         string // STYTCH_REDIRECT_URL: the deployment's /open page as Stytch's redirect URL (redirect.go)
	NoOpenPage      bool   // local mode: STYTCH_REDIRECT_URL chose the scheme callback, not the local /open page
	Organization    string // id or slug: direct organization flow
	SessionDuration time.Duration
	Scheme          string
	// PublicToken is the project's public token (direct mode; local mode
	// uses the local API's). Without one the SSO and OAuth buttons don't show.
	PublicToken string
	// PublicAPIURL is where the browser's SSO/OAuth start URLs go when not
	// Stytch's API for the project (or BaseURL in direct mode): a Stytch
	// custom domain, or the standalone local API behind a broker.
	PublicAPIURL string
	// CompanyAPIURL is the company's protected API the app calls with the
	// member's session JWT ("" = none; local mode then runs the example API).
	CompanyAPIURL string
	// OAuthProviders is STYTCH_OAUTH_PROVIDERS as validated ("" = the
	// default, "none" = no buttons); see Providers.
	OAuthProviders string
}

// Providers lists the OAuth providers the first screen offers.
func (c Config) Providers() []string {
	v := c.OAuthProviders
	if v == "" {
		if c.Mode != ModeLocal && c.PublicToken == "" {
			return nil
		}
		v = defaultOAuthProviders
	}
	if v == "none" {
		return nil
	}
	return strings.Split(v, ",")
}

// APIBase is the Stytch API origin the browser's start URLs point at:
// BaseURL, or what stytch-go picks for the project id. In broker mode
// BaseURL is the broker, which serves no browser endpoints: the start URLs
// (public by design) go to Stytch itself.
func (c Config) APIBase() string {
	switch {
	case c.PublicAPIURL != "":
		return c.PublicAPIURL
	case c.BaseURL != "" && c.Mode != ModeBroker:
		return c.BaseURL
	case strings.HasPrefix(c.ProjectID, "project-live-"):
		return "https://api.stytch.com"
	default:
		return "https://test.stytch.com"
	}
}

// Links is the one parser of incoming sign-in links for this configuration:
// every link source (argv, the single-instance hand-off, macOS URL events,
// the paste box) goes through it.
func (c Config) Links() deeplink.Parser { return deeplink.ForScheme(c.Scheme) }

// RedirectURL is where Stytch sends the magic link's user: the /open page
// when one is configured, else the app's callback. (Local mode's own /open
// page is known only once the local API runs: see app/core.)
func (c Config) RedirectURL() string {
	if c.OpenURL != "" {
		return c.OpenURL
	}
	return c.Links().RedirectURL()
}

// Backend is the API this configuration talks to, for the screens' "About"
// line: the broker's or Stytch's URL ("" in local mode: it is in-process).
func (c Config) Backend() string {
	switch {
	case c.Mode == ModeLocal:
		return ""
	case c.BaseURL != "":
		return c.BaseURL
	case strings.HasPrefix(c.ProjectID, "project-live-"):
		return "https://api.stytch.com"
	}
	return "https://test.stytch.com"
}

// String describes the configuration without the secret.
func (c Config) String() string {
	s := fmt.Sprintf("mode=%s scheme=%s session=%s", c.Mode, c.Scheme, c.SessionDuration)
	if c.ProjectID != "" {
		s += " project=" + c.ProjectID
	}
	if c.BaseURL != "" {
		s += " api=" + c.BaseURL
	}
	if c.Organization != "" {
		s += " organization=" + c.Organization
	}
	return s
}

// SecretWarning is what the app logs at start in direct mode.
const SecretWarning = "the Stytch project secret is on this machine (" + EnvSecret + "): fine for development, " +
	"never ship it in builds handed to employees"

var (
	schemeRe = regexp.MustCompile(`^[a-z][a-z0-9+.-]{1,63}$`)
	// PublicTokenRe is the shape of a Stytch public token.
	PublicTokenRe = regexp.MustCompile(`^public-token-(test|live)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	orgRe         = regexp.MustCompile(`^[A-Za-z0-9._~-]{2,128}$`)
)

// FromEnv reads and validates the configuration. Every error says what to fix.
func FromEnv(getenv func(string) string) (Config, error) {
	for _, s := range settings {
		if s.baked == nil {
			continue
		}
		var err error
		if getenv, err = withBaked(getenv, s, *s.baked); err != nil {
			return Config{}, fmt.Errorf("configuration: %w", err)
		}
	}
	return fromEnv(getenv, bakedBrokerURL, bakedProjectID)
}

// fromEnv settles the mode (decideMode), then applies every other setting
// in table order (settings.go); all errors are reported together.
func fromEnv(getenv func(string) string, bakedURL, bakedProject string) (Config, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	c := Config{SessionDuration: DefaultSessionDuration, Scheme: DefaultScheme}
	errs := c.decideMode(get, bakedURL, bakedProject)
	for _, s := range settings {
		if s.apply == nil {
			continue
		}
		if v := get(s.env); v != "" {
			errs = append(errs, s.apply(&c, v))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("configuration: %w", err)
	}
	return c, nil
}

// decideMode reads the settings that decide the mode together (project id,
// secret, broker URL, API base URL, and a company build's baked broker) and
// sets the mode, project, secret and API URL.
func (c *Config) decideMode(get func(string) string, bakedURL, bakedProject string) []error {
	c.ProjectID, c.Secret, c.BaseURL = get(EnvProjectID), get(EnvSecret), get(EnvBaseURL)
	var errs []error
	baseURLName := EnvBaseURL
	switch {
	case bakedURL != "":
		errs = c.bakedBroker(get, bakedURL, bakedProject)
		baseURLName = "the broker URL baked into this build"
	case get(EnvBrokerURL) != "":
		errs = c.broker(get(EnvBrokerURL))
		baseURLName = EnvBrokerURL
	case c.ProjectID == "" && c.Secret == "":
		c.Mode = ModeLocal
		if c.BaseURL != "" {
			errs = append(errs, fmt.Errorf("%s is set but %s and %s are not: set both to use that API "+
				"(the standalone local API prints them), or unset %s for local mode", EnvBaseURL, EnvProjectID, EnvSecret, EnvBaseURL))
		}
	case c.ProjectID == "" || c.Secret == "":
		errs = append(errs, fmt.Errorf("set both %s and %s for direct mode, %s and %s for broker mode, or none for local mode",
			EnvProjectID, EnvSecret, EnvProjectID, EnvBrokerURL))
	default:
		c.Mode = ModeDirect
		if !strings.HasPrefix(c.ProjectID, "project-test-") && !strings.HasPrefix(c.ProjectID, "project-live-") {
			errs = append(errs, fmt.Errorf("%s must look like project-test-… or project-live-…", EnvProjectID))
		}
	}
	if c.BaseURL != "" {
		u, err := checkBaseURL(c.BaseURL)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", baseURLName, err))
		}
		c.BaseURL = u
	}
	return errs
}

// bakedBroker is a company build: it talks to its broker and nothing else;
// the environment may repeat the baked values, never change them.
func (c *Config) bakedBroker(get func(string) string, bakedURL, bakedProject string) []error {
	errs := []error{checkProjectID(bakedProject, "the project id baked into this build")}
	if c.Secret != "" {
		errs = append(errs, fmt.Errorf("%s is set, but this build signs in through the company's Stytch broker (%s), "+
			"which holds the project secret so this machine never needs it: unset %s", EnvSecret, bakedURL, EnvSecret))
	}
	for _, k := range []string{EnvBrokerURL, EnvBaseURL} {
		if v := get(k); v != "" && v != bakedURL {
			errs = append(errs, fmt.Errorf("%s is set, but this build always uses the broker it was built with (%s): unset %s", k, bakedURL, k))
		}
	}
	if c.ProjectID != "" && c.ProjectID != bakedProject {
		errs = append(errs, fmt.Errorf("%s is set, but this build is for project %s: unset %s", EnvProjectID, bakedProject, EnvProjectID))
	}
	c.Mode, c.BaseURL, c.ProjectID = ModeBroker, bakedURL, bakedProject
	return errs
}

// broker is broker mode from STYTCH_BROKER_URL: a public project id, and no
// secret on this machine.
func (c *Config) broker(brokerURL string) []error {
	var errs []error
	if c.Secret != "" {
		errs = append(errs, fmt.Errorf("%s is set together with %s: in broker mode the project secret stays on the broker "+
			"and must not be on this machine; unset %s (or unset %s for direct mode)", EnvSecret, EnvBrokerURL, EnvSecret, EnvBrokerURL))
	}
	if c.BaseURL != "" {
		errs = append(errs, fmt.Errorf("set %s or %s, not both", EnvBrokerURL, EnvBaseURL))
	}
	if c.ProjectID == "" {
		errs = append(errs, fmt.Errorf("%s needs %s (the broker's project id; it is public)", EnvBrokerURL, EnvProjectID))
	} else {
		errs = append(errs, checkProjectID(c.ProjectID, EnvProjectID))
	}
	c.Mode, c.BaseURL = ModeBroker, brokerURL
	return errs
}

// checkProjectID returns nil or an error naming where the bad id came from.
func checkProjectID(id, from string) error {
	if (!strings.HasPrefix(id, "project-test-") && !strings.HasPrefix(id, "project-live-")) || strings.ContainsAny(id, "/?#% ") {
		return fmt.Errorf("%s must look like project-test-… or project-live-…", from)
	}
	return nil
}

// parseProviders validates a comma list of OAuth providers (or "none") and
// returns it canonical: no blanks, no repeats, in the order given.
func parseProviders(v string) (string, error) {
	if v == "none" {
		return v, nil
	}
	var out []string
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if !slices.Contains(OAuthProviderNames, p) {
			return "", fmt.Errorf("must be a comma list of %s, or none", strings.Join(OAuthProviderNames, ", "))
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return strings.Join(out, ","), nil
}

func parseDuration(v string) (time.Duration, error) {
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(n) * time.Minute, nil
	}
	return time.ParseDuration(v)
}

// checkBaseURL accepts https anywhere and plain http only on loopback, so the
// project secret never crosses a network in clear text.
func checkBaseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", errors.New("must be an absolute URL such as https://test.stytch.com")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return "", errors.New("must be scheme://host[:port] only, without user, path, query or fragment")
	}
	switch u.Scheme {
	case "https":
	case "http":
		host := u.Hostname()
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return "", errors.New("plain http is only allowed for a loopback address; use https")
		}
	default:
		return "", errors.New("must use https (or http on loopback)")
	}
	return u.Scheme + "://" + u.Host, nil
}
