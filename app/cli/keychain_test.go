package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"

	"stytch-desktop/app/accesstoken"
	"stytch-desktop/app/agent"
	"stytch-desktop/app/cli"
	"stytch-desktop/app/exampleapi"
	"stytch-desktop/app/keychain"
	"stytch-desktop/app/keychain/keychaintest"
	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/sessiontest"
	"stytch-desktop/app/signin"
	"stytch-desktop/app/stytchclient"
)

// record is the keychain item as the sign-in core writes it.
func record(t *testing.T, s sessiontest.Session, orgName string, signedOut bool) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"token":        s.Token,
		"member":       map[string]any{"id": s.MemberID, "name": "", "email": s.Email},
		"organization": map[string]any{"id": s.Organization, "name": orgName, "slug": "northwind"},
		"expires_at":   time.Now().Add(time.Hour),
		"signed_out":   signedOut,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The record the fallback reads is the one the sign-in core restores: the
// core, given this item, shows this member signed in and confirms the
// session with Stytch. If the core's format changes, this fails.
func TestKeychainRecordFormat(t *testing.T) {
	api := sessiontest.Start(t, localstytch.Options{})
	s := api.Member(t, "northwind")
	store := keychaintest.NewMemory()
	if err := store.Set(context.Background(), "session", record(t, s, "Northwind Traders", false)); err != nil {
		t.Fatal(err)
	}
	sc, err := stytchclient.New(context.Background(), stytchclient.Config{ProjectID: api.Server.ProjectID(), Secret: api.Server.Secret(), BaseURL: api.Base})
	if err != nil {
		t.Fatal(err)
	}
	f := signin.New(signin.Config{Mode: "local"}, sc, store)
	defer f.Close()
	if err := f.Restore(context.Background()); err != nil {
		t.Fatal(err)
	}
	v := f.View()
	if v.Screen != signin.ScreenSignedIn || v.Member == nil || v.Member.Email != s.Email || v.Organization.ID != s.Organization {
		t.Fatalf("the core did not restore the record: %+v", v)
	}
	st, err := (cli.Keychain{Secrets: store}).Status(context.Background())
	if err != nil || st.Email != s.Email || st.OrganizationName != "Northwind Traders" || st.MemberID != s.MemberID {
		t.Fatalf("fallback status %+v %v", st, err)
	}
}

func keychainFor(api *sessiontest.API, store keychain.Store) cli.Keychain {
	return cli.Keychain{Secrets: store, Refresher: func(tok string) accesstoken.Refresher {
		return accesstoken.NewStytchRefresher(api.Sessions(), tok, 0)
	}}
}

// With no app running: the keychain's session, refreshed with Stytch
// through stytch-go against the local API.
func TestKeychainFallback(t *testing.T) {
	api := sessiontest.Start(t, localstytch.Options{})
	s := api.Member(t, "northwind")
	store := keychaintest.NewFaulty(keychaintest.NewMemory())
	ctx := context.Background()
	kc := keychainFor(api, store)
	chain := cli.Chain{App: agent.Client{Path: filepath.Join(t.TempDir(), "none", "agent.sock")}, Fallback: kc}
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := cli.Run(ctx, args, chain, &out, &errb)
		return code, out.String(), errb.String()
	}

	if code, out, _ := run("token"); code != cli.ExitNotSignedIn || out != "" {
		t.Fatalf("empty keychain: %d %q", code, out)
	}
	store.Set(ctx, "session", record(t, s, "Northwind Traders", false))
	code, out, errs := run("token")
	jwt := strings.TrimSuffix(out, "\n")
	if code != 0 || jwt == "" || strings.Contains(out, s.Token) || errs != "" {
		t.Fatalf("token: %d %q %q", code, out, errs)
	}
	if resp, err := api.Sessions().Authenticate(ctx, &sessions.AuthenticateParams{SessionJWT: jwt}); err != nil || resp.MemberSession.MemberID != s.MemberID {
		t.Fatalf("the printed JWT is not the member's: %v", err)
	}
	if code, out, _ := run("status"); code != 0 || !strings.Contains(out, s.Email) || !strings.Contains(out, "keychain") || strings.Contains(out, s.Token) {
		t.Fatalf("status: %d %q", code, out)
	}
	if code, _, _ := run("token", "--organization", "organization-test-other"); code != cli.ExitOtherOrganization {
		t.Fatalf("other organization: %d", code)
	}

	store.FailOnce(keychaintest.OpGet, keychain.ErrLocked)
	if code, out, errs := run("token"); code != cli.ExitUnavailable || out != "" || !strings.Contains(errs, "keychain") {
		t.Fatalf("locked keychain: %d %q %q", code, out, errs)
	}

	store.Set(ctx, "session", record(t, s, "Northwind Traders", true))
	if code, _, _ := run("token"); code != cli.ExitNotSignedIn {
		t.Fatalf("signed-out record: %d", code)
	}

	store.Set(ctx, "session", record(t, s, "Northwind Traders", false))
	if _, err := api.Sessions().Revoke(ctx, &sessions.RevokeParams{SessionToken: s.Token}); err != nil {
		t.Fatal(err)
	}
	code, out, errs = run("token")
	if code != cli.ExitNotSignedIn || out != "" || !strings.Contains(errs, "session ended") {
		t.Fatalf("revoked: %d %q %q", code, out, errs)
	}
	if _, err := store.Get(ctx, "session"); err != nil {
		t.Fatal("the CLI changed the keychain")
	}
}

