// Package brokertest starts a Stytch broker in front of an upstream (the
// local Stytch-compatible API) for tests in other packages, so a flow test
// can run through the broker exactly as the app does in broker mode.
package brokertest

import (
	"net/http/httptest"
	"testing"

	"stytch-desktop/app/broker"
)

// RedirectURL is the redirect URL test brokers are configured with: the
// desktop app's default.
const RedirectURL = "stytch-desktop://auth/callback"

// Config is the configuration Start uses before options: the app's
// redirect URL, organization creation on, default limits, logs discarded.
func Config(projectID, secret, upstream string) broker.Config {
	return broker.Config{
		ProjectID:               projectID,
		Secret:                  secret,
		Upstream:                upstream,
		RedirectURL:             RedirectURL,
		AllowOrganizationCreate: true,
		Limits:                  broker.DefaultLimits,
	}
}

// Start runs a broker on 127.0.0.1 until the test ends and returns its URL.
func Start(t testing.TB, projectID, secret, upstream string, opts ...func(*broker.Config)) string {
	t.Helper()
	cfg := Config(projectID, secret, upstream)
	for _, o := range opts {
		o(&cfg)
	}
	b, err := broker.New(cfg)
	if err != nil {
		t.Fatalf("start broker: %v", err)
	}
	srv := httptest.NewServer(b)
	t.Cleanup(func() {
		srv.Close()
		b.Close()
	})
	return srv.URL
}
