package app_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"stytch-desktop/app/config"
	"stytch-desktop/app/core"
	"stytch-desktop/app/keychain/keychaintest"
	"stytch-desktop/app/lifecycle/lifecycletest"
	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/signin"
)

// TestNoSecretAnywhere runs the whole discovery flow with debug logging, in
// direct mode (against a standalone local API with a random project secret)
// and in local mode (where the app itself writes the local API's state), and
// checks that no secret reaches the logs, the events and return values sent
// to the screens, or any file the app wrote.
func TestNoSecretAnywhere(t *testing.T) {
	t.Run("direct", func(t *testing.T) { noSecretAnywhere(t, false) })
	t.Run("local", func(t *testing.T) { noSecretAnywhere(t, true) })
}

func noSecretAnywhere(t *testing.T, local bool) {
	raw := make([]byte, 24)
	_, _ = rand.Read(raw)
	projectSecret := "secret-test-" + base64.RawURLEncoding.EncodeToString(raw)
	srv, err := localstytch.New(localstytch.Options{Seed: true, Secret: projectSecret})
	if err != nil {
		t.Fatal(err)
	}
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close(context.Background())

	env := map[string]string{config.EnvProjectID: srv.ProjectID(), config.EnvSecret: projectSecret, config.EnvBaseURL: base}
	if local {
		env = nil
	}
	cfg, err := config.FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	logs := &lifecycletest.LogBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	dir := t.TempDir()
	store := keychaintest.NewMemory()
	a, lc := newApp(cfg, core.Options{Secrets: store, StateDir: dir, Logger: logger, SkipSchemeRegistration: true})
	win := &recorder{}
	lc.Start(win)
	defer lc.Shutdown(context.Background())
	var returned []signin.View
	keep := func(v signin.View) { returned = append(returned, v) }

	inbox := win.WaitScreen(t, signin.ScreenSignedOut).InboxURL
	if !local {
		inbox = base + "/"
	}
	keep(a.SendLink("secrets@example.com"))
	pending, err := store.Get(context.Background(), "pending-flow")
	if err != nil {
		t.Fatal(err)
	}
	var p struct{ Verifier string }
	_ = json.Unmarshal(pending, &p)
	_, link := lifecycletest.AppLink(t, inbox, "secrets@example.com")
	linkToken := link[strings.Index(link, "token=")+len("token="):]
	keep(a.SubmitLink(link + "&token=dup")) // hostile variant: rejected
	keep(a.SubmitLink(link))
	keep(a.CreateOrganization("Secret Keepers", "secret-keepers"))
	sess, err := store.Get(context.Background(), "session")
	if err != nil {
		t.Fatal(err)
	}
	var rec struct{ Token string }
	_ = json.Unmarshal(sess, &rec)
	jwt, _ := store.Get(context.Background(), "session-jwt")
	keep(a.SignOut())

	secrets := map[string]string{
		"project secret": projectSecret, "PKCE verifier": p.Verifier, "magic-link token": linkToken,
		"session token": rec.Token, "session JWT": strings.Trim(string(jwt), `"`),
	}
	b, _ := json.Marshal(returned)
	haystacks := map[string]string{"logs": logs.String(), "events": strings.Join(win.Events, "\n"), "return values": string(b)}
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			content, _ := os.ReadFile(path)
			haystacks["file "+filepath.Base(path)] = string(content)
		}
		return nil
	})
	if local && len(haystacks) < 5 {
		t.Fatalf("local mode wrote no state to check: %v", haystacks)
	}
	if local {
		delete(secrets, "project secret") // local mode's is a fixed, public value
	}
	for name, s := range secrets {
		if len(s) < 20 {
			t.Fatalf("test setup: %s not captured (%q)", name, s)
		}
		for where, h := range haystacks {
			if strings.Contains(h, s) {
				t.Errorf("%s found in %s", name, where)
			}
		}
	}
	if !local && !strings.Contains(logs.String(), config.SecretWarning) {
		t.Error("direct mode must warn that the project secret is on this machine")
	}
}
