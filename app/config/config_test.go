package config

import (
	"strings"
	"testing"
	"time"
)

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    Config
		wantErr string
	}{
		{name: "no credentials is local mode", env: nil,
			want: Config{Mode: ModeLocal, SessionDuration: DefaultSessionDuration, Scheme: DefaultScheme}},
		{name: "direct mode", env: map[string]string{EnvProjectID: "project-test-abc", EnvSecret: "secret-test-x"},
			want: Config{Mode: ModeDirect, ProjectID: "project-test-abc", Secret: "secret-test-x", SessionDuration: DefaultSessionDuration, Scheme: DefaultScheme}},
		{name: "direct against a loopback API", env: map[string]string{EnvProjectID: "project-test-abc", EnvSecret: "s", EnvBaseURL: "http://127.0.0.1:8787/"},
			want: Config{Mode: ModeDirect, ProjectID: "project-test-abc", Secret: "s", BaseURL: "http://127.0.0.1:8787", SessionDuration: DefaultSessionDuration, Scheme: DefaultScheme}},
		{name: "organization and duration in minutes", env: map[string]string{EnvOrganization: "acme", EnvSessionDuration: "60"},
			want: Config{Mode: ModeLocal, Organization: "acme", SessionDuration: time.Hour, Scheme: DefaultScheme}},
		{name: "duration as Go duration", env: map[string]string{EnvSessionDuration: "48h"},
			want: Config{Mode: ModeLocal, SessionDuration: 48 * time.Hour, Scheme: DefaultScheme}},
		{name: "custom scheme", env: map[string]string{EnvScheme: "acme-desktop"},
			want: Config{Mode: ModeLocal, SessionDuration: DefaultSessionDuration, Scheme: "acme-desktop"}},
		{name: "half credentials: id only", env: map[string]string{EnvProjectID: "project-test-abc"}, wantErr: "set both STYTCH_PROJECT_ID and STYTCH_SECRET"},
		{name: "half credentials: secret only", env: map[string]string{EnvSecret: "x"}, wantErr: "set both"},
		{name: "bad project id", env: map[string]string{EnvProjectID: "abc", EnvSecret: "x"}, wantErr: "project-test-"},
		{name: "base URL without credentials", env: map[string]string{EnvBaseURL: "http://127.0.0.1:1"}, wantErr: "STYTCH_API_BASE_URL is set but"},
		{name: "malformed base URL", env: map[string]string{EnvProjectID: "project-test-a", EnvSecret: "x", EnvBaseURL: "::nope"}, wantErr: "absolute URL"},
		{name: "http off loopback", env: map[string]string{EnvProjectID: "project-test-a", EnvSecret: "x", EnvBaseURL: "http://example.com"}, wantErr: "loopback"},
		{name: "base URL with path", env: map[string]string{EnvProjectID: "project-test-a", EnvSecret: "x", EnvBaseURL: "https://example.com/v1"}, wantErr: "without user, path"},
		{name: "ftp base URL", env: map[string]string{EnvProjectID: "project-test-a", EnvSecret: "x", EnvBaseURL: "ftp://example.com"}, wantErr: "https"},
		{name: "duration too short", env: map[string]string{EnvSessionDuration: "1"}, wantErr: "between 5m"},
		{name: "duration junk", env: map[string]string{EnvSessionDuration: "soon"}, wantErr: "between 5m"},
		{name: "bad organization", env: map[string]string{EnvOrganization: "a b"}, wantErr: "organization id or slug"},
		{name: "bad scheme", env: map[string]string{EnvScheme: "https"}, wantErr: "URL scheme"},
		{name: "public token and providers", env: map[string]string{EnvProjectID: "project-test-abc", EnvSecret: "s",
			EnvPublicToken: "public-token-test-5cd2a2a8-3b8e-4c5b-a0e2-4a2f1d3b2c1a", EnvOAuthProviders: " Microsoft, google ,microsoft"},
			want: Config{Mode: ModeDirect, ProjectID: "project-test-abc", Secret: "s", SessionDuration: DefaultSessionDuration, Scheme: DefaultScheme,
				PublicToken: "public-token-test-5cd2a2a8-3b8e-4c5b-a0e2-4a2f1d3b2c1a", OAuthProviders: "microsoft,google"}},
		{name: "company API URL", env: map[string]string{EnvCompanyAPIURL: "https://api.example.com/"},
			want: Config{Mode: ModeLocal, SessionDuration: DefaultSessionDuration, Scheme: DefaultScheme, CompanyAPIURL: "https://api.example.com"}},
		{name: "company API URL on loopback http", env: map[string]string{EnvCompanyAPIURL: "http://127.0.0.1:8788"},
			want: Config{Mode: ModeLocal, SessionDuration: DefaultSessionDuration, Scheme: DefaultScheme, CompanyAPIURL: "http://127.0.0.1:8788"}},
		{name: "company API URL over http off loopback", env: map[string]string{EnvCompanyAPIURL: "http://api.example.com"}, wantErr: "STYTCH_DESKTOP_API_URL: plain http"},
		{name: "company API URL not a URL", env: map[string]string{EnvCompanyAPIURL: "api.example.com"}, wantErr: "STYTCH_DESKTOP_API_URL: must be an absolute URL"},
		{name: "no OAuth buttons", env: map[string]string{EnvOAuthProviders: "none"},
			want: Config{Mode: ModeLocal, SessionDuration: DefaultSessionDuration, Scheme: DefaultScheme, OAuthProviders: "none"}},
		{name: "public API URL behind a broker", env: map[string]string{EnvBrokerURL: "https://auth.example.com", EnvProjectID: "project-test-abc",
			EnvPublicToken: "public-token-test-5cd2a2a8-3b8e-4c5b-a0e2-4a2f1d3b2c1a", EnvPublicAPIURL: "https://login.example.com/"},
			want: Config{Mode: ModeBroker, ProjectID: "project-test-abc", BaseURL: "https://auth.example.com", SessionDuration: DefaultSessionDuration,
				Scheme: DefaultScheme, PublicToken: "public-token-test-5cd2a2a8-3b8e-4c5b-a0e2-4a2f1d3b2c1a", PublicAPIURL: "https://login.example.com"}},
		{name: "public API URL in local mode", env: map[string]string{EnvPublicAPIURL: "http://127.0.0.1:1"}, wantErr: "local mode's browser"},
		{name: "public API URL over http off loopback", env: map[string]string{EnvProjectID: "project-test-a", EnvSecret: "x", EnvPublicAPIURL: "http://login.example.com"}, wantErr: "STYTCH_PUBLIC_API_URL: plain http"},
		{name: "unknown provider", env: map[string]string{EnvOAuthProviders: "google,myspace"}, wantErr: "comma list of google"},
		{name: "empty provider", env: map[string]string{EnvOAuthProviders: "google,,microsoft"}, wantErr: "comma list"},
		{name: "malformed public token", env: map[string]string{EnvProjectID: "project-test-a", EnvSecret: "x", EnvPublicToken: "pk_live_123"}, wantErr: "public-token-test-<uuid>"},
		{name: "public token of the other environment", env: map[string]string{EnvProjectID: "project-test-a", EnvSecret: "x",
			EnvPublicToken: "public-token-live-5cd2a2a8-3b8e-4c5b-a0e2-4a2f1d3b2c1a"}, wantErr: "same environment"},
		{name: "public token in local mode", env: map[string]string{EnvPublicToken: "public-token-test-5cd2a2a8-3b8e-4c5b-a0e2-4a2f1d3b2c1a"}, wantErr: "local mode uses the local API's"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestSecretNeverInStringOrErrors(t *testing.T) {
	const secret = "secret-test-DO-NOT-PRINT"
	c, err := FromEnv(func(k string) string {
		return map[string]string{EnvProjectID: "project-test-a", EnvSecret: secret}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(c.String(), secret) {
		t.Fatal("Config.String leaks the secret")
	}
	_, err = FromEnv(func(k string) string {
		return map[string]string{EnvSecret: secret, EnvBaseURL: "http://10.0.0.1"}[k]
	})
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("error missing or leaks the secret: %v", err)
	}
}

func TestProvidersAndAPIBase(t *testing.T) {
	tests := []struct {
		c    Config
		want string
		base string
	}{
		{Config{Mode: ModeLocal}, "google,microsoft", "https://test.stytch.com"},
		{Config{Mode: ModeLocal, OAuthProviders: "none"}, "", "https://test.stytch.com"},
		{Config{Mode: ModeDirect, ProjectID: "project-live-x"}, "", "https://api.stytch.com"}, // no public token: no buttons
		{Config{Mode: ModeDirect, ProjectID: "project-test-x", PublicToken: "p"}, "google,microsoft", "https://test.stytch.com"},
		{Config{Mode: ModeDirect, BaseURL: "http://127.0.0.1:9", PublicToken: "p", OAuthProviders: "github"}, "github", "http://127.0.0.1:9"},
		{Config{Mode: ModeBroker, ProjectID: "project-live-x", BaseURL: "https://broker.example", PublicToken: "p"}, "google,microsoft", "https://api.stytch.com"},
		{Config{Mode: ModeBroker, ProjectID: "project-live-x", BaseURL: "https://broker.example", PublicToken: "p", PublicAPIURL: "https://login.example.com"}, "google,microsoft", "https://login.example.com"},
	}
	for _, tt := range tests {
		if got := strings.Join(tt.c.Providers(), ","); got != tt.want {
			t.Errorf("%+v: Providers = %q, want %q", tt.c, got, tt.want)
		}
		if got := tt.c.APIBase(); got != tt.base {
			t.Errorf("%+v: APIBase = %q, want %q", tt.c, got, tt.base)
		}
	}
}
