// Package config decides, once at start, how the app reaches Stytch: the
// in-process local Stytch-compatible API (no credentials set) or Stytch
// itself (project id and secret in the environment).
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
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
)

// Environment variables read by FromEnv.
const (
	EnvProjectID       = "STYTCH_PROJECT_ID"
	EnvSecret          = "STYTCH_SECRET"
	EnvBaseURL         = "STYTCH_API_BASE_URL"
	EnvOrganization    = "STYTCH_ORGANIZATION_ID"
	EnvSessionDuration = "STYTCH_SESSION_DURATION"
	EnvScheme          = "STYTCH_DESKTOP_SCHEME"
)

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
	BaseURL         string // empty: the SDK's default for the project id
	Organization    string // id or slug: direct organization flow
	SessionDuration time.Duration
	Scheme          string
}

// Links is the one parser of incoming sign-in links for this configuration:
// every link source (argv, the single-instance hand-off, macOS URL events,
// the paste box) goes through it.
func (c Config) Links() deeplink.Parser { return deeplink.ForScheme(c.Scheme) }

// RedirectURL is where Stytch sends the magic link's user.
func (c Config) RedirectURL() string { return c.Links().RedirectURL() }

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
	orgRe    = regexp.MustCompile(`^[A-Za-z0-9._~-]{2,128}$`)
)

// FromEnv reads and validates the configuration. Every error says what to fix.
func FromEnv(getenv func(string) string) (Config, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	c := Config{
		ProjectID:       get(EnvProjectID),
		Secret:          get(EnvSecret),
		BaseURL:         get(EnvBaseURL),
		Organization:    get(EnvOrganization),
		SessionDuration: DefaultSessionDuration,
		Scheme:          DefaultScheme,
	}
	var errs []error
	switch {
	case c.ProjectID == "" && c.Secret == "":
		c.Mode = ModeLocal
		if c.BaseURL != "" {
			errs = append(errs, fmt.Errorf("%s is set but %s and %s are not: set both to use that API "+
				"(the standalone local API prints them), or unset %s for local mode", EnvBaseURL, EnvProjectID, EnvSecret, EnvBaseURL))
		}
	case c.ProjectID == "" || c.Secret == "":
		errs = append(errs, fmt.Errorf("set both %s and %s for direct mode, or neither for local mode", EnvProjectID, EnvSecret))
	default:
		c.Mode = ModeDirect
		if !strings.HasPrefix(c.ProjectID, "project-test-") && !strings.HasPrefix(c.ProjectID, "project-live-") {
			errs = append(errs, fmt.Errorf("%s must look like project-test-… or project-live-…", EnvProjectID))
		}
	}
	if c.BaseURL != "" {
		u, err := checkBaseURL(c.BaseURL)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvBaseURL, err))
		}
		c.BaseURL = u
	}
	if c.Organization != "" && !orgRe.MatchString(c.Organization) {
		errs = append(errs, fmt.Errorf("%s must be an organization id or slug (2-128 of A-Z a-z 0-9 . _ ~ -)", EnvOrganization))
	}
	if v := get(EnvSessionDuration); v != "" {
		d, err := parseDuration(v)
		if err != nil || d < minSessionDuration || d > maxSessionDuration {
			errs = append(errs, fmt.Errorf("%s must be minutes or a Go duration between 5m and 8784h, got %q", EnvSessionDuration, v))
		} else {
			c.SessionDuration = d.Truncate(time.Minute)
		}
	}
	if v := get(EnvScheme); v != "" {
		if !schemeRe.MatchString(v) || v == "http" || v == "https" || v == "file" {
			errs = append(errs, fmt.Errorf("%s must be a lower-case URL scheme such as stytch-desktop", EnvScheme))
		} else {
			c.Scheme = v
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("configuration: %w", err)
	}
	return c, nil
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
