package config

import (
	"strings"
	"testing"
)

func TestBrokerMode(t *testing.T) {
	const pid = "project-test-abc"
	tests := []struct {
		name         string
		env          map[string]string
		bakedURL     string
		bakedProject string
		wantErr      string
		wantURL      string
		wantBackend  string
		wantProject  string
		wantNoSecret bool
	}{
		{name: "broker from the environment", env: map[string]string{EnvBrokerURL: "https://auth.example.com/", EnvProjectID: pid},
			wantURL: "https://auth.example.com", wantProject: pid},
		{name: "broker on loopback over http", env: map[string]string{EnvBrokerURL: "http://127.0.0.1:8788", EnvProjectID: pid},
			wantURL: "http://127.0.0.1:8788", wantProject: pid},
		{name: "secret with a broker URL", env: map[string]string{EnvBrokerURL: "https://auth.example.com", EnvProjectID: pid, EnvSecret: "secret-test-x"},
			wantErr: "in broker mode the project secret stays on the broker"},
		{name: "broker URL without project id", env: map[string]string{EnvBrokerURL: "https://auth.example.com"}, wantErr: "needs STYTCH_PROJECT_ID"},
		{name: "broker URL over plain http off loopback", env: map[string]string{EnvBrokerURL: "http://auth.example.com", EnvProjectID: pid},
			wantErr: "STYTCH_BROKER_URL: plain http is only allowed for a loopback address"},
		{name: "broker URL with a path", env: map[string]string{EnvBrokerURL: "https://auth.example.com/stytch", EnvProjectID: pid}, wantErr: "STYTCH_BROKER_URL: must be scheme://host"},
		{name: "broker and base URL", env: map[string]string{EnvBrokerURL: "https://a.example.com", EnvBaseURL: "https://b.example.com", EnvProjectID: pid}, wantErr: "not both"},
		{name: "baked build, nothing set", bakedURL: "https://auth.example.com", bakedProject: pid,
			wantURL: "https://auth.example.com", wantProject: pid},
		{name: "baked build refuses the secret", env: map[string]string{EnvSecret: "secret-test-x"}, bakedURL: "https://auth.example.com", bakedProject: pid,
			wantErr: "this build signs in through the company's Stytch broker (https://auth.example.com)"},
		{name: "baked build refuses another broker", env: map[string]string{EnvBrokerURL: "https://evil.example"}, bakedURL: "https://auth.example.com", bakedProject: pid,
			wantErr: "always uses the broker it was built with"},
		{name: "baked build refuses another project", env: map[string]string{EnvProjectID: "project-test-other"}, bakedURL: "https://auth.example.com", bakedProject: pid,
			wantErr: "this build is for project project-test-abc"},
		{name: "baked build with a bad project id", bakedURL: "https://auth.example.com", bakedProject: "oops", wantErr: "the project id baked into this build"},
		{name: "baked build with a bad URL", bakedURL: "http://auth.example.com", bakedProject: pid, wantErr: "the broker URL baked into this build"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := fromEnv(func(k string) string { return tt.env[k] }, tt.bakedURL, tt.bakedProject)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "secret-test-x") {
					t.Fatalf("the error shows the secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Mode != ModeBroker || got.BaseURL != tt.wantURL || got.ProjectID != tt.wantProject || got.Secret != "" {
				t.Fatalf("got %+v", got)
			}
			if got.Backend() != tt.wantURL {
				t.Fatalf("Backend() = %q, want %q", got.Backend(), tt.wantURL)
			}
		})
	}
}

func TestBackend(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Mode: ModeLocal}, ""},
		{Config{Mode: ModeDirect, ProjectID: "project-test-a"}, "https://test.stytch.com"},
		{Config{Mode: ModeDirect, ProjectID: "project-live-a"}, "https://api.stytch.com"},
		{Config{Mode: ModeDirect, ProjectID: "project-live-a", BaseURL: "http://127.0.0.1:1"}, "http://127.0.0.1:1"},
		{Config{Mode: ModeBroker, ProjectID: "project-live-a", BaseURL: "https://auth.example.com"}, "https://auth.example.com"},
	} {
		if got := c.cfg.Backend(); got != c.want {
			t.Errorf("%+v: Backend() = %q, want %q", c.cfg, got, c.want)
		}
	}
}
