package config

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// A setting is one configuration value, declared once: the environment
// variable that sets it, its key in the configuration file ("" for the
// project secret, which is never read from a file), and what its text does to
// the Config. The environment and the file only supply text; both go through
// this table and the same checks, and the environment wins.
type setting struct {
	env  string
	file string
	// apply checks a non-empty value and stores it in c. It runs in table
	// order, after decideMode has settled the mode, API and project (so a
	// check may depend on them). nil: the value is read by decideMode (the
	// credentials and API URLs, which decide the mode together) or by
	// fromSettings (the explicit mode).
	apply func(c *Config, v string) error
	// baked, when set, is a value a company build carries (-ldflags -X): it
	// is the setting's value, and the environment may repeat it but never
	// change it. bakedWhat names it in that error; bakedShown puts the value in it.
	baked      *string
	bakedWhat  string
	bakedShown bool
}

// source is where a setting's value came from (reported in errors; the
// place a later per-value policy plugs in).
type source string

const (
	fromNowhere     source = ""
	fromEnvironment source = "environment"
	fromFile        source = "file"
)

// settings is every setting. Order matters only for apply: the redirect URL
// comes after the scheme (it may be the scheme's callback).
var settings = []setting{
	{env: EnvMode, file: "mode"},
	{env: EnvProjectID, file: "project_id"},
	{env: EnvSecret},
	{env: EnvBrokerURL, file: "broker_url"},
	{env: EnvBaseURL, file: "api_base_url"},
	{env: EnvPublicToken, file: "public_token", apply: applyPublicToken,
		baked: &bakedPublicToken, bakedWhat: "public token"},
	{env: EnvPublicAPIURL, file: "public_api_url", apply: applyPublicAPIURL},
	{env: EnvCompanyAPIURL, file: "api_url", apply: applyCompanyAPIURL},
	{env: EnvOAuthProviders, file: "oauth_providers", apply: applyOAuthProviders},
	{env: EnvOrganization, file: "organization", apply: applyOrganization},
	{env: EnvSessionDuration, file: "session_duration", apply: applySessionDuration},
	{env: EnvScheme, file: "scheme", apply: applyScheme},
	{env: EnvRedirectURL, file: "redirect_url", apply: (*Config).readRedirectURL,
		baked: &bakedRedirectURL, bakedWhat: "redirect URL", bakedShown: true},
}

// settingForFileKey finds the setting a configuration file key stands for.
func settingForFileKey(key string) (setting, bool) {
	i := slices.IndexFunc(settings, func(s setting) bool { return s.file != "" && s.file == key })
	if i < 0 {
		return setting{}, false
	}
	return settings[i], true
}

// fileKeys lists the keys the configuration file may hold, sorted.
func fileKeys() []string {
	var keys []string
	for _, s := range settings {
		if s.file != "" {
			keys = append(keys, s.file)
		}
	}
	slices.Sort(keys)
	return keys
}

// withBaked makes s's baked value the value of its variable; the environment
// may repeat it, never change it.
func withBaked(getenv func(string) string, s setting, baked string) (func(string) string, error) {
	if baked == "" {
		return getenv, nil
	}
	if v := strings.TrimSpace(getenv(s.env)); v != "" && v != baked {
		shown := ""
		if s.bakedShown {
			shown = " (" + baked + ")"
		}
		return nil, fmt.Errorf("%s is set, but this build always uses the %s it was built with%s: unset %s",
			s.env, s.bakedWhat, shown, s.env)
	}
	return func(k string) string {
		if k == s.env {
			return baked
		}
		return getenv(k)
	}, nil
}

func applyPublicToken(c *Config, v string) error {
	c.PublicToken = v
	switch {
	case c.Mode == ModeLocal:
		return fmt.Errorf("%s is for a real project: local mode uses the local API's own public token; unset it", EnvPublicToken)
	case !PublicTokenRe.MatchString(v):
		return fmt.Errorf("%s must look like public-token-test-<uuid> or public-token-live-<uuid> (Dashboard → API keys)", EnvPublicToken)
	case strings.HasPrefix(v, "public-token-live-") != strings.HasPrefix(c.ProjectID, "project-live-"):
		return fmt.Errorf("%s and %s must be of the same environment (test or live)", EnvPublicToken, EnvProjectID)
	}
	return nil
}

func applyPublicAPIURL(c *Config, v string) error {
	u, err := checkBaseURL(v)
	c.PublicAPIURL = u
	switch {
	case c.Mode == ModeLocal:
		return fmt.Errorf("%s is for a real project: local mode's browser goes to the local API; unset it", EnvPublicAPIURL)
	case err != nil:
		return fmt.Errorf("%s: %w", EnvPublicAPIURL, err)
	}
	return nil
}

func applyCompanyAPIURL(c *Config, v string) error {
	u, err := checkBaseURL(v)
	if err != nil {
		return fmt.Errorf("%s: %w", EnvCompanyAPIURL, err)
	}
	c.CompanyAPIURL = u
	return nil
}

func applyOAuthProviders(c *Config, v string) error {
	p, err := parseProviders(strings.ToLower(v))
	c.OAuthProviders = p
	if err != nil {
		return fmt.Errorf("%s: %w", EnvOAuthProviders, err)
	}
	return nil
}

func applyOrganization(c *Config, v string) error {
	c.Organization = v
	if !orgRe.MatchString(v) {
		return fmt.Errorf("%s must be an organization id or slug (2-128 of A-Z a-z 0-9 . _ ~ -)", EnvOrganization)
	}
	return nil
}

func applySessionDuration(c *Config, v string) error {
	d, err := parseDuration(v)
	if err != nil || d < minSessionDuration || d > maxSessionDuration {
		return fmt.Errorf("%s must be minutes or a Go duration between 5m and 8784h, got %q", EnvSessionDuration, v)
	}
	c.SessionDuration = d.Truncate(time.Minute)
	return nil
}

func applyScheme(c *Config, v string) error {
	if !schemeRe.MatchString(v) || v == "http" || v == "https" || v == "file" {
		return fmt.Errorf("%s must be a lower-case URL scheme such as stytch-desktop", EnvScheme)
	}
	c.Scheme = v
	return nil
}

// settingFor is the setting of an environment variable (panics on a name
// the table lacks: a programming error).
func settingFor(env string) setting {
	i := slices.IndexFunc(settings, func(s setting) bool { return s.env == env })
	return settings[i]
}
