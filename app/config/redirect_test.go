package config

import (
	"strings"
	"testing"
)

func TestRedirectURLSetting(t *testing.T) {
	broker := map[string]string{EnvBrokerURL: "https://auth.example.com", EnvProjectID: "project-live-abc"}
	with := func(env map[string]string, v string) map[string]string {
		out := map[string]string{EnvRedirectURL: v}
		for k, x := range env {
			out[k] = x
		}
		return out
	}
	for _, tt := range []struct {
		name             string
		env              map[string]string
		redirect, redeem string
		noOpenPage       bool
		wantErr          string
	}{
		{name: "default: the app's callback", env: broker, redirect: "stytch-desktop://auth/callback"},
		{name: "the broker's /open page", env: with(broker, "https://auth.example.com/open"),
			redirect: "https://auth.example.com/open", redeem: "https://auth.example.com/open/redeem"},
		{name: "local mode: scheme chosen, no page", env: with(nil, "stytch-desktop://auth/callback"),
			redirect: "stytch-desktop://auth/callback", noOpenPage: true},
		{name: "local mode refuses another page", env: with(nil, "https://auth.example.com/open"), wantErr: "local mode serves its own"},
		{name: "not an /open page", env: with(broker, "https://auth.example.com/callback"), wantErr: "https://…/open page"},
		{name: "http off loopback", env: with(broker, "http://auth.example.com/open"), wantErr: "loopback"},
		{name: "another scheme", env: with(broker, "other-app://auth/callback"), wantErr: EnvRedirectURL},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := FromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.RedirectURL() != tt.redirect || c.RedeemURL() != tt.redeem || c.NoOpenPage != tt.noOpenPage {
				t.Fatalf("redirect %q redeem %q noOpenPage %v", c.RedirectURL(), c.RedeemURL(), c.NoOpenPage)
			}
		})
	}
}

func TestBakedRedirectURL(t *testing.T) {
	env := map[string]string{EnvBrokerURL: "https://auth.example.com", EnvProjectID: "project-live-abc"}
	get, err := withBakedRedirect(func(k string) string { return env[k] }, "https://auth.example.com/open")
	if err != nil {
		t.Fatal(err)
	}
	c, err := fromEnv(get, "", "")
	if err != nil || c.OpenURL != "https://auth.example.com/open" {
		t.Fatalf("baked: %+v %v", c, err)
	}
	env[EnvRedirectURL] = "https://other.example.com/open"
	if _, err := withBakedRedirect(func(k string) string { return env[k] }, "https://auth.example.com/open"); err == nil ||
		!strings.Contains(err.Error(), "always uses the redirect URL it was built with") {
		t.Fatalf("a different STYTCH_REDIRECT_URL: %v", err)
	}
}
