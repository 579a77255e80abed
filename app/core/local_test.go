//go:build !nolocalapi

package core_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"stytch-desktop/app/config"
	"stytch-desktop/app/core"
	"stytch-desktop/app/keychain/keychaintest"
)

func startLocal(t *testing.T, env map[string]string) *core.Core {
	t.Helper()
	cfg, err := config.FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	c, err := core.Start(context.Background(), cfg, core.Options{Secrets: keychaintest.NewMemory(), StateDir: t.TempDir(), SkipSchemeRegistration: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// Local mode runs the example company API beside the local Stytch-compatible
// API and calls it the company API, unless one is configured.
func TestLocalModeRunsTheExampleAPI(t *testing.T) {
	t.Run("none configured: the example API", func(t *testing.T) {
		c := startLocal(t, nil)
		u := c.CompanyAPIURL()
		if !strings.HasPrefix(u, "http://127.0.0.1:") {
			t.Fatalf("company API URL %q", u)
		}
		resp, err := http.Get(u + "/api/me")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e struct {
			ErrorType string `json:"error_type"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || resp.StatusCode != http.StatusUnauthorized || e.ErrorType != "unauthorized" {
			t.Fatalf("GET /api/me without a JWT: %d %+v %v", resp.StatusCode, e, err)
		}
		if err := c.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if resp, err := http.Get(u + "/api/me"); err == nil {
			resp.Body.Close()
			t.Fatal("the example API still answers after Close")
		}
	})
	t.Run("configured: that one, no example API", func(t *testing.T) {
		c := startLocal(t, map[string]string{config.EnvCompanyAPIURL: "https://api.example.com"})
		if got := c.CompanyAPIURL(); got != "https://api.example.com" {
			t.Fatalf("company API URL %q", got)
		}
	})
}
