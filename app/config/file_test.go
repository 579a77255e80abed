package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeConfig(t *testing.T, body string, perm os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(path, []byte(body), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil { // umask may have cut it
		t.Fatal(err)
	}
	return path
}

func TestLoadFromFile(t *testing.T) {
	const secret = "secret-test-DO-NOT-PRINT"
	tests := []struct {
		name    string
		file    string // "" = no file
		perm    os.FileMode
		env     map[string]string
		want    Config
		wantErr []string
	}{
		{name: "no file: the environment alone", env: map[string]string{EnvOrganization: "acme"},
			want: Config{Mode: ModeLocal, Organization: "acme", SessionDuration: DefaultSessionDuration, Scheme: DefaultScheme}},
		{name: "a link-started app (no environment) gets the file's settings",
			file: `{"organization":"example-co","session_duration":60,"scheme":"acme-desktop"}`,
			want: Config{Mode: ModeLocal, Organization: "example-co", SessionDuration: time.Hour, Scheme: "acme-desktop"}},
		{name: "the company API URL from the file",
			file: `{"api_url":"https://api.example.com"}`,
			want: Config{Mode: ModeLocal, SessionDuration: DefaultSessionDuration, Scheme: DefaultScheme, CompanyAPIURL: "https://api.example.com"}},
		{name: "direct mode: non-secret settings from the file, the secret from the environment",
			file: `{"mode":"direct","project_id":"project-test-abc","api_base_url":"http://127.0.0.1:8787"}`,
			env:  map[string]string{EnvSecret: secret},
			want: Config{Mode: ModeDirect, ProjectID: "project-test-abc", Secret: secret, BaseURL: "http://127.0.0.1:8787", SessionDuration: DefaultSessionDuration, Scheme: DefaultScheme}},
		{name: "broker mode, the one for employees, entirely from the file",
			file: `{"mode":"broker","broker_url":"https://auth.example.com","project_id":"project-live-abc","public_token":"public-token-live-00000000-0000-4000-8000-000000000000"}`,
			want: Config{Mode: ModeBroker, ProjectID: "project-live-abc", BaseURL: "https://auth.example.com", PublicToken: "public-token-live-00000000-0000-4000-8000-000000000000", SessionDuration: DefaultSessionDuration, Scheme: DefaultScheme}},
		{name: "the environment overrides the file",
			file: `{"organization":"from-file","session_duration":"48h"}`,
			env:  map[string]string{EnvOrganization: "from-env"},
			want: Config{Mode: ModeLocal, Organization: "from-env", SessionDuration: 48 * time.Hour, Scheme: DefaultScheme}},
		{name: "direct mode named but no secret: a clear error, not local mode",
			file:    `{"mode":"direct","project_id":"project-test-abc"}`,
			wantErr: []string{"the mode is direct but STYTCH_SECRET is not in the environment", "started by a link", "broker mode"}},
		{name: "mode contradicts the settings",
			file:    `{"mode":"local"}`,
			env:     map[string]string{EnvProjectID: "project-test-abc", EnvSecret: secret},
			wantErr: []string{"the mode is local", "make it direct mode"}},
		{name: "unknown mode", file: `{"mode":"cloud"}`, wantErr: []string{"STYTCH_DESKTOP_MODE must be one of local, direct, broker"}},
		{name: "the secret in the file is refused, saying why",
			file:    `{"project_id":"project-test-abc","secret":"` + secret + `"}`,
			env:     map[string]string{EnvSecret: secret},
			wantErr: []string{`"secret": the project secret must never be in a file`, "backups", "broker mode"}},
		{name: "the secret under its environment name is refused too",
			file:    `{"STYTCH_SECRET":"x"}`,
			wantErr: []string{"must never be in a file"}},
		{name: "a secret-looking value under any key is refused",
			file:    `{"organization":"` + secret + `"}`,
			wantErr: []string{`"organization" holds what looks like a project secret`}},
		{name: "file values are validated like the environment's, naming the file",
			file:    `{"project_id":"project-test-abc","api_base_url":"http://example.com"}`,
			env:     map[string]string{EnvSecret: secret},
			wantErr: []string{"STYTCH_API_BASE_URL: plain http is only allowed for a loopback address", "api_base_url, project_id", "the environment overrides it"}},
		{name: "unknown setting", file: `{"organisation":"acme"}`, wantErr: []string{`unknown setting "organisation"`, "api_base_url, api_url, broker_url, mode, oauth_providers, organization, project_id, public_api_url, public_token, redirect_url"}},
		{name: "not a string", file: `{"organization":["a"]}`, wantErr: []string{`"organization" must be a string`}},
		{name: "not JSON", file: `organization=acme`, wantErr: []string{"is not a JSON object of settings"}},
		{name: "writable by others", file: `{"organization":"acme"}`, perm: 0o666, wantErr: []string{"writable by other users", "chmod 600"}},
		{name: "too big", file: `{"organization":"acme","x":"` + strings.Repeat("a", maxFileSize) + `"}`, wantErr: []string{"larger than 64 KiB"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "missing", FileName)
			if tt.file != "" {
				perm := tt.perm
				if perm == 0 {
					perm = 0o600
				}
				path = writeConfig(t, tt.file, perm)
			}
			got, err := load(func(k string) string { return tt.env[k] }, path)
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("no error; got %+v", got)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("err = %v\nwant it to contain %q", err, w)
					}
				}
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("the error shows the secret: %v", err)
				}
				if tt.file != "" && !strings.Contains(err.Error(), path) && !strings.Contains(err.Error(), "STYTCH_") {
					t.Errorf("the error names neither the file nor the setting: %v", err)
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

// The secret is read once, then gone from the process environment (and so
// from every child process: WebKit's, a browser's), whether or not the
// configuration is valid.
func TestLoadScrubsTheSecretFromTheEnvironment(t *testing.T) {
	const secret = "secret-test-scrub-me-0123456789"
	for _, tt := range []struct {
		name    string
		file    string
		env     map[string]string
		wantErr bool
	}{
		{name: "valid direct configuration", env: map[string]string{EnvProjectID: "project-test-abc"}},
		{name: "direct settings from the file", file: `{"project_id":"project-test-abc"}`},
		{name: "invalid configuration", env: map[string]string{EnvProjectID: "nope"}, wantErr: true},
		{name: "broken file", file: `{`, wantErr: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfgHome := t.TempDir()
			t.Setenv("XDG_CONFIG_HOME", cfgHome)
			if tt.file != "" {
				if err := os.MkdirAll(filepath.Join(cfgHome, "stytch-desktop"), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(cfgHome, "stytch-desktop", FileName), []byte(tt.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			for _, k := range []string{EnvProjectID, EnvBaseURL, EnvBrokerURL, EnvOrganization, EnvSessionDuration, EnvScheme, EnvMode} {
				t.Setenv(k, tt.env[k])
			}
			t.Setenv(EnvSecret, secret)
			cfg, err := Load()
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && (cfg.Mode != ModeDirect || cfg.Secret != secret) {
				t.Fatalf("the configuration lost the secret: mode %s, secret set %v", cfg.Mode, cfg.Secret != "")
			}
			if _, ok := os.LookupEnv(EnvSecret); ok {
				t.Fatalf("%s is still in the environment", EnvSecret)
			}
			for _, kv := range os.Environ() {
				if strings.Contains(kv, secret) {
					t.Fatalf("the secret is still in os.Environ() (%s=…)", strings.SplitN(kv, "=", 2)[0])
				}
			}
		})
	}
}
