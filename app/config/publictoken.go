package config

// bakedPublicToken is a company build's Stytch public token (make build
// PUBLIC_TOKEN=public-token-live-…, with BROKER_URL), so the SSO and OAuth
// buttons work without employees setting anything. Public by design: the
// browser's start URLs carry it.
var bakedPublicToken string

// withBakedPublicToken makes a baked public token the value of
// STYTCH_PUBLIC_TOKEN; the environment may repeat it, never change it.
func withBakedPublicToken(getenv func(string) string, baked string) (func(string) string, error) {
	return withBaked(getenv, settingFor(EnvPublicToken), baked)
}
