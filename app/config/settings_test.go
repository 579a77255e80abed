package config

import (
	"encoding/json"
	"maps"
	"testing"
)

// Each setting the file may hold means the same from the file as from the
// environment: one declaration, one path (settings.go). A setting added to
// the table without a sample here fails the test.
func TestFileAndEnvironmentAgreeOnEverySetting(t *testing.T) {
	const token = "public-token-test-5cd2a2a8-3b8e-4c5b-a0e2-4a2f1d3b2c1a"
	broker := map[string]string{
		EnvMode: "broker", EnvProjectID: "project-test-abc", EnvBrokerURL: "https://auth.example.com/",
		EnvPublicToken: token, EnvPublicAPIURL: "https://login.example.com", EnvOAuthProviders: "GitHub,google",
		EnvOrganization: "acme", EnvSessionDuration: "90", EnvScheme: "acme-desktop", EnvRedirectURL: "https://auth.example.com/open",
		EnvCompanyAPIURL: "https://api.example.com",
	}
	direct := map[string]string{EnvMode: "direct", EnvProjectID: "project-test-abc", EnvSecret: "secret-test-x", EnvBaseURL: "http://127.0.0.1:8787"}
	covered := map[string]bool{}
	for _, all := range []map[string]string{broker, direct} {
		want, err := load(func(k string) string { return all[k] }, t.TempDir()+"/none.json")
		if err != nil {
			t.Fatalf("all from the environment: %v", err)
		}
		for _, s := range settings {
			if s.file == "" || all[s.env] == "" {
				continue
			}
			covered[s.file] = true
			env := maps.Clone(all)
			delete(env, s.env)
			body, _ := json.Marshal(map[string]string{s.file: all[s.env]})
			got, err := load(func(k string) string { return env[k] }, writeConfig(t, string(body), 0o600))
			if err != nil {
				t.Fatalf("%s from the file: %v", s.file, err)
			}
			if got != want {
				t.Fatalf("%s from the file gives\n%+v\nfrom the environment\n%+v", s.file, got, want)
			}
		}
	}
	for _, key := range fileKeys() {
		if !covered[key] {
			t.Errorf("setting %q has no sample in this test", key)
		}
	}
	if s := settingFor(EnvSecret); s.file != "" {
		t.Fatalf("the secret has a file key %q", s.file)
	}
}
