package config

import (
	"fmt"

	"stytch-desktop/app/openpage"
)

// EnvRedirectURL chooses the redirect URL registered with Stytch:
//   - unset: the app's callback (<scheme>://auth/callback); in local mode the
//     local API's own /open page, which opens the app and also shows a
//     sign-in code, so the demo shows both ways in;
//   - a broker's (or any deployment's) https://…/open page: links open that
//     page, and the app offers "Got a code instead?", redeeming codes at
//     …/open/redeem;
//   - the callback itself: in local mode, no page (links go straight to the app).
const EnvRedirectURL = "STYTCH_REDIRECT_URL"

// bakedRedirectURL is a company build's /open page (make build
// REDIRECT_URL=https://auth.example.com/open, with BROKER_URL): public, like the broker URL.
var bakedRedirectURL string

// withBakedRedirect makes a baked redirect URL the value of
// STYTCH_REDIRECT_URL; the environment may repeat it, never change it.
func withBakedRedirect(getenv func(string) string, baked string) (func(string) string, error) {
	return withBaked(getenv, settingFor(EnvRedirectURL), baked)
}

// readRedirectURL validates STYTCH_REDIRECT_URL into c (after the scheme).
func (c *Config) readRedirectURL(v string) error {
	switch {
	case v == "":
		return nil
	case v == c.Links().RedirectURL():
		c.NoOpenPage = true
		return nil
	case !openpage.IsOpenURL(v):
		return fmt.Errorf("%s must be the app's callback %s or an https://…/open page (the broker's), got %q",
			EnvRedirectURL, c.Links().RedirectURL(), v)
	case c.Mode == ModeLocal:
		return fmt.Errorf("%s: local mode serves its own /open page; set it only to %s (no page) or leave it unset",
			EnvRedirectURL, c.Links().RedirectURL())
	}
	if _, err := checkBaseURL(v[:len(v)-len(openpage.PagePath)]); err != nil {
		return fmt.Errorf("%s: %w", EnvRedirectURL, err)
	}
	c.OpenURL = v
	return nil
}

// RedeemURL is where sign-in codes from the configured /open page are
// redeemed ("" without one; local mode's is set up by app/core).
func (c Config) RedeemURL() string {
	if c.OpenURL == "" {
		return ""
	}
	return openpage.RedeemURL(c.OpenURL)
}