// appSession is the adapter the app will use: the signed-in identity and
// the session's token source.
type appSession struct {
	id  agent.Identity
	src *accesstoken.Source
}

func (a appSession) Current() (agent.Identity, bool)                      { return a.id, true }
func (a appSession) Token(ctx context.Context) (accesstoken.Token, error) { return a.src.Token(ctx) }

// The whole loop: the running app's agent serves a JWT, the CLI prints it,
// and the example API accepts it as that member; stytch-go against the
// local API everywhere.
func TestCLIThroughAgentToExampleAPI(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the agent's socket is tested on Linux")
	}
	api := sessiontest.Start(t, localstytch.Options{})
	s := api.Admin(t)
	src := accesstoken.New(accesstoken.NewStytchRefresher(api.Sessions(), s.Token, 60), s.JWT, accesstoken.Options{})
	defer src.Close()
	path := filepath.Join(t.TempDir(), "sd", "agent.sock")
	srv, err := agent.Listen(path, appSession{id: agent.Identity{MemberID: s.MemberID, Email: s.Email, OrganizationID: s.Organization}, src: src}, agent.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clients, err := exampleapi.NewStytch(ctx, api.Server.ProjectID(), api.Server.Secret(), api.Base)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := exampleapi.New(exampleapi.Config{Sessions: clients.Sessions, MaxTokenAge: 5 * time.Minute})
	company := httptest.NewServer(h)
	defer company.Close()

	// A keychain fallback that must not be used while the app runs.
	unused := cli.Keychain{Secrets: keychaintest.NewMemory()}
	var out, errb bytes.Buffer
	if code := cli.Run(ctx, []string{"token"}, cli.Chain{App: agent.Client{Path: path}, Fallback: unused}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	req, _ := http.NewRequest(http.MethodGet, company.URL+"/api/me", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(out.String()))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var me map[string]any
	json.NewDecoder(resp.Body).Decode(&me)
	resp.Body.Close()
	if resp.StatusCode != 200 || me["email_address"] != s.Email || me["member_id"] != s.MemberID {
		t.Fatalf("example API: %d %v", resp.StatusCode, me)
	}

	// Revoked: the app's next refresh is definitive; the CLI says so.
	if _, err := api.Sessions().Revoke(ctx, &sessions.RevokeParams{SessionToken: s.Token}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Refresh(ctx, strings.TrimSpace(out.String())); !errors.Is(err, accesstoken.ErrSessionEnded) {
		t.Fatalf("refresh after revoke: %v", err)
	}
	out.Reset()
	errb.Reset()
	if code := cli.Run(ctx, []string{"token"}, cli.Chain{App: agent.Client{Path: path}}, &out, &errb); code != cli.ExitNotSignedIn || out.Len() != 0 {
		t.Fatalf("after revoke: exit %d %q %q", code, out.String(), errb.String())
	}
}
