package config

import (
	"strings"
	"testing"
)

func TestBakedPublicToken(t *testing.T) {
	const token = "public-token-test-00000000-0000-4000-8000-000000000000"
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	get, err := withBakedPublicToken(env(nil), token)
	if err != nil {
		t.Fatal(err)
	}
	c, err := fromEnv(get, "https://auth.example.com", "project-test-abc")
	if err != nil || c.PublicToken != token || c.Mode != ModeBroker {
		t.Fatalf("baked public token: %+v, %v", c, err)
	}
	if _, err := withBakedPublicToken(env(map[string]string{EnvPublicToken: token}), token); err != nil {
		t.Fatalf("repeating the baked token: %v", err)
	}
	if _, err := withBakedPublicToken(env(map[string]string{EnvPublicToken: "public-token-test-11111111-1111-4111-8111-111111111111"}), token); err == nil ||
		!strings.Contains(err.Error(), "always uses the public token it was built with") {
		t.Fatalf("another public token: %v", err)
	}
	if got, _ := withBakedPublicToken(env(map[string]string{EnvPublicToken: "x"}), ""); got(EnvPublicToken) != "x" {
		t.Fatal("without a baked token the environment is read as is")
	}
}
