package config

import (
	"fmt"
	"strings"
)

// bakedPublicToken is a company build's Stytch public token (make build
// PUBLIC_TOKEN=public-token-live-…, with BROKER_URL), so the SSO and OAuth
// buttons work without employees setting anything. Public by design: the
// browser's start URLs carry it.
var bakedPublicToken string

// withBakedPublicToken makes a baked public token the value of
// STYTCH_PUBLIC_TOKEN; the environment may repeat it, never change it.
func withBakedPublicToken(getenv func(string) string, baked string) (func(string) string, error) {
	if baked == "" {
		return getenv, nil
	}
	if v := strings.TrimSpace(getenv(EnvPublicToken)); v != "" && v != baked {
		return nil, fmt.Errorf("%s is set, but this build always uses the public token it was built with: unset %s",
			EnvPublicToken, EnvPublicToken)
	}
	return func(k string) string {
		if k == EnvPublicToken {
			return baked
		}
		return getenv(k)
	}, nil
}
